"""Element geometry (render/page/geometry.py, io/rrweb/boxes.py): boxes measured by the trusted script while the
page's own scripts stay off, a clicked element's box on the shared real recordings, and a finding's outline drawn
at that box."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pytest

from replaylens.render.page import RenderJob, prepare_qt, render_html, render_snapshots

prepare_qt()


class _Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections += 1
        return True


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Counting]:
    srv = _Counting()
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _boxes(res: Any) -> dict[int, list[float]]:
    return {int(r[0]): [float(v) for v in r[1:]] for r in res.boxes}


def test_measuring_runs_no_page_script_or_handler(server: _Counting) -> None:
    """Unsanitised HTML (engine layers only): the recorded script would delete the element and forge an id, the
    inline handler would too; after measuring, the element is where the page put it and nothing else is boxed."""
    url = f"http://127.0.0.1:{server.server_address[1]}/x.png"
    html = ('<body style="margin:0"><div data-rl-id="5" onclick="this.remove()" style="position:absolute;left:30px;'
            'top:1200px;width:50px;height:20px;background:red"></div><div style="height:2000px"></div>'
            '<script>document.querySelector("[data-rl-id]").remove();'
            'document.body.setAttribute("data-rl-id", "9");</script>'
            f'<img src="{url}" onerror="document.body.setAttribute(\'data-rl-id\', \'8\')"></body>')
    res = render_html(html, 400, 300, timeout_s=20, measure=(5, 8, 9))
    assert res.png is not None, res.error
    assert _boxes(res) == {5: [30.0, 1200.0, 50.0, 20.0]}
    assert server.connections == 0 and res.blocked_requests >= 1


def test_hostile_mutation_still_blocked_while_measuring(server: _Counting) -> None:
    """A snapshot whose later mutation adds a script, an inline handler and a remote image: the keyframe renders,
    the clicked element is measured, nothing runs and nothing is fetched."""
    url = f"http://127.0.0.1:{server.server_address[1]}/evil.png"
    button = {"type": 2, "tagName": "button", "id": 10, "childNodes": [{"type": 3, "textContent": "Pay", "id": 11}],
              "attributes": {"style": "position:absolute;left:40px;top:60px;width:120px;height:30px"}}
    root = {"type": 0, "id": 1, "childNodes": [
        {"type": 2, "tagName": "html", "id": 2, "attributes": {}, "childNodes": [
            {"type": 2, "tagName": "body", "id": 3, "attributes": {"style": "margin:0"}, "childNodes": [button]}]}]}
    later = {"source": 0, "adds": [
        {"parentId": 3, "nextId": None, "node": {"type": 2, "tagName": "script", "id": 20, "attributes": {},
                                                 "childNodes": [{"type": 3, "id": 21, "textContent":
                                                                 "document.querySelector('button').remove()"}]}},
        {"parentId": 3, "nextId": None, "node": {"type": 2, "tagName": "img", "id": 22, "childNodes": [],
                                                 "attributes": {"src": url, "onerror": "document.body.remove()"}}},
        {"parentId": 3, "nextId": None, "node": {"type": 2, "tagName": "div", "id": 23, "childNodes": [],
                                                 "attributes": {"data-rl-id": "10", "onclick": "alert(1)",
                                                                "style": "width:10px;height:10px"}}}],
        "removes": [], "texts": [], "attributes": []}
    events = [{"type": 4, "timestamp": 0, "data": {"href": "https://bank.example/", "width": 400, "height": 300}},
              {"type": 2, "timestamp": 0, "data": {"node": root, "initialOffset": {"left": 0, "top": 0}}},
              {"type": 3, "timestamp": 100, "data": later}]  # raw: the replayer gets the hostile mutation as is
    [res] = render_snapshots([RenderJob(root, 400, 300, "k", measure=(10, 23), events=events, at_ms=200)],
                             timeout_s=20)
    assert res.png is not None and not res.wireframe, res.error
    got = _boxes(res)
    assert got[10] == [40.0, 60.0, 120.0, 30.0]  # the script did not remove it; the forged id did not move it
    assert 23 in got and got[23][2:] == [10.0, 10.0]
    assert server.connections == 0


@pytest.fixture(scope="module")
def smartx_bundle(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    from replaylens.io.rrweb.convert import convert_rrweb

    shared: Path = request.getfixturevalue("shared_data")
    out = tmp_path_factory.mktemp("geom") / "smartx.rlsession"
    res = convert_rrweb(shared / "rrweb-sizer-smartx-mobile" / "e1.json", out, keyframes=True, timeout_s=20)
    assert res.states > 0, res.render_note
    return out


@pytest.mark.slow
def test_smartx_clicked_elements_boxes_contain_the_clicks(smartx_bundle: Path) -> None:
    """The mobile recording's clicks, the menu button and the opened menu's tab among them: their measured boxes
    (in the keyframe in force at the click) contain the click's page position."""
    from replaylens.io.registry import open_session

    s = open_session(smartx_bundle)
    try:
        tb = s.store.events_table()
        c = tb.filter(pc.equal(tb["kind"], "click"))
        col = {n: c[n].to_numpy(zero_copy_only=False).astype(float) for n in
               ("x", "y", "scroll_x", "scroll_y", "target_box_x", "target_box_y", "target_box_w", "target_box_h")}
        px, py = col["x"] + col["scroll_x"], col["y"] + col["scroll_y"]
        bx, by, bw, bh = col["target_box_x"], col["target_box_y"], col["target_box_w"], col["target_box_h"]
        inside = (px >= bx) & (px <= bx + bw) & (py >= by) & (py <= by + bh)
        targets = c["target"].to_pylist()
        assert len(targets) >= 6 and np.isfinite(bx).sum() >= len(targets) - 1
        assert inside.sum() >= len(targets) - 2, list(zip(targets, inside, strict=True))
        menu = [k for k, name in enumerate(targets) if name == "div.nav-menu-btn"]
        tab = [k for k, name in enumerate(targets) if name == "li.nav-panel-tab"]
        assert menu and tab and inside[menu].all() and inside[tab].all()
    finally:
        s.close()


def test_dead_click_outline_drawn_at_the_element_box(shared_data: Path, tmp_path: Path) -> None:
    """rrweb's hover fixture has a dead click on a 100 px box: the finding's dashed outline runs along the
    measured box in the painted frame (device px), and no ring is drawn around the click spot instead."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from replaylens.analysis.findings.analyze import analyze_session
    from replaylens.io.registry import open_session
    from replaylens.io.rrweb.convert import convert_rrweb
    from replaylens.model.friction_settings import PRESETS
    from replaylens.render.context import make_renderer
    from replaylens.render.findings_paint import FINDING_COLORS, RING_PX
    from replaylens.render.frame import FrameOptions

    out = convert_rrweb(shared_data / "rrweb-fixtures" / "test-events" / "hover.json", tmp_path / "h.rlsession")
    s = open_session(out.path)
    try:
        [f] = [f for f in analyze_session(s, PRESETS["posthog"]).findings if f.kind == "dead_click"]
        tb = s.store.events_table()
        row = tb.filter(pc.equal(tb["i"], f.events[0])).to_pylist()[0]
        box = QRectF(row["target_box_x"], row["target_box_y"], row["target_box_w"], row["target_box_h"])
        assert box.contains(f.x, f.y)
        renderer = make_renderer(s)
        img = QImage(800, 450, QImage.Format.Format_RGB32)
        opts = FrameOptions(findings=[f], trail_s=0, show_clicks=False, show_cursor=False)
        p = QPainter(img)
        g = renderer.paint(p, QRectF(0, 0, 800, 450), float(f.start_ms), opts)
        p.end()
        dev = g.rect_to_device(box).adjusted(-2, -2, 2, 2)
        raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(450, -1, 4)[:, :800, 2::-1]
        orange = np.array([int(FINDING_COLORS["dead_click"][i:i + 2], 16) for i in (1, 3, 5)])
        hit = (np.abs(raw.astype(int) - orange).max(axis=2) <= 40)

        def near(x: float, y: float) -> bool:
            xi, yi = int(round(x)), int(round(y))
            return bool(hit[max(yi - 2, 0):yi + 3, max(xi - 2, 0):xi + 3].any())

        ys = np.linspace(dev.top() + 6, dev.bottom() - 6, 5)
        xs = np.linspace(dev.left() + 6, dev.right() - 6, 5)
        left = sum(near(dev.left(), y) for y in ys)
        right = sum(near(dev.right(), y) for y in ys)
        bottom = sum(near(x, dev.bottom()) for x in xs)
        assert left >= 3 and right >= 3 and bottom >= 3, (left, right, bottom)  # dashed: most samples on a dash
        spot = g.to_device(f.x, f.y)  # where today's ring would be: RING_PX around the spot, inside the box here
        angles = np.linspace(0, 2 * np.pi, 9)[:8]
        ring = [(spot.x() + RING_PX * np.cos(a), spot.y() + RING_PX * np.sin(a)) for a in angles]
        ring = [(x, y) for x, y in ring
                if dev.left() + 6 < x < dev.right() - 6 and dev.top() + 6 < y < dev.bottom() - 6]
        assert len(ring) >= 3 and sum(near(x, y) for x, y in ring) <= 1, ring
    finally:
        s.close()


def test_library_ingest_keeps_the_box_columns(shared_data: Path, tmp_path: Path) -> None:
    """The library's events (io/library/prepare.py) carry the boxes of a converted bundle's click-like events."""
    from replaylens.io.library.prepare import EVENT_SCHEMA, prepare, set_known
    from replaylens.io.rrweb.boxes import BOX_COLUMNS
    from replaylens.io.rrweb.convert import convert_rrweb

    out = convert_rrweb(shared_data / "rrweb-fixtures" / "test-events" / "hover.json", tmp_path / "h.rlsession")
    assert set(BOX_COLUMNS) <= set(EVENT_SCHEMA.names)
    set_known(frozenset())
    (tmp_path / "lib" / "tmp").mkdir(parents=True)
    res = prepare(str(out.path), str(tmp_path / "lib"))
    assert res.record is not None, res.reason
    ev = res.record.events
    click = ev.filter(pc.equal(ev["kind"], "click"))
    assert click["target_box_w"].to_pylist() == [102.0] and click["target_box_x"].to_pylist() == [8.0]
    assert ev.filter(pc.equal(ev["kind"], "move"))["target_box_x"].null_count == ev.filter(
        pc.equal(ev["kind"], "move")).num_rows
