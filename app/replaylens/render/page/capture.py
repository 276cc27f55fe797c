"""Capture: load one document in a hidden view, wait until a frame laid out for the view size is on screen,
grow the view to the document height and grab it (``_Engine``, reused for a batch of pages).

The view is a ``QWebEngineView`` (QtWebEngineWidgets): ``QWebEnginePage`` alone hands back no pixels, which is why
page rendering runs under a ``QApplication`` (``replaylens.render.qt``).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replaylens.render import image
from replaylens.render.page import geometry, network
from replaylens.render.qt import SCHEME

#: How long to wait for the paint marker before falling back to comparing grabs (see ``_Engine.render``).
MARKER_GRACE_S = 2.0


@dataclass
class _Out:
    png: bytes | None
    height: int
    error: str | None
    blocked: int
    broken: bool = False  # the page is in an unknown state (time-out, crash): the engine must be rebuilt



_QT: dict[str, Any] = {}
#: A 1-px, viewport-fixed marker appended to every document: seeing it in the bottom-right pixel proves the frame
#: on screen was laid out for the current view size (Qt offers no public "frame presented" signal).
_MARK = (254, 1, 253)
_MEASURE_JS = ("Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,"
               " document.body ? document.body.scrollHeight : 0)")
_MARKER_HTML = ('<div style="all:initial!important;position:fixed!important;right:0!important;bottom:0!important;'
                'width:1px!important;height:1px!important;display:block!important;z-index:2147483647!important;'
                f'background:rgb{_MARK}!important"></div>')



def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def dispose(view: Any, page: Any, profile: Any) -> None:
    """Delete the view, then the page, then the profile, each carried out at once (a profile released under a
    live page makes Chromium warn, or crash at exit)."""
    with contextlib.suppress(RuntimeError):  # already deleted
        page.triggerAction(page.WebAction.Stop)
        view.close()
        view.deleteLater()
        page.deleteLater()
        _spin(0)
        profile.deleteLater()
        _spin(0)


def _wait(cond: Callable[[], bool], deadline: float, step_ms: int = 10) -> bool:
    while not cond():
        if time.perf_counter() >= deadline:
            return False
        _spin(step_ms)
    return True



class _Engine:
    """One private off-the-record profile + one hidden view, reused for a batch of pages."""

    #: JavaScript on for the page (only our host page of rrweb's Replayer, render/page/replay.py, sets it)
    HOST_SCRIPTS = False

    def __init__(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWebEngineWidgets import QWebEngineView

        self.profile, self.interceptor, self.page = network.private_page(host_scripts=self.HOST_SCRIPTS)
        self.handler: Any = None
        self.page.loadFinished.connect(self._loaded)
        self.page.renderProcessTerminated.connect(self._crashed)
        self.view = QWebEngineView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.view.setPage(self.page)
        self.view.show()
        self.serial = 0
        self.load_ok: bool | None = None
        self.crash: str | None = None

    def _loaded(self, ok: bool) -> None:
        self.load_ok = ok

    def _crashed(self, status: Any, code: int) -> None:
        self.crash = f"renderer process ended ({getattr(status, 'name', status)}, code {code})"

    def _load(self, html: str) -> None:
        from PySide6.QtCore import QByteArray, QUrl

        data = html.encode("utf-8")
        self.page.allow_main = True
        if QByteArray(data).toPercentEncoding().size() <= network.SETHTML_LIMIT:
            self.page.setHtml(html, QUrl("about:blank"))
            return
        if self.handler is None:  # installed only when needed: Qt warns if the scheme was registered too late
            self.handler = network.scheme_handler()
            self.profile.installUrlSchemeHandler(SCHEME.encode(), self.handler)
        self.serial += 1
        path = f"page-{self.serial}"
        self.handler.docs = {path: data}
        self.page.load(QUrl(f"{SCHEME}:{path}"))

    def _doc_height(self, floor: int, cap: int, deadline: float) -> tuple[int, int]:
        """(screenshot height, document height). Asked of the DOM from Qt's isolated ApplicationWorld, which runs
        even with JavaScript off for the page (the page's own scripts never run; measured): reading scrollHeight
        forces layout, so it is exact. ``contentsSize`` is the fallback; it is reported late and asynchronously."""
        from PySide6.QtWebEngineCore import QWebEngineScript

        box: list[Any] = []
        self.page.runJavaScript(_MEASURE_JS, QWebEngineScript.ScriptWorldId.ApplicationWorld, box.append)
        _wait(lambda: bool(box) or self.crash is not None, min(deadline, time.perf_counter() + 2.0), 5)
        value = box[0] if box else None
        if isinstance(value, int | float) and math.isfinite(value) and value > 0:
            h = math.ceil(value)
        else:
            h = math.ceil(self.page.contentsSize().height())
        return min(max(h, floor), cap), h

    def _painted(self, w: int, h: int, deadline: float) -> bool:
        """Wait until a frame at the current view size is on screen: the fixed marker sits in its bottom-right
        pixel only in a frame laid out for this size (an older frame is shorter or blank there)."""
        from PySide6.QtCore import QRect

        def seen() -> bool:
            img = self.view.grab(QRect(w - 1, h - 1, 1, 1)).toImage()
            if img.isNull() or self.crash:
                return bool(self.crash)
            c = img.pixelColor(img.width() - 1, img.height() - 1)
            return abs(c.red() - _MARK[0]) < 8 and c.green() < 8 and abs(c.blue() - _MARK[2]) < 8
        return _wait(seen, deadline, 15) and not self.crash

    def _stable(self, deadline: float, settle_s: float = 0.4, step_ms: int = 150) -> bool:
        """Fallback frame sync when the marker cannot be seen: two identical grabs ``step_ms`` apart, the first
        taken ``settle_s`` after the resize."""
        from PySide6.QtGui import QImage

        _spin(int(settle_s * 1000))
        prev = None
        while time.perf_counter() < deadline and not self.crash:
            img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            if prev is not None and img == prev and (not image.is_uniform(img)):
                return True
            prev = img
            _spin(step_ms)
        return False

    def render(self, html: str, w: int, h: int, timeout_s: float, max_h: int) -> _Out:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        deadline = time.perf_counter() + max(timeout_s, 0.5)
        before = self.interceptor.blocked
        self.load_ok, self.crash = None, None
        self.view.resize(w, h)
        self._load(html + _MARKER_HTML)
        loaded = _wait(lambda: self.load_ok is not None or self.crash is not None, deadline)
        if self.crash or not loaded:
            why = self.crash or f"timed out after {timeout_s:g} s loading the page"
            return _Out(None, h, why, self.interceptor.blocked - before, broken=True)
        note: str | None = None
        # ok=False also comes from a navigation the guard refused (<meta refresh> racing the load) while our
        # document is on screen: the marker decides, within a short grace period. A page that filters or fades
        # its whole body hides the marker's colour: after MARKER_GRACE_S we settle on identical grabs instead.
        marker = self._painted(w, h, min(deadline, time.perf_counter() + (MARKER_GRACE_S if self.load_ok else 1.5)))
        if not marker and not self.load_ok and not self.crash:
            return _Out(None, h, "the page failed to load", self.interceptor.blocked - before)
        full, doc_h = self._doc_height(h, max_h, deadline)
        img: Any = None
        for _ in range(3):  # grow to the document height; again if fonts/images changed it meanwhile
            self.view.resize(w, full)
            if self.crash or not (self._painted(w, full, deadline) if marker else self._stable(deadline)):
                note = f"the page did not finish painting within {timeout_s:g} s"
                break
            img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            _spin(40)
            again = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            want, doc_h = self._doc_height(h, max_h, deadline)
            if want == full and again == img:
                break
            img, full = again, want
        if self.crash:
            return _Out(None, h, self.crash, self.interceptor.blocked - before, broken=True)
        if img is None or img.isNull() or image.is_uniform(img):
            img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            if image.is_uniform(img):
                return _Out(None, h, note or "the page painted nothing", self.interceptor.blocked - before)
        if img.width() != w or img.height() != full:  # high-DPI screen: store CSS px
            img = img.scaled(w, full, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        img.setDevicePixelRatio(1.0)
        img.setPixelColor(w - 1, full - 1, img.pixelColor(max(w - 2, 0), full - 1))  # hide the marker
        if doc_h > max_h:
            note = f"page is {doc_h} px tall; cut at {max_h} px"
        return _Out(image.png_bytes(img), full, note, self.interceptor.blocked - before)

    def boxes(self, ids: Sequence[int], timeout_s: float = 2.0) -> np.ndarray:
        """Boxes of the elements ``ids`` in the page just rendered (render/page/geometry.py). The view is still as
        tall as the picture, so they are measured in the layout that was grabbed."""
        deadline = time.perf_counter() + max(timeout_s, 0.5)
        return geometry.measure(self.page, ids, deadline, _wait, lambda: self.crash is not None)

    def close(self) -> None:
        dispose(self.view, self.page, self.profile)

