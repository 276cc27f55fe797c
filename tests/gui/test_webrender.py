"""Rendering snapshots with QtWebEngine off screen (render/page/): nothing reaches the network, no script runs,
ordinary content shows, and every failure falls back to a labelled wireframe instead of raising."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from replaylens.render import qt as render_qt
from replaylens.render.page import RenderJob, capture, network, prepare_qt, render_html, render_snapshots
from replaylens.render.page import jobs as page_jobs

prepare_qt()  # at collection, before any test creates the QApplication (registers the rl-snapshot scheme)

BOX = (42, 122, 226)  # the ordinary content: a 300×80 box of this colour with white text


def pixels(png: bytes) -> np.ndarray:
    """PNG -> (h, w, 3) uint8 RGB."""
    from PySide6.QtGui import QImage

    img = QImage.fromData(png).convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    return raw[:, : img.width(), 2::-1].copy()


def count(rgb: np.ndarray, colour: tuple[int, int, int], tol: int = 12) -> int:
    return int((np.abs(rgb.astype(np.int16) - np.array(colour)).max(axis=2) <= tol).sum())


def reds(rgb: np.ndarray) -> int:
    r, g, b = rgb[..., 0].astype(int), rgb[..., 1].astype(int), rgb[..., 2].astype(int)
    return int(((r > 180) & (g < 80) & (b < 80)).sum())


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RedHandler)
        self.connections = 0
        self.paths: list[str] = []

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1  # a bare TCP connect (preconnect) counts too
        return True


class _RedHandler(BaseHTTPRequestHandler):
    """Whatever is asked for comes back red: a leak would also show in the pixels."""

    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        body, kind = b"body,html{background:red!important}", "text/css"
        if not self.path.endswith(".css"):
            body, kind = b"<body style='background:red'>", "text/html"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_CountingServer]:
    srv = _CountingServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def hostile_html(base: str) -> str:
    """Every way a page can run code or call home, each aimed at the local server, plus one ordinary box."""
    paint_red = "document.documentElement.style.background='red';document.body.style.background='red'"
    return f"""<!DOCTYPE html><html><head>
<meta http-equiv="refresh" content="0;url={base}/refresh">
<base href="{base}/base/">
<script src="{base}/script.js"></script>
<script>{paint_red};document.write('<div style="position:fixed;inset:0;background:red">PWNED</div>')</script>
<link rel="stylesheet" href="{base}/sheet.css">
<link rel="preload" as="image" href="{base}/preload.png"><link rel="prefetch" href="{base}/prefetch">
<link rel="preconnect" href="{base}"><link rel="dns-prefetch" href="{base}"><link rel="icon" href="{base}/fav.ico">
<style>@import url({base}/import.css); @import "{base}/import2.css";
@font-face{{font-family:Leak;src:url({base}/font.woff)}}
body{{margin:0;background:#ffffff;font-family:Leak,sans-serif}}
.bg{{width:60px;height:60px;background:url({base}/bg.png)}}
.box{{width:300px;height:80px;background:rgb{BOX};color:#fff;font:20px sans-serif}}</style>
</head><body onload="{paint_red}">
<div class="box" onmouseover="{paint_red}">Hello safe world</div>
<img src="{base}/img.png" onerror="{paint_red}" width="20" height="20">
<img srcset="{base}/srcset.png 2x" width="20" height="20">
<div class="bg"></div>
<div style="width:60px;height:60px;background:url({base}/inline.png)"></div>
<iframe src="{base}/frame.html" width="100" height="60"></iframe>
<video poster="{base}/poster.png" src="{base}/v.mp4" width="100" height="60" autoplay></video>
<audio src="{base}/a.mp3" autoplay></audio>
<object data="{base}/object.html" width="50" height="50"></object><embed src="{base}/embed.html">
<svg width="30" height="30"><image href="{base}/svg.png" width="30" height="30"></image></svg>
<input type="image" src="{base}/button.png"><a href="{base}/link" ping="{base}/ping">a link</a>
<form action="{base}/form"><button formaction="{base}/formaction">go</button></form>
</body></html>"""


class _ToNodes(HTMLParser):
    """HTML -> an rrweb FullSnapshot node tree (what a recorder would have captured from that page)."""

    VOID = frozenset({"meta", "base", "link", "img", "input", "embed", "br", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: dict[str, Any] = {"type": 0, "id": 1, "childNodes": []}
        self.stack = [self.root]
        self.next_id = 2

    def _add(self, node: dict[str, Any]) -> dict[str, Any]:
        node["id"] = self.next_id
        self.next_id += 1
        self.stack[-1]["childNodes"].append(node)
        return node

    def handle_decl(self, decl: str) -> None:
        self._add({"type": 1, "name": "html", "publicId": "", "systemId": ""})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = self._add({"type": 2, "tagName": tag, "attributes": {k: v or "" for k, v in attrs},
                          "childNodes": [], "isSVG": tag in ("svg", "image")})
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1 and self.stack[-1].get("tagName") == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        in_style = self.stack[-1].get("tagName") == "style"
        self._add({"type": 3, "textContent": data, **({"isStyle": True} if in_style else {})})


def to_nodes(html: str) -> dict[str, Any]:
    parser = _ToNodes()
    parser.feed(html)
    return parser.root


def assert_safe_render(png: bytes, server: _CountingServer) -> np.ndarray:
    time.sleep(0.3)  # let any late request arrive before counting
    assert server.connections == 0, server.paths
    rgb = pixels(png)
    assert reds(rgb) == 0  # no script, handler or fetched style painted anything red
    assert count(rgb, BOX) > 20_000  # the ordinary content is there (300×80 box minus its text)
    return rgb


@pytest.mark.slow
@pytest.mark.parametrize("via_scheme", [False, True], ids=["setHtml", "rl-snapshot scheme"])
def test_hostile_snapshot_runs_no_script_and_sends_nothing(server: _CountingServer, via_scheme: bool,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if via_scheme:
        monkeypatch.setattr(network, "SETHTML_LIMIT", 0)  # serve even this small page from memory
    base = f"http://127.0.0.1:{server.server_address[1]}"
    node = to_nodes(hostile_html(base))
    [res] = render_snapshots([RenderJob(node, 640, 480, "hostile")], timeout_s=10)
    assert not res.wireframe, res.error
    assert res.png is not None and (res.width, res.height) == (640, 480)
    assert res.blocked_requests == 0  # the sanitiser left nothing to block
    assert_safe_render(res.png, server)


@pytest.mark.slow
def test_engine_layers_alone_block_scripts_and_requests(server: _CountingServer) -> None:
    """Defence in depth: the raw page, no sanitiser and no CSP — JS-off + interceptor + navigation guard."""
    base = f"http://127.0.0.1:{server.server_address[1]}"
    res = render_html(hostile_html(base), 640, 480)
    assert res.png is not None, res.error
    assert res.blocked_requests >= 5  # the interceptor saw and refused the page's requests
    assert_safe_render(res.png, server)
    # controls: the checks above can fail — a red page is detected, and the server does count a real request
    red = render_html("<body style='background:red'>", 200, 100)
    assert red.png is not None and reds(pixels(red.png)) == 200 * 100
    with urllib.request.urlopen(f"{base}/probe.css", timeout=5) as reply:
        assert b"red" in reply.read()
    assert server.connections == 1 and server.paths == ["/probe.css"]


@pytest.mark.slow
def test_document_over_the_sethtml_limit_renders_through_the_scheme() -> None:
    filler = "/*" + "x" * 2_200_000 + "*/"
    node = to_nodes(f"<html><head><style>{filler}.box{{width:300px;height:80px;background:rgb{BOX}}}</style>"
                    "</head><body style='margin:0'><div class='box'></div></body></html>")
    [res] = render_snapshots([RenderJob(node, 800, 600, "big")])
    assert not res.wireframe, res.error
    assert res.png is not None and count(pixels(res.png), BOX) == 300 * 80


@pytest.mark.slow
@pytest.mark.shared
def test_real_mobile_recording_renders_full_page(shared_data: Path, tmp_path: Path) -> None:
    events = json.loads((shared_data / "rrweb-sizer-smartx-mobile" / "e1.json").read_text(encoding="utf-8"))
    node = next(e["data"]["node"] for e in events if e["type"] == 2)
    [res] = render_snapshots([RenderJob(node, 414, 832, "smartx")])
    assert not res.wireframe, res.error
    assert res.png is not None and res.error is None and res.blocked_requests == 0
    (tmp_path / "smartx.png").write_bytes(res.png)
    rgb = pixels(res.png)
    assert rgb.shape == (res.height, 414, 3) and res.height > 3 * 832  # the whole page, not just the viewport
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    assert len(np.unique(packed)) > 200  # real content (text, images, gradients), not a blank page
    bottom = rgb[-832:]
    assert bottom.std() > 5  # the last screen was painted too (no unrasterised band)


def test_wireframe_fallback_is_labelled_and_draws_controls() -> None:
    node = to_nodes("<html><body><h1>Deposit</h1><p>Amount</p><input type='password' value='hunter2'>"
                    "<button>Confirm</button><img width='120' height='60'></body></html>")
    [res] = render_snapshots([RenderJob(node, 480, 320, "w")], allow_webengine=False)
    assert res.wireframe and res.error == "QtWebEngine disabled by the caller"
    assert res.png is not None and (res.width, res.height) == (480, 320)
    rgb = pixels(res.png)
    assert count(rgb[:40], (0xFF, 0xF3, 0xCD), 2) > 480 * 30  # the amber "Wireframe — page not rendered" banner
    assert count(rgb[40:], (0xE8, 0xEE, 0xFC), 2) > 500  # the button's fill
    assert count(rgb[40:], (0xEE, 0xF0, 0xF3), 2) > 2_000  # the image placeholder


def test_failures_fall_back_to_wireframes_and_never_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(self: Any) -> None:
        raise ImportError("libnss3.so: cannot open shared object file")

    monkeypatch.setattr(capture._Engine, "__init__", unavailable)
    jobs = [RenderJob({}, 0, -5, "empty"), RenderJob({"type": 2, "tagName": "<p>"}, 10**9, 500, "junk"),
            RenderJob(None, "wide", None, "none")]  # type: ignore[arg-type]
    results = render_snapshots(jobs)
    assert [r.key for r in results] == ["empty", "junk", "none"]
    for r in results:
        assert r.wireframe and r.png is not None and "libnss3" in (r.error or "")
    assert (results[0].width, results[0].height) == (100, 100)  # clamped sizes
    assert results[1].width == page_jobs.MAX_WIDTH


def test_a_timed_out_page_becomes_a_wireframe_and_the_engine_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []

    class FakeEngine:
        def __init__(self) -> None:
            made.append(1)

        def render(self, html: str, w: int, h: int, timeout_s: float, max_h: int) -> Any:
            return capture._Out(None, h, f"timed out after {timeout_s:g} s loading the page", 2, broken=True)

        def close(self) -> None:
            pass

    monkeypatch.setattr(page_jobs, "_Engine", FakeEngine)
    node = to_nodes("<p>x</p>")
    results = render_snapshots([RenderJob(node, 400, 300, "a"), RenderJob(node, 400, 300, "b")], timeout_s=0.5)
    assert [r.error for r in results] == ["timed out after 0.5 s loading the page"] * 2
    assert all(r.wireframe and r.png and r.blocked_requests == 2 for r in results)
    assert len(made) == 2  # a broken page is not reused


def test_off_the_gui_thread_it_draws_a_wireframe() -> None:
    render_qt.ensure_web_app()
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.extend(render_snapshots([RenderJob(to_nodes("<p>x</p>"), 300, 200, "t")])))
    t.start()
    t.join(30)
    [res] = out
    assert res.wireframe and "GUI thread" in (res.error or "") and res.png is not None


def test_progress_is_reported_per_page() -> None:
    seen: list[tuple[float, str]] = []
    render_snapshots([RenderJob({}, 300, 200, "a"), RenderJob({}, 300, 200, "b")], allow_webengine=False,
                     progress=lambda f, m: seen.append((f, m)))
    assert seen == [(0.0, "Rendering page 1 of 2"), (0.5, "Rendering page 2 of 2"), (1.0, "Rendered 2 pages")]


def test_cancelling_through_progress_propagates() -> None:
    from replaylens.errors import CancelledError

    def cancel(fraction: float, message: str) -> None:
        if fraction > 0:
            raise CancelledError("stop")

    with pytest.raises(CancelledError):
        render_snapshots([RenderJob({}, 300, 200, "a"), RenderJob({}, 300, 200, "b")], allow_webengine=False,
                         progress=cancel)


@pytest.mark.slow
def test_a_page_that_filters_its_whole_body_still_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    """html{filter:grayscale(1)} (memorial pages) recolours the paint marker: grabs must settle instead."""
    monkeypatch.setattr(capture, "MARKER_GRACE_S", 0.3)
    node = to_nodes("<html><head><style>html{filter:grayscale(1)} body{margin:0}"
                    ".b{height:1500px;background:rgb(200,200,200)}</style></head><body><div class=b></div></body>"
                    "</html>")
    [res] = render_snapshots([RenderJob(node, 400, 300, "grey")])
    assert not res.wireframe and res.png is not None, res.error
    assert res.height == 1500 and count(pixels(res.png), (200, 200, 200), 2) > 0.99 * 400 * 1500


def _hostile_mutations(base: str, box_id: int, body_id: int) -> list[tuple[int, dict[str, Any]]]:
    """What a page can do *later*, as rrweb incremental snapshots aimed at the local server."""
    paint_red = "document.documentElement.style.background='red'"
    el = {"type": 2, "childNodes": []}
    return [
        (0, {"adds": [
            {"parentId": body_id, "nextId": None, "node": {**el, "id": 9001, "tagName": "script", "attributes": {}}},
            {"parentId": 9001, "nextId": None, "node": {"type": 3, "id": 9002, "textContent": paint_red}},
            {"parentId": body_id, "nextId": None, "node": {**el, "id": 9003, "tagName": "img", "attributes": {
                "src": f"{base}/late.png", "onerror": paint_red, "width": "20", "height": "20"}}},
            {"parentId": body_id, "nextId": None, "node": {**el, "id": 9004, "tagName": "iframe",
                                                           "attributes": {"src": f"{base}/late.html"}}},
            {"parentId": body_id, "nextId": None, "node": {**el, "id": 9005, "tagName": "link", "attributes": {
                "rel": "preconnect", "href": base}}},
            {"parentId": body_id, "nextId": None, "node": {**el, "id": 9006, "tagName": "style", "attributes": {
                "_cssText": f"@import url({base}/late.css); .x{{background:url({base}/late-bg.png)}}"}}}]}),
        (0, {"attributes": [{"id": box_id, "attributes": {"onmouseover": paint_red, "onclick": paint_red,
                                                           "style": {"background-image": f"url({base}/attr.png)"}}},
                            {"id": 9003, "attributes": {"src": f"{base}/changed.png", "srcset": f"{base}/s.png 2x"}}]}),
        (8, {"id": 9006, "adds": [{"rule": f"@font-face{{font-family:L;src:url({base}/late.woff)}}", "index": 0},
                                  {"rule": f"body{{background-image:url({base}/rule.png)}}", "index": 1}]}),
        (13, {"id": 9006, "index": [1], "set": {"property": "border-image", "value": f"url({base}/decl.png) 30"}}),
    ]


@pytest.mark.slow
def test_hostile_mutations_run_no_script_and_send_nothing(server: _CountingServer) -> None:
    """A safe snapshot made hostile later (a script, remote images, handler and src attributes, remote CSS rules):
    the window's events go through the one masking pass (handlers and javascript: values dropped) to rrweb's
    Replayer, which applies every change in its script-less sandbox, and nothing reaches the server."""
    from replaylens.io.rrweb.columns import PageInfo, WindowHistory
    from replaylens.io.rrweb.keyframes import FIRST_SNAPSHOT
    from replaylens.io.rrweb.replay_events import Privacy, window_events

    base = f"http://127.0.0.1:{server.server_address[1]}"
    page = ("<!DOCTYPE html><html><head><style>body{margin:0;background:#fff}"
            f".box{{width:300px;height:80px;background:rgb{BOX};color:#fff;font:20px sans-serif}}</style></head>"
            "<body><div class=\"box\">Hello safe world</div></body></html>")
    root = to_nodes(page)
    flat, stack = [], [root]
    while stack:
        n = stack.pop()
        flat.append(n)
        stack.extend(n.get("childNodes") or [])
    body = next(n for n in flat if n.get("tagName") == "body")
    box = next(n for n in flat if n.get("tagName") == "div")
    changes = [(0.0, FIRST_SNAPSHOT, root)] + [(100.0 + k, src, data) for k, (src, data) in
                                               enumerate(_hostile_mutations(base, box["id"], body["id"]))]
    events = window_events(WindowHistory(changes, [(0.0, 0)]), [PageInfo("https://x.example/", 0, "", 640, 480)],
                           (640, 480), Privacy())
    tree = json.dumps(changes)
    assert "changed.png" in tree and "onerror" in tree and "late.woff" in tree and "decl.png" in tree
    handed = json.dumps(events)
    assert "onerror" not in handed and "onmouseover" not in handed and "onclick" not in handed
    assert "changed.png" in handed and "late.woff" in handed  # ... the rest reaches the replayer as recorded
    [res] = render_snapshots([RenderJob(root, 640, 480, "hostile-later", events=events, at_ms=200, measure=(9003,))],
                             timeout_s=10)
    assert not res.wireframe, res.error
    assert res.png is not None and res.blocked_requests == 0
    assert 9003 in res.boxes[:, 0]  # the mutations were replayed (the late image is in the document)
    assert_safe_render(res.png, server)
