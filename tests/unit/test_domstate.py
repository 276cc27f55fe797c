"""DOM states over time (io/rrweb/domstate.py, keyframes.py) and page states in the manifest (format 1.2)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from replaylens.io.rrweb.domstate import DomState, split_rules
from replaylens.io.rrweb.html import snapshot_to_html
from replaylens.io.rrweb.keyframes import (
    FIRST_SNAPSHOT,
    FULL_SNAPSHOT,
    Change,
    KeyframeJobs,
    Shot,
    WindowPlan,
    keyframe_times,
    plan_keyframes,
)
from replaylens.model.manifest import Manifest, ManifestError, Page, PageState, parse_manifest


def el(nid: int, tag: str, kids: list[Any] | None = None, **attrs: Any) -> dict[str, Any]:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs, "childNodes": kids or []}


def text(nid: int, s: str) -> dict[str, Any]:
    return {"type": 3, "id": nid, "textContent": s}


def page() -> dict[str, Any]:
    head = el(3, "head", [el(4, "style", [], _cssText="a{color:red}")])
    body = el(5, "body", [el(6, "p", [text(7, "old words")]), el(8, "input", type="text")])
    return {"type": 0, "id": 1, "childNodes": [el(2, "html", [head, body])]}


def test_mutations_add_remove_text_and_attributes() -> None:
    s = DomState(page())
    s.apply(0, {"texts": [{"id": 7, "value": "after"}],
                "attributes": [{"id": 6, "attributes": {"class": "open", "style": {"color": "blue"}}}],
                # the child is listed before its parent, and the parent before its next sibling (rrweb does this)
                "adds": [{"parentId": 20, "nextId": None, "node": text(21, "new menu")},
                         {"parentId": 5, "nextId": 6, "node": el(20, "nav")}]})
    html = snapshot_to_html(s.root)
    assert "after" in html and "old words" not in html
    assert 'class="open"' in html and "color: blue" in html
    assert html.index("<nav>new menu</nav>") < html.index(">after</p>")  # inserted before the paragraph
    s.apply(0, {"removes": [{"parentId": 5, "id": 20}], "attributes": [{"id": 6, "attributes": {"class": None}}]})
    html = snapshot_to_html(s.root)
    assert "new menu" not in html and 'class="open"' not in html and 20 not in s.by_id and 21 not in s.by_id
    assert s.skipped == 0
    s.apply(0, {"texts": [{"id": 999, "value": "x"}]})  # unknown node: skipped, counted
    assert s.skipped == 1


def test_the_snapshot_itself_is_never_modified() -> None:
    snap = page()
    s = DomState(snap)
    s.apply(0, {"texts": [{"id": 7, "value": "after"}], "removes": [{"parentId": 5, "id": 8}]})
    assert snap == page()


def test_style_rules_and_declarations_by_index() -> None:
    s = DomState(page())
    s.apply(8, {"id": 4, "adds": [{"rule": "b{color:green}", "index": 0}, {"rule": "i{x:y}", "index": [0, 1]}]})
    assert split_rules(s.by_id[4]["attributes"]["_cssText"]) == ["b{color:green}", "a{color:red}"]
    s.apply(13, {"id": 4, "index": [1], "set": {"property": "color", "value": "navy", "priority": "important"}})
    s.apply(8, {"id": 4, "removes": [{"index": 0}]})
    assert split_rules(s.by_id[4]["attributes"]["_cssText"]) == ["a{;color:navy !important;}"]
    assert s.skipped == 1  # the nested rule was not misplaced at the top level


def test_split_rules_keeps_braces_in_strings_and_comments() -> None:
    css = '@import "a}.css"; /* } */ a{content:"}"} @media (x){b{c:d}} e{f:g}'
    assert split_rules(css) == ['@import "a}.css";', '/* } */ a{content:"}"}', "@media (x){b{c:d}}", "e{f:g}"]


def test_input_values_still_masked_by_the_renderer() -> None:
    s = DomState(page())
    s.apply(5, {"id": 8, "text": "4111 1111 1111 1111"})
    assert s.by_id[8]["attributes"]["value"] == "4111 1111 1111 1111"
    html = snapshot_to_html(s.root)
    assert "4111" not in html  # every value is masked by default (the one rule, fields.py)
    s.apply(0, {"attributes": [{"id": 8, "attributes": {"type": "password"}}]})
    assert "4111" not in snapshot_to_html(s.root, show_values=True)  # a secret field stays masked regardless


def test_keyframe_times_settle_coalesce_and_cap() -> None:
    assert keyframe_times([]) == []
    assert keyframe_times([1000, 1100, 1200]) == [1200]  # one burst: after it settles
    assert keyframe_times([1000, 5000]) == [1000, 5000]
    # a burst 1 s after a keyframe is folded into the next one, 2 s later
    assert keyframe_times([1000, 2000, 9000]) == [1000, 3000, 9000]
    # continuous activity every 500 ms for a minute: at most one per 2 s
    busy = list(range(0, 60_000, 500))
    got = keyframe_times(busy, settle_ms=300)
    assert all(b - a >= 2000 for a, b in itertools.pairwise(got)) and 25 <= len(got) <= 31
    capped = keyframe_times(busy, settle_ms=300, cap=5)
    assert len(capped) == 5 and capped[-1] == got[-1]
    assert keyframe_times([0, 100, 200], settle_ms=300, min_gap_ms=2000) == [200]


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
    htmls = list(KeyframeJobs([plan], lambda tree, _p, _s: snapshot_to_html(tree)))
    assert ["home" in htmls[0], "kyc step" in htmls[1], "kyc done" in htmls[2], "home again" in htmls[3]] == [True] * 4


def test_keyframe_jobs_build_each_state_in_order_and_restart_on_a_new_snapshot() -> None:
    second = page()
    second["childNodes"][0]["childNodes"][1]["childNodes"][0]["childNodes"][0]["textContent"] = "reloaded"
    changes = hist((10.0, 0, {"texts": [{"id": 7, "value": "one"}]}), (20.0, 0, {"texts": [{"id": 7, "value": "two"}]}),
                   (30.0, FULL_SNAPSHOT, second))
    plan = WindowPlan(0, changes, [Shot(10, 0), Shot(20, 0), Shot(30, 0)])
    jobs = KeyframeJobs([plan], lambda tree, _p, _s: snapshot_to_html(tree))
    assert len(jobs) == 3
    got = list(jobs)
    assert "one" in got[0] and "two" in got[1] and "reloaded" in got[2]
    assert "one" in jobs[0]  # asked again out of order: rebuilt from the snapshot


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
    htmls = list(KeyframeJobs([plan], lambda tree, _p, _s: snapshot_to_html(tree)))
    assert ">kyc<" in htmls[0] and ">done<" in htmls[1]


def test_a_hostile_run_of_sibling_inserts_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each insert before the first child scans the list; past the scan budget nodes are appended (counted)."""
    from replaylens.io.rrweb import domstate

    monkeypatch.setattr(domstate, "MAX_SCAN", 1000)
    s = DomState(page())
    s.apply(0, {"adds": [{"parentId": 5, "nextId": 6, "node": el(1000 + i, "i")} for i in range(200)]})
    kids = s.by_id[5]["childNodes"]
    assert len(kids) == 202 and s.skipped > 0  # all placed; the ones past the budget at the end
    assert kids[0]["tagName"] == "i" and kids[-1]["tagName"] == "i"


def test_adds_follow_previous_id_and_treat_minus_one_as_unknown() -> None:
    s = DomState(page())
    s.apply(0, {"adds": [{"parentId": 5, "previousId": 6, "nextId": -1, "node": el(30, "aside")},
                         {"parentId": 5, "previousId": None, "nextId": -1, "node": el(31, "footer")}]})
    assert [k.get("tagName") for k in s.by_id[5]["childNodes"]] == ["p", "aside", "input", "footer"]
    assert s.skipped == 0
