"""rrweb's own recorder (``rrweb.record`` of the pinned npm package) on a local page in a test-only QtWebEngine
view, for tests/gui/test_privacy_recorder.py.

Built like ``rrweb_replayer.RrwebReplayer`` (its interceptor, scheme handler and page classes are reused): its own
off-the-record profile with JavaScript ON (the recorder is a script; trusted test code, never the product's page
renderer), every request refused except the one in-memory document, the Chromium network kill switch set before
the first profile. The page is the test's HTML with rrweb inlined; ``record`` runs with its default options (which
mask only password fields) and pushes every event into ``window.EVENTS``; ``type_into`` focuses a field and sends
real key events to the view, so rrweb sees the keystrokes as a user's.
"""

from __future__ import annotations

import json
import os
from typing import Any

from rrweb_replayer import _qt_classes, _spin, _wait

from replaylens.assets.rrweb import rrweb_dir
from replaylens.render.page.network import NETWORK_KILL_SWITCH
from replaylens.render.qt import SCHEME, ensure_web_app


def _document(body: str, script: str) -> bytes:
    js = (rrweb_dir() / "rrweb.min.js").read_text("utf-8").replace("</script", "<\\/script")
    boot = ("window.EVENTS=[];window.errs=[];window.addEventListener('error',e=>errs.push(String(e.message)));"
            "try{window.stop=rrweb.record({emit(e){window.EVENTS.push(e)}});window.ready=true}"
            "catch(e){errs.push(String(e&&e.stack||e))}")
    return ("<!doctype html><html><head><meta charset=utf-8><title>Checkout</title></head><body>" + body
            + f"<script>{js}</script><script>{boot}</script><script>{script}</script></body></html>").encode()


class RrwebRecorder:
    def __init__(self, body: str, script: str = "", width: int = 1024, height: int = 900,
                 timeout_s: float = 20.0) -> None:
        from PySide6.QtCore import Qt, QUrl
        from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings
        from PySide6.QtWebEngineWidgets import QWebEngineView

        flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
        if "--proxy-server" not in flags:
            os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} {NETWORK_KILL_SWITCH}".strip()
        ensure_web_app()
        interceptor_cls, handler_cls, page_cls = _qt_classes()
        self.profile = QWebEngineProfile()
        self.interceptor = interceptor_cls()
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self.handler = handler_cls(_document(body, script))
        self.profile.installUrlSchemeHandler(SCHEME.encode(), self.handler)
        self.page = page_cls(self.profile)
        settings = self.page.settings()
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)  # test-only, see above
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalStorageEnabled, False)
        self.view = QWebEngineView()
        self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.view.setPage(self.page)
        self.view.resize(width, height)
        self.view.show()
        self.page.load(QUrl(f"{SCHEME}:checkout"))
        if not _wait(lambda: self.eval("!!(window.ready || (window.errs && errs.length))") is True, timeout_s):
            raise RuntimeError(f"rrweb's recorder did not start within {timeout_s:g} s")
        errors = self.eval("JSON.stringify(window.errs || [])")
        if errors not in ("[]", None):
            raise RuntimeError(f"rrweb's recorder failed: {errors}")

    def eval(self, script: str, timeout_s: float = 5.0) -> Any:
        from PySide6.QtWebEngineCore import QWebEngineScript

        box: list[Any] = []
        self.page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, box.append)
        _wait(lambda: bool(box), timeout_s)
        return box[0] if box else None

    def type_into(self, element_id: str, text: str) -> None:
        """Focus the field and send key events (one press/release per character) to the view."""
        from PySide6.QtTest import QTest

        self.view.setFocus()
        focused = self.eval(f"(function(){{const e=document.getElementById({json.dumps(element_id)});e.focus();"
                            "return document.activeElement===e})()")
        if focused is not True:
            raise RuntimeError(f"#{element_id} could not take the focus")
        target = self.view.focusProxy() or self.view
        for ch in text:
            QTest.keyClicks(target, ch)
            _spin(5)
        _wait(lambda: self.eval(f"document.getElementById({json.dumps(element_id)}).value") == text, 5.0)

    def events(self) -> list[dict[str, Any]]:
        _spin(300)  # rrweb emits input events after its own throttle
        got = self.eval("JSON.stringify(window.EVENTS)", timeout_s=10.0)
        return json.loads(got) if isinstance(got, str) else []

    def value(self, element_id: str) -> Any:
        return self.eval(f"document.getElementById({json.dumps(element_id)}).value")

    def close(self) -> None:
        from replaylens.render.page.capture import dispose

        dispose(self.view, self.page, self.profile)
