"""The events handed to rrweb's Replayer for page pictures (io/rrweb/replay_events.py): the one privacy rule applied
to the snapshot and to every later change, inert markup taken out, the stored history never modified, and the
wireframe fallback's layout (io/rrweb/wireframe_layout.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from replaylens.io.rrweb.columns import PageInfo, WindowHistory
from replaylens.io.rrweb.fields import SECRET_LABEL
from replaylens.io.rrweb.keyframes import FIRST_SNAPSHOT, FULL_SNAPSHOT
from replaylens.io.rrweb.replay_events import MAX_DEPTH, Privacy, snapshot_events, window_events, with_html_root
from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.io.rrweb.snapshot_tree import snapshot_title
from replaylens.io.rrweb.wireframe_layout import wireframe_boxes

_ids = iter(range(1, 10**9))


def el(tag: str, attrs: dict[str, Any] | None = None, *kids: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": 2, "id": next(_ids), "tagName": tag, "attributes": attrs or {}, "childNodes": list(kids), **extra}


def text(t: str, **extra: Any) -> dict[str, Any]:
    return {"type": 3, "id": next(_ids), "textContent": t, **extra}


def doc(*body: dict[str, Any], head: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"type": 0, "id": next(_ids), "childNodes": [
        {"type": 1, "id": next(_ids), "name": "html", "publicId": "", "systemId": ""},
        el("html", {"lang": "en"}, el("head", {}, *(head or [])), el("body", {}, *body)),
    ]}


def handed(node: dict[str, Any], **privacy: Any) -> str:
    return json.dumps(snapshot_events(node, 800, 600, Privacy(**privacy)), ensure_ascii=False)


def test_secrets_lose_their_value_and_other_values_are_bullets_by_default() -> None:
    snap = doc(el("input", {"type": "password", "value": "hunter2"}), el("input", {"value": "ana@example.com"}),
               el("input", {"type": "submit", "value": "Send"}), el("input", {"name": "otp", "value": "991122"}))
    out = handed(snap)
    assert "hunter2" not in out and "991122" not in out and "ana@example.com" not in out
    assert '"value": "' + "\u2022" * 15 + '"' in out and '"value": "Send"' in out  # button labels stay
    assert out.count('"data-rl-secret": ""') == 2
    shown = handed(snap, show_values=True)
    assert "ana@example.com" in shown and "hunter2" not in shown and "991122" not in shown


def test_rr_mask_text_is_starred_and_mask_text_masks_every_text_but_keeps_css() -> None:
    out = handed(doc(el("p", {"class": "rr-mask"}, text("Balance 12,345.67 EUR"), el("b", {}, text("VIP")))))
    assert "12,345" not in out and "VIP" not in out and "******* ********* ***" in out
    out = handed(doc(el("h1", {}, text("Welcome back, Ana")), el("input", {"value": "Ana Lopez"}),
                     el("input", {"type": "submit", "value": "Send"}),
                     head=[el("style", {}, text("h1{color:#abcdef}", isStyle=True))]), mask_text=True)
    assert "Welcome" not in out and "Lopez" not in out and "******* ***** ***" in out
    assert '"value": "*** *****"' in out and '"value": "Send"' in out and "h1{color:#abcdef}" in out


def test_handlers_script_urls_and_recorded_rl_attributes_are_dropped() -> None:
    out = handed(doc(el("a", {"href": " JaVa\tscript:alert(1)", "onclick": "x()", "ONMOUSEOVER": "y()"}, text("a")),
                     el("img", {"src": "vbscript:msgbox", "data-rl-id": "7", "data-rl-secret": ""}),
                     el("a", {"href": "https://bank.example/help"}, text("help"))))
    for gone in ("javascript", "alert", "onclick", "x()", "ONMOUSEOVER", "vbscript", "data-rl-"):
        assert gone.lower() not in out.lower(), gone
    assert "https://bank.example/help" in out  # other URLs reach the replayer (the CSP refuses the fetch)


def page_history() -> tuple[WindowHistory, list[PageInfo]]:
    field = el("input", {"type": "text", "name": "amount"})
    card = el("input", {"type": "text", "name": "card"})
    note = el("p", {}, text("old words"))
    root = doc(note, field, card)
    body = root["childNodes"][1]["childNodes"][1]
    changes = [
        (0.0, FIRST_SNAPSHOT, root),
        (100.0, 5, {"id": field["id"], "text": "4111 1111 1111 1111", "isChecked": False}),
        (200.0, 0, {"adds": [{"parentId": body["id"], "nextId": None,
                              "node": el("div", {"class": "rr-mask", "onload": "x()"}, text("IBAN DE89"))}],
                    "texts": [{"id": note["childNodes"][0]["id"], "value": "new words"}],
                    "attributes": [{"id": field["id"], "attributes": {"value": "5500", "onfocus": "x()"}}],
                    "removes": []}),
        (300.0, 5, {"id": card["id"], "text": "Sx-secret-by-id", "isChecked": False}),
        (400.0, FULL_SNAPSHOT, doc(el("p", {}, text("reloaded")))),
    ]
    hist = WindowHistory(changes, [(0.0, 0)], SecretNodes(frozenset({card["id"]}), frozenset()))
    return hist, [PageInfo("https://bank.example/pay", 0, "Pay", 414, 800)]


def test_window_events_replay_every_change_masked_and_leave_the_history_alone() -> None:
    hist, pages = page_history()
    before = copy.deepcopy(hist.changes)
    events = window_events(hist, pages, (1280, 800), Privacy(hist.secrets))
    assert hist.changes == before  # copied, never modified
    assert [(e["type"], e["data"].get("source")) for e in events] == [
        (4, None), (2, None), (3, 5), (3, 0), (3, 5), (4, None), (2, None)]
    assert events[0]["data"] == {"href": "https://bank.example/pay", "width": 414, "height": 800}
    out = json.dumps(events)
    assert "4111" not in out and "5500" not in out and "IBAN" not in out and "Sx-secret" not in out
    assert "onload" not in out and "onfocus" not in out
    assert "new words" in out and "reloaded" in out  # page text is not input
    assert events[2]["data"]["text"] == "\u2022" * 19 and events[4]["data"]["text"] == ""
    shown = json.dumps(window_events(hist, pages, (1280, 800), Privacy(hist.secrets, show_values=True)))
    assert "4111 1111 1111 1111" in shown and "5500" in shown  # the preference shows non-secret values
    assert "Sx-secret" not in shown and "IBAN" not in shown  # secrets and masked text never


def test_a_snapshot_without_an_html_root_gets_one_and_junk_does_not_raise() -> None:
    fixed = with_html_root({"type": 0, "childNodes": [{"type": 2, "id": 4, "tagName": "p", "childNodes": []}]})
    [html] = fixed["childNodes"]
    assert html["tagName"] == "html" and html["id"] == 5 and html["childNodes"][1]["childNodes"][0]["id"] == 4
    deep: dict[str, Any] = text("bottom")
    for _ in range(20_000):
        deep = el("div", {}, deep)
    out = handed(doc(deep))  # cut at MAX_DEPTH levels (a browser's parser nests at most 512)
    assert "bottom" not in out and out.count('"tagName": "div"') == MAX_DEPTH - 2
    for bad in ({}, {"type": 2}, {"type": 2, "tagName": 5, "childNodes": "x"}, {"type": 0, "childNodes": [None, 1]},
                {"type": 2, "tagName": "p", "attributes": {"a": {"x": 1}, "b": None, "c": True, "d": 3}}):
        assert isinstance(handed(bad), str)  # type: ignore[arg-type]


def test_title() -> None:
    assert snapshot_title(doc(el("svg", {}, el("title", {}, text("icon"))),
                              head=[el("title", {}, text("  Wallet \n – Nimbus "))])) == "Wallet – Nimbus"
    assert snapshot_title(doc(el("p", {}, text("x")))) == ""
    assert snapshot_title({}) == ""


def test_wireframe_layout_hides_secrets_and_lays_out_controls() -> None:
    boxes, height = wireframe_boxes(doc(
        el("h1", {}, text("Deposit")),
        el("p", {}, text("Amount "), el("a", {"href": "#"}, text("fees"))),
        el("input", {"type": "password", "value": "hunter2"}),
        el("button", {}, text("Confirm")),
        el("div", {"class": "rr-block", "rr_width": "200px", "rr_height": "50px"}),
        el("img", {"width": "64", "height": "32", "alt": "logo"}),
    ), 400)
    kinds = [(b.kind, b.label) for b in boxes]
    assert kinds == [("heading", "Deposit"), ("text", "Amount fees"), ("input", SECRET_LABEL),
                     ("button", "Confirm"), ("blocked", "blocked"), ("media", "logo")]
    assert [b.y for b in boxes] == sorted(b.y for b in boxes)  # flow layout: top to bottom, no overlap
    blocked = boxes[4]
    assert (blocked.w, blocked.h) == (200, 50)
    assert height == boxes[-1].y + boxes[-1].h + 4 + 8


@pytest.mark.shared
def test_every_real_recordings_events_carry_no_handler(shared_data: Path) -> None:
    from replaylens.errors import BadInputError
    from replaylens.io.rrweb.keyframes import plan_events
    from replaylens.io.rrweb.reader import load_recording

    n = 0
    for p in sorted(shared_data.glob("*/**/*.json")):
        try:
            loaded = load_recording(p)
        except BadInputError:
            continue
        for w in range(len(loaded.mapped.histories)):
            events = plan_events(loaded, w)
            n += len(events)
            stack: list[Any] = [e["data"] for e in events]
            while stack:
                cur = stack.pop()
                if isinstance(cur, dict):
                    attrs = cur.get("attributes")
                    if isinstance(attrs, dict):
                        assert not [k for k in attrs if str(k).lower().startswith("on")], attrs
                    stack.extend(cur.values())
                elif isinstance(cur, list):
                    stack.extend(cur)
    assert n > 400


def test_a_missing_or_altered_rrweb_stops_rendering_with_the_fix(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No silent fallback: ``render_snapshots`` raises RrwebMissingError, ``replaylens convert`` exits 3 naming the
    fix; ``--no-render`` still converts."""
    import os
    import subprocess
    import sys

    from replaylens.assets.rrweb import FETCH_COMMAND, RrwebMissingError
    from replaylens.render.page import RenderJob, jobs, render_snapshots

    def missing() -> Path:
        raise RrwebMissingError(f"rrweb 2.2.2 is not installed; run `{FETCH_COMMAND}`")

    monkeypatch.setattr(jobs, "rrweb_dir", missing)
    with pytest.raises(RrwebMissingError, match="fetch_rrweb"):
        render_snapshots([RenderJob(doc(), 300, 200, "a")])
    altered = tmp_path / "rrweb"
    altered.mkdir()
    (altered / "rrweb.min.js").write_text("window.rrweb = {}")
    (altered / "style.css").write_text("")
    rec = tmp_path / "r.json"
    rec.write_text(json.dumps([{"type": 4, "timestamp": 1, "data": {"href": "https://x.example/", "width": 400,
                                                                     "height": 300}},
                               {"type": 2, "timestamp": 2, "data": {"node": doc(), "initialOffset": {}}}]))
    env = {**os.environ, "REPLAYLENS_RRWEB_DIR": str(altered),
           "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "app")}
    run = [sys.executable, "-m", "replaylens", "convert", str(rec), "-o", str(tmp_path / "o.rlsession")]
    proc = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert "not the pinned rrweb" in proc.stderr and FETCH_COMMAND in proc.stderr
    assert not (tmp_path / "o.rlsession").exists()
    proc = subprocess.run([*run, "--no-render"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and (tmp_path / "o.rlsession").is_file(), proc.stderr
