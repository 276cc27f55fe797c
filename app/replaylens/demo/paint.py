"""Draw the demo pages as screenshots with QPainter on a QImage (off screen; no window, no browser)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from replaylens.demo.layout import Element, PageLayout
from replaylens.render.image import png_bytes
from replaylens.render.qt import ensure_gui_app

if TYPE_CHECKING:  # Qt is imported when a page is drawn, not when the demo package is
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

_COL = {
    "bg": "#f6f7fb", "ink": "#141a2e", "muted": "#5b6478", "brand": "#3b3bd6", "brand_ink": "#ffffff",
    "card": "#ffffff", "line": "#dfe3ee", "header": "#ffffff", "footer": "#141a2e", "input": "#ffffff",
}

_BANNER_TEXT = {"Songkran": ("Songkran", "No fees on your first deposit and +3 % APY on ETH staking until 20 April.")}


def render_page(page: PageLayout, dpr: float = 1.0) -> bytes:
    """PNG bytes of a full-page screenshot of ``page`` at ``dpr`` device pixels per CSS pixel."""
    ensure_gui_app()
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter

    img = QImage(int(page.width * dpr), int(page.height * dpr), QImage.Format.Format_RGB32)
    img.fill(QColor(_COL["bg"]))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    p.scale(dpr, dpr)
    # fixed elements are painted where they sit at scroll 0 (the top of the page), like a full-page capture
    for e in page.elements:
        _draw(p, e, QRectF(e.x, e.y, e.w, e.h))
    p.end()
    return png_bytes(img, 6)


def _font(p: QPainter, size: float, bold: bool = False) -> None:
    from PySide6.QtGui import QFont

    f = QFont("DejaVu Sans")
    f.setPixelSize(int(size))
    f.setBold(bold)
    p.setFont(f)


def _draw(p: QPainter, e: Element, r: QRectF) -> None:
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPen

    assert isinstance(r, QRectF)
    C = _COL
    align_l = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    center = Qt.AlignmentFlag.AlignCenter
    nopen = Qt.PenStyle.NoPen
    s = e.style
    if s == "header":
        p.fillRect(r, QColor(C["header"]))
        p.setPen(QPen(QColor(C["line"])))
        p.drawLine(QPointF(r.left(), r.bottom()), QPointF(r.right(), r.bottom()))
    elif s == "logo":
        p.setPen(nopen)
        p.setBrush(QColor(C["brand"]))
        p.drawEllipse(QRectF(r.left(), r.top() + 4, 28, 28))
        _font(p, 22, True)
        p.setPen(QColor(C["ink"]))
        p.drawText(r.adjusted(36, 0, 0, 0), align_l, e.label)
    elif s == "navlink":
        _font(p, 15)
        p.setPen(QColor(C["muted"]))
        p.drawText(r, align_l, e.label)
    elif s in ("button", "cta", "ghost"):
        fill = QColor(C["brand"]) if s != "ghost" else QColor(C["card"])
        p.setPen(QPen(QColor(C["brand"]), 1.5))
        p.setBrush(fill)
        p.drawRoundedRect(r, 10, 10)
        _font(p, 18 if s == "cta" else 15, True)
        p.setPen(QColor(C["brand_ink"] if s != "ghost" else C["brand"]))
        p.drawText(r, center, e.label)
    elif s == "link":
        _font(p, 16, True)
        p.setPen(QColor(C["brand"]))
        p.drawText(r, align_l, e.label)
    elif s in ("h1", "h2", "lead", "text", "muted", "label"):
        size = {"h1": 44, "h2": 30, "lead": 19, "text": 16, "muted": 14, "label": 14}[s]
        _font(p, size, s in ("h1", "h2", "label"))
        p.setPen(QColor(C["muted"] if s in ("muted", "lead") else C["ink"]))
        p.drawText(r, align_l, e.label)
    elif s == "banner":
        g = QLinearGradient(r.topLeft(), r.bottomRight())
        g.setColorAt(0, QColor("#ff7a18"))
        g.setColorAt(0.55, QColor("#d6246e"))
        g.setColorAt(1, QColor("#5b2bd6"))
        p.setPen(nopen)
        p.setBrush(QBrush(g))
        p.drawRoundedRect(r, 18, 18)
        for i in range(7):  # lanterns
            cx = r.left() + r.width() * (0.55 + 0.065 * i)
            cy = r.top() + 60 + (i % 3) * 46
            p.setBrush(QColor(255, 214, 102, 230))
            p.drawEllipse(QPointF(cx, cy), 18, 24)
            p.setBrush(QColor(255, 255, 255, 60))
            p.drawEllipse(QPointF(cx, cy), 30, 36)
        _font(p, 38, True)
        p.setPen(QColor("#ffffff"))
        title, sub = _BANNER_TEXT.get(e.label[:8], ("Lantern Festival",
                                                    "+5 % APY boost on ETH staking until 30 November. Terms apply."))
        p.drawText(QRectF(r.left() + 36, r.top() + 40, r.width() * 0.55, 100),
                   Qt.TextFlag.TextWordWrap | align_l, title)
        _font(p, 20)
        p.drawText(QRectF(r.left() + 36, r.top() + 130, r.width() * 0.5, 90),
                   Qt.TextFlag.TextWordWrap | align_l, sub)
    elif s in ("card", "row", "faq"):
        p.setPen(QPen(QColor(C["line"])))
        p.setBrush(QColor(C["card"]))
        p.drawRoundedRect(r, 12 if s == "card" else 6, 12 if s == "card" else 6)
        _font(p, 20 if s == "card" else 16, s == "card")
        p.setPen(QColor(C["ink"]))
        p.drawText(r.adjusted(20, 0, -20, 0), (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                                               | Qt.TextFlag.TextWordWrap)
                   if s == "card" else align_l, ("\n" if s == "card" else "") + e.label
                   + ("  ▾" if s == "faq" else ""))
    elif s in ("input", "select"):
        p.setPen(QPen(QColor("#b8bfd0"), 1.2))
        p.setBrush(QColor(C["input"]))
        p.drawRoundedRect(r, 8, 8)
        _font(p, 15)
        p.setPen(QColor("#9aa3b5"))
        hint = {"email": "name@example.com", "password": "••••••••", "number": "0.00"}.get(e.input_type or "", "")
        p.drawText(r.adjusted(14, 0, -14, 0), align_l, e.label if s == "select" else hint)
        if s == "select":
            p.drawText(r.adjusted(0, 0, -16, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "▾")
    elif s == "checkbox":
        p.setPen(QPen(QColor("#b8bfd0"), 1.2))
        p.setBrush(QColor(C["input"]))
        p.drawRoundedRect(QRectF(r.left(), r.top() + 4, 20, 20), 4, 4)
        _font(p, 15)
        p.setPen(QColor(C["ink"]))
        p.drawText(r.adjusted(32, 0, 0, 0), align_l, e.label)
    elif s == "dropzone":
        pen = QPen(QColor(C["brand"]), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(QColor("#eef0ff"))
        p.drawRoundedRect(r, 14, 14)
        _font(p, 18, True)
        p.setPen(QColor(C["brand"]))
        p.drawText(r.adjusted(0, -20, 0, -20), center, "⬆  Drop your ID here, or click to browse")
        _font(p, 14)
        p.setPen(QColor(C["muted"]))
        p.drawText(r.adjusted(0, 40, 0, 40), center, e.label)
    elif s == "footer":
        p.fillRect(r, QColor(C["footer"]))
        _font(p, 14)
        p.setPen(QColor("#aab2c8"))
        p.drawText(r, center, e.label)
