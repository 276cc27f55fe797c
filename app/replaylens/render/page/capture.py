"""Render rrweb DOM snapshots to full-page PNG screenshots, safely, with QtWebEngine off screen.

The one module outside ``replaylens.ui`` that imports Qt (import-linter lists it as an exception); Qt is imported
lazily inside functions so importing this module stays cheap and never fails.

Safety layers (any one of them alone stops scripts and network access; see docs/rendering.md):
1. ``snapshot_to_html`` rebuilds a sanitised document: no scripts, no handlers, no remote URL, strict CSP <meta>.
2. JavaScript, plugins, local-file access, WebGL, DNS prefetch and hyperlink auditing are off for the page.
3. A request interceptor on a private off-the-record profile blocks every request that is not ``data:``, ``about:``
   or the one in-memory ``rl-snapshot:`` document we serve (the count of blocked requests is in the result).
4. A navigation guard refuses every navigation but the initial load (and ``about:srcdoc`` frames).
5. Chromium flags send any connection the interceptor does not see (``<link rel=preconnect>`` opens a socket
   without a request: measured) to a dead local proxy, loopback included.

``render_snapshots`` falls back to ``render_wireframe`` (a labelled QPainter sketch of the node tree) when
QtWebEngine is missing, crashes or times out, or when called off the GUI thread; it never raises for a bad snapshot.
Qt facts this depends on: QtWebEngine needs ``Qt.AA_ShareOpenGLContexts`` and custom URL schemes registered
*before* the QApplication exists — ``prepare_qt()`` does both and is called automatically when this module creates
the application itself; a GUI should call it before constructing its QApplication (rendering still works without
it: Qt then only warns about the unregistered scheme for pages over the ``setHtml`` size limit).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from replaylens.io.rrweb.html import WireBox, snapshot_to_html, wireframe_boxes
from replaylens.io.rrweb.secrets import SecretNodes

SCHEME = "rl-snapshot"
#: QWebEnginePage.setHtml turns the HTML into a percent-encoded data: URL that Chromium caps at 2 MB; above this
#: many encoded bytes the document is served from memory through the custom scheme instead.
SETHTML_LIMIT = 1_900_000
#: Tallest screenshot, in CSS px (a taller document is cut here; the result says so in ``error``).
MAX_PAGE_HEIGHT = 16_384
MAX_WIDTH = 4_096
#: How long to wait for the paint marker before falling back to comparing grabs (see ``_Engine.render``).
MARKER_GRACE_S = 2.0
#: Layer 5, Chromium flags: connections the interceptor never sees (``<link rel=preconnect>`` opens a socket without
#: a request, measured) go to a dead local proxy, loopback included, and DNS prefetch is off. Process-wide: it only
#: takes effect when this module starts QtWebEngine, and applies to every web view of the process.
NETWORK_KILL_SWITCH = "--proxy-server=127.0.0.1:1 --proxy-bypass-list=<-loopback> --dns-prefetch-disable"
#: progress(fraction 0..1, message); raise replaylens.errors.CancelledError inside it to stop (it propagates).
Progress = Callable[[float, str], None]

_STATE: dict[str, Any] = {"app": None, "scheme": False}


@dataclass
class RenderJob:
    node: dict[str, Any]
    width: int  #: viewport width in CSS px the page was recorded at
    height: int  #: viewport height in CSS px (the screenshot is at least this tall)
    key: str
    #: node ids the importer found secret/masking at some time (later attribute mutations included)
    secrets: SecretNodes = field(default_factory=SecretNodes)
    #: show recorded non-secret input values as captured (default: masked; secrets are always masked)
    show_values: bool = False


@dataclass
class RenderResult:
    key: str
    png: bytes | None
    width: int  #: CSS px of the full page (viewport width; document height, capped at MAX_PAGE_HEIGHT)
    height: int
    wireframe: bool
    error: str | None
    blocked_requests: int = 0  #: requests the interceptor refused (0 for a well-sanitised snapshot)


def prepare_qt() -> None:
    """Call before any QApplication exists (idempotent): shares OpenGL contexts as QtWebEngine requires and
    registers the ``rl-snapshot`` scheme. Later calls, or calls after the application exists, do nothing."""
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is not None:
        return
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    try:
        from PySide6.QtWebEngineCore import QWebEngineUrlScheme
    except ImportError:
        return
    if not _STATE["scheme"]:
        scheme = QWebEngineUrlScheme(SCHEME.encode())
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)  # no flags: no local-file or CORS privileges
        QWebEngineUrlScheme.registerScheme(scheme)
        _STATE["scheme"] = True


def _ensure_app(*, gui_thread: bool = True) -> Any:
    """The running QApplication, or a new off-screen one when called from a plain script's main thread."""
    from PySide6.QtCore import QCoreApplication, QThread
    from PySide6.QtWidgets import QApplication

    app = QCoreApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise _Unavailable("no QApplication is running and one can only be created on the main thread")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # nothing is shown; never need a display
        os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
        prepare_qt()
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "replaylens"])
        _STATE["app"] = app  # keep it alive for the rest of the process
    if not isinstance(app, QApplication):
        raise _Unavailable("a QCoreApplication without widgets is running")
    if gui_thread and QThread.currentThread() is not app.thread():
        raise _Unavailable("QtWebEngine can only render on the GUI thread")
    return app


class _Unavailable(Exception):
    """QtWebEngine cannot be used here (the message is the reason shown in RenderResult.error)."""


def render_wireframe(node: dict[str, Any], width: int, height: int, *, mask_text: bool = False,
                     reason: str | None = None, key: str = "", show_values: bool = False,
                     secret_nodes: SecretNodes | None = None) -> RenderResult:
    """A clearly labelled wireframe ("Wireframe — page not rendered") of the node tree, drawn with QPainter.
    Needs no QtWebEngine and works off the GUI thread (a QGuiApplication must exist or is created)."""
    w, h = _clamp(width, height)
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtGui import QGuiApplication

        if QCoreApplication.instance() is None:
            _ensure_app(gui_thread=False)
        if not isinstance(QCoreApplication.instance(), QGuiApplication):
            return RenderResult(key, None, w, h, True, reason or "no GUI application: cannot draw a wireframe")
        png, full_h = _draw_wireframe(node if isinstance(node, dict) else {}, w, h, MAX_PAGE_HEIGHT,
                                     mask_text=mask_text, reason=reason, show_values=show_values,
                                     secret_nodes=secret_nodes)
        return RenderResult(key, png, w, full_h, True, reason)
    except Exception as exc:  # a wireframe must never take the caller down
        return RenderResult(key, None, w, h, True, f"{reason + '; ' if reason else ''}wireframe failed: {exc}")


def render_snapshots(jobs: list[RenderJob], *, timeout_s: float = 10.0, progress: Progress | None = None,
                     allow_webengine: bool = True, mask_text: bool = False) -> list[RenderResult]:
    """Render each snapshot to a full-page PNG (one result per job, same order). Call from the GUI thread or a
    plain script; a local event loop runs while waiting. ``timeout_s`` bounds each page."""
    results: list[RenderResult] = []
    engine: Any = None
    reason: str | None = None if allow_webengine else "QtWebEngine disabled by the caller"
    n = len(jobs)
    try:
        for i, job in enumerate(jobs):
            if progress is not None:
                progress(i / max(n, 1), f"Rendering page {i + 1} of {n}")
            w, h = _clamp(job.width, job.height)
            privacy: dict[str, Any] = {"mask_text": mask_text, "show_values": job.show_values,
                                       "secret_nodes": job.secrets}
            try:
                html = snapshot_to_html(job.node, viewport=(w, h), **privacy)
            except Exception as exc:  # defensive: the rebuild is written not to raise
                results.append(render_wireframe(job.node, w, h, key=job.key,
                                                reason=f"snapshot could not be rebuilt: {exc}", **privacy))
                continue
            if reason is None and engine is None:
                try:
                    _ensure_app()
                    engine = _Engine()
                except Exception as exc:  # ImportError (no QtWebEngine / missing system library), thread, ...
                    reason = f"QtWebEngine unavailable: {exc}"
            if reason is not None or engine is None:
                results.append(render_wireframe(job.node, w, h, key=job.key, reason=reason, **privacy))
                continue
            try:
                out = engine.render(html, w, h, timeout_s, MAX_PAGE_HEIGHT)
            except Exception as exc:  # never let one page take the batch down
                out = _Out(None, h, f"rendering failed: {exc}", 0, broken=True)
            if out.png is None:
                results.append(render_wireframe(job.node, w, h, key=job.key, reason=out.error, **privacy))
                results[-1].blocked_requests = out.blocked
                if out.broken:  # time-out or crash: start from a fresh page for the next job
                    engine.close()
                    engine = None
                continue
            results.append(RenderResult(job.key, out.png, w, out.height, False, out.error, out.blocked))
        if progress is not None:
            progress(1.0, f"Rendered {n} page{'s' if n != 1 else ''}")
    finally:
        if engine is not None:
            engine.close()
    return results


def render_html(html: str, width: int, height: int, *, timeout_s: float = 10.0, key: str = "") -> RenderResult:
    """Render an HTML string as is through the same hardened engine (layers 2–5 only, no sanitiser): used by the
    tests to prove those layers alone block scripts and requests. No wireframe fallback (png None on failure)."""
    w, h = _clamp(width, height)
    try:
        _ensure_app()
        engine = _Engine()
    except Exception as exc:
        return RenderResult(key, None, w, h, False, f"QtWebEngine unavailable: {exc}")
    try:
        out = engine.render(html, w, h, timeout_s, MAX_PAGE_HEIGHT)
    finally:
        engine.close()
    return RenderResult(key, out.png, w, out.height, False, out.error, out.blocked)


def _clamp(width: int, height: int) -> tuple[int, int]:
    def num(v: Any, default: int) -> int:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return default
        return default if not math.isfinite(f) else int(f)
    return min(max(num(width, 1280), 100), MAX_WIDTH), min(max(num(height, 800), 100), MAX_PAGE_HEIGHT)


# ---------------------------------------------------------------- the QtWebEngine side


@dataclass
class _Out:
    png: bytes | None
    height: int
    error: str | None
    blocked: int
    broken: bool = False  # the page is in an unknown state (time-out, crash): the engine must be rebuilt


_OFF_ATTRIBUTES = (
    "JavascriptEnabled", "JavascriptCanOpenWindows", "JavascriptCanAccessClipboard", "JavascriptCanPaste",
    "PluginsEnabled", "LocalContentCanAccessFileUrls", "LocalContentCanAccessRemoteUrls", "LocalStorageEnabled",
    "HyperlinkAuditingEnabled", "DnsPrefetchEnabled", "WebGLEnabled", "Accelerated2dCanvasEnabled",
    "AutoLoadIconsForPage", "TouchIconsEnabled", "FocusOnNavigationEnabled", "AllowRunningInsecureContent",
    "AllowGeolocationOnInsecureOrigins", "AllowWindowActivationFromJavaScript", "ShowScrollBars",
    "PdfViewerEnabled", "NavigateOnDropEnabled", "ScreenCaptureEnabled", "ErrorPageEnabled",
    "FullScreenSupportEnabled", "SpatialNavigationEnabled", "ReadingFromCanvasEnabled",
)
_ON_ATTRIBUTES = ("PlaybackRequiresUserGesture", "WebRTCPublicInterfacesOnly", "AutoLoadImages")
_QT: dict[str, Any] = {}
#: A 1-px, viewport-fixed marker appended to every document: seeing it in the bottom-right pixel proves the frame
#: on screen was laid out for the current view size (Qt offers no public "frame presented" signal).
_MARK = (254, 1, 253)
_MEASURE_JS = ("Math.max(document.documentElement ? document.documentElement.scrollHeight : 0,"
               " document.body ? document.body.scrollHeight : 0)")
_MARKER_HTML = ('<div style="all:initial!important;position:fixed!important;right:0!important;bottom:0!important;'
                'width:1px!important;height:1px!important;display:block!important;z-index:2147483647!important;'
                f'background:rgb{_MARK}!important"></div>')


def _qt_classes() -> dict[str, Any]:
    """Subclasses of QtWebEngine types, defined on first use so the module imports without Qt."""
    if _QT:
        return _QT
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineUrlRequestInterceptor,
        QWebEngineUrlRequestJob,
        QWebEngineUrlSchemeHandler,
    )

    class Interceptor(QWebEngineUrlRequestInterceptor):
        """Layer 3: every request that is not data:, about: or our in-memory document is refused and counted."""

        def __init__(self) -> None:
            super().__init__()
            self.blocked = 0

        def interceptRequest(self, info: Any) -> None:
            if info.requestUrl().scheme().lower() not in ("data", "about", SCHEME):
                self.blocked += 1
                info.block(True)

    class Handler(QWebEngineUrlSchemeHandler):
        """Serves documents over setHtml's 2 MB limit from memory; unknown paths fail."""

        def __init__(self) -> None:
            super().__init__()
            self.docs: dict[str, bytes] = {}

        def requestStarted(self, job: Any) -> None:
            body = self.docs.get(job.requestUrl().path())
            if body is None:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            buf = QBuffer(job)
            buf.setData(QByteArray(body))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            job.reply(b"text/html;charset=utf-8", buf)

    class GuardedPage(QWebEnginePage):
        """Layer 4: only the one navigation we start (and about:srcdoc/blank frames) is accepted."""

        allow_main = False

        def acceptNavigationRequest(self, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
            scheme = url.scheme().lower()
            if is_main_frame:
                ok = self.allow_main and scheme in ("data", SCHEME)
                self.allow_main = self.allow_main and not ok
                return ok
            return scheme == "about"

        def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
            """Silenced: with scripts off these are only resource notes (e.g. a blanked font failing to decode)."""

    _QT.update(Interceptor=Interceptor, Handler=Handler, GuardedPage=GuardedPage)
    return _QT


def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(cond: Callable[[], bool], deadline: float, step_ms: int = 10) -> bool:
    while not cond():
        if time.perf_counter() >= deadline:
            return False
        _spin(step_ms)
    return True


def _varied(img: Any) -> bool:
    """True when the image is not one flat colour (a page that has painted something)."""
    import numpy as np

    a = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return bool(a.size) and bool((a != a[0]).any())


def _png(img: Any) -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice

    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data().data())


class _Engine:
    """One private off-the-record profile + one hidden view, reused for a batch of pages."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings
        from PySide6.QtWebEngineWidgets import QWebEngineView

        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to sandbox as root
            os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--proxy-server" not in flags:  # read once, when Chromium starts (the first profile below)
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} {NETWORK_KILL_SWITCH}".strip()
        qt = _qt_classes()
        self.profile = QWebEngineProfile()  # no storage name: off the record, nothing written to disk
        if not self.profile.isOffTheRecord():
            raise RuntimeError("could not create an off-the-record profile")
        self.profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        self.profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
        self.profile.setSpellCheckEnabled(False)
        self.interceptor = qt["Interceptor"]()
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self.handler: Any = None
        self.page = qt["GuardedPage"](self.profile)
        settings = self.page.settings()
        for name, value in [(n, False) for n in _OFF_ATTRIBUTES] + [(n, True) for n in _ON_ATTRIBUTES]:
            attr = getattr(QWebEngineSettings.WebAttribute, name, None)
            if attr is not None:
                settings.setAttribute(attr, value)
        self.page.setAudioMuted(True)
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
        if QByteArray(data).toPercentEncoding().size() <= SETHTML_LIMIT:
            self.page.setHtml(html, QUrl("about:blank"))
            return
        if self.handler is None:  # installed only when needed: Qt warns if the scheme was registered too late
            self.handler = _qt_classes()["Handler"]()
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
            if prev is not None and img == prev and _varied(img):
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
        if img is None or img.isNull() or not _varied(img):
            img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            if not _varied(img):
                return _Out(None, h, note or "the page painted nothing", self.interceptor.blocked - before)
        if img.width() != w or img.height() != full:  # high-DPI screen: store CSS px
            img = img.scaled(w, full, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        img.setDevicePixelRatio(1.0)
        img.setPixelColor(w - 1, full - 1, img.pixelColor(max(w - 2, 0), full - 1))  # hide the marker
        if doc_h > max_h:
            note = f"page is {doc_h} px tall; cut at {max_h} px"
        return _Out(_png(img), full, note, self.interceptor.blocked - before)

    def close(self) -> None:
        """Delete the view, then the page, then the profile (Qt warns when a profile outlives its pages)."""
        with contextlib.suppress(RuntimeError):  # already deleted
            self.page.triggerAction(self.page.WebAction.Stop)
            self.view.close()
            self.view.deleteLater()
            self.page.deleteLater()
            _spin(0)
            self.profile.deleteLater()
            _spin(0)


# ---------------------------------------------------------------- wireframe drawing

_BANNER = 44
_STYLE = {  # kind -> (pen, brush or None, text colour)
    "block": ("#d3d8e0", None, "#9aa3b2"), "text": (None, None, "#4a5160"), "link": (None, None, "#2f6fdb"),
    "heading": (None, None, "#1f2430"), "input": ("#8a94a6", "#f7f9fc", "#5b6475"),
    "button": ("#5b7bd5", "#e8eefc", "#2f4fa8"), "check": ("#8a94a6", "#ffffff", "#5b6475"),
    "media": ("#c3c8d0", "#eef0f3", "#8a94a6"), "blocked": ("#9aa1ad", "#dde1e6", "#5b6475"),
    "rule": ("#d3d8e0", None, "#d3d8e0"),
}


def _draw_wireframe(node: dict[str, Any], w: int, h: int, max_h: int, *, mask_text: bool,
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
    return _png(img), full


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
