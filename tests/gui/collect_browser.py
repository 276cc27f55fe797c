"""A real browser for the collector's test (tests/gui/test_collect_browser.py), run as its own process.

Trusted test code: a QtWebEngine page with JavaScript ON on an off-the-record profile, loading two local test
pages of a fictional bank that include ``/recorder.js`` from the collector. Every request is refused by an
interceptor except those to the collector (``http://127.0.0.1:PORT/``); nothing else leaves the process. The
page is driven with real input events (clicks, typing into an amount field and a card-number field, a wheel
scroll), then a link-like navigation to a second page, then ``replaylens.end()``.

    python collect_browser.py COLLECTOR_ADDRESS TOKEN PAGE_ORIGIN OUT.json

A separate process because Chromium's flags are per process: the product's network kill switch (which the
other GUI tests' pages set) would also stop this page from reaching the collector on loopback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

CARD = "4111 1111 1111 1111"


def page_html(address: str, token: str, title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
            "<style>body{font:16px sans-serif;margin:20px}button,input{display:block;margin:12px 0;"
            "width:300px;height:36px}</style></head><body>" + body +
            f'<script src="{address}/recorder.js" data-token="{token}" data-flush-ms="1000"></script>'
            "</body></html>")


CHECKOUT = ("<h1>Deposit</h1><p class='rl-mask'>Customer: Alice Example</p>"
            "<button id='deposit' onclick='this.textContent=\"Deposit started\"'>Deposit</button>"
            "<input id='amount' type='text' placeholder='Amount'>"
            "<input id='card' name='cardnumber' autocomplete='cc-number' placeholder='Card number'>"
            "<div style='height:2400px;background:linear-gradient(#fff,#ddd)'>Terms</div>"
            "<button id='confirm'>Confirm</button>")
DONE = "<h1>Thank you</h1><button id='home'>Back to wallet</button><div style='height:600px'></div>"


def _spin(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait(cond: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        _spin(50)
    return bool(cond())


def main(address: str, token: str, origin: str, out: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox --disable-gpu --dns-prefetch-disable"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to start as root otherwise
    from PySide6.QtCore import QPoint, Qt, QUrl
    from PySide6.QtTest import QTest
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineProfile,
        QWebEngineScript,
        QWebEngineSettings,
        QWebEngineUrlRequestInterceptor,
    )
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    allowed = address.rstrip("/") + "/"

    class Interceptor(QWebEngineUrlRequestInterceptor):
        def __init__(self) -> None:
            super().__init__()
            self.blocked: list[str] = []
            self.allowed = 0

        def interceptRequest(self, info: Any) -> None:
            url = info.requestUrl().toString()
            if info.requestUrl().scheme() in ("data", "about", "blob") or url.startswith(allowed):
                self.allowed += 1
                return
            self.blocked.append(url[:120])
            info.block(True)

    app = QApplication([sys.argv[0]])
    profile = QWebEngineProfile()  # off the record
    interceptor = Interceptor()
    profile.setUrlRequestInterceptor(interceptor)
    page = QWebEnginePage(profile)
    page.settings().setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)  # test-only
    page.settings().setAttribute(QWebEngineSettings.WebAttribute.AutoLoadIconsForPage, False)
    view = QWebEngineView()
    view.setPage(page)
    view.resize(1024, 700)
    view.show()
    result: dict[str, Any] = {"ok": False, "steps": []}

    def js(script: str, timeout_s: float = 5.0) -> Any:
        box: list[Any] = []
        page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, box.append)
        _wait(lambda: bool(box), timeout_s)
        return box[0] if box else None

    def load(path: str, title: str, body: str) -> None:
        loaded: list[bool] = []
        page.loadFinished.connect(loaded.append)
        page.setHtml(page_html(address, token, title, body), QUrl(origin + path))
        _wait(lambda: bool(loaded), 15)
        page.loadFinished.disconnect(loaded.append)
        if not _wait(lambda: js("!!(window.replaylens && replaylens.sessionId())") is True, 15):
            raise RuntimeError(f"the recorder did not start on {path}: blocked {interceptor.blocked}")

    def centre(sel: str) -> QPoint:
        raw = js(f"(function(){{const e=document.querySelector('{sel}');if(!e)return 'none';"
                 "e.scrollIntoView({block:'nearest'});const b=e.getBoundingClientRect();"
                 "return JSON.stringify([b.left+b.width/2,b.top+b.height/2])})()")
        r = json.loads(raw) if isinstance(raw, str) and raw.startswith("[") else raw
        if not isinstance(r, list) or len(r) != 2:
            raise RuntimeError(f"{sel}: no position ({r!r})")
        return QPoint(int(r[0]), int(r[1]))

    def click(sel: str) -> None:
        target = view.focusProxy() or view
        QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre(sel))
        _spin(150)
        result["steps"].append(f"click {sel}")

    def type_into(sel: str, text: str) -> None:
        click(sel)
        if not _wait(lambda: js(f"document.activeElement === document.querySelector('{sel}')") is True, 5):
            raise RuntimeError(f"{sel} did not get the focus")
        QTest.keyClicks(view.focusProxy(), text)
        if not _wait(lambda: js(f"document.querySelector('{sel}').value.length") == len(text)
                     or js(f"document.querySelector('{sel}').value.length === {len(text)}") is True, 5):
            raise RuntimeError(f"{sel}: the typing did not arrive")

    try:
        load("/checkout", "Deposit", CHECKOUT)
        sid = js("replaylens.sessionId()")
        result["session_id"] = sid
        _spin(300)
        click("#deposit")
        type_into("#amount", "250")
        type_into("#card", CARD)
        result["typed_card"] = js("document.querySelector('#card').value")
        result["typed_amount"] = js("document.querySelector('#amount').value")
        result["active"] = js("document.activeElement && document.activeElement.id")
        _spin(200)
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QWheelEvent

        for _ in range(6):
            pos = QPointF(500, 400)
            ev = QWheelEvent(pos, view.mapToGlobal(pos), QPoint(0, 0), QPoint(0, -240), Qt.MouseButton.NoButton,
                             Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
            QApplication.sendEvent(view.focusProxy(), ev)
            _spin(80)
        _wait(lambda: js("window.scrollY > 300") is True, 5)
        result["scroll_y"] = float(js("String(window.scrollY)") or 0)
        _spin(400)  # rrweb samples scrolls every 150 ms
        click("#confirm")
        _spin(1300)  # a flush
        load("/done", "Thank you", DONE)
        result["same_session"] = js("replaylens.sessionId()") == sid
        click("#home")
        _spin(300)
        js("window.__end = null; replaylens.end().then(r => { window.__end = r.status; });")
        _wait(lambda: js("typeof window.__end === 'number'") is True, 15)
        result["end_status"] = int(js("String(window.__end)") or 0)
        result["blocked"] = interceptor.blocked
        result["allowed"] = interceptor.allowed
        result["ok"] = True
    except Exception as exc:  # reported to the test
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(result, f)
        view.close()
        page.deleteLater()
        _spin(100)
        app.quit()
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
