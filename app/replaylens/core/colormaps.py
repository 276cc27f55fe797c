"""256-entry RGBA colour tables for heatmaps, and the float-grid -> RGBA lookup.

No matplotlib: each table is interpolated (in sRGB, piecewise linear) from a handful of anchor colours entered by
hand. ``viridis`` and ``inferno`` use the anchors of matplotlib's perceptually uniform maps sampled at equal steps
(van der Walt & Smith, CC0), which is close enough to the originals that their perceptual ordering holds;
``classic`` is the blue -> cyan -> green -> yellow -> red ramp of heatmap.js / Hotjar that users already read.

Index 0 is "nothing here" and fully transparent. Alpha then ramps in (square-root ramp up to ``ramp`` of the
range, so faint areas fade out softly instead of ending in a hard edge, yet a single click among hundreds stays
visible), and is ``max_alpha`` above that. Colours are straight (not premultiplied) RGBA.
"""

from __future__ import annotations

import numpy as np

#: Anchor colours, evenly spaced over 0..1 (low -> high).
ANCHORS: dict[str, tuple[str, ...]] = {
    # blue -> cyan -> green -> yellow -> red, as heatmap.js' default gradient and Hotjar's click maps
    "classic": ("#0000ff", "#00c8ff", "#00e65a", "#ffff00", "#ff8000", "#ff0000"),
    "viridis": ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"),
    "inferno": ("#000004", "#1b0c41", "#4a0c6b", "#781c6d", "#a52c60", "#cf4446", "#ed6925", "#fb9b06", "#f7d13d",
                "#fcffa4"),
}
#: Our default: the top of viridis/inferno is pale yellow, which vanishes on the white pages most screenshots
#: show; the classic ramp ends in saturated red and is what Hotjar/Clarity users already know how to read.
DEFAULT_CMAP = "classic"
CMAP_NAMES: tuple[str, ...] = tuple(ANCHORS)


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def colour_table(name: str = DEFAULT_CMAP, *, max_alpha: float = 0.8, ramp: float = 0.35,
                 reverse: bool = False) -> np.ndarray:
    """A (256, 4) uint8 RGBA table. Entry 0 is fully transparent; alpha ramps in over the first ``ramp``.

    ``name`` may end in ``_r`` for the reversed table. Raises ValueError for an unknown name.
    """
    if name.endswith("_r"):
        name, reverse = name[:-2], not reverse
    if name not in ANCHORS:
        raise ValueError(f"unknown colour map {name!r} (known: {', '.join(CMAP_NAMES)})")
    anchors = np.array([_hex(c) for c in ANCHORS[name]], dtype=np.float64)
    if reverse:
        anchors = anchors[::-1]
    pos = np.linspace(0.0, 1.0, len(anchors))
    v = np.linspace(0.0, 1.0, 256)
    rgb = np.stack([np.interp(v, pos, anchors[:, k]) for k in range(3)], axis=1)
    alpha = max_alpha * np.sqrt(np.clip(v / max(ramp, 1e-9), 0.0, 1.0))
    alpha[0] = 0.0
    table = np.empty((256, 4), dtype=np.uint8)
    table[:, :3] = np.rint(rgb).astype(np.uint8)
    table[:, 3] = np.rint(alpha * 255).astype(np.uint8)
    return table


def to_index(norm: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8 indices 0..255 (rounded; below 0.5/255 is 0, i.e. transparent).

    Rounding rather than ceil matters: the far tail of a Gaussian (4 sigma: 0.03 % of the peak) must not draw a
    faint disc with a hard edge around every point.
    """
    scaled = np.multiply(norm, 255.0, dtype=np.float32)
    np.clip(scaled, 0.0, 255.0, out=scaled)
    np.rint(scaled, out=scaled)
    return scaled.astype(np.uint8)


def apply_table(index: np.ndarray, table: np.ndarray) -> np.ndarray:
    """uint8 indices (H, W) -> RGBA uint8 (H, W, 4) through a (256, 4) table (one 32-bit gather per pixel)."""
    flat = np.ascontiguousarray(table, dtype=np.uint8).view(np.uint32).reshape(256)
    out = flat[np.ascontiguousarray(index)]
    return out.view(np.uint8).reshape(*index.shape, 4)
