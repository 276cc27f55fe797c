"""rrweb's own Replayer in a test-only QtWebEngine page, for tests/gui/test_rrweb_replayer_compare.py.

This is trusted test code and deliberately not the product's renderer: the page runs on its own off-the-record
profile with JavaScript ON (rrweb's replayer is a script), which the product never does for a recorded page
(``replaylens.render.page.network`` turns it off; the comparison test asserts that). The recording's own scripts
still do not run: rrweb rebuilds the DOM in an iframe sandboxed without ``allow-scripts``. The network stays shut
as in the product: an interceptor refuses every request that is not the one in-memory document (data:, about:,
blob: excepted), only that one main-frame navigation is accepted, and the process-wide Chromium kill switch is set
before the first profile exists. rrweb itself (the pinned npm package) is the app's copy (``assets.rrweb``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from replaylens.assets.rrweb import FETCH_COMMAND, rrweb_dir, rrweb_dir_or_reason
from replaylens.render.page.network import NETWORK_KILL_SWITCH
from replaylens.render.qt import SCHEME, ensure_web_app

FETCH = FETCH_COMMAND


#: After seeking: the page pictures' rule for animations (render/page/replay.py, docs/rendering.md) in rrweb's
#: replayed document, and rrweb's paused-animation class taken off.
_SETTLE_JS = ("(function(d){const s=d.createElement('style');s.textContent='*,*::before,*::after{"
              "animation-duration:0s!important;animation-delay:0s!important;animation-iteration-count:1!important;"
              "transition-duration:0s!important;transition-delay:0s!important}';"
              "(d.head||d.documentElement).appendChild(s);d.documentElement.classList.remove('rrweb-paused')})"
              "(f.contentDocument);")


def rrweb_missing() -> str | None:
    """Why the comparison cannot run (None when rrweb is present and its bytes are the pinned ones)."""
    folder, why = rrweb_dir_or_reason()
    return None if folder is not None else why


def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(cond: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not cond():
        if time.perf_counter() > deadline:
            return False
        _spin(20)
    return True


def _document(events: list[dict[str, Any]]) -> bytes:
    folder = rrweb_dir()
    js = (folder / "rrweb.min.js").read_text("utf-8").replace("</script", "<\\/script")
    css = (folder / "style.css").read_text("utf-8")
    data = json.dumps(events).replace("</", "<\\/")
    boot = ("window.errs=[];window.addEventListener('error',e=>errs.push(String(e.message)));"
            "try{window.R=new rrweb.Replayer(EVENTS,{root:document.body,mouseTail:false,showWarning:false,"
            "triggerFocus:false,UNSAFE_replayCanvas:false});window.ready=true}"
            "catch(e){errs.push(String(e&&e.stack||e))}")
    return ("<!doctype html><html><head><meta charset=utf-8><style>" + css +
            "html,body{margin:0;padding:0;overflow:hidden}.replayer-wrapper iframe{border:0!important;display:block}"
            ".replayer-mouse{display:none!important}</style></head><body>"
            f"<script>{js}</script><script>window.EVENTS={data};</script><script>{boot}</script>"
            "</body></html>").encode("utf-8")


def _qt_classes() -> tuple[Any, Any, Any]:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineUrlRequestInterceptor, QWebEngineUrlSchemeHandler

    class Interceptor(QWebEngineUrlRequestInterceptor):
        def __init__(self) -> None:
            super().__init__()
            self.blocked: list[str] = []

        def interceptRequest(self, info: Any) -> None:
            if info.requestUrl().scheme().lower() not in ("data", "about", "blob", SCHEME):
                self.blocked.append(info.requestUrl().toString()[:120])
                info.block(True)

    class Handler(QWebEngineUrlSchemeHandler):
        def __init__(self, body: bytes) -> None:
            super().__init__()
            self.body = body

        def requestStarted(self, job: Any) -> None:
            buf = QBuffer(job)
            buf.setData(QByteArray(self.body))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            job.reply(b"text/html;charset=utf-8", buf)

    class Page(QWebEnginePage):
        navigations = 0

        def acceptNavigationRequest(self, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
            if is_main_frame:
                self.navigations += 1
                return self.navigations == 1 and url.scheme() == SCHEME
            return url.scheme() == "about"

        def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
            """rrweb's notes (e.g. a recorded style sheet it cannot adapt) are not failures of the comparison."""

    return Interceptor, Handler, Page


class ScriptedPage:
    """A hidden QtWebEngine view of ``width``×``height`` CSS px on its own off-the-record profile, JavaScript ON
    (test-only), every request but the one in-memory document refused; it waits until the document sets
    ``window.ready`` (or reports ``window.errs``). Shared by rrweb's Replayer here and its recorder
    (``rrweb_recorder.py``)."""

    def _start(self, document: bytes, name: str, what: str, width: int, height: int, timeout_s: float, *,
               scrollbars: bool = True) -> None:
        from PySide6.QtCore import Qt, QUrl
        from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings
        from PySide6.QtWebEngineWidgets import QWebEngineView

        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--proxy-server" not in flags:  # as the product: read when Chromium starts
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} {NETWORK_KILL_SWITCH}".strip()
        ensure_web_app()
        interceptor_cls, handler_cls, page_cls = _qt_classes()
        self.width, self.height = width, height
        self.profile = QWebEngineProfile()  # off the record; separate from every profile the product makes
        self.interceptor = interceptor_cls()
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self.handler = handler_cls(document)
        self.profile.installUrlSchemeHandler(SCHEME.encode(), self.handler)
        self.page = page_cls(self.profile)
        settings = self.page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)  # test-only, see above
        if not scrollbars:
            settings.setAttribute(QWebEngineSettings.WebAttribute.ShowScrollBars, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalStorageEnabled, False)
        self.view = QWebEngineView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.view.setPage(self.page)
        self.view.resize(width, height)
        self.view.show()
        self.page.load(QUrl(f"{SCHEME}:{name}"))
        if not _wait(lambda: self.eval("!!(window.ready || (window.errs && errs.length))") is True, timeout_s):
            raise RuntimeError(f"{what} did not start within {timeout_s:g} s")
        errors = self.eval("JSON.stringify(window.errs || [])")
        if errors not in ("[]", None):
            raise RuntimeError(f"{what} failed: {errors}")

    def eval(self, script: str, timeout_s: float = 5.0) -> Any:
        from PySide6.QtWebEngineCore import QWebEngineScript

        box: list[Any] = []
        self.page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, box.append)
        _wait(lambda: bool(box), timeout_s)
        return box[0] if box else None

    def close(self) -> None:
        from replaylens.render.page.capture import dispose

        dispose(self.view, self.page, self.profile)


class RrwebReplayer(ScriptedPage):
    """One recording loaded into rrweb's Replayer in a hidden view of ``width``×``height`` CSS px."""

    def __init__(self, events: list[dict[str, Any]], width: int, height: int, timeout_s: float = 20.0) -> None:
        self._start(_document(events), "rrweb-replayer", "rrweb's Replayer", width, height, timeout_s,
                    scrollbars=False)

    def frame_at(self, offset_ms: int, *, settle: bool = True, timeout_s: float = 8.0, first_ms: int = 300,
                 step_ms: int = 150) -> Any:
        """A QImage of the replayer's page ``offset_ms`` after the recording's first event, scrolled to the top
        and at the recorded viewport size (what the keyframe renderer lays out), once two grabs ``step_ms`` apart
        agree, the first ``first_ms`` after the seek.

        A paused Replayer freezes CSS animations where they are (its ``rrweb-paused`` class sets
        ``animation-play-state: paused``): the mobile recording's heading fades in after a 2 s delay, so at 1 s
        rrweb shows it invisible. A keyframe shows animations at their end state (docs/rendering.md, "CSS
        animations jump to their end state"); ``settle`` (default) applies that same rule to rrweb's document."""
        from PySide6.QtGui import QImage

        w, h = self.width, self.height
        state = self.eval(f"(function(){{try{{R.pause({int(offset_ms)});const f=R.iframe;"
                          f"f.setAttribute('width','{w}');f.setAttribute('height','{h}');"
                          f"f.style.width='{w}px';f.style.height='{h}px';R.wrapper.style.transform='none';"
                          "f.contentWindow.scrollTo(0,0);"
                          + (_SETTLE_JS if settle else "")
                          + "return R.getCurrentTime()"
                          "}catch(e){return String(e&&e.stack||e)}})()")
        if not isinstance(state, int | float):
            raise RuntimeError(f"rrweb's Replayer did not seek to {offset_ms} ms: {state!r}")
        deadline = time.perf_counter() + timeout_s
        _spin(first_ms)
        prev: Any = None
        while time.perf_counter() < deadline:
            img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
            if prev is not None and img == prev:
                return img.copy(0, 0, w, h)
            prev = img
            _spin(step_ms)
        raise RuntimeError(f"rrweb's page did not settle within {timeout_s:g} s at {offset_ms} ms")

    def sandbox(self) -> str | None:
        """The replay iframe's ``sandbox`` attribute (rrweb leaves out ``allow-scripts``)."""
        value = self.eval("R.iframe.getAttribute('sandbox')")
        return value if isinstance(value, str) else None
