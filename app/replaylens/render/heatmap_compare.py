"""The comparison image: A's map, B's map and the difference A − B side by side on the page screenshot, with a
caption strip that names both sides with their n and states the strongest difference in one sentence.

The difference panel uses a diverging palette centred on zero (orange: A more often, blue: B more often) and
paints only cells that are significant after Benjamini–Hochberg; cells that sessions touched but that do not
differ reliably are a light grey wash, so "no colour" never hides "not tested".
"""

from __future__ import annotations

import numpy as np

from replaylens.analysis.heatmaps.library import Comparison
from replaylens.render.heatmap import base_image, blend, render
from replaylens.render.image import to_array
from replaylens.render.qt import ensure_gui_app

_A_RGB = np.array([230, 110, 20], np.float64)  # orange
_B_RGB = np.array([30, 110, 220], np.float64)  # blue
_GREY = (150, 150, 150, 70)
_GAP = 16


def diff_overlay(c: Comparison, out_w: int, out_h: int) -> np.ndarray:
    """RGBA (out_h, out_w, 4) of the difference at the test grid, nearest-upsampled so cells read as areas."""
    d = c.diff
    rows, cols = d.diff.shape
    cell_rgba = np.zeros((rows, cols, 4), np.uint8)
    touched = d.p < 1.0
    cell_rgba[touched & ~d.significant] = _GREY
    mag = np.abs(d.diff)
    peak = float(mag[d.significant].max()) if d.significant.any() else 1.0
    strength = np.clip(mag / peak, 0.0, 1.0)
    for sign, rgb in ((1, _A_RGB), (-1, _B_RGB)):
        m = d.significant & (np.sign(d.diff) == sign)
        cell_rgba[m, :3] = rgb.astype(np.uint8)
        cell_rgba[m, 3] = (90 + 150 * strength[m]).astype(np.uint8)
    scale = out_w / c.map_a.page_width if c.map_a.page_width else 1.0
    ys = np.minimum((np.arange(out_h) / (c.cell * scale)).astype(np.int64), rows - 1)
    xs = np.minimum((np.arange(out_w) / (c.cell * scale)).astype(np.int64), cols - 1)
    return cell_rgba[ys][:, xs]


def _caption(width: int, lines: list[str]) -> np.ndarray:
    """The caption strip; a line longer than the image (narrow phone pages) wraps instead of being cut."""
    from PySide6.QtCore import QRect, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

    ensure_gui_app()
    flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap)
    fonts, heights = [], []
    for i, text in enumerate(lines):
        font = QFont()
        font.setPixelSize(18)
        font.setBold(i == 0)
        fonts.append(font)
        box = QFontMetrics(font).boundingRect(QRect(0, 0, max(width - 32, 50), 100_000), flags, text)
        heights.append(max(30, box.height() + 8))
    img = QImage(width, sum(heights) + 20, QImage.Format.Format_RGBA8888)
    img.fill(QColor(250, 250, 252))
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        y = 10
        for text, font, h in zip(lines, fonts, heights, strict=True):
            p.setFont(font)
            p.setPen(QColor(30, 30, 40))
            p.drawText(QRectF(16, y, width - 32, h), flags, text)
            y += h
    finally:
        p.end()
    return to_array(img)


def render_comparison(c: Comparison, screenshot: bytes | None) -> np.ndarray:
    """The whole comparison image as RGBA."""
    ensure_gui_app()
    left = render(c.map_a, screenshot)
    right = render(c.map_b, screenshot)
    base, _ = base_image(c.map_a, screenshot)
    h, w = base.shape[:2]
    diff = blend(base, diff_overlay(c, w, h))
    panels = [left, right, diff]
    height = max(p.shape[0] for p in panels)
    pad = [np.pad(p, ((0, height - p.shape[0]), (0, 0), (0, 0)), constant_values=255) for p in panels]
    gap = np.full((height, _GAP, 4), 255, np.uint8)
    body = np.concatenate([pad[0], gap, pad[1], gap, pad[2]], axis=1)
    d = c.diff
    lines = [f"{c.map_a.page_title or c.map_a.page_url}: {c.label_a} (n = {d.n_a:,}) · {c.label_b} "
             f"(n = {d.n_b:,}) · difference (orange: {c.label_a} more, blue: {c.label_b} more, grey: no reliable "
             "difference)",
             c.sentence]
    lines += [w for w in (c.map_a.extra.get("warning"), c.map_b.extra.get("warning")) if w]
    return np.concatenate([_caption(body.shape[1], lines), body], axis=0)

