"""Paint annotations on a replay frame, and burn redactions into it.

One painter for the viewer's canvas and every exporter (view PNG, full page, PDF, clips), plugged into
``FrameRenderer`` as an overlay. Marks are drawn in page CSS px through the frame's page transform, so text and
stroke widths scale with the page exactly like the screenshot under them.

Redactions are *burned in*, not laid over: ``redact_solid`` paints an opaque box; ``redact_blur`` reads back the
already-painted pixels of the device region from the QImage being painted, pixelates them (block means over cells
of ``MOSAIC_CSS_PX`` page px, at least ``MIN_CELL_PX`` device px) and writes the blocks back, so the original pixels
are gone from the output. Redactions are painted before every other mark, so arrows and notes stay readable on top.
When the paint device is not a QImage (a widget on screen) the pixels cannot be read back: pass ``backdrop``, a
callable returning the frame rendered without annotations into a QImage of the device's size (the viewer's
controller does), else the blur is drawn as an opaque grey mosaic, which hides as much.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QTransform

from replaylens.model.annotations import Annotation, AnnotationSet, handles
from replaylens.render.frame import FrameGeometry, Overlay
from replaylens.render.image import to_array, to_qimage

FONT_PX = 15.0  # note text, page CSS px
TEXT_WRAP_PX = 300.0
STEP_RADIUS_PX = 14.0
MOSAIC_CSS_PX = 12.0  # one pixelation cell ≈ a line of body text: no glyph survives
MIN_CELL_PX = 6
HANDLE_PX = 7.0
SOLID_REDACT = QColor("#16181d")

Selected = str | None | Callable[[], str | None]
#: Returns the frame as painted so far, device-sized (same device pixel ratio), for devices that cannot be read.
Backdrop = Callable[[], QImage | None]


def page_transform(g: FrameGeometry) -> QTransform:
    """Page CSS px → painter coordinates of the frame."""
    s = g.scale
    return QTransform(s, 0, 0, s, g.dst.left() - g.src.left() * s, g.dst.top() - g.src.top() * s)


def _font(px: float = FONT_PX, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    return f


def text_box(a: Annotation) -> QRectF:
    """The note box of a ``text`` annotation in page px, centred on (x2, y2)."""
    fm = QFontMetricsF(_font())
    r = fm.boundingRect(QRectF(0, 0, TEXT_WRAP_PX, 1e6), int(Qt.TextFlag.TextWordWrap), a.text or " ")
    w, h = r.width() + 20, r.height() + 12
    return QRectF(a.x2 - w / 2, a.y2 - h / 2, w, h)


def bounds(a: Annotation) -> QRectF:
    """Everything the annotation covers, in page px (selection outline, hit testing)."""
    left, top, right, bottom = a.rect
    r = QRectF(left, top, right - left, bottom - top)
    if a.kind == "text":
        return text_box(a).united(QRectF(a.x1 - 4, a.y1 - 4, 8, 8))
    if a.kind == "step":
        rad = STEP_RADIUS_PX
        r = QRectF(a.x1 - rad, a.y1 - rad, 2 * rad, 2 * rad)
        if a.text:
            fm = QFontMetricsF(_font())
            r = r.united(QRectF(a.x1 + rad + 4, a.y1 - fm.height() / 2, fm.horizontalAdvance(a.text) + 16, fm.height()))
    return r


def hit_test(annotations: Iterable[Annotation], page: int, x: float, y: float, t: float | None,
             tolerance: float = 4.0) -> Annotation | None:
    """The topmost annotation under page point (x, y) visible at t; ``tolerance`` in page px."""
    for a in reversed(list(annotations)):
        if not a.visible_at(page, t):
            continue
        if a.kind == "arrow":
            if _seg_dist(x, y, a.x1, a.y1, a.x2, a.y2) <= tolerance + a.width:
                return a
        elif a.kind == "text":
            if text_box(a).adjusted(-tolerance, -tolerance, tolerance, tolerance).contains(QPointF(x, y)) or \
                    _seg_dist(x, y, a.x1, a.y1, a.x2, a.y2) <= tolerance + 2:
                return a
        elif bounds(a).adjusted(-tolerance, -tolerance, tolerance, tolerance).contains(QPointF(x, y)):
            return a
    return None


def _seg_dist(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    L2 = dx * dx + dy * dy
    f = 0.0 if L2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / L2))
    return math.hypot(px - (ax + f * dx), py - (ay + f * dy))


# -- redaction -------------------------------------------------------------------------------------------------
def pixelate(rgba: np.ndarray, cell: int) -> np.ndarray:
    """Replace every ``cell``×``cell`` block (the last ones may be smaller) by its mean colour; returns a new array."""
    h, w = rgba.shape[:2]
    ys, xs = np.arange(0, h, cell), np.arange(0, w, cell)
    sums = np.add.reduceat(np.add.reduceat(rgba.astype(np.float64), ys, axis=0), xs, axis=1)
    ch = np.diff(np.append(ys, h))[:, None, None]
    cw = np.diff(np.append(xs, w))[None, :, None]
    means = np.rint(sums / (ch * cw)).astype(np.uint8)
    return np.repeat(np.repeat(means, ch.ravel(), axis=0), cw.ravel(), axis=1)


def _burn_blur(p: QPainter, r: QRectF, cell_css: float, scale: float, backdrop: Backdrop | None = None) -> bool:
    """Pixelate the painter-coordinate rect ``r`` of the QImage being painted (or of ``backdrop()`` when the device
    is not a QImage); False when there are no pixels to read."""
    device = p.device()
    dev: QImage | None = device if isinstance(device, QImage) else None
    if dev is None:
        dev = backdrop() if backdrop is not None else None
        if dev is None or dev.isNull():
            return False
    dpr = dev.devicePixelRatio()
    # painter coords -> image pixels. Not deviceTransform(): on a widget it includes the offset of the widget in
    # the window's backing store, which the backdrop (rendered in widget coordinates) does not have.
    to_px = p.combinedTransform() * QTransform.fromScale(dpr, dpr)
    px = to_px.mapRect(r).toAlignedRect().intersected(dev.rect())
    if px.isEmpty():
        return True
    cell = max(MIN_CELL_PX, round(cell_css * scale * dpr))
    arr = to_array(dev.copy(px), QImage.Format.Format_ARGB32)
    out = pixelate(arr, cell)
    out[..., 3] = 255
    p.save()
    p.setClipping(False)
    p.setWorldTransform(QTransform.fromScale(1 / dpr, 1 / dpr))
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
    p.drawImage(QRectF(px), to_qimage(out, QImage.Format.Format_ARGB32))
    p.restore()
    return True


def _paint_redaction(p: QPainter, g: FrameGeometry, a: Annotation, backdrop: Backdrop | None = None) -> None:
    left, top, right, bottom = a.rect
    r = g.rect_to_device(QRectF(left, top, right - left, bottom - top))
    if a.kind == "redact_blur" and _burn_blur(p, r, MOSAIC_CSS_PX, g.scale, backdrop):
        return
    p.save()
    p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
    if a.kind == "redact_solid":
        p.fillRect(r, SOLID_REDACT)
    else:  # no read-back possible: an opaque mosaic that hides everything under it
        cell = max(MIN_CELL_PX, MOSAIC_CSS_PX * g.scale)
        p.fillRect(r, QColor("#9aa0ab"))
        p.setClipRect(r, Qt.ClipOperation.IntersectClip)
        shade = QColor("#b4b9c2")
        y, row = r.top(), 0
        while y < r.bottom():
            x = r.left() + (cell if row % 2 else 0)
            while x < r.right():
                p.fillRect(QRectF(x, y, cell, cell), shade)
                x += 2 * cell
            y += cell
            row += 1
    p.restore()


# -- marks -----------------------------------------------------------------------------------------------------
def _pen(a: Annotation, color: QColor | None = None, extra: float = 0.0) -> QPen:
    pen = QPen(color or QColor(a.color), a.width + extra)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _halo() -> QColor:
    return QColor(255, 255, 255, 235)


def _outline() -> QColor:
    return QColor(20, 23, 31, 190)


#: Every stroke is drawn three times, widest first: a dark outline, a white halo, then the colour. Whatever the
#: page behind it (a white form, a dark hero, the red festival banner under a red arrow), one of the three
#: contrasts with it, so a mark never vanishes into the background.
def _layers(color: QColor) -> tuple[tuple[QColor, float], ...]:
    return ((_outline(), 7.0), (_halo(), 3.5), (color, 0.0))


def _arrow_path(a: Annotation) -> tuple[QPainterPath, QPainterPath]:
    """The shaft (stopping inside the head) and the filled head of an arrow, page px."""
    ang = math.atan2(a.y2 - a.y1, a.x2 - a.x1)
    head = max(10.0, a.width * 3.6)
    tip = QPointF(a.x2, a.y2)
    left = tip - QPointF(head * math.cos(ang - 0.42), head * math.sin(ang - 0.42))
    right = tip - QPointF(head * math.cos(ang + 0.42), head * math.sin(ang + 0.42))
    shaft = QPainterPath(QPointF(a.x1, a.y1))
    shaft.lineTo(tip - QPointF(head * 0.7 * math.cos(ang), head * 0.7 * math.sin(ang)))
    h = QPainterPath(tip)
    h.lineTo(left)
    h.lineTo(right)
    h.closeSubpath()
    return shaft, h


def _paint_mark(p: QPainter, a: Annotation) -> None:
    """One non-redaction annotation; the painter is in page px."""
    color = QColor(a.color)
    left, top, right, bottom = a.rect
    box = QRectF(left, top, right - left, bottom - top)
    if a.kind == "arrow":
        shaft, head = _arrow_path(a)
        for pen_color, extra in _layers(color):
            p.setPen(_pen(a, pen_color, extra))
            p.setBrush(QBrush(pen_color))
            p.drawPath(shaft)
            p.drawPath(head)
    elif a.kind in ("rect", "ellipse"):
        p.setBrush(Qt.BrushStyle.NoBrush)
        for pen_color, extra in _layers(color):
            p.setPen(_pen(a, pen_color, extra))
            p.drawRoundedRect(box, 4, 4) if a.kind == "rect" else p.drawEllipse(box)
    elif a.kind == "highlight":
        fill = QColor(color)
        fill.setAlpha(110)
        p.save()
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Multiply)
        p.fillRect(box, fill)
        p.restore()
    elif a.kind == "text":
        _paint_callout(p, a, color)
    elif a.kind == "step":
        _paint_step(p, a, color)


def _paint_callout(p: QPainter, a: Annotation, color: QColor) -> None:
    tb = text_box(a)
    anchor = QPointF(a.x1, a.y1)
    if not tb.contains(anchor):
        c = tb.center()
        for pen_color, extra in _layers(color):
            p.setPen(_pen(a, pen_color, extra))
            p.drawLine(anchor, c)  # the box is drawn over the inner half
        p.setBrush(color)
        p.setPen(QPen(QColor("white"), 1.5))
        p.drawEllipse(anchor, 4.5, 4.5)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(_outline(), 1.2))
        p.drawEllipse(anchor, 6.0, 6.0)
    p.setBrush(QColor(255, 255, 255, 245))
    p.setPen(QPen(_outline(), 4.5))
    p.drawRoundedRect(tb, 6, 6)
    p.setPen(QPen(color, 2))
    p.drawRoundedRect(tb, 6, 6)
    p.setPen(QColor("#14171f"))
    p.setFont(_font())
    p.drawText(tb.adjusted(10, 6, -10, -6), int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), a.text)


def _paint_step(p: QPainter, a: Annotation, color: QColor) -> None:
    c, rad = QPointF(a.x1, a.y1), STEP_RADIUS_PX
    p.setPen(QPen(_outline(), 5.5))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(c, rad, rad)
    p.setPen(QPen(QColor("white"), 2.5))
    p.setBrush(color)
    p.drawEllipse(c, rad, rad)
    p.setPen(QColor("white"))
    p.setFont(_font(15 if a.step < 100 else 11, bold=True))
    p.drawText(QRectF(c.x() - rad, c.y() - rad, 2 * rad, 2 * rad), int(Qt.AlignmentFlag.AlignCenter), str(a.step))
    if a.text:
        fm = QFontMetricsF(_font())
        lab = QRectF(c.x() + rad + 4, c.y() - fm.height() / 2 - 3, fm.horizontalAdvance(a.text) + 16, fm.height() + 6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 23, 31, 225))
        p.drawRoundedRect(lab, 5, 5)
        p.setPen(QColor("white"))
        p.setFont(_font())
        p.drawText(lab, int(Qt.AlignmentFlag.AlignCenter), a.text)


def _paint_selection(p: QPainter, g: FrameGeometry, a: Annotation) -> None:
    """Dashed outline and square handles, in device px so they keep their size at any zoom."""
    p.save()
    p.setPen(QPen(QColor("#2d7ff9"), 1.2, Qt.PenStyle.DashLine))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(g.rect_to_device(bounds(a)).adjusted(-3, -3, 3, 3))
    p.setPen(QPen(QColor("#2d7ff9"), 1.5))
    p.setBrush(QColor("white"))
    for _name, hx, hy in handles(a):
        c = g.to_device(hx, hy)
        p.drawRect(QRectF(c.x() - HANDLE_PX / 2, c.y() - HANDLE_PX / 2, HANDLE_PX, HANDLE_PX))
    p.restore()


def paint_annotations(p: QPainter, g: FrameGeometry, t: float, annotations: AnnotationSet | Iterable[Annotation],
                      *, selected_id: str | None = None, all_times: bool = False,
                      backdrop: Backdrop | None = None) -> None:
    """Paint the annotations of ``g.page`` shown at ``t`` (every one of the page with ``all_times``)."""
    aset = annotations if isinstance(annotations, AnnotationSet) else AnnotationSet(list(annotations))
    items = aset.visible(g.page, None if all_times else t)
    if not items:
        return
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    for a in items:
        if a.is_redaction:
            _paint_redaction(p, g, a, backdrop)
            continue
        p.save()
        p.setTransform(page_transform(g), True)
        _paint_mark(p, a)
        p.restore()
    chosen = aset.find(selected_id)
    if chosen is not None and chosen in items:
        _paint_selection(p, g, chosen)
    p.restore()


def annotation_overlay(annotations: AnnotationSet, selected_id: Selected = None, *,
                       all_times: bool = False) -> Overlay:
    """A ``FrameOptions.overlays`` entry painting ``annotations`` (a live set: later edits show on the next frame).
    ``selected_id`` may be a callable returning the current selection, for the editor."""

    def overlay(p: QPainter, g: FrameGeometry, t: float) -> None:
        sel = selected_id() if callable(selected_id) else selected_id
        paint_annotations(p, g, t, annotations, selected_id=sel, all_times=all_times)

    return overlay
