"""Heatmap grid kernels: points -> counts grid -> Gaussian blur -> normalisation, in numpy only; the colours are a
separate lookup (``colourise``) applied when painting, so a new colour map never recomputes a map.

The pipeline is exact and linear until the last step (the route domain.md recommends over heatmap.js' 8-bit,
saturating alpha stamping): ``accumulate`` bins weighted points with one ``np.bincount`` on flat cell indices,
``blur`` convolves with a sampled Gaussian, ``normalize`` maps to 0..1; at paint time ``colourise`` looks 0..1
values up in a 256-entry table (core.colormaps) and ``render_overlay`` upsamples to screenshot pixels first, so
cell centres land on the page pixels they were counted from.

Grid geometry: cell (i, j) covers page CSS px x in [j*cell, (j+1)*cell), y in [i*cell, (i+1)*cell); the grid has
ceil(height/cell) rows and ceil(width/cell) columns. ``cell`` is the resolution choice: 4 CSS px (our default) keeps
a 1280x2000 page at 320x500 cells, so blurring is ~16x cheaper than at 1 px while a 16 px sigma spans 4 cells.

Edges: the blur mirrors at the page border (numpy's "symmetric" padding, scipy's "reflect"), so heat that would
leave the page folds back in and the total weight is conserved (a click on the page edge counts as much as one in
the middle). Weight outside the page before blurring is dropped by ``accumulate`` (and counted by the caller).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from replaylens.core.colormaps import DEFAULT_CMAP, apply_table, colour_table, to_index

Norm = Literal["max", "p99", "log"]
NORMS: tuple[str, ...] = ("max", "p99", "log")

#: Default blur sigma in CSS px. Its visible footprint (about 2.5 sigma = 40 px) matches heatmap.js' default
#: radius of 40 px; Clarity draws a tighter 20 px circle, OGAMA a much wider sigma of ~33 px for gaze.
DEFAULT_SIGMA_PX = 16.0
#: Default grid cell in CSS px (see the module docstring).
DEFAULT_CELL_PX = 4.0
#: Gaussian truncation in sigmas (scipy's default): the tail left out is below half a colour step.
TRUNCATE = 4.0
#: Above this many taps a 1-D blur goes through the rFFT instead of shifted-slice sums.
_MAX_TAPS = 41


def grid_shape(width: float, height: float, cell: float) -> tuple[int, int]:
    """(rows, cols) of the grid covering a ``width`` x ``height`` CSS px page at ``cell`` px per cell."""
    if cell <= 0:
        raise ValueError("cell must be positive")
    return max(1, int(np.ceil(height / cell))), max(1, int(np.ceil(width / cell)))


def accumulate(x: np.ndarray, y: np.ndarray, weights: np.ndarray | None, width: float, height: float,
               cell: float = DEFAULT_CELL_PX, dtype: type[np.floating[Any]] = np.float32) -> np.ndarray:
    """Sum of ``weights`` (1 each if None) per cell, float32 (rows, cols) unless ``dtype`` says otherwise (float64:
    exact sums to add up across sessions). NaN and points outside [0, width) x [0, height) are dropped. One
    bincount on flat indices: the measured floor for this job."""
    rows, cols = grid_shape(width, height, cell)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    # Fast path when every point is inside (the usual case): four reductions instead of a mask and compress.
    # NaN makes min/max NaN, so any NaN takes the checked path.
    all_inside = x.size > 0 and bool(x.min() >= 0 and x.max() < width and y.min() >= 0 and y.max() < height)
    if not all_inside:
        keep = (x >= 0) & (x < width) & (y >= 0) & (y < height)  # NaN compares False: dropped too
        x, y = x[keep], y[keep]
        w = None if w is None else w[keep]
    inv = 1.0 / cell
    ix = (x * inv).astype(np.int64)
    iy = (y * inv).astype(np.int64)
    np.minimum(ix, cols - 1, out=ix)  # x * (1/cell) may round up to the edge just below the page width
    np.minimum(iy, rows - 1, out=iy)
    iy *= cols
    iy += ix
    flat = iy
    counts = np.bincount(flat, weights=w, minlength=rows * cols)
    return counts.astype(dtype, copy=False).reshape(rows, cols)


def gaussian_kernel(sigma: float, truncate: float = TRUNCATE) -> np.ndarray:
    """Sampled Gaussian of ``sigma`` cells, radius ceil(truncate*sigma), normalised to sum 1 (float64)."""
    if sigma <= 0:
        return np.ones(1)
    r = int(np.ceil(truncate * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return k / k.sum()


def _blur_axis(a: np.ndarray, kernel: np.ndarray, axis: int) -> np.ndarray:
    r = len(kernel) // 2
    n = a.shape[axis]
    pad = [(0, 0), (0, 0)]
    pad[axis] = (r, r)
    padded = np.pad(a, pad, mode="symmetric")  # numpy repeats the mirror when r > n
    if len(kernel) <= _MAX_TAPS:
        out = np.zeros_like(a)
        tmp = np.empty_like(a)
        for k, w in enumerate(kernel):  # one pass per tap (<= 41), never per point
            sl = padded[k:k + n] if axis == 0 else padded[:, k:k + n]
            np.multiply(sl, a.dtype.type(w), out=tmp)
            out += tmp
        return out
    length = n + 2 * r
    circ = np.zeros(length)
    circ[:r + 1] = kernel[r:]
    circ[length - r:] = kernel[:r]
    spec = np.fft.rfft(padded, n=length, axis=axis)
    tf = np.fft.rfft(circ).astype(spec.dtype)
    spec *= tf[:, None] if axis == 0 else tf[None, :]
    full = np.fft.irfft(spec, n=length, axis=axis)
    out = (full[r:r + n] if axis == 0 else full[:, r:r + n]).astype(a.dtype)
    np.maximum(out, 0, out=out)  # FFT round-off leaves +-1e-7 ripples where there is nothing
    return out


def blur(grid: np.ndarray, sigma: float, truncate: float = TRUNCATE) -> np.ndarray:
    """Separable Gaussian blur of a 2-D grid by ``sigma`` cells, mirrored edges (total conserved), float32."""
    g = np.asarray(grid, dtype=np.float32)
    if sigma <= 0 or g.size == 0:
        return g.copy()
    kernel = gaussian_kernel(sigma, truncate)
    out = _blur_axis(_blur_axis(g, kernel, 0), kernel, 1)
    if len(kernel) > _MAX_TAPS:
        peak = float(out.max()) if out.size else 0.0
        out[out < peak * 1e-6] = 0.0  # FFT noise floor: nothing must stay faintly coloured
    return out


def normalize(grid: np.ndarray, norm: str = "max", *, percentile: float = 99.0) -> np.ndarray:
    """Map a non-negative grid to float32 0..1 (0 stays 0).

    ``max``: value / maximum. ``p99``: value / the 99th percentile of the non-zero cells, clipped at 1 — one
    runaway hot spot (a rage-click burst) no longer washes out everything else. ``log``: log1p(v/m) / log1p(max/m)
    with m the median of the non-zero cells, so the ramp does not depend on the units (counts or seconds).
    """
    g = np.asarray(grid, dtype=np.float32)
    out = np.zeros_like(g)
    positive = g > 0
    if not positive.any():
        return out
    peak = float(g.max())
    if norm == "max":
        np.divide(g, peak, out=out)
    elif norm == "p99":
        ref = float(np.percentile(g[positive], percentile)) or peak
        np.divide(g, ref, out=out)
        np.minimum(out, 1.0, out=out)
    elif norm == "log":
        m = float(np.median(g[positive]))
        out[...] = np.log1p(g / m) / np.log1p(peak / m)
    else:
        raise ValueError(f"unknown normalisation {norm!r} (known: {', '.join(NORMS)})")
    return out


def finish(counts: np.ndarray, sigma: float, norm: str = "max") -> tuple[np.ndarray, np.ndarray]:
    """The last computing step of a map: (blurred float32 weights, their 0..1 float32 values). ``counts`` are the
    summed weights per cell (any float dtype), ``sigma`` in cells."""
    blurred = blur(np.asarray(counts).astype(np.float32, copy=False), sigma)
    return blurred, normalize(blurred, norm)


def _table(cmap: str | np.ndarray) -> np.ndarray:
    return colour_table(cmap) if isinstance(cmap, str) else np.asarray(cmap, dtype=np.uint8)


def colourise(normalised: np.ndarray, colormap: str | np.ndarray = DEFAULT_CMAP) -> np.ndarray:
    """RGBA uint8 (H, W, 4) of 0..1 values: one lookup in the 256-entry table of ``colormap`` (a name of
    ``core.colormaps`` or a (256, 4) uint8 table). The paint-time step: nothing is recomputed."""
    return apply_table(to_index(normalised), _table(colormap))


def colorize(grid: np.ndarray, cmap: str | np.ndarray = DEFAULT_CMAP, norm: str | None = "max") -> np.ndarray:
    """RGBA uint8 (H, W, 4) of a grid: ``normalize`` (skip with norm=None when already 0..1), then ``colourise``."""
    return colourise(grid if norm is None else normalize(grid, norm), cmap)


def _axis_weights(n_out: int, n_in: int, cell_px: float, mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices i0, i1 and weight of i1 for each output pixel. Output pixel p (centre p+0.5 in output px)
    sits at grid coordinate (p+0.5)/cell_px - 0.5 measured from the centre of cell 0."""
    u = (np.arange(n_out, dtype=np.float64) + 0.5) / cell_px - 0.5
    if mode == "nearest":
        i0 = np.clip(np.floor(u + 0.5), 0, n_in - 1).astype(np.intp)
        return i0, i0, np.zeros(n_out, dtype=np.float32)
    if mode != "bilinear":
        raise ValueError(f"unknown upsampling {mode!r} (nearest or bilinear)")
    f0 = np.floor(u)
    frac = (u - f0).astype(np.float32)
    i0 = np.clip(f0, 0, n_in - 1).astype(np.intp)
    i1 = np.clip(f0 + 1, 0, n_in - 1).astype(np.intp)
    return i0, i1, frac


def upsample(grid: np.ndarray, out_w: int, out_h: int, cell_px: float, mode: str = "bilinear") -> np.ndarray:
    """Resample a (rows, cols) float grid to (out_h, out_w) pixels, ``cell_px`` output px per cell (cell size in
    CSS px x device pixel ratio), separably. Cells keep their place: no stretch to fit the output size."""
    g = np.asarray(grid, dtype=np.float32)
    r0, r1, fy = _axis_weights(out_h, g.shape[0], cell_px, mode)
    c0, c1, fx = _axis_weights(out_w, g.shape[1], cell_px, mode)
    if mode == "nearest":
        return np.take(np.take(g, r0, axis=0), c0, axis=1)
    rows = np.take(g, r0, axis=0) * (1 - fy)[:, None] + np.take(g, r1, axis=0) * fy[:, None]
    out = np.take(rows, c0, axis=1)  # np.take keeps C order (rows[:, idx] may not)
    out *= (1 - fx)[None, :]
    out += np.take(rows, c1, axis=1) * fx[None, :]
    return out


def render_overlay(grid: np.ndarray, out_w: int, out_h: int, cell_px: float, *, cmap: str | np.ndarray = DEFAULT_CMAP,
                   norm: str | None = "max", mode: str = "bilinear") -> np.ndarray:
    """RGBA uint8 (out_h, out_w, 4) overlay for a screenshot: normalise at grid resolution (cheap), upsample the
    0..1 values (smooth, exact placement), then one table lookup per output pixel."""
    values = grid if norm is None else normalize(grid, norm)
    return colourise(upsample(values, out_w, out_h, cell_px, mode), cmap)
