"""The replay canvas: paints the current frame with the shared FrameRenderer; zoom, pan, fit, and a hook for
interactive tools (annotations) that receive page coordinates."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from replaylens.render.frame import MIN_OVERVIEW_WIDTH_SHARE, FrameGeometry, FrameOptions, FrameRenderer, Overlay


class CanvasTool(Protocol):
    cursor: Qt.CursorShape

    def press(self, page_x: float, page_y: float, modifiers: Any) -> bool: ...
    def move(self, page_x: float, page_y: float, buttons: Any) -> bool: ...
    def release(self, page_x: float, page_y: float) -> bool: ...
    def key(self, qt_key: int) -> bool: ...


class ReplayCanvas(QWidget):
    """Shows one frame at ``time_ms``. ``painting`` is True while a paint runs (the player skips ticks then)."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(False)  # the main window takes drops
        self.renderer: FrameRenderer | None = None
        self.options = FrameOptions()
        self.time_ms = 0.0
        self.painting = False
        self.last_paint_ms = 0.0
        self._geometry: FrameGeometry | None = None
        self._tool: CanvasTool | None = None
        self._overlays: list[Overlay] = []
        #: Called with page (x, y) on a double-click, in order, until one returns True (it handled it).
        self.double_click_handlers: list[Callable[[float, float], bool]] = []
        self._drag_from: QPointF | None = None
        self._pan_from = (0.0, 0.0)
        self.message = "Open a session: File ▸ Open…, or drop a file here"

    # -- API ----------------------------------------------------------------------------------------------
    def set_renderer(self, renderer: FrameRenderer | None) -> None:
        self.renderer = renderer
        self.options.pan = (0.0, 0.0)
        self.options.zoom = 1.0
        self.update()

    def set_time(self, t_ms: float) -> None:
        self.time_ms = t_ms
        self.update()

    def set_tool(self, tool: CanvasTool | None) -> None:
        self._tool = tool
        self.setCursor(tool.cursor if tool is not None else Qt.CursorShape.ArrowCursor)

    def add_overlay(self, fn: Overlay) -> None:
        self._overlays.append(fn)
        self.update()

    def geometry_now(self) -> FrameGeometry | None:
        return self._geometry

    def set_mode(self, mode: str) -> None:
        self.options.mode = mode
        self.fit()

    def fit(self) -> None:
        self.options.zoom = 1.0
        self.options.pan = (0.0, 0.0)
        self.zoom_changed.emit(1.0)
        self.update()

    def zoom_by(self, factor: float) -> None:
        self.options.zoom = float(min(max(self.options.zoom * factor, 0.25), 8.0))
        self.zoom_changed.emit(self.options.zoom)
        self.update()

    def fit_width(self) -> None:
        """Overview mode: page width = canvas width (zoom 1 fits the whole page)."""
        if self.renderer is None or self._geometry is None:
            return
        pw, ph = self.renderer.images.page_size(self._geometry.page)
        whole = max(min(self.width() / pw, self.height() / ph), MIN_OVERVIEW_WIDTH_SHARE * self.width() / pw)
        self.options.zoom = max(1.0, (self.width() / pw) / max(whole, 1e-9)) if self.options.mode == "overview" else 1
        self.options.pan = (0.0, 0.0)
        self.update()

    # -- painting -----------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self.painting = True
        t0 = time.perf_counter()
        p = QPainter(self)
        try:
            rect = QRectF(self.rect())
            if self.renderer is None:
                p.fillRect(rect, QColor("#2b2f3a"))
                f = QFont()
                f.setPixelSize(18)
                p.setFont(f)
                p.setPen(QColor("#c9cfdd"))
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.message)
                self._geometry = None
                return
            self.options.overlays = list(self._overlays)
            self._geometry = self.renderer.paint(p, rect, self.time_ms, self.options)
        finally:
            p.end()
            self.last_paint_ms = (time.perf_counter() - t0) * 1000
            self.painting = False

    # -- input --------------------------------------------------------------------------------------------
    def _page_xy(self, pos: QPointF) -> tuple[float, float] | None:
        if self._geometry is None:
            return None
        return self._geometry.to_page(pos.x(), pos.y())

    def mousePressEvent(self, e: QMouseEvent) -> None:
        xy = self._page_xy(e.position())
        if self._tool is not None and xy is not None and e.button() == Qt.MouseButton.LeftButton \
                and self._tool.press(xy[0], xy[1], e.modifiers()):
            self.update()
            return
        if e.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            self._drag_from = e.position()
            self._pan_from = self.options.pan
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._drag_from is not None:
            d = e.position() - self._drag_from
            self.options.pan = (self._pan_from[0] + d.x(), self._pan_from[1] + d.y())
            self.update()
            return
        xy = self._page_xy(e.position())
        if self._tool is not None and xy is not None and self._tool.move(xy[0], xy[1], e.buttons()):
            self.update()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.setCursor(self._tool.cursor if self._tool is not None else Qt.CursorShape.ArrowCursor)
            return
        xy = self._page_xy(e.position())
        if self._tool is not None and xy is not None and self._tool.release(xy[0], xy[1]):
            self.update()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        xy = self._page_xy(e.position())
        if xy is not None and any(handler(xy[0], xy[1]) for handler in self.double_click_handlers):
            return
        if self._tool is None:
            self.fit()

    def wheelEvent(self, e: QWheelEvent) -> None:
        steps = e.angleDelta().y() / 120.0
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier or self.options.mode == "follow":
            self.zoom_by(1.15 ** steps)
        else:  # overview: the wheel scrolls the page
            self.options.pan = (self.options.pan[0], self.options.pan[1] + steps * 80)
            self.update()

    def keyPressEvent(self, e: Any) -> None:
        if self._tool is not None and self._tool.key(e.key()):
            self.update()
            return
        super().keyPressEvent(e)
