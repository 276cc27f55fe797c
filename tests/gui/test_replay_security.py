"""Vectors aimed at rrweb's Replayer itself (render/page/replay.py): a recording that tries to run code or call home
through what the replayer rebuilds — ``javascript:`` URLs, ``srcdoc`` documents, ``<meta http-equiv=refresh>``,
SVG ``<use href>``, CSS ``@import``, ``<base href>``, rrweb's own ``rr_src``/``_cssText`` attributes — in the
snapshot and added later by mutations, handed to the replayer *raw* (not through our event masking), so only the
sandbox, the host page's CSP, the navigation guard and the interceptor stand in the way. A local server counts
every TCP connection: zero must arrive, nothing may paint red, the ordinary box must be there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_webrender import BOX, _CountingServer, count, pixels, reds, to_nodes

from replaylens.render.page import RenderJob, prepare_qt, render_snapshots

prepare_qt()

PAINT_RED = "document.documentElement.style.background='red';parent.document.body.style.background='red'"


@pytest.fixture
def server() -> Iterator[_CountingServer]:
    import threading

    srv = _CountingServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def replayer_vectors(base: str) -> str:
    js = f"javascript:{PAINT_RED}"
    inner = (f"<script>{PAINT_RED}</script><img src='{base}/srcdoc.png'><link rel=stylesheet href='{base}/s.css'>"
             f"<meta http-equiv=refresh content='0;url={base}/srcdoc-refresh'>")
    return f"""<!DOCTYPE html><html><head>
<base href="{base}/base/">
<meta http-equiv="refresh" content="0;url={base}/refresh">
<meta http-equiv="Content-Security-Policy" content="default-src *">
<style>@import url({base}/import.css); @import "{base}/import2.css";
body{{margin:0;background:#fff}}
.box{{width:300px;height:80px;background:rgb{BOX};color:#fff;font:20px sans-serif}}
.bg{{width:40px;height:40px;background:url(relative.png)}}</style>
</head><body>
<div class="box">Hello safe world</div>
<a href="{js}" id="jslink">link</a>
<iframe src="{js}" width="50" height="30"></iframe>
<iframe srcdoc="{inner}" width="80" height="40"></iframe>
<iframe src="{base}/frame.html" width="50" height="30"></iframe>
<img src="relative.png" width="10" height="10"><div class="bg"></div>
<svg width="30" height="30"><use href="{base}/sprite.svg#a"></use><use xlink:href="{base}/sprite2.svg#b"></use>
<image href="{js}" width="10" height="10"></image></svg>
<object data="{js}" width="10" height="10"></object>
<form action="{js}"><button formaction="{base}/go">go</button></form>
<script>{PAINT_RED}</script>
</body></html>"""


def _ids(node: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    stack = [node]
    while stack:
        n = stack.pop()
        if n.get("tagName") in ("body", "head") or (n.get("tagName") == "div" and "box" in str(n.get("attributes"))):
            out.setdefault(str(n.get("tagName")), int(n["id"]))
        stack.extend(n.get("childNodes") or [])
    return out


def later_vectors(base: str, body: int, head: int, box: int) -> list[dict[str, Any]]:
    """The same, added by mutations after the snapshot (raw rrweb incremental snapshots)."""
    el = {"type": 2, "childNodes": []}
    js = f"javascript:{PAINT_RED}"
    adds = [
        {"parentId": body, "nextId": None, "node": {**el, "id": 9001, "tagName": "iframe", "attributes": {
            "srcdoc": f"<script>{PAINT_RED}</script><img src='{base}/late-srcdoc.png'>", "width": "40"}}},
        {"parentId": body, "nextId": None, "node": {**el, "id": 9002, "tagName": "iframe", "attributes": {
            "rr_src": f"{base}/rr-src.html", "src": js}}},
        {"parentId": head, "nextId": None, "node": {**el, "id": 9003, "tagName": "meta", "attributes": {
            "http-equiv": "refresh", "content": f"0;url={base}/late-refresh"}}},
        {"parentId": head, "nextId": None, "node": {**el, "id": 9004, "tagName": "base", "attributes": {
            "href": f"{base}/late-base/"}}},
        {"parentId": body, "nextId": None, "node": {**el, "id": 9005, "tagName": "img", "attributes": {
            "src": "late-relative.png", "onerror": PAINT_RED, "width": "5", "height": "5"}}},
        {"parentId": head, "nextId": None, "node": {**el, "id": 9006, "tagName": "style", "attributes": {
            "_cssText": f"@import url({base}/late.css); .x{{background:url({base}/late-bg.png)}}"}}},
        {"parentId": head, "nextId": None, "node": {**el, "id": 9007, "tagName": "link", "attributes": {
            "rel": "stylesheet", "href": f"{base}/late-link.css"}}},
        {"parentId": body, "nextId": None, "node": {**el, "id": 9008, "tagName": "script", "attributes": {}}},
        {"parentId": 9008, "nextId": None, "node": {"type": 3, "id": 9009, "textContent": PAINT_RED}},
        {"parentId": body, "nextId": None, "node": {**el, "id": 9010, "tagName": "svg", "isSVG": True,
                                                    "attributes": {"width": "10", "height": "10"}}},
        {"parentId": 9010, "nextId": None, "node": {**el, "id": 9011, "tagName": "use", "isSVG": True,
                                                    "attributes": {"href": f"{base}/late-sprite.svg#a"}}},
    ]
    return [
        {"type": 3, "timestamp": 100, "data": {"source": 0, "adds": adds, "removes": [], "texts": [],
                                               "attributes": []}},
        {"type": 3, "timestamp": 200, "data": {"source": 0, "adds": [], "removes": [], "texts": [], "attributes": [
            {"id": box, "attributes": {"onclick": PAINT_RED, "style": {"background-image": f"url({base}/a.png)"}}},
            {"id": 9002, "attributes": {"src": f"{base}/changed.html", "srcdoc": f"<script>{PAINT_RED}</script>"}},
            {"id": 9005, "attributes": {"src": js}}]}},
        {"type": 3, "timestamp": 300, "data": {"source": 8, "id": 9006, "adds": [
            {"rule": f"@import url({base}/rule-import.css);", "index": 0},
            {"rule": f"body{{background-image:url({base}/rule.png)}}", "index": 1}]}},
        {"type": 3, "timestamp": 400, "data": {"source": 5, "id": 9005, "text": js, "isChecked": False}},
    ]


def settle_and_check(png: bytes | None, server: _CountingServer) -> None:
    assert png is not None
    time.sleep(0.3)  # any late request arrives before counting
    assert server.connections == 0, server.paths
    rgb = pixels(png)
    assert reds(rgb) == 0  # no script, handler or javascript: URL ran (each would paint red)
    assert count(rgb, BOX) > 20_000  # the ordinary content is there


@pytest.mark.slow
def test_replayer_vectors_in_the_snapshot_reach_nothing(server: _CountingServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    [res] = render_snapshots([RenderJob(to_nodes(replayer_vectors(base)), 640, 480, "snap")], timeout_s=15)
    assert not res.wireframe, res.error
    settle_and_check(res.png, server)


@pytest.mark.slow
@pytest.mark.parametrize("at_ms", [50, 450], ids=["before the mutations", "after them"])
def test_raw_hostile_events_reach_nothing(server: _CountingServer, at_ms: int) -> None:
    """The raw events (no masking pass of ours): rrweb rebuilds every vector; only the sandbox, the CSP, the guard
    and the interceptor are in the way."""
    base = f"http://127.0.0.1:{server.server_address[1]}"
    node = to_nodes(replayer_vectors(base))
    ids = _ids(node)
    events = [{"type": 4, "timestamp": 0, "data": {"href": f"{base}/page", "width": 640, "height": 480}},
              {"type": 2, "timestamp": 0, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}},
              *later_vectors(base, ids["body"], ids["head"], ids["div"])]
    [res] = render_snapshots([RenderJob(node, 640, 480, "raw", events=events, at_ms=at_ms, measure=(9001,))],
                             timeout_s=15)
    assert not res.wireframe, res.error
    assert bool((res.boxes[:, 0] == 9001).any()) == (at_ms > 100)  # the mutations were replayed (or not yet)
    settle_and_check(res.png, server)


@pytest.mark.slow
def test_the_replayed_iframe_is_sandboxed_without_scripts_and_the_host_page_has_a_nonce_policy() -> None:
    """At run time: rrweb's iframe carries sandbox="allow-same-origin" only, the replayer's canvas option is off,
    and the host page's policy admits only scripts with this load's nonce (a script added to the host page
    without it does not run)."""
    from replaylens.io.rrweb.replay_events import snapshot_events
    from replaylens.render.page.replay import Replay, ReplayEngine
    from replaylens.render.qt import ensure_web_app

    ensure_web_app()
    engine = ReplayEngine()
    try:
        events = snapshot_events(to_nodes("<p>hello</p>"), 300, 200)
        out = engine.render(Replay(events, 0), 300, 200, 10, 1000)
        assert out.png is not None, out.error
        deadline = time.perf_counter() + 5
        assert engine._eval("rlReplayer.iframe.getAttribute('sandbox')", deadline) == "allow-same-origin"
        assert engine._eval("rlReplayer.config.UNSAFE_replayCanvas", deadline) is False
        assert engine._eval("rlReplayer.iframe.contentDocument.querySelectorAll('script').length", deadline) == 0
        policy = engine._eval("document.querySelector('meta[http-equiv=Content-Security-Policy]').content", deadline)
        assert "script-src 'nonce-" in policy and "unsafe-inline' " not in policy.split("script-src", 1)[1][:40]
        engine._eval("var s=document.createElement('script');s.textContent='window.rlInjected=1';"
                     "document.body.appendChild(s);1", deadline)
        time.sleep(0.2)
        assert engine._eval("window.rlInjected === undefined", deadline) is True  # refused by the policy
    finally:
        engine.close()
