"""Paint one replay frame with QPainter: page screenshot, heatmap overlay, trail, click ripples, masked input,
cursor, overlays (annotations) and an optional caption. The viewer's canvas and every exporter use this one
renderer, so an exported PNG or clip shows exactly what the viewer shows.

Works on any paint device (a widget, or a QImage off screen). Geometry is CSS px of the page; the screenshot may be
larger by the device pixel ratio, which is read from the image itself (image width / page width).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QImageReader, QPainter, QPainterPath, QPen, QPolygonF

from replaylens.core.replay import ReplayIndex, count_le
from replaylens.core.timefmt import fmt_ms
from replaylens.model.session import Session
from replaylens.render.findings_paint import event_boxes, paint_findings, showing

QImageReader.setAllocationLimit(1024)  # MB; tall full-page screenshots exceed Qt's 256 MB default

RIPPLE_MS = 900
INPUT_BADGE_MS = 2500
#: Whole-page mode shrinks a page to fit the view, but not below this share of the fit-width scale.
MIN_OVERVIEW_WIDTH_SHARE = 0.1


@dataclass(frozen=True)
class FrameGeometry:
    """Where the page is on the paint device: device = offset + (page - src) * scale."""

    page: int
    src: QRectF  # page CSS px shown
    dst: QRectF  # device px it is drawn into
    scroll: tuple[float, float]
    viewport: tuple[int, int]

    @property
    def scale(self) -> float:
        return self.dst.width() / max(self.src.width(), 1e-9)

    def to_device(self, px: float, py: float) -> QPointF:
        s = self.scale
        return QPointF(self.dst.left() + (px - self.src.left()) * s, self.dst.top() + (py - self.src.top()) * s)

    def to_page(self, dx: float, dy: float) -> tuple[float, float]:
        s = self.scale
        return self.src.left() + (dx - self.dst.left()) / s, self.src.top() + (dy - self.dst.top()) / s

    def rect_to_device(self, r: QRectF) -> QRectF:
        a = self.to_device(r.left(), r.top())
        b = self.to_device(r.right(), r.bottom())
        return QRectF(a, b)


#: Something else to draw on top (annotations, findings): called with the painter and the frame geometry.
Overlay = Callable[[QPainter, FrameGeometry, float], None]


@dataclass
class FrameOptions:
    mode: str = "follow"  # "follow": the customer's viewport; "overview": the whole page with a viewport box
    trail_s: float = 3.0
    show_clicks: bool = True
    show_cursor: bool = True
    caption: bool = False
    heatmap: QImage | None = None  # page-sized RGBA overlay for the current page (CSS px or any multiple)
    heatmap_opacity: float = 0.7
    heatmap_cell: float | None = None  # CSS px per heatmap pixel (a grid-resolution map); None: page-sized
    overlays: list[Overlay] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)  # friction findings to highlight (export.findings_paint)
    heatmap_marks: list[tuple[float, str]] = field(default_factory=list)  # (page y CSS px, label): fold, reach
    zoom: float = 1.0  # follow mode: 1 = fit; >1 zooms around the cursor
    pan: tuple[float, float] = (0.0, 0.0)  # device px


class PageImages:
    """Decoded page screenshots, decoded on first use (never as QPixmap: tall pages). With ``t`` the page state
    (DOM keyframe) in force at ``t`` is shown; the most recently used ``MAX_DECODED`` images stay decoded."""

    MAX_DECODED = 8

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: OrderedDict[str | None, QImage | None] = OrderedDict()
        #: page -> a picture rendered on demand for one moment (render/exact_state.py), shown instead of the states
        self.exact: dict[int, QImage] = {}

    def get(self, page: int, t: float | None = None) -> QImage | None:
        if page in self.exact:
            return self.exact[page]
        name = self.session.screenshot_name(page, t)
        if name is None:
            return None
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        data = self.session.load_image(name)
        img = QImage.fromData(data) if data else QImage()
        self._cache[name] = img if not img.isNull() else None
        while len(self._cache) > self.MAX_DECODED:
            self._cache.popitem(last=False)
        return self._cache[name]

    def page_size(self, page: int, t: float | None = None) -> tuple[float, float]:
        if page in self.exact:
            return float(self.exact[page].width()), float(self.exact[page].height())
        pw, ph = self.session.screenshot_size(page, t)
        img = self.get(page, t) if not (pw and ph) else None
        w = float(pw) if pw else float(img.width() if img else self.session.manifest.viewport_width)
        h = float(ph) if ph else float(img.height() if img else self.session.manifest.viewport_height)
        return w, h


class FrameRenderer:
    def __init__(self, session: Session, index: ReplayIndex) -> None:
        self.session = session
        self.index = index
        self.images = PageImages(session)
        a = session.arrays
        inp = a.mask("input")
        self._input_t = a.t[inp]
        self._input_len = a.value_len[inp]
        self._input_page = a.page[inp]
        self._boxes: np.ndarray | None = None  # element boxes by event index, read on the first finding painted
        self._boxes_read = False

    # -- geometry --------------------------------------------------------------------------------------------
    def geometry(self, t: float, device: QRectF, opts: FrameOptions) -> FrameGeometry:
        page = self.index.page_at(t)
        vw, vh = self.index.viewport_at(t)
        # every size we divide by is at least 1 px: a hostile 0×0 viewport or page draws a blank frame, not a crash
        vw = max(vw or self.session.manifest.viewport_width, 1)
        vh = max(vh or self.session.manifest.viewport_height, 1)
        sx, sy = self.index.scroll_at(t)
        pw, ph = self.images.page_size(page, t)
        pw, ph = max(pw, 1.0), max(ph, 1.0)
        if opts.mode == "overview":
            src = QRectF(0, 0, pw, ph)
            # the whole page, top to bottom; only a page more than ~10 times taller than the view (a 40 000 px
            # feed) keeps a floor of a tenth of the fit-width scale and becomes a column that follows the viewport
            fit = min(device.width() / pw, device.height() / ph)
            s = max(fit, MIN_OVERVIEW_WIDTH_SHARE * device.width() / pw) * opts.zoom
        else:
            src = QRectF(sx, sy, vw, vh)
            s = min(device.width() / vw, device.height() / vh) * max(opts.zoom, 1.0)
        w, h = src.width() * s, src.height() * s
        dst = QRectF(device.left() + (device.width() - w) / 2 + opts.pan[0],
                     device.top() + (device.height() - h) / 2 + opts.pan[1], w, h)
        if opts.mode == "overview" and h > device.height():  # taller than the view: follow the viewport box,
            vy = (sy + vh / 2) * s  # but never past the page's top or bottom (no empty band above or below)
            top = device.top() + device.height() / 2 - vy + opts.pan[1]
            dst.moveTop(min(device.top(), max(device.bottom() - h, top)))
        return FrameGeometry(page, src, dst, (sx, sy), (vw, vh))

    # -- painting ---------------------------------------------------------------------------------------------
    def paint(self, p: QPainter, device: QRectF, t: float, opts: FrameOptions) -> FrameGeometry:
        g = self.geometry(t, device, opts)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.fillRect(device, QColor("#2b2f3a"))
        p.setClipRect(device)
        self._paint_page(p, g, t)
        if opts.heatmap is not None and not opts.heatmap.isNull():
            self._paint_heatmap(p, g, opts)
        if opts.mode == "overview":
            p.setPen(QPen(QColor("#ffb020"), 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            sx, sy = g.scroll
            p.drawRect(g.rect_to_device(QRectF(sx, sy, g.viewport[0], g.viewport[1])))
        if opts.heatmap is not None and opts.heatmap_marks:
            paint_heatmap_marks(p, g, opts.heatmap_marks)
        if opts.findings:
            if not self._boxes_read:
                self._boxes_read = True
                try:
                    self._boxes = event_boxes(self.session.store.events_table())
                except Exception:  # a session without a readable events table: findings keep their rings
                    self._boxes = None
            paint_findings(p, g, t, opts.findings, self._boxes)
        for overlay in opts.overlays:
            overlay(p, g, t)
        if opts.trail_s > 0:
            self._paint_trail(p, g, t, opts.trail_s)
        if opts.show_clicks:  # a finding's highlight names a rage burst better than the ripple's own label
            self._paint_clicks(p, g, t, label=not any(showing(f, g.page, t) for f in opts.findings))
        self._paint_input(p, g, t)
        if opts.show_cursor:
            c = self.index.cursor_at(t)
            if c.visible and not math.isnan(c.x):
                self._paint_cursor(p, g.to_device(c.x + g.scroll[0], c.y + g.scroll[1]))
        if opts.caption:
            self._paint_caption(p, device, g, t)
        p.restore()
        return g

    def render(self, t: float, width: int, height: int, opts: FrameOptions) -> QImage:
        img = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(QColor("#2b2f3a"))
        p = QPainter(img)
        try:
            self.paint(p, QRectF(0, 0, width, height), t, opts)
        finally:  # a painter left active on a dying image crashes Qt (SIGSEGV) instead of raising
            p.end()
        return img

    def _paint_page(self, p: QPainter, g: FrameGeometry, t: float | None = None) -> None:
        img = self.images.get(g.page, t)
        pw, _ph = self.images.page_size(g.page, t)
        if img is None:
            p.fillRect(g.dst, QColor("#f4f5f8"))
            p.setPen(QColor("#8a90a0"))
            f = QFont()
            f.setPixelSize(max(12, int(16 * min(g.scale, 2))))
            p.setFont(f)
            url = self.session.pages[g.page].url if g.page < len(self.session.pages) else ""
            p.drawText(g.dst.adjusted(20, 20, -20, -20), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       f"No screenshot for this page\n{url}")
            return
        k = img.width() / max(pw, 1)  # image px per CSS px
        src = QRectF(g.src.left() * k, g.src.top() * k, g.src.width() * k, g.src.height() * k)
        visible = src.intersected(QRectF(0, 0, img.width(), img.height()))
        if visible.isEmpty():
            return
        dst = g.rect_to_device(QRectF(visible.left() / k, visible.top() / k, visible.width() / k,
                                      visible.height() / k))
        p.drawImage(dst, img, visible)

    def _paint_heatmap(self, p: QPainter, g: FrameGeometry, opts: FrameOptions) -> None:
        heat = opts.heatmap
        assert heat is not None
        pw, ph = self.images.page_size(g.page)
        kx = 1.0 / opts.heatmap_cell if opts.heatmap_cell else heat.width() / max(pw, 1)
        ky = 1.0 / opts.heatmap_cell if opts.heatmap_cell else heat.height() / max(ph, 1)
        src = QRectF(g.src.left() * kx, g.src.top() * ky, g.src.width() * kx, g.src.height() * ky)
        visible = src.intersected(QRectF(0, 0, heat.width(), heat.height()))
        if visible.isEmpty():
            return
        p.setOpacity(opts.heatmap_opacity)  # a grid-resolution map is smoothed by the bilinear scaling here
        p.drawImage(g.rect_to_device(QRectF(visible.left() / kx, visible.top() / ky, visible.width() / kx,
                                            visible.height() / ky)), heat, visible)
        p.setOpacity(1.0)

    def _paint_trail(self, p: QPainter, g: FrameGeometry, t: float, seconds: float) -> None:
        tt, xx, yy = self.index.trail(t, seconds)
        if len(tt) < 2:
            return
        sx, sy = g.scroll
        s = g.scale
        dx = g.dst.left() + (xx + sx - g.src.left()) * s
        dy = g.dst.top() + (yy + sy - g.src.top()) * s
        age = (t - tt) / (seconds * 1000.0)
        chunks = 10
        bucket = np.minimum((age * chunks).astype(np.int64), chunks - 1)
        for b in range(chunks):
            sel = np.nonzero(bucket == b)[0]
            if len(sel) == 0:
                continue
            lo, hi = int(sel.min()), int(min(sel.max() + 2, len(tt)))  # overlap one point so chunks join
            alpha = int(220 * (1 - b / chunks))
            p.setPen(QPen(QColor(255, 76, 48, alpha), max(2.0, 3.0 * min(s, 1.5)), Qt.PenStyle.SolidLine,
                          Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            p.drawPolyline(QPolygonF([QPointF(float(a), float(b_)) for a, b_ in zip(dx[lo:hi], dy[lo:hi],
                                                                                    strict=True)]))

    def _paint_clicks(self, p: QPainter, g: FrameGeometry, t: float, label: bool = True) -> None:
        idx = self.index
        sl = idx.clicks_between(t - RIPPLE_MS, t)
        sx, sy = g.scroll
        labelled = False
        last_rage = max((i for i in range(sl.start, sl.stop) if idx.cflag[i] & 2), default=-1)
        for i, (ct, cx, cy, cp, flag) in enumerate(zip(idx.ct[sl], idx.cx[sl], idx.cy[sl], idx.cpage[sl], idx.cflag[sl],
                                        strict=True), start=sl.start):
            if cp != g.page:
                continue
            age = (t - ct) / RIPPLE_MS
            c = g.to_device(cx + sx, cy + sy)
            rage = bool(flag & 2)
            color = QColor(230, 30, 60) if rage else QColor(20, 110, 255)
            r = (10 + 26 * age) * max(min(g.scale, 1.6), 0.6)
            color.setAlpha(int(255 * (1 - age)))
            p.setPen(QPen(color, 3 if rage else 2.5))
            fill = QColor(color)
            fill.setAlpha(int(70 * (1 - age)))
            p.setBrush(QBrush(fill))
            p.drawEllipse(c, r, r)
            if flag & 1:  # double click: a second ring
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(c, r * 0.55, r * 0.55)
            if rage and label and i == last_rage and not labelled:
                labelled = True
                f = QFont()
                f.setPixelSize(13)
                f.setBold(True)
                p.setFont(f)
                at = c + QPointF(r + 4, -r)
                fm = p.fontMetrics()
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor(255, 255, 255, 225))  # readable on any page, the red banner too
                p.drawRoundedRect(QRectF(at.x() - 4, at.y() - fm.ascent() - 2, fm.horizontalAdvance("rage click") + 8,
                                         fm.height() + 4), 4, 4)
                p.setPen(QColor(230, 30, 60))
                p.drawText(at, "rage click")

    def _paint_input(self, p: QPainter, g: FrameGeometry, t: float) -> None:
        i = count_le(self._input_t, t) - 1
        if i < 0 or t - self._input_t[i] > INPUT_BADGE_MS or self._input_page[i] != g.page:
            return
        c = self.index.cursor_at(t)
        if not c.visible:
            return
        n = int(self._input_len[i])
        text = f"⌨ {'•' * min(max(n, 0), 24)}  {n} characters (masked)" if n >= 0 else "⌨ input (masked)"
        pos = g.to_device(c.x + g.scroll[0], c.y + g.scroll[1]) + QPointF(18, 18)
        f = QFont()
        f.setPixelSize(13)
        p.setFont(f)
        w = p.fontMetrics().horizontalAdvance(text) + 16
        box = QRectF(pos.x(), pos.y(), w, 24)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 26, 46, 220))
        p.drawRoundedRect(box, 6, 6)
        p.setPen(QColor("#ffffff"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _paint_cursor(p: QPainter, at: QPointF) -> None:
        path = QPainterPath()
        pts = [(0, 0), (0, 17), (4.5, 13), (7.5, 20), (10.5, 18.8), (7.6, 12), (13, 12)]
        path.moveTo(at + QPointF(*pts[0]))
        for x, y in pts[1:]:
            path.lineTo(at + QPointF(x * 1.25, y * 1.25))
        path.closeSubpath()
        p.setPen(QPen(QColor("#000000"), 1.4))
        p.setBrush(QColor("#ffffff"))
        p.drawPath(path)

    def _paint_caption(self, p: QPainter, device: QRectF, g: FrameGeometry, t: float) -> None:
        m = self.session.manifest
        url = self.session.pages[g.page].url if g.page < len(self.session.pages) else ""
        text = f"Session {m.session_id}  ·  {fmt_ms(t)}  ·  {url}"
        f = QFont()
        f.setPixelSize(14)
        p.setFont(f)
        bar = QRectF(device.left(), device.bottom() - 30, device.width(), 30)
        p.fillRect(bar, QColor(20, 26, 46, 230))
        p.setPen(QColor("#ffffff"))
        p.drawText(bar.adjusted(12, 0, -12, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, int(bar.width() - 24)))


def paint_heatmap_marks(p: QPainter, g: FrameGeometry, marks: list[tuple[float, str]]) -> None:
    """Horizontal dashed lines across the page at page y (CSS px) with a label at the left: the average fold and
    where 75/50/25 % of sessions stop scrolling, on the viewer's canvas and in every export of the frame."""
    p.save()
    f = QFont()
    f.setPixelSize(12)
    f.setBold(True)
    p.setFont(f)
    fm = p.fontMetrics()
    for y_css, label in marks:
        a, b = g.to_device(g.src.left(), y_css), g.to_device(g.src.right(), y_css)
        a.setX(max(a.x(), g.dst.left()))
        b.setX(min(b.x(), g.dst.right()))
        p.setPen(QPen(QColor(255, 255, 255, 200), 4))
        p.drawLine(a, b)
        p.setPen(QPen(QColor(20, 24, 60), 2, Qt.PenStyle.DashLine))
        p.drawLine(a, b)
        box = QRectF(a.x() + 6, a.y() - fm.height() - 4, fm.horizontalAdvance(label) + 12, fm.height() + 2)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255, 225))
        p.drawRoundedRect(box, 3, 3)
        p.setPen(QColor(20, 24, 60))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    p.restore()
