"""Issue 11, plain language: element and page names, one finding per burst, a score a calm session does not
inflate, and the details view that keeps the rules and selectors."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from storeutil import query

from replaylens.analysis.findings.analyze import Finding, analyze_session, friction_score
from replaylens.io.registry import open_session
from replaylens.model.finding_text import element_phrase, page_name, short, title_of
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import SessionStore

URL = "https://bank.test/festival?utm=x"
SELECTOR = re.compile(r"\b(div|span|a|li|pre|p|input|button|section|body|ul)\s*[.#>\[]")


def _session(rows: list[dict[str, Any]], title: str = "Nimbus — Lantern Festival") -> Session:
    cols = ("t", "kind", "page", "x", "y", "target", "target_tag", "target_text", "interactive", "input_type",
            "target_label", "target_role", "detail")
    table = pa.table({c: [r.get(c) for r in rows] for c in cols})
    store = SessionStore()
    report = ImportReport()
    store.load_arrow(table, page_count=1, viewport=(1000, 500), report=report)
    manifest = Manifest(session_id="s", start_epoch_ms=0, viewport_width=1000, viewport_height=500,
                        pages=[Page(URL, title=title, width=1000, height=2000)])
    return Session(Path("plain.rlsession"), manifest, store, store.arrays(), report)


BANNER = {"target": "section.promo > div.festival-banner", "target_tag": "div", "interactive": False,
          "target_text": "Lantern Festival: +5% APY boost on ETH staking", "target_label": "Lantern Festival",
          "target_role": "banner"}
DEPOSIT = {"target": "form.topup button.btn-deposit", "target_tag": "button", "interactive": True,
           "target_text": "Deposit", "target_label": "Deposit", "target_role": "button"}


def _rage_on_banner(n: int = 5, extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"t": 0, "kind": "navigate", "page": 0}, {"t": 50, "kind": "mutation"}]
    rows += [{"t": 1000 + 200 * i, "kind": "click", "x": 300.0, "y": 200.0, **BANNER} for i in range(n)]
    return rows + (extra or [])


def test_element_and_page_phrases() -> None:
    assert element_phrase("Lantern Festival", "banner") == "the 'Lantern Festival' banner"
    assert element_phrase("Upload passport", "file") == "the 'Upload passport' upload field"
    assert element_phrase("Deposit", "button") == "the 'Deposit' button"
    assert element_phrase("", "editor") == "the code editor"
    assert element_phrase("", "link") == "a link" and element_phrase(None, None) == ""
    assert element_phrase("[masked]", "textbox") == "a field"  # never the mask as a name
    assert element_phrase("Big promo", "") == "'Big promo'"
    assert short("Upload passport or national ID card (PDF, JPG, PNG, max 10 MB)") == \
        "Upload passport or national ID card…"
    assert page_name("Wallet · Nimbus", "https://x/wallet") == "Wallet · Nimbus"
    assert page_name("", "https://bank.test/earn/staking?x=1") == "/earn/staking"
    assert page_name("", "https://demoit.app/e/react#ReactHooks.js") == "/e/react"
    assert page_name("******", "https://bank.test/") == "bank.test"  # a masked title is no name
    assert page_name("", "") == "the page"


def test_a_rage_burst_on_a_banner_is_one_finding_with_both_kinds() -> None:
    s = _session(_rage_on_banner())
    res = analyze_session(s)
    s.close()
    assert len(res.findings) == 1
    f = res.findings[0]
    assert f.kind == "rage_click" and f.kinds == ("rage_click", "dead_click")
    assert f.counts == {"rage_click": 5, "dead_click": 5}
    assert f.rules == {"rage_click": "posthog", "dead_click": "not_interactive"}
    assert f.title == "Rage click ×5 on the 'Lantern Festival' banner, which isn't clickable"
    assert f.element == "the 'Lantern Festival' banner" and f.page_name == "Nimbus — Lantern Festival"
    assert "festival-banner" in (f.target or "")  # the selector stays, for the details view and --json
    assert res.metrics["findings"]["rage_click"] == 1 and res.metrics["findings"]["dead_click"] == 1
    assert res.metrics["finding_rows"] == 1
    j = f.to_json()
    assert j["kinds"] == ["rage_click", "dead_click"] and j["counts"]["dead_click"] == 5
    assert j["title"] == f.title and j["points"] == f.points == 3 * 3  # rage weight 3 × severity 3


def test_a_burst_on_something_unnamed_says_what_it_is_not() -> None:
    rows = _rage_on_banner(3)
    for r in rows:
        if r.get("kind") == "click":
            r.update(target_label=None, target_role=None, target_text=None, target="body > div")
    s = _session(rows)
    res = analyze_session(s)
    s.close()
    assert [f.title for f in res.findings] == ["Rage click ×3 on a part of the page that isn't clickable"]


def test_a_button_that_does_nothing_reads_plainly() -> None:
    rows = [{"t": 0, "kind": "navigate", "page": 0}, {"t": 50, "kind": "mutation"},
            {"t": 5000, "kind": "click", "x": 10.0, "y": 10.0, **DEPOSIT}]
    s = _session(rows, title="Wallet · Nimbus")
    res = analyze_session(s)
    s.close()
    assert [f.title for f in res.findings] == ["Click on the 'Deposit' button: nothing happened"]
    assert title_of(("error_click",), {"error_click": 1}, {"error_click": "datadog"}, "the 'Deposit' button",
                    "Wallet", "Upload failed") == "Click on the 'Deposit' button was followed by an error: " \
                                                  "Upload failed"


# -- the score ------------------------------------------------------------------------------------------------------
def _f(kind: str, severity: int, kinds: tuple[str, ...] = ()) -> Finding:
    return Finding(kind=kind, start_ms=0, end_ms=0, page=0, url="", x=None, y=None, target=None,
                   severity=severity, count=1, rule="", kinds=kinds or (kind,))


def test_score_worked_examples_from_the_docs() -> None:
    def expect(points: float) -> int:
        return round(100 * (1 - math.exp(-points / 10)))

    assert friction_score([]) == 0
    assert friction_score([_f("dead_click", 1)], 60_000) == expect(2) == 18  # one dead click, 1 active minute
    assert friction_score([_f("rage_click", 2)], 4 * 60_000) == expect(6) == 45
    # the same rage burst in 50 calm active minutes: a tenth of the rate
    assert friction_score([_f("rage_click", 2)], 50 * 60_000) == expect(0.6) == 6
    # a merged burst counts once, by its heaviest kind (rage 3 × 3), not rage + dead
    merged = _f("rage_click", 3, ("rage_click", "dead_click"))
    assert friction_score([merged], 60_000) == expect(9) == 59


def test_a_calm_long_session_does_not_inflate_the_score() -> None:
    mild = [_f("hesitation", 1), _f("quick_back", 1), _f("excessive_scroll", 1)]
    assert friction_score(mild, 2 * 60_000) == 26  # 3 points in a short session
    assert friction_score(mild, 40 * 60_000) == 4  # the same 3 points over 40 active minutes
    assert friction_score(mild * 10, 40 * 60_000) < friction_score(mild * 10, 10 * 60_000)


def test_metrics_list_the_findings_that_make_up_the_score() -> None:
    s = _session(_rage_on_banner(extra=[{"t": 9000, "kind": "click", "x": 10.0, "y": 10.0, **DEPOSIT}]))
    res = analyze_session(s)
    s.close()
    parts = res.metrics["score_parts"]
    assert [p["finding"] for p in parts] == [0, 1]
    assert sum(p["points"] for p in parts) == res.metrics["score_points"] == sum(f.points for f in res.findings)
    assert parts[0]["title"].startswith("Rage click ×5") and parts[0]["kinds"] == ["rage_click", "dead_click"]
    assert res.metrics["friction_score"] == friction_score(res.findings, res.metrics["active_ms"])


# -- the demo and the real recordings -------------------------------------------------------------------------------
def test_demo_findings_are_plain(demo_path: Path) -> None:
    s = open_session(demo_path)
    res = analyze_session(s)
    s.close()
    titles = [f.title for f in res.findings]
    assert "Rage click ×5 on the 'Lantern Festival' banner, which isn't clickable" in titles
    assert any("the 'Upload passport or ID card' upload field" in t for t in titles)
    assert any(t.startswith("Started filling in the 'Amount (EUR)' field on Wallet · Nimbus") for t in titles)
    for f in res.findings:
        assert f.title and "_" not in f.title and "#" not in f.title and "page 0" not in f.title, f.title
        assert not SELECTOR.search(f.title), f.title


@pytest.mark.shared
def test_real_recordings_have_plain_titles(shared_data: Path) -> None:
    for rel in ("rrweb-demoit-player/events.json", "rrweb-sizer-smartx-mobile/e1.json",
                "rrweb-fixtures/test-events/hover.json"):
        s = open_session(shared_data / rel)
        try:
            res = analyze_session(s)
            roles = {r[0] for r in query(s.store, "SELECT DISTINCT target_role FROM events")}
        finally:
            s.close()
        if "hover" not in rel:  # hover.json's only target is a bare <div>: no role to name
            assert roles - {None}, rel  # the importer names roles
        for f in res.findings:
            assert f.title and not SELECTOR.search(f.title) and "reversals" not in f.title, f.title
            assert SELECTOR.search(f.to_json()["target"] or "div.x")  # the selector is in the details
            assert json.dumps(f.to_json())  # serialisable


def test_a_format_1_0_table_without_names_uses_the_visible_text() -> None:
    rows = [{"t": 0, "kind": "navigate", "page": 0}, {"t": 50, "kind": "mutation"},
            {"t": 1000, "kind": "click", "x": 1.0, "y": 1.0, "target": "div.promo", "target_tag": "div",
             "interactive": False, "target_text": "  Big   promo\n banner "}]
    table = pa.table({c: [r.get(c) for r in rows] for c in ("t", "kind", "page", "x", "y", "target", "target_tag",
                                                             "target_text", "interactive")})
    store = SessionStore()
    store.load_arrow(table, page_count=1, viewport=(1000, 500), report=ImportReport())
    manifest = Manifest(session_id="s", start_epoch_ms=0, viewport_width=1000, viewport_height=500,
                        pages=[Page("https://bank.test/promo", width=1000, height=2000)])
    s = Session(Path("old.rlsession"), manifest, store, store.arrays(), ImportReport())
    res = analyze_session(s)
    s.close()
    assert [f.title for f in res.findings] == ["Click on 'Big promo banner', which isn't clickable"]
    assert res.findings[0].page_name == "/promo"
