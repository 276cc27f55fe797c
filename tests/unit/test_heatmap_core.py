"""core.heatmap / core.heatmap_kinds / core.colormaps: hand-computed expectations for every numpy kernel."""

from __future__ import annotations

import numpy as np
import pytest

from replaylens.core.colormaps import CMAP_NAMES, apply_table, colour_table, to_index
from replaylens.core.heatmap import (
    accumulate,
    blur,
    colorize,
    gaussian_kernel,
    grid_shape,
    normalize,
    render_overlay,
    upsample,
)
from replaylens.core.heatmap_kinds import (
    band_time,
    device_of,
    dwell_weights,
    group_max,
    last_valid_index,
    reach_profile,
    relative_x,
    width_range,
)


def test_accumulate_bins_weights_and_drops_outside() -> None:
    # page 10 x 6 px, cell 4 -> 2 rows x 3 cols (the last column/row are partial cells)
    x = np.array([0.0, 3.9, 4.0, 9.9, 10.0, -0.1, np.nan, 5.0, 1.0])
    y = np.array([0.0, 3.9, 0.0, 5.9, 1.0, 1.0, 1.0, np.nan, 4.0])
    w = np.array([1.0, 2.0, 4.0, 8.0, 100.0, 100.0, 100.0, 100.0, 16.0])
    g = accumulate(x, y, w, width=10, height=6, cell=4)
    assert g.dtype == np.float32 and g.shape == grid_shape(10, 6, 4) == (2, 3)
    np.testing.assert_array_equal(g, [[3.0, 4.0, 0.0], [16.0, 0.0, 8.0]])
    assert accumulate(x, y, None, 10, 6, 4).sum() == 5  # unweighted: the five points inside


def test_single_point_peaks_where_it_was_placed_on_grid_and_page_pixels() -> None:
    width, height, cell = 400, 300, 4
    g = blur(accumulate(np.array([101.0]), np.array([203.0]), None, width, height, cell), 16 / cell)
    assert np.unravel_index(np.argmax(g), g.shape) == (50, 25)  # 203 // 4, 101 // 4
    for dpr in (1.0, 2.0):  # a 1x and a 2x (retina) screenshot of the same page
        up = upsample(normalize(g), int(width * dpr), int(height * dpr), cell * dpr)
        py, px = np.unravel_index(np.argmax(up), up.shape)
        assert 100 * dpr <= px < 104 * dpr and 200 * dpr <= py < 204 * dpr  # inside the cell holding (101, 203)
        rgba = render_overlay(g, int(width * dpr), int(height * dpr), cell * dpr)
        assert rgba.shape == (int(height * dpr), int(width * dpr), 4)
        assert rgba[int(202 * dpr), int(102 * dpr), 3] == rgba[..., 3].max() > 0
        assert rgba[0, 0, 3] == 0 and rgba[int(202 * dpr), int(300 * dpr), 3] == 0  # far away: transparent


@pytest.mark.parametrize("sigma", [0.5, 4.0, 30.0])  # 30 cells: the rFFT path, radius beyond the grid
def test_blur_conserves_mass_at_edges_and_matches_scipy_reflect(sigma: float) -> None:
    rng = np.random.default_rng(3)
    g = np.zeros((40, 60), dtype=np.float32)
    g[0, 0], g[39, 59], g[0, 30], g[20, 0] = 5, 7, 11, 13  # mass right on the corners and edges
    g[rng.integers(0, 40, 50), rng.integers(0, 60, 50)] += 1
    b = blur(g, sigma)
    assert b.sum() == pytest.approx(float(g.sum()), rel=1e-5)
    assert (b >= 0).all()
    ndimage = pytest.importorskip("scipy.ndimage")
    ref = ndimage.gaussian_filter(g.astype(np.float64), sigma, mode="reflect", truncate=4.0)
    if sigma <= 4:  # scipy folds a kernel wider than the grid differently; below that it is the same operator
        np.testing.assert_allclose(b, ref, atol=1e-5 * float(g.max()))


def test_gaussian_kernel_is_normalised_and_truncated_at_4_sigma() -> None:
    k = gaussian_kernel(4.0)
    assert len(k) == 33 and k.sum() == pytest.approx(1.0) and k.argmax() == 16
    assert k[0] / k[16] == pytest.approx(np.exp(-8.0))


def test_normalisations() -> None:
    g = np.array([[0.0, 1.0, 2.0], [4.0, 8.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(normalize(g, "max"), g / 8)
    p = normalize(g, "p99")
    ref = np.percentile([1, 2, 4, 8], 99)
    np.testing.assert_allclose(p, np.minimum(g / ref, 1), rtol=1e-6)
    lg = normalize(g, "log")  # m = median(1, 2, 4, 8) = 3
    np.testing.assert_allclose(lg, np.log1p(g / 3) / np.log1p(8 / 3), rtol=1e-6)
    for out in (p, lg):
        assert out[0, 0] == 0 and out.max() == pytest.approx(1.0)
    assert not normalize(np.zeros((2, 2))).any()
    with pytest.raises(ValueError, match="unknown normalisation"):
        normalize(g, "sqrt")


def test_colour_tables() -> None:
    for name in CMAP_NAMES:
        t = colour_table(name)
        assert t.shape == (256, 4) and t.dtype == np.uint8
        assert t[0, 3] == 0 and t[255, 3] == round(0.8 * 255)
        assert (np.diff(t[:, 3].astype(int)) >= 0).all()  # alpha ramps in, never down
    classic = colour_table("classic")
    assert tuple(classic[1, :3]) == (0, 4, 255) and tuple(classic[255, :3]) == (255, 0, 0)  # blue ... red
    assert tuple(colour_table("inferno_r")[255, :3]) == (0, 0, 4)
    assert tuple(colour_table("viridis")[255, :3]) == (0xfd, 0xe7, 0x25)
    with pytest.raises(ValueError, match="unknown colour map"):
        colour_table("jet")


def test_colorize_zero_is_transparent_and_index_rounding() -> None:
    np.testing.assert_array_equal(to_index(np.array([0.0, 0.4 / 255, 0.6 / 255, 0.5, 1.0, 7.0])),
                                  [0, 0, 1, 128, 255, 255])
    g = np.zeros((5, 5), dtype=np.float32)
    g[2, 3] = 2.0
    rgba = colorize(g, "classic", "max")
    assert rgba.shape == (5, 5, 4) and rgba[2, 3, 3] > 0 and (rgba[..., 3] > 0).sum() == 1
    table = colour_table("viridis")
    np.testing.assert_array_equal(apply_table(np.array([[0, 255]], dtype=np.uint8), table), table[[0, 255]][None])


def test_upsample_nearest_keeps_cells_in_place() -> None:
    g = np.arange(6, dtype=np.float32).reshape(2, 3)
    up = upsample(g, 6, 4, 2.0, "nearest")
    np.testing.assert_array_equal(up, np.repeat(np.repeat(g, 2, 0), 2, 1))
    bl = upsample(g, 6, 4, 2.0, "bilinear")  # pixel centres 0.5, 1.5 -> grid -0.25 (clamped), 0.25 ...
    assert bl[0, 0] == 0 and bl[0, 1] == pytest.approx(0.25) and bl[3, 5] == 5


def test_dwell_weights_worked_example() -> None:
    """Pointer samples at t = 0, 100, 5100, 5200 ms (page visit 1), then 9000, 9500 ms (visit 2), the recording
    ending at 10,000 ms, cap 2000 ms:
      0 -> next at 100: 100 ms; 100 -> 5100: 5000, capped to 2000; 5100 -> 5200: 100;
      5200: the next sample is on another page visit: 0;  9000 -> 9500: 500;  9500 -> end 10,000: 500."""
    t = np.array([0, 100, 5100, 5200, 9000, 9500])
    visit = np.array([1, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(dwell_weights(t, visit, 2000, end_t=10_000), [100, 2000, 100, 0, 500, 500])
    np.testing.assert_array_equal(dwell_weights(t, visit, 2000)[-1], 0)
    assert dwell_weights(np.array([], dtype=np.int64), np.array([])).shape == (0,)


def test_last_valid_index_resets_per_visit() -> None:
    valid = np.array([False, True, False, False, True, False, False])
    visit = np.array([0, 0, 0, 1, 1, 1, 2])
    np.testing.assert_array_equal(last_valid_index(valid, visit), [-1, 1, 1, -1, 4, 4, -1])


def test_reach_profile_and_group_max() -> None:
    groups, bottoms = group_max(np.array([2, 1, 2, 1, 3, 3]), np.array([900.0, 800, 1500, 1200, np.nan, 700]))
    np.testing.assert_array_equal(groups, [1, 2, 3])
    np.testing.assert_array_equal(bottoms, [1200, 1500, 700])
    depths = np.array([0.0, 700, 701, 1200, 1201, 1500, 1501])
    np.testing.assert_allclose(reach_profile(bottoms, depths), [1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0])


def test_band_time_hand_example() -> None:
    # rows of 10 px, centres 5, 15, 25, ...; viewport [0, 20) for 3 s then [10, 40) for 1 s
    rows = band_time(np.array([0.0, 10.0]), np.array([20.0, 40.0]), np.array([3000.0, 1000.0]), 6, 10.0)
    np.testing.assert_array_equal(rows, [3000, 4000, 1000, 1000, 0, 0])


def test_width_buckets_and_relative_x() -> None:
    np.testing.assert_array_equal(device_of(np.array([1280, 1440, 820, 390, 599, 600, 1023, 1024])),
                                  ["desktop", "desktop", "tablet", "mobile", "mobile", "tablet", "tablet", "desktop"])
    assert width_range("tablet") == (600.0, 1024.0)
    with pytest.raises(ValueError):
        width_range("watch")
    np.testing.assert_allclose(relative_x(np.array([195.0, 640.0, 10.0]), np.array([390, 1280, 0]), 1280),
                               [640.0, 640.0, np.nan])
