"""export.heatmap_png and ``replaylens heatmap``: image sizes, alpha, legend, exit codes (offscreen Qt)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from replaylens.analysis.heatmaps.session import compute_heatmap
from replaylens.cli import main
from replaylens.io.registry import open_session
from replaylens.render.heatmap import blend, encode_png, render

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def png_header(path: Path) -> tuple[int, int, int]:
    """(width, height, colour type) from the IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    w, h, _depth, ctype = struct.unpack(">IIBB", data[16:26])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    return w, h, ctype


def test_blend_is_straight_alpha_over() -> None:
    base = np.full((1, 3, 4), 200, dtype=np.uint8)
    over = np.array([[[0, 0, 0, 0], [255, 0, 0, 255], [0, 0, 100, 51]]], dtype=np.uint8)
    out = blend(base, over)
    np.testing.assert_array_equal(out[0, :, :3], [[200, 200, 200], [255, 0, 0], [160, 160, 180]])
    assert (out[..., 3] == 255).all()


def test_composite_keeps_the_screenshot_size_and_burns_in_a_legend(demo_path: Path) -> None:
    s = open_session(demo_path)
    try:
        r = compute_heatmap([s], "click", page=0)
        shot = s.screenshot(0)
        img = render(r, shot)
        raw = render(r, shot, raw=True)
        bare = render(r, shot, legend=False)
    finally:
        s.close()
    assert img.shape == raw.shape == bare.shape == (1852, 1280, 4)
    assert raw[0, 0, 3] == 0 and raw[..., 3].max() > 0  # the overlay is transparent where nobody clicked
    changed = np.any(img != bare, axis=2)
    ys, xs = np.nonzero(changed)
    assert xs.min() > 1280 / 2 and ys.min() > 1852 * 0.8  # legend only in the bottom-right corner
    assert render(r, None).shape == (1852, 1280, 4)  # no screenshot: a plain page-sized canvas
    assert encode_png(raw)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kind", ["click", "move", "scroll", "attention"])
def test_cli_writes_a_png_of_the_screenshot_size(kind: str, demo_path: Path, tmp_path: Path, untouched,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    untouched(demo_path)
    out = tmp_path / f"{kind}.png"
    assert main(["heatmap", str(demo_path), "--kind", kind, "--page", "/festival", "--out", str(out)]) == 0
    assert png_header(out)[:2] == (1280, 1852)
    printed = capsys.readouterr().out
    assert "1 used of 1" in printed and "festival" in printed


def test_cli_raw_filters_and_errors(demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "raw.png"
    assert main(["heatmap", str(demo_path), "--kind", "click", "--raw", "--device", "desktop", "--norm", "log",
                 "--cmap", "inferno_r", "--out", str(out)]) == 0
    assert png_header(out) == (1280, 1852, 6)  # RGBA
    assert "7 clicks" in capsys.readouterr().out
    assert main(["heatmap", str(demo_path), "--width", "300-500", "--out", str(out)]) == 0
    assert "0 used of 1" in capsys.readouterr().out
    assert main(["heatmap", str(BAD / "not_a_zip.rlsession"), "--out", str(tmp_path / "x.png")]) == 3
    assert "not_a_zip.rlsession" in capsys.readouterr().err
    assert main(["heatmap", str(demo_path), "--page", "https://nowhere.example/", "--out", str(out)]) == 2
    assert main(["heatmap", str(demo_path), "--cmap", "jet", "--out", str(out)]) == 2
    assert not (tmp_path / "x.png").exists()
    with pytest.raises(SystemExit) as exc:
        main(["heatmap", str(demo_path), "--width", "banana", "--out", str(out)])
    assert exc.value.code == 2
