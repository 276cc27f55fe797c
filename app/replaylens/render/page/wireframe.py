"""The wireframe fallback: a clearly labelled QPainter sketch of the node tree ("Wireframe — page not rendered"),
drawn when QtWebEngine is missing, crashes or times out. QtGui only; works off the GUI thread."""

from __future__ import annotations

from typing import Any

from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.io.rrweb.wireframe_layout import WireBox, wireframe_boxes
from replaylens.render import image

_BANNER = 44
_STYLE = {  # kind -> (pen, brush or None, text colour)
    "block": ("#d3d8e0", None, "#9aa3b2"), "text": (None, None, "#4a5160"), "link": (None, None, "#2f6fdb"),
    "heading": (None, None, "#1f2430"), "input": ("#8a94a6", "#f7f9fc", "#5b6475"),
    "button": ("#5b7bd5", "#e8eefc", "#2f4fa8"), "check": ("#8a94a6", "#ffffff", "#5b6475"),
    "media": ("#c3c8d0", "#eef0f3", "#8a94a6"), "blocked": ("#9aa1ad", "#dde1e6", "#5b6475"),
    "rule": ("#d3d8e0", None, "#d3d8e0"),
}


def draw_wireframe(node: dict[str, Any], w: int, h: int, max_h: int, *, mask_text: bool,
                    reason: str | None, show_values: bool = False,
                    secret_nodes: SecretNodes | None = None) -> tuple[bytes, int]:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPen

    boxes, content_h = wireframe_boxes(node, w, mask_text=mask_text, max_height=max_h - _BANNER,
                                       show_values=show_values, secret_nodes=secret_nodes)
    full = min(max(h, content_h + _BANNER), max_h)
    img = QImage(w, full, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    try:
        font = QFont()
        font.setPixelSize(12)
        p.fillRect(QRect(0, 0, w, _BANNER), QColor("#fff3cd"))
        p.setPen(QColor("#d9b64c"))
        p.drawLine(0, _BANNER - 1, w, _BANNER - 1)
        bold = QFont(font)
        bold.setBold(True)
        bold.setPixelSize(14)
        p.setFont(bold)
        p.setPen(QColor("#6b5200"))
        p.drawText(QRect(10, 4, w - 20, 20), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   "Wireframe \u2014 page not rendered")
        p.setFont(font)
        p.drawText(QRect(10, 23, w - 20, 18), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   p.fontMetrics().elidedText(reason or "rough layout of the recorded page structure",
                                              Qt.TextElideMode.ElideRight, w - 20))
        for b in boxes:
            _draw_box(p, b, _BANNER, font, QRect, QColor, QPen, QBrush, Qt)
    finally:
        p.end()
    return image.png_bytes(img), full


def _draw_box(p: Any, b: WireBox, dy: int, font: Any, QRect: Any, QColor: Any, QPen: Any,
              QBrush: Any, Qt: Any) -> None:
    pen, brush, ink = _STYLE.get(b.kind, _STYLE["block"])
    r = QRect(b.x, b.y + dy, max(b.w, 1), max(b.h, 1))
    if b.kind == "rule":
        p.setPen(QColor(pen))
        p.drawLine(r.left(), r.top(), r.right(), r.top())
        return
    p.setPen(QPen(QColor(pen), 1) if pen else Qt.PenStyle.NoPen)
    if b.kind == "blocked":
        p.fillRect(r, QColor(brush))
        p.fillRect(r, QBrush(QColor("#b8bec8"), Qt.BrushStyle.BDiagPattern))
        p.setBrush(Qt.BrushStyle.NoBrush)
    else:
        p.setBrush(QColor(brush) if brush else Qt.BrushStyle.NoBrush)
    if pen:
        if b.kind in ("input", "button"):
            p.drawRoundedRect(r, 4, 4)
        else:
            p.drawRect(r)
    if b.kind == "media":
        p.drawLine(r.topLeft(), r.bottomRight())
        p.drawLine(r.bottomLeft(), r.topRight())
    if not b.label or b.kind == "block":
        return
    f = type(font)(font)
    if b.kind == "heading":
        f.setBold(True)
        f.setPixelSize(18 if b.h >= 28 else 14)
    f.setUnderline(b.kind == "link")
    f.setBold(f.bold() or b.kind == "button")
    p.setFont(f)
    p.setPen(QColor(ink))
    align = Qt.AlignmentFlag
    if b.kind in ("button", "media", "blocked"):
        flags = align.AlignCenter
    elif b.kind == "input":
        flags = align.AlignLeft | align.AlignVCenter
        r = r.adjusted(8, 0, -8, 0)
    else:
        flags = align.AlignLeft | align.AlignTop | Qt.TextFlag.TextWordWrap
    p.drawText(r, flags, b.label)
