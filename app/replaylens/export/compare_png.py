"""The comparison PNG file: A, B and A − B side by side (``replaylens.render.heatmap_compare``), written atomically."""

from __future__ import annotations

from pathlib import Path

from replaylens.analysis.heatmaps.library import Comparison
from replaylens.model.atomic import atomic_path
from replaylens.render.heatmap import encode_png
from replaylens.render.heatmap_compare import render_comparison


def write_comparison_png(c: Comparison, screenshot: bytes | None, out: str | Path) -> tuple[int, int]:
    rgba = render_comparison(c, screenshot)
    data = encode_png(rgba)
    with atomic_path(Path(out)) as tmp:
        tmp.write_bytes(data)
    return rgba.shape[1], rgba.shape[0]
