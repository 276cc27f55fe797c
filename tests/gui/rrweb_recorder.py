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
from typing import Any

from rrweb_replayer import ScriptedPage, _spin, _wait

from replaylens.assets.rrweb import rrweb_dir


def _document(body: str, script: str) -> bytes:
    js = (rrweb_dir() / "rrweb.min.js").read_text("utf-8").replace("</script", "<\\/script")
    boot = ("window.EVENTS=[];window.errs=[];window.addEventListener('error',e=>errs.push(String(e.message)));"
            "try{window.stop=rrweb.record({emit(e){window.EVENTS.push(e)}});window.ready=true}"
            "catch(e){errs.push(String(e&&e.stack||e))}")
    return ("<!doctype html><html><head><meta charset=utf-8><title>Checkout</title></head><body>" + body
            + f"<script>{js}</script><script>{boot}</script><script>{script}</script></body></html>").encode()


class RrwebRecorder(ScriptedPage):
    def __init__(self, body: str, script: str = "", width: int = 1024, height: int = 900,
                 timeout_s: float = 20.0) -> None:
        self._start(_document(body, script), "checkout", "rrweb's recorder", width, height, timeout_s)

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
