"""Heatmap PNG files: the composited image (``replaylens.render.heatmap``) written atomically."""

from __future__ import annotations

from pathlib import Path

from replaylens.analysis.heatmaps.session import HeatmapResult
from replaylens.model.atomic import atomic_path
from replaylens.render.heatmap import encode_png, render


def write_heatmap_png(result: HeatmapResult, screenshot: bytes | None, out: str | Path, *, raw: bool = False,
                      legend: bool = True) -> tuple[int, int]:
    """Write the PNG to ``out`` (via a temporary file, so a failed export leaves no half file). Returns (w, h)."""
    rgba = render(result, screenshot, raw=raw, legend=legend)
    data = encode_png(rgba)
    with atomic_path(Path(out)) as tmp:
        tmp.write_bytes(data)
    return rgba.shape[1], rgba.shape[0]
