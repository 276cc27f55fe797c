"""Heatmap compositing: the overlay on the page screenshot with a legend burned in, or the bare RGBA overlay
(the file writer is ``replaylens.export.heatmap_png``).

Blending is numpy (straight alpha, integer maths); decoding the screenshot (PNG/JPEG/WebP), drawing the legend and
encoding the PNG use QtGui's ``QImage``/``QPainter`` off screen: Qt is already a dependency, its zlib encoder is C,
and it reads every screenshot format a bundle may carry, so a hand-written PNG writer would add code, not value.

Every composited export says what it is built from ("N sessions · M clicks", filters): sampling bias is a real
limit of heatmaps and an image passed around without that line misleads.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from replaylens.analysis.heatmaps.legend import explain, scale_labels
from replaylens.analysis.heatmaps.legend import marks as legend_marks
from replaylens.analysis.heatmaps.session import HeatmapResult
from replaylens.core.colormaps import colour_table
from replaylens.render.image import png_bytes, to_array, to_qimage
from replaylens.render.qt import ensure_gui_app

_TITLES = {"click": "Click map", "move": "Movement map (dwell time)", "scroll": "Scroll reach",
           "attention": "Attention (time in view)"}
_PAGE_BG = (238, 240, 244, 255)  # shown where no screenshot exists
#: Most pixels an exported heatmap image may have (48 MB as RGBA); a bigger page is scaled down to fit
#: (docs/heatmaps.md), so a recording that declares a 100,000 px page cannot make an export allocate gigabytes.
MAX_EXPORT_PIXELS = 12_000_000


def fit_size(w: int, h: int, limit: int = MAX_EXPORT_PIXELS) -> tuple[int, int]:
    """(w, h) scaled down, keeping the aspect ratio, to at most ``limit`` pixels (each side at least 1)."""
    w, h = max(int(w), 1), max(int(h), 1)
    if w * h <= limit:
        return w, h
    s = math.sqrt(limit / (w * h))
    return max(1, int(w * s)), max(1, int(h * s))


def blend(base: np.ndarray, overlay: np.ndarray) -> np.ndarray:
    """Straight-alpha 'over' of RGBA ``overlay`` on an opaque RGBA ``base`` (same shape), uint8 out."""
    a = overlay[..., 3:4].astype(np.uint16)
    out = np.empty_like(base)
    out[..., :3] = ((overlay[..., :3] * a + base[..., :3] * (255 - a) + 127) // 255).astype(np.uint8)
    out[..., 3] = 255
    return out


def base_image(result: HeatmapResult, screenshot: bytes | None) -> tuple[np.ndarray, bool]:
    """The page screenshot as RGBA (H, W, 4), or a plain page-sized canvas when there is none (flag False)."""
    ensure_gui_app()
    if screenshot:
        from PySide6.QtGui import QImage

        img = QImage.fromData(screenshot)
        if not img.isNull():
            fw, fh = fit_size(img.width(), img.height())
            if (fw, fh) != (img.width(), img.height()):
                img = img.scaled(fw, fh)
            return to_array(img), True
    w, h = fit_size(result.page_width, result.page_height)
    return np.broadcast_to(np.array(_PAGE_BG, dtype=np.uint8), (h, w, 4)).copy(), False


def _filters(result: HeatmapResult) -> str:
    parts = []
    lo, hi = result.extra.get("width_range", (-math.inf, math.inf))
    if math.isfinite(lo) or math.isfinite(hi):
        parts.append(f"viewport {lo:.0f}–{hi - 1:.0f} px" if math.isfinite(hi) else f"viewport ≥ {lo:.0f} px")
    if result.extra.get("relative_x"):
        parts.append("x relative to viewport")
    t0, t1 = result.extra.get("t_range", (-math.inf, math.inf))
    if math.isfinite(t0) or math.isfinite(t1):
        parts.append(f"t {max(t0, 0) / 1000:.1f}–{t1 / 1000:.1f} s")
    if result.kind in ("click", "move"):
        parts.append(f"σ {result.sigma:g} px · {result.norm}")
    skipped = result.sessions_outside_width
    if skipped:
        parts.append(f"{skipped} outside width")
    return " · ".join(parts)


def _draw_legend(p: Any, result: HeatmapResult, width: int, height: int, scale: float, has_shot: bool) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QPen

    font = QFont("DejaVu Sans")
    font.setPixelSize(max(10, round(13 * scale)))
    p.setFont(font)
    fm = p.fontMetrics()
    pad, bar_w, bar_h = 8 * scale, 200 * scale, 10 * scale
    lo_label, hi_label = scale_labels(result)
    lines = [f"{_TITLES[result.kind]} · {result.page_url.split('://')[-1]}", explain(result),
             result.summary(), _filters(result)]
    if not has_shot:
        lines.append("no screenshot of this page")
    lines = [s for s in lines if s]
    text_w = max(fm.horizontalAdvance(s) for s in [*lines, f"{lo_label}  {hi_label}"])
    box_w = max(bar_w, text_w) + 2 * pad
    line_h = fm.height()
    box_h = pad * 3 + line_h * (len(lines) + 1) + bar_h
    # bottom-right: headers carry the actions people click; footers rarely matter for a heatmap
    x0, y0 = width - box_w - 10 * scale, height - box_h - 10 * scale
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 255, 255, 230))
    p.drawRoundedRect(QRectF(x0, y0, box_w, box_h), 6 * scale, 6 * scale)
    p.setPen(QColor(30, 34, 42))
    y = y0 + pad
    for s in lines:
        p.drawText(QRectF(x0 + pad, y, box_w - 2 * pad, line_h), int(Qt.AlignmentFlag.AlignLeft), s)
        y += line_h
    table = colour_table(result.cmap, max_alpha=1.0, ramp=1e-9)  # the colours at full strength
    bar = to_qimage(np.ascontiguousarray(table[1:][None, :, :]))
    y += pad / 2
    p.drawImage(QRectF(x0 + pad, y, bar_w, bar_h), bar, QRectF(0, 0, 255, 1))
    p.setPen(QPen(QColor(120, 124, 132), 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(QRectF(x0 + pad, y, bar_w, bar_h))
    y += bar_h + pad / 2
    p.setPen(QColor(30, 34, 42))
    p.drawText(QRectF(x0 + pad, y, bar_w, line_h), int(Qt.AlignmentFlag.AlignLeft), lo_label)
    p.drawText(QRectF(x0 + pad, y, box_w - 2 * pad, line_h), int(Qt.AlignmentFlag.AlignRight), hi_label)


def _draw_marks(p: Any, result: HeatmapResult, width: int, scale: float) -> None:
    """Scroll and attention maps: the average fold (dashed) and, for scroll, where 75/50/25 % of sessions stop."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    marks = [(y, label, QColor(20, 20, 20) if label.startswith("average fold") else QColor(40, 40, 160))
             for y, label in legend_marks(result)]
    for y_css, label, colour in marks:
        y = y_css * scale
        pen = QPen(colour, max(1.0, 1.5 * scale), Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(QPointF(0, y), QPointF(width, y))
        fm = p.fontMetrics()
        tw, th = fm.horizontalAdvance(label) + 12 * scale, fm.height() + 4 * scale
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 220))
        p.drawRect(QRectF(8 * scale, y - th, tw, th))
        p.setPen(colour)
        p.drawText(QRectF(8 * scale, y - th, tw, th), int(Qt.AlignmentFlag.AlignCenter), label)


def render(result: HeatmapResult, screenshot: bytes | None, *, raw: bool = False, legend: bool = True) -> np.ndarray:
    """The exported image as RGBA (H, W, 4): the bare overlay (``raw``) or screenshot + overlay + marks + legend."""
    base, has_shot = base_image(result, screenshot)
    h, w = base.shape[:2]
    overlay = result.overlay(w, h)
    if raw:
        return overlay
    out = blend(base, overlay)
    if not legend:
        return out
    from PySide6.QtGui import QPainter

    img = to_qimage(out)
    scale = w / result.page_width if result.page_width > 0 else 1.0
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if result.kind in ("scroll", "attention"):
            _draw_marks(p, result, w, scale)
        _draw_legend(p, result, w, h, scale, has_shot)
    finally:
        p.end()
    return to_array(img)


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA array (straight alpha kept, so a raw overlay stays transparent)."""
    ensure_gui_app()
    return png_bytes(to_qimage(rgba))
