"""analyze_session, FrictionSettings and the ``analyze`` command: on hand-made sessions, the committed demo (whose
manifest carries the planted ground truth) and every real rrweb recording in shared data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from replaylens.analysis.findings.analyze import FINDING_KINDS, Finding, analyze_session, friction_score
from replaylens.cli import main
from replaylens.cli.analyze import PRESET_NAMES
from replaylens.errors import BadInputError
from replaylens.io.registry import open_session
from replaylens.model.friction_settings import PRESETS, FrictionSettings, SettingsError
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import SessionStore

URL_A, URL_B = "https://bank.test/a", "https://bank.test/b"


def _session(rows: list[dict[str, Any]]) -> Session:
    cols = ("t", "kind", "page", "x", "y", "scroll_y", "target", "target_tag", "target_text", "interactive",
            "input_type", "detail")
    table = pa.table({c: [r.get(c) for r in rows] for c in cols})
    store = SessionStore()
    report = ImportReport()
    store.load_arrow(table, page_count=2, viewport=(1000, 500), report=report)
    manifest = Manifest(session_id="s", start_epoch_ms=0, viewport_width=1000, viewport_height=500,
                        pages=[Page(URL_A, width=1000, height=2000), Page(URL_B, width=1000, height=1000)])
    return Session(Path("hand.rlsession"), manifest, store, store.arrays(), report)


def _el(selector: str, tag: str, interactive: bool, text: str = "", input_type: str | None = None
        ) -> dict[str, Any]:
    return {"target": selector, "target_tag": tag, "interactive": interactive, "target_text": text,
            "input_type": input_type}


BANNER = _el("div.promo", "div", False, "  Big   promo\n banner ")
HOME = _el("a.home", "a", True, "Home")
GO = _el("button.go", "button", True, "Go")
UPLOAD = _el("input#file", "input", True, "ID document", "file")


def _hand_rows(with_mutations: bool = True) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"t": 0, "kind": "navigate", "page": 0},
        {"t": 100, "kind": "move", "x": 100.0, "y": 100.0},
        {"t": 200, "kind": "scroll", "scroll_y": 300.0},
        {"t": 1000, "kind": "click", "x": 200.0, "y": 150.0, **BANNER},
        {"t": 5000, "kind": "click", "x": 300.0, "y": 50.0, **HOME},
        {"t": 9000, "kind": "click", "x": 400.0, "y": 60.0, **GO},
        {"t": 11000, "kind": "click", "x": 500.0, "y": 70.0, **UPLOAD},
        {"t": 11000, "kind": "focus", **UPLOAD},
        {"t": 11500, "kind": "error", "detail": json.dumps({"message": "Upload failed"})},
    ]
    if with_mutations:
        rows.append({"t": 1100, "kind": "mutation"})
    return rows


def test_hand_made_session_findings_targets_and_positions() -> None:
    s = _session(_hand_rows())
    res = analyze_session(s)
    got = [(f.kind, f.start_ms, f.rule, f.count) for f in res.findings]
    assert got == [("dead_click", 1000, "not_interactive", 1),  # the banner (a mutation followed, still dead)
                   ("dead_click", 9000, "no_response", 1),  # the button nothing answered; the link is ignored
                   ("error_click", 11000, "datadog", 1)]  # a 2 s rest before the upload: no hesitation
    banner = res.findings[0]
    assert banner.target == 'div.promo "Big promo banner"'
    assert (banner.x, banner.y) == (200.0, 450.0)  # page coordinates: viewport y 150 + scroll 300
    assert banner.url == URL_A and banner.page == 0 and banner.severity == 1
    err = res.findings[2]
    assert err.detail == "Upload failed" and err.end_ms == 11500 and err.target == 'input#file "ID document"'
    m = res.metrics
    assert m["max_scroll_depth_pct"] == {URL_A: 40.0}  # (300 + 500) / 2000
    assert m["time_to_first_interaction_ms"] == {URL_A: 1000}
    assert m["clicks"] == 4 and m["pages"] == 1 and m["page_visits"] == 1
    assert m["findings"]["dead_click"] == 2 and m["findings"]["rage_click"] == 0
    assert m["not_applicable"] == {}
    # 2 points per dead-click severity, 3 per error-click severity: 2 + 2 + 9 = 13
    assert m["friction_score"] == friction_score(res.findings) == round(100 * (1 - 2.718281828459045 ** -1.3))
    s.close()


def test_without_mutation_events_no_response_is_not_applied() -> None:
    s = _session(_hand_rows(with_mutations=False))
    res = analyze_session(s)
    assert [f.rule for f in res.of_kind("dead_click")] == ["not_interactive"]
    assert "mutation" in res.metrics["not_applicable"]["dead_click.no_response"]
    s.close()


def test_settings_change_the_result() -> None:
    s = _session(_hand_rows())
    strict = FrictionSettings().with_overrides({"error.max_delay_ms": 400, "dead.not_interactive": "off"})
    res = analyze_session(s, strict)
    assert [(f.kind, f.rule) for f in res.findings] == [("dead_click", "no_response")]
    s.close()


# -- settings --------------------------------------------------------------------------------------------------
def test_presets() -> None:
    assert set(PRESET_NAMES) == set(PRESETS)
    assert FrictionSettings() == FrictionSettings.preset("posthog")
    o, d = FrictionSettings.preset("OpenReplay"), FrictionSettings.preset("datadog")
    assert (o.rage.max_gap_ms, o.rage.same_target, o.dead.mutation_ms) == (300.0, True, 1234.0)
    assert (d.rage.min_clicks, d.rage.window_ms) == (4, 1000.0)
    assert [p.rage_rule for p in (FrictionSettings(), o, d)] == ["posthog", "openreplay", "datadog"]
    assert FrictionSettings().with_overrides(["rage.max_gap_ms=500"]).rage_rule == "custom"
    with pytest.raises(SettingsError, match="unknown preset 'hotjar'"):
        FrictionSettings.preset("hotjar")


def test_overrides_parse_and_validate() -> None:
    s = FrictionSettings().with_overrides(["rage.max_gap_ms=500", "rage.same_target = yes", "scroll.min_reversals=6"])
    assert (s.rage.max_gap_ms, s.rage.same_target, s.scroll.min_reversals) == (500.0, True, 6)
    assert s.get("rage.max_gap_ms") == 500.0 and FrictionSettings().rage.max_gap_ms == 1000.0  # copies
    assert s.with_overrides({"dead.mutation_ms": 1234}).dead.mutation_ms == 1234.0
    assert len(FrictionSettings.keys()) == len(FrictionSettings().to_dict()) >= 25
    bad = {
        "rage.max_gap_ms": "unknown setting",  # not key=value
        "foo.bar=1": "part before the dot",
        "rage.speed=1": "rage has rage.min_clicks",
        "rage.max_gap_ms=fast": "must be a number",
        "rage.max_gap_ms=-5": "at least 0",
        "rage.min_clicks=1": "at least 2",
        "rage.min_clicks=2.5": "whole number",
        "rage.same_target=maybe": "true or false",
        "thrash.window_ms=nan": "finite",
        "=3": "not key=value",
    }
    for item, message in bad.items():
        if "=" not in item:
            with pytest.raises(SettingsError, match="not key=value"):
                FrictionSettings().with_overrides([item])
            continue
        with pytest.raises(SettingsError, match=message):
            FrictionSettings().with_overrides([item])


# -- the committed demo: findings agree with its planted ground truth ----------------------------------------------
def _overlaps(f: Finding, g: dict[str, Any], tol: int = 1000) -> bool:
    return g["kind"] in f.kinds and f.start_ms - tol <= g["end_ms"] and g["start_ms"] <= f.end_ms + tol


def test_demo_findings_match_ground_truth(demo_path: Path, untouched) -> None:
    untouched(demo_path)
    s = open_session(demo_path)
    truth = s.manifest.extra["ground_truth"]
    res = analyze_session(s)
    s.close()
    # issue 11: a burst that is both a rage and a dead click is one finding carrying both kinds
    assert sorted(k for f in res.findings for k in f.kinds) == sorted(g["kind"] for g in truth)
    for g in truth:
        assert any(_overlaps(f, g) for f in res.findings), g
    by = {f.kind: f for f in res.findings}
    assert by["rage_click"].count >= 4 and "festival-banner" in (by["rage_click"].target or "")
    assert by["hesitation"].count >= 15_000 and by["hesitation"].severity == 3
    assert by["error_click"].detail.startswith("Upload failed")
    assert by["form_abandonment"].url.endswith("/wallet?variant=A") and by["form_abandonment"].rule == "no_submit"
    assert by["quick_back"].url.endswith("/earn/staking")
    assert res.metrics["not_applicable"] == {} and res.metrics["friction_score"] > 90


def test_cli_json_shape(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(demo_path), str(demo_path), "--json", "--preset", "datadog",
                 "--set", "quick_back.max_dwell_ms=5000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["sessions"] and len(out["sessions"]) == 2
    s0 = out["sessions"][0]
    assert list(s0) == ["file", "duration_ms", "metrics", "findings"]
    assert s0["file"] == str(demo_path) and isinstance(s0["duration_ms"], int)
    assert s0["metrics"]["preset"] == "datadog" and s0["metrics"]["rage_rule"] == "datadog"
    for f in s0["findings"]:
        # issue 11 added plain-language and per-kind fields after format 1's nine keys, which keep their order
        assert list(f)[:9] == ["kind", "start_ms", "end_ms", "page", "x", "y", "target", "count", "rule"]
        assert list(f)[9:] == ["kinds", "counts", "rules", "title", "element", "page_name", "severity", "points"]
        assert f["kinds"][0] == f["kind"] and f["counts"][f["kind"]] == f["count"] and f["title"]
        assert "#" not in f["title"] and "_" not in f["title"]  # no selectors or rule names in the title
        assert f["kind"] in FINDING_KINDS and f["page"].startswith("https://")
        assert isinstance(f["start_ms"], int) and 0 <= f["start_ms"] <= f["end_ms"] <= s0["duration_ms"]
    kinds = [f["kind"] for f in s0["findings"]]
    assert "quick_back" not in kinds  # the 11 s stay on staking is longer than the 5 s set
    assert "rage_click" in kinds


def test_cli_table_and_exit_codes(demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(demo_path)]) == 0
    out = capsys.readouterr().out
    assert "rage_click" in out and "festival-banner" in out and "friction score" in out
    assert main(["analyze", str(demo_path), "--set", "rage.bogus=1"]) == 2
    assert "rage.bogus" in capsys.readouterr().err
    assert main(["analyze", str(demo_path), "--set", "rage.max_gap_ms"]) == 2
    assert main(["analyze"]) == 2
    with pytest.raises(SystemExit) as e:
        main(["analyze", str(demo_path), "--preset", "hotjar"])
    assert e.value.code == 2
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    assert main(["analyze", str(junk)]) == 3
    assert "junk.json" in capsys.readouterr().err
    assert main(["analyze", "--list-settings"]) == 0
    assert "rage.max_gap_ms" in capsys.readouterr().out


# -- real recordings -----------------------------------------------------------------------------------------------
@pytest.mark.shared
def test_analyze_every_real_recording(shared_data: Path) -> None:
    files = sorted(shared_data.rglob("*.json"))
    assert files
    analysed, unsupported = 0, []
    for path in files:
        try:
            s = open_session(path)
        except BadInputError as exc:
            unsupported.append(f"{path.name}: {exc.problem}")
            continue
        try:
            res = analyze_session(s)
        finally:
            s.close()
        analysed += 1
        m = res.metrics
        assert set(m["findings"]) == set(FINDING_KINDS)
        assert 0 <= m["active_ms"] <= m["duration_ms"] and 0 <= m["friction_score"] <= 100
        for f in res.findings:
            assert f.kind in FINDING_KINDS and 0 <= f.start_ms <= f.end_ms <= m["duration_ms"], (path, f)
            assert 1 <= f.severity <= 3 and f.count >= 1
    if not analysed:
        pytest.skip("no shared recording loads yet (is the rrweb importer present?): " + "; ".join(unsupported[:3]))
