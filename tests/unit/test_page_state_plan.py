"""Page states over time (io/rrweb/keyframes.py: when to take them, what the replayer gets) and page states in the
manifest (format 1.2)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from replaylens.io.rrweb.columns import PageInfo, WindowHistory
from replaylens.io.rrweb.keyframes import FIRST_SNAPSHOT, Change, keyframe_times, plan_keyframes
from replaylens.io.rrweb.replay_events import Privacy, window_events
from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.model.manifest import Manifest, ManifestError, Page, PageState, parse_manifest


def el(nid: int, tag: str, kids: list[Any] | None = None, **attrs: Any) -> dict[str, Any]:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs, "childNodes": kids or []}


def text(nid: int, s: str) -> dict[str, Any]:
    return {"type": 3, "id": nid, "textContent": s}


def page() -> dict[str, Any]:
    head = el(3, "head", [el(4, "style", [], _cssText="a{color:red}")])
    body = el(5, "body", [el(6, "p", [text(7, "old words")]), el(8, "input", type="text")])
    return {"type": 0, "id": 1, "childNodes": [el(2, "html", [head, body])]}


def test_input_values_still_masked_by_the_renderer() -> None:
    events = replayed([(0.0, FIRST_SNAPSHOT, page()), (5.0, 5, {"id": 8, "text": "4111 1111 1111 1111"})])
    assert "4111" not in json.dumps(events)  # every value is masked by default (the one rule, fields.py)
    later = [(0.0, FIRST_SNAPSHOT, page()), (5.0, 5, {"id": 8, "text": "4111 1111 1111 1111"})]
    secret = WindowHistory(later, [(0.0, 0)], SecretNodes(frozenset({8}), frozenset()))
    shown = window_events(secret, [PageInfo("https://x.example/", 0, "", 400, 300)], (400, 300),
                          Privacy(secret.secrets, show_values=True))
    assert "4111" not in json.dumps(shown)  # a field secret at any time stays masked regardless


def test_keyframe_times_settle_coalesce_and_cap() -> None:
    assert keyframe_times([]) == []
    assert keyframe_times([1000, 1100, 1200]) == [1200]  # one burst: after it settles
    assert keyframe_times([1000, 5000]) == [1000, 5000]
    # a burst 1 s after a keyframe is folded into the next one, 2 s later (with a 2 s minimum gap)
    assert keyframe_times([1000, 2000, 9000], settle_ms=300, min_gap_ms=2000) == [1000, 3000, 9000]
    # the defaults: every visual change gets a state once its ~250 ms burst has settled
    assert keyframe_times([1000, 2000, 2100, 2200, 9000]) == [1000, 2200, 9000]
    assert keyframe_times([1000, 1300]) == [1000, 1300]
    # continuous activity every 500 ms for a minute: at most one per 2 s
    busy = list(range(0, 60_000, 500))
    got = keyframe_times(busy, settle_ms=300, min_gap_ms=2000)
    assert all(b - a >= 2000 for a, b in itertools.pairwise(got)) and 25 <= len(got) <= 31
    capped = keyframe_times(busy, settle_ms=300, min_gap_ms=2000, cap=5)
    assert len(capped) == 5 and capped[-1] == got[-1]
    assert keyframe_times([0, 100, 200], settle_ms=300, min_gap_ms=2000) == [200]


def replayed(changes: list[Change]) -> list[dict[str, Any]]:
    history = WindowHistory(changes, [(0.0, 0)])
    return window_events(history, [PageInfo("https://x.example/", 0, "", 400, 300)], (400, 300), Privacy())


def shown_text(changes: list[Change], t: float) -> str:
    """The text of node 7 after every replayed event at or before ``t`` (the state a shot at ``t`` pictures)."""
    value = "old words"
    for e in replayed(changes):
        if e["timestamp"] <= t and e["type"] == 3 and e["data"].get("source") == 0:
            for item in e["data"].get("texts") or ():
                if item.get("id") == 7:
                    value = item["value"]
    return value


def hist(*changes: Change) -> list[Change]:
    return [(0.0, FIRST_SNAPSHOT, page()), *changes]


def test_plans_share_the_session_budget() -> None:
    changes = hist(*[(float(t), 0, {}) for t in range(5000, 100_000, 5000)])
    plans = plan_keyframes([(changes, [(0.0, 0)]), (changes, [(0.0, 1)])], {0, 1}, max_per_page=15,
                           max_per_session=20)
    assert [len(p.shots) for p in plans] == [15, 5]
    assert all(not s.first for p in plans for s in p.shots)  # both pages have their own snapshot


def test_spa_navigation_gets_an_arrival_shot_and_keyframes_of_its_own() -> None:
    """Page 0 has a snapshot; at 10 s the app navigates to page 1 (no snapshot) and renders the new route 100 ms
    later; at 30 s back to page 0 (a revisit)."""
    changes = hist((2000.0, 0, {"texts": [{"id": 7, "value": "home"}]}),
                   (10_100.0, 0, {"texts": [{"id": 7, "value": "kyc step"}]}),
                   (20_000.0, 0, {"texts": [{"id": 7, "value": "kyc done"}]}),
                   (30_050.0, 0, {"texts": [{"id": 7, "value": "home again"}]}))
    navs = [(0.0, 0), (10_000.0, 1), (30_000.0, 0)]
    [plan] = plan_keyframes([(changes, navs)], {0})
    assert [(s.t, s.page, s.first) for s in plan.shots] == [
        (2000, 0, False), (10_100, 1, True), (20_000, 1, False), (30_050, 0, False)]
    texts = [shown_text(changes, s.t) for s in plan.shots]  # what the replayer has applied at each shot
    assert texts == ["home", "kyc step", "kyc done", "home again"]


def test_manifest_page_states_round_trip_and_pick_by_time() -> None:
    states = (PageState(1000, "pages/000-k000.png", 414, 900), PageState(5000, "pages/000-k001.png"))
    m = Manifest(session_id="s", start_epoch_ms=0, pages=[Page("u", screenshot="pages/000.png", states=states),
                                                           Page("v")], viewport_width=414, viewport_height=800)
    obj = m.to_json()
    assert obj["format_version"] == "1.3" and "states" not in obj["pages"][1]  # 1.1 readers see the same page
    back = parse_manifest(obj, max_pages=10, max_dim=10**6)
    assert back.pages[0].states == states
    p = back.pages[0]
    assert p.state_at(999) is None and p.state_at(1000) == states[0] and p.state_at(4999) == states[0]
    assert p.state_at(10**9) == states[1]
    old = dict(obj, format_version="1.1")
    old["pages"] = [{k: v for k, v in pg.items() if k != "states"} for pg in obj["pages"]]
    assert parse_manifest(old, max_pages=10, max_dim=10**6).pages[0].states == ()


@pytest.mark.parametrize("states, why", [
    ("x", "should be a list"), ([{"t_ms": 5, "screenshot": "a"}, {"t_ms": 1, "screenshot": "b"}], "earlier"),
    ([{"t_ms": -1, "screenshot": "a"}], "outside"), ([{"t_ms": 1}], "screenshot"),
    ([{"t_ms": 1, "screenshot": "a"}] * 1001, "limit")])
def test_bad_page_states_are_refused(states: Any, why: str) -> None:
    obj = Manifest(session_id="s", start_epoch_ms=0, pages=[Page("u")], viewport_width=1, viewport_height=1).to_json()
    obj["pages"][0]["states"] = states
    with pytest.raises(ManifestError, match=why):
        parse_manifest(obj, max_pages=10, max_dim=10**6)


def test_spa_navigations_become_pages_with_the_window_history(tmp_path: Any) -> None:
    """A Meta with a new address and no FullSnapshot after it, and PostHog's $pageview, are page visits."""
    import json

    import pyarrow.compute as pc

    from replaylens.io.rrweb.reader import load_recording

    t0 = 1_700_000_000_000
    ev = [{"type": 4, "timestamp": t0, "data": {"href": "https://bank.example/", "width": 400, "height": 300}},
          {"type": 2, "timestamp": t0 + 5, "data": {"node": page(), "initialOffset": {"left": 0, "top": 0}}},
          {"type": 4, "timestamp": t0 + 10_000, "data": {"href": "https://bank.example/kyc", "width": 400,
                                                          "height": 300}},
          {"type": 3, "timestamp": t0 + 10_100, "data": {"source": 0, "texts": [{"id": 7, "value": "kyc"}],
                                                          "adds": [], "removes": [], "attributes": []}},
          {"type": 5, "timestamp": t0 + 20_000, "data": {"tag": "$pageview",
                                                          "payload": {"$current_url": "https://bank.example/done"}}},
          {"type": 3, "timestamp": t0 + 20_050, "data": {"source": 0, "texts": [{"id": 7, "value": "done"}],
                                                          "adds": [], "removes": [], "attributes": []}},
          {"type": 3, "timestamp": t0 + 25_000, "data": {"source": 2, "type": 2, "id": 7, "x": 5, "y": 5}}]
    src = tmp_path / "spa.json"
    src.write_text(json.dumps(ev))
    loaded = load_recording(src)
    assert [p.url for p in loaded.manifest.pages] == [
        "https://bank.example/", "https://bank.example/kyc", "https://bank.example/done"]
    t = loaded.mapped.table
    click = t.filter(pc.equal(t["kind"], "click"))
    assert click["page"].to_pylist() == [2]  # the click lands on the SPA page (heatmaps see it as a page)
    [h] = loaded.mapped.histories
    assert [p for _t, p in h.navs] == [0, 1, 2]
    [plan] = plan_keyframes([(h.changes, h.navs)], {0})
    assert [(s.page, s.first) for s in plan.shots] == [(1, True), (2, True)]
    assert [shown_text(h.changes, s.t) for s in plan.shots] == ["kyc", "done"]
