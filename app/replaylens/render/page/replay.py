"""Page pictures drawn by rrweb's own Replayer (the pinned release, ``replaylens.assets.rrweb``) off screen.

The capture engine's page (``capture._Engine``, the network shut by ``network.py``) loads **our host page**: one
inline document (``setHtml``) holding rrweb's CSS and JS from the pinned files and a small boot script, both
carrying a fresh nonce; the masked events (``io/rrweb/replay_events.py``) follow as JSON text through
``runJavaScript``. JavaScript is on for this page only (``HOST_SCRIPTS``, ``network.private_page``); what rrweb
rebuilds goes into an iframe it sandboxes without allow-scripts (its ``UNSAFE_replayCanvas`` stays off), so
recorded ``<script>`` and ``on*`` handlers are inert, and the host page's content security policy (``csp``:
scripts only with this load's nonce, images, fonts and media only ``data:``, no frames, no connections) is
inherited by that same-origin ``about:blank`` iframe, so a recorded URL is refused before it becomes a request.
The profile's interceptor still blocks and counts whatever else would leave.

For each picture the engine calls ``rlSeek``: ``replayer.pause(t)``, the iframe at the recorded width, animations
at their end state (rrweb's paused-animation class off, the static rules below), height-relative units pinned to
the recorded viewport in the live CSSOM (a full-page picture is as tall as the document; ``100vh`` must not grow
with it), document fonts loaded, then the iframe grown to the document height; the view follows, and the frame is
grabbed once the paint marker proves it was laid out for that size (``capture``). Element boxes are measured in
the same state through rrweb's mirror (node id -> element; ``measure``).
"""

from __future__ import annotations

import json
import secrets as _random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replaylens.assets.rrweb import rrweb_css, rrweb_js
from replaylens.io.rrweb import fields
from replaylens.render import image
from replaylens.render.page import geometry
from replaylens.render.page.capture import _MARKER_HTML, _Engine, _Out, _spin, _wait

#: Static rules rrweb inserts into every document it rebuilds (``insertStyleRules``: ours, none from the
#: recording): animations at their end state, no transitions or caret, secret fields as hatched boxes.
STATIC_RULES = (
    "*,*::before,*::after{animation-duration:0s!important;animation-delay:0s!important;"
    "animation-iteration-count:1!important;transition-duration:0s!important;transition-delay:0s!important;"
    "caret-color:transparent!important}",
    "[data-rl-secret]{" + fields.SECRET_STYLE + "}",
    "[data-rl-secret]::placeholder{color:transparent!important}",
    "[data-rl-secret] *{visibility:hidden!important}",
)
#: The Replayer's options: no cursor or its tail, no focus moves, canvas replay without scripts, no warnings.
REPLAYER_OPTIONS = {"mouseTail": False, "triggerFocus": False, "UNSAFE_replayCanvas": False, "showWarning": False,
                    "showDebug": False, "skipInactive": False, "pauseAnimation": True, "liveMode": False,
                    "speed": 1, "insertStyleRules": list(STATIC_RULES)}
_HOST_CSS = ("html,body{margin:0;padding:0;overflow:hidden;background:#fff}"
             ".replayer-wrapper{position:absolute!important;left:0;top:0;transform:none!important}"
             ".replayer-wrapper iframe{border:0!important;display:block}"
             ".replayer-mouse,.replayer-mouse-tail{display:none!important}")
_BOOT = """(function () {
  'use strict';
  var errs = window.rlErrors = [];
  window.addEventListener('error', function (e) { errs.push(String(e.message)); });
  function size(f, w, h) {
    f.setAttribute('width', String(w)); f.setAttribute('height', String(h));
    f.style.width = w + 'px'; f.style.height = h + 'px';
  }
  var UNIT = /(-?\\d*\\.?\\d+(?:e-?\\d+)?)(?:s|l|d)?(vh|vmin|vmax)\\b/gi, HAS = /\\d(?:s|l|d)?(?:vh|vmin|vmax)\\b/i;
  function pin(d, w, h) {
    function px(v) {
      return v.replace(UNIT, function (_, n, u) {
        u = u.toLowerCase();
        var b = u === 'vh' ? h : (u === 'vmin' ? Math.min(w, h) : Math.max(w, h));
        return (parseFloat(n) * b / 100) + 'px';
      });
    }
    function style(st) {
      for (var i = 0; i < st.length; i++) {
        var p = st[i], v = st.getPropertyValue(p);
        if (HAS.test(v)) st.setProperty(p, px(v), st.getPropertyPriority(p));
      }
    }
    function rules(list) {
      for (var i = 0; i < list.length; i++) {
        var r = list[i];
        if (r.style) style(r.style);
        try { if (r.cssRules) rules(r.cssRules); } catch (e) {}
      }
    }
    var sheets = Array.prototype.slice.call(d.styleSheets || []).concat(d.adoptedStyleSheets || []);
    sheets.forEach(function (s) { try { rules(s.cssRules); } catch (e) {} });
    d.querySelectorAll('[style]').forEach(function (el) {
      if (el.style && HAS.test(el.getAttribute('style'))) style(el.style);
    });
  }
  window.rlChunks = [];
  window.rlStart = function () {
    try {
      var events = JSON.parse(window.rlChunks.join(''));
      window.rlChunks = null;
      var opts = JSON.parse(document.getElementById('rl-options').textContent);
      opts.root = document.getElementById('rl-root');
      window.rlReplayer = new rrweb.Replayer(events, opts);
    } catch (e) { errs.push(String(e && e.stack || e)); }
    window.rlReady = true;
  };
  window.rlSeek = function (off, w, h, maxH, mark) {
    window.rlState = 'busy';
    try {
      var mk = document.getElementById('rl-mark');
      if (mk) mk.style.setProperty('background', mark, 'important');
      var R = window.rlReplayer;
      R.pause(off);
      var f = R.iframe, d = f.contentDocument, win = f.contentWindow;
      R.wrapper.style.transform = 'none';
      size(f, w, h);
      if (d.documentElement) d.documentElement.classList.remove('rrweb-paused');
      pin(d, w, h);
      win.scrollTo(0, 0);
      var done = function () {
        var el = d.documentElement, b = d.body;
        var doc = Math.ceil(Math.max(el ? el.scrollHeight : 0, b ? b.scrollHeight : 0, h));
        size(f, w, Math.min(doc, maxH));
        win.scrollTo(0, 0);
        window.rlState = 'ready:' + Math.min(doc, maxH) + ':' + doc;
      };
      var fonts = d.fonts && d.fonts.ready ? d.fonts.ready : Promise.resolve();
      Promise.race([fonts, new Promise(function (r) { setTimeout(r, 1500); })]).then(done, done);
    } catch (e) { window.rlState = 'error:' + String(e && e.message || e); }
  };
  window.rlBoxes = function (want, cap) {
    var R = window.rlReplayer, m = R.getMirror(), d = R.iframe.contentDocument, win = R.iframe.contentWindow;
    var sx = win.scrollX || 0, sy = win.scrollY || 0, out = [];
    for (var i = 0; i < want.length && out.length < 5 * cap; i++) {
      var n = m.getNode(want[i]);
      if (!n || n.nodeType !== 1 || n.ownerDocument !== d || !n.getBoundingClientRect) continue;
      var r = n.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) out.push(want[i], r.left + sx, r.top + sy, r.width, r.height);
    }
    return JSON.stringify(out);
  };
  window.rlBooted = true;
})();"""


#: The paint marker's two colours, alternated per seek (capture's marker is the first).
MARKS = ((254, 1, 253), (1, 253, 254))
#: Characters of events JSON handed over per ``runJavaScript`` call.
CHUNK = 4_000_000


def csp(nonce: str) -> str:
    """The host page's policy: only scripts carrying this load's nonce; nothing but data: for images, fonts and
    media; no frames with a URL, objects, forms, base URLs or connections (inherited by rrweb's iframe)."""
    return (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline' data:; img-src data:; "
            "font-src data:; media-src data:; frame-src 'none'; child-src 'none'; object-src 'none'; "
            "connect-src 'none'; form-action 'none'; base-uri 'none'; manifest-src 'none'; worker-src 'none'")


def _json_block(value: Any) -> str:
    """JSON text safe inside a ``<script type=application/json>`` element (no ``<`` at all)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def host_document(nonce: str) -> str:
    """Our host page, with the pinned rrweb inline (the events follow through ``runJavaScript``: ``open``)."""
    js = rrweb_js().read_text("utf-8").replace("</script", "<\\/script")
    css = rrweb_css().read_text("utf-8").replace("</", "<\\/")
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp(nonce)}\">"
            f"<style>{css}{_HOST_CSS}</style></head><body><div id=\"rl-root\"></div>"
            f"<script type=\"application/json\" id=\"rl-options\">{_json_block(REPLAYER_OPTIONS)}</script>"
            f"<script nonce=\"{nonce}\">{js}</script><script nonce=\"{nonce}\">{_BOOT}</script>"
            + _MARKER_HTML.replace("<div ", "<div id=\"rl-mark\" ", 1) + "</body></html>")


@dataclass(frozen=True)
class Replay:
    """What one picture replays: a window's masked events (the same list object for a window's pictures, so the
    loaded replayer is reused) and the time to seek to, on the events' clock."""

    events: Sequence[dict[str, Any]]
    t_ms: float


class ReplayEngine(_Engine):
    """The capture engine with our host page loaded: one recording (a window's events) at a time, seeked to each
    picture's time in turn."""

    HOST_SCRIPTS = True

    def __init__(self) -> None:
        super().__init__()
        self.loaded: Sequence[dict[str, Any]] | None = None  # the events on the page (held: compared by identity)
        self.start_ms = 0.0
        self.seeks = 0

    def _eval(self, script: str, deadline: float) -> Any:
        from PySide6.QtWebEngineCore import QWebEngineScript

        box: list[Any] = []
        self.page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, box.append)
        _wait(lambda: bool(box) or self.crash is not None, deadline, 5)
        return box[0] if box else None

    def open(self, events: Sequence[dict[str, Any]], w: int, h: int, timeout_s: float) -> str | None:
        """Load the host page for ``events``; None when rrweb's Replayer is ready, else why not."""
        deadline = time.perf_counter() + max(timeout_s, 1.0)
        self.loaded = None
        self.load_ok, self.crash = None, None
        self.view.resize(w, h)
        from PySide6.QtCore import QUrl

        self.page.allow_main = True  # the host page is small (rrweb ~0.3 MB): always setHtml, never the scheme
        self.page.setHtml(host_document(_random.token_urlsafe(18)), QUrl("about:blank"))
        if not _wait(lambda: self.load_ok is not None or self.crash is not None, deadline):
            return self.crash or f"timed out after {timeout_s:g} s loading rrweb's replayer"
        if self.crash or not self.load_ok or self._eval("window.rlBooted === true", deadline) is not True:
            return self.crash or "the replayer page failed to load"
        text = json.dumps(list(events), ensure_ascii=False, separators=(",", ":"))
        for i in range(0, len(text), CHUNK):  # JSON text as JS string literals, appended in our own script
            self._eval(f"window.rlChunks.push({json.dumps(text[i:i + CHUNK])});1", deadline)
        del text
        self._eval("window.rlStart();1", deadline)
        state: Any = None
        while time.perf_counter() < deadline and not self.crash:
            state = self._eval("JSON.stringify([!!window.rlReady, window.rlErrors || ['no boot']])", deadline)
            if isinstance(state, str) and state.startswith("[true"):
                break
            _spin(20)
        errors = json.loads(state)[1] if isinstance(state, str) and state.startswith("[") else ["no answer"]
        if errors or not (isinstance(state, str) and state.startswith("[true")):
            return f"rrweb's replayer did not start: {'; '.join(map(str, errors))[:300] or 'timed out'}"
        self.loaded = events
        self.start_ms = float(min((e.get("timestamp", 0) for e in events), default=0) or 0)
        return None

    def render(self, replay: Replay, w: int, h: int, timeout_s: float, max_h: int) -> _Out:  # type: ignore[override]
        """The picture of ``replay`` (the host page is loaded again only for another events list)."""
        if self.loaded is not replay.events:
            before = self.interceptor.blocked
            why = self.open(replay.events, w, h, timeout_s)
            if why is not None:
                return _Out(None, h, why, self.interceptor.blocked - before, broken=True)
        return self.shot(replay.t_ms, w, h, timeout_s, max_h)

    def shot(self, t_ms: float, w: int, h: int, timeout_s: float, max_h: int) -> _Out:
        """The picture of the replayed page at ``t_ms`` (the events' clock: every change at or before it)."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage

        deadline = time.perf_counter() + max(timeout_s, 0.5)
        before = self.interceptor.blocked
        off = max(0, int(round(t_ms - self.start_ms)) + 1)  # rrweb applies events strictly before the offset
        self.seeks += 1
        mark = MARKS[self.seeks % 2]  # a new marker colour per seek: a frame showing it was painted after it
        self._eval(f"window.rlSeek({off},{int(w)},{int(h)},{int(max_h)},'rgb{mark}');1", deadline)
        state: Any = None
        while time.perf_counter() < deadline and not self.crash:
            state = self._eval("window.rlState", deadline)
            if isinstance(state, str) and state != "busy":
                break
            _spin(10)
        if self.crash:
            return _Out(None, h, self.crash, self.interceptor.blocked - before, broken=True)
        if not (isinstance(state, str) and state.startswith("ready:")):
            why = state[6:] if isinstance(state, str) and state.startswith("error:") else "timed out"
            return _Out(None, h, f"rrweb's replayer could not seek to {off} ms: {why}"[:300],
                        self.interceptor.blocked - before, broken=not isinstance(state, str))
        _, full_s, doc_s = state.split(":")
        full, doc_h = max(int(full_s), h), int(doc_s)
        self.view.resize(w, full)
        note: str | None = None
        if not self._marked(w, full, mark, deadline):
            if self.crash:
                return _Out(None, h, self.crash, self.interceptor.blocked - before, broken=True)
            if not self._stable(deadline):
                note = f"the page did not finish painting within {timeout_s:g} s"
        img = self.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        if img.isNull():
            return _Out(None, h, "the page painted nothing", self.interceptor.blocked - before)
        if img.width() != w or img.height() != full:  # high-DPI screen: store CSS px
            img = img.scaled(w, full, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        img.setDevicePixelRatio(1.0)
        img.setPixelColor(w - 1, full - 1, img.pixelColor(max(w - 2, 0), full - 1))  # hide the marker
        if doc_h > max_h:
            note = f"page is {doc_h} px tall; cut at {max_h} px"
        return _Out(image.png_bytes(img), full, note, self.interceptor.blocked - before)

    def _marked(self, w: int, h: int, mark: tuple[int, int, int], deadline: float) -> bool:
        """Wait for a frame of this size painted after the seek: the marker in its bottom-right pixel has the
        seek's colour (an older frame of the same size has the other one)."""
        from PySide6.QtCore import QRect

        def seen() -> bool:
            img = self.view.grab(QRect(w - 1, h - 1, 1, 1)).toImage()
            if img.isNull() or self.crash:
                return bool(self.crash)
            c = img.pixelColor(img.width() - 1, img.height() - 1)
            return max(abs(c.red() - mark[0]), abs(c.green() - mark[1]), abs(c.blue() - mark[2])) < 8
        return _wait(seen, deadline, 15) and not self.crash

    def boxes(self, ids: Sequence[int], timeout_s: float = 2.0) -> np.ndarray:
        """Boxes of the elements ``ids`` in the state just grabbed, found through rrweb's mirror."""
        if not ids:
            return geometry.empty_boxes()
        deadline = time.perf_counter() + max(timeout_s, 0.5)
        return geometry.parse_boxes(self._eval(geometry.replay_box_script(ids), deadline))
