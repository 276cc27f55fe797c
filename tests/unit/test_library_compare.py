"""Comparisons over a library with planted effects: the A/B report finds the planted lift and not the planted null,
the difference heatmap lights the banner and nothing on an A/A split, funnels count what was planted, and the
CLI prints the documented JSON shapes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from compare_library import BANNER, build

from replaylens.analysis import stats as S
from replaylens.analysis.experiments import abtest, clicks_conversion, funnel, parse_duration, parse_step
from replaylens.analysis.heatmaps.library import aggregate_heatmap, compare
from replaylens.cli import main
from replaylens.model.segment import AttrIn, Segment
from replaylens.store.library import open_library


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("cmp") / "lib"
    truth = build(root, 1500, deposit_a=0.12, lift=0.6)  # a large lift: visible at this n
    return root, truth


def test_abtest_finds_planted_lift_not_null(planted: tuple[Path, object]) -> None:
    root, truth = planted
    with open_library(root, read_only=True) as lib:
        rep = abtest(lib, None, "variant", parse_step("goal:deposit"), control="A", split=[0.5, 0.5])
        null = abtest(lib, None, "variant", parse_step("goal:staked"), control="A")
    t = truth  # type: ignore[assignment]
    v = np.array(t.variant)
    dep = np.array(t.deposit)
    groups = {g["name"]: g for g in rep["groups"]}
    assert groups["A"]["sessions"] == int((v == "A").sum())
    assert groups["B"]["conversions"] == int(dep[v == "B"].sum())
    c = rep["comparisons"][0]
    assert set(c) >= {"control", "variant", "lift_abs", "lift_rel", "ci95_abs", "p_value", "p_adjusted",
                      "prob_better", "guards_met", "significant", "srm_p", "sessions_needed_per_group"}
    assert c["significant"] and c["lift_rel"] > 0.2 and c["prob_better"] > 0.99
    assert not null["comparisons"][0]["significant"]


def test_small_lift_says_how_many_more(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    build(root, 600, deposit_a=0.12, lift=0.08, events=False)
    with open_library(root, read_only=True) as lib:
        rep = abtest(lib, None, "variant", parse_step("goal:deposit"), mde=0.08)
    c = rep["comparisons"][0]
    assert not c["significant"]
    needed = S.sessions_needed(rep["groups"][0]["rate"], 0.08)
    assert c["sessions_needed_per_group"] == needed
    assert "more" in rep["verdict"] and f"{0.08:.0%}" in rep["verdict"]


def test_difference_heatmap_lights_banner_and_not_aa(planted: tuple[Path, object]) -> None:
    root, _ = planted
    with open_library(root, read_only=True) as lib:
        cmp = compare(lib, None, "campaign", "songkran", "organic", "/", "click", device="desktop", cell=64)
        aa = compare(lib, None, "aa", "x", "y", "/", "click", device="desktop", cell=64)
        moves = compare(lib, None, "aa", "x", "y", "/", "move", device="desktop", cell=64)
    assert cmp.diff.any_significant
    rows, cols = np.nonzero(cmp.diff.significant)
    x0, x1, y0, y1 = BANNER
    assert ((cols * 64 + 64 > x0) & (cols * 64 < x1) & (rows * 64 + 64 > y0) & (rows * 64 < y1)).all()
    assert (cmp.diff.diff[rows, cols] > 0).all()  # songkran (A) more often
    assert cmp.elements[0]["label"].startswith("Songkran") and cmp.elements[0]["significant"]
    assert "songkran" in cmp.sentence and "n = " in cmp.sentence
    assert not aa.diff.any_significant and not moves.diff.any_significant
    assert all(not e["significant"] for e in aa.elements)
    js = cmp.to_json()
    assert js["sessions_a"] + js["sessions_b"] == cmp.diff.n_a + cmp.diff.n_b and js["areas"]


def test_aggregate_heatmap_counts_and_small_sample_warning(planted: tuple[Path, object]) -> None:
    root, truth = planted
    t = truth  # type: ignore[assignment]
    with open_library(root, read_only=True) as lib:
        hm = aggregate_heatmap(lib, None, "/", "click", device="desktop")
        small = aggregate_heatmap(lib, Segment((AttrIn("session_id", tuple(t.ids[:20])),)), "/", "click")
        scroll = aggregate_heatmap(lib, None, "/", "scroll")
        with pytest.raises(ValueError, match="no session"):
            aggregate_heatmap(lib, None, "/nowhere", "click")
    assert hm.points == int(np.sum(t.banner)) + int(np.sum(t.cta))
    assert hm.sessions_used == len(t.ids) and hm.extra["warning"] is None
    assert small.extra["warning"] and "20 sessions" in small.extra["warning"]
    assert scroll.profile is not None and scroll.profile[0] == pytest.approx(1.0)


def test_funnel_counts_and_dropoffs(planted: tuple[Path, object]) -> None:
    root, truth = planted
    t = truth  # type: ignore[assignment]
    steps = [parse_step("page:/"), parse_step("click:get started"), parse_step("page:/kyc"),
             parse_step("goal:deposit")]
    with open_library(root, read_only=True) as lib:
        res = funnel(lib, None, steps, by="variant")
        windowed = funnel(lib, None, steps, within_ms=parse_duration("1s"))
    cta, dep, v = np.array(t.cta), np.array(t.deposit), np.array(t.variant)
    for g in res["groups"]:
        m = v == g["name"]
        counts = [s["converted"] for s in g["steps"]]
        assert counts == [int(m.sum()), int(cta[m].sum()), int(cta[m].sum()), int(dep[m].sum())]
        dropped = set(g["steps"][1]["dropped"])
        assert dropped == {i for i, c, vv in zip(t.ids, cta, v, strict=True) if not c and vv == g["name"]}
        lo, hi = g["steps"][3]["ci95"]
        assert lo <= g["steps"][3]["rate"] <= hi
    assert [c["step"] for c in res["comparisons"]] == res["steps"]
    assert any(c["step"] == "goal:deposit" and c["significant"] for c in res["comparisons"])
    assert windowed["groups"][0]["steps"][3]["converted"] == 0  # deposits come > 1 s after landing


def test_clicks_vs_conversion(planted: tuple[Path, object]) -> None:
    root, _ = planted
    with open_library(root, read_only=True) as lib:
        res = clicks_conversion(lib, None, "/", parse_step("goal:deposit"))
    rows = {r["label"]: r for r in res["elements"]}
    assert rows["Get started"]["conversion_non_clickers"] == 0.0  # deposits need the KYC page behind it
    assert rows["Get started"]["significant"] and rows["Get started"]["odds_ratio"] > 1


def test_cli_json_shapes(planted: tuple[Path, object], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root, _ = planted
    lib = str(root)
    assert main(["abtest", "--library", lib, "--by", "variant", "--goal", "deposit", "--json"]) == 0
    ab = json.loads(capsys.readouterr().out)
    assert {"groups", "comparisons"} <= set(ab) and {"name", "sessions", "conversions", "rate", "ci95"} <= \
        set(ab["groups"][0])
    assert main(["funnel", "--library", lib, "--step", "page:/", "--step", "deposit", "--by", "campaign",
                 "--within", "30m", "--json"]) == 0
    fn = json.loads(capsys.readouterr().out)
    assert {"steps", "groups", "comparisons"} <= set(fn)
    assert {"step", "entered", "converted", "rate", "rate_from_start", "ci95", "dropped"} <= \
        set(fn["groups"][0]["steps"][0])
    assert {"step", "a", "b", "p", "p_adjusted", "significant"} <= set(fn["comparisons"][0])
    out = tmp_path / "cmp.png"
    assert main(["compare", "--library", lib, "--by", "campaign", "--a", "songkran", "--b", "organic", "--page", "/",
                 "--kind", "click", "--device", "desktop", "--out", str(out), "--json"]) == 0
    cm = json.loads(capsys.readouterr().out)
    assert out.stat().st_size > 10_000 and cm["sessions_a"] > 0
    assert main(["abtest", "--library", lib, "--by", "variant", "--goal", "nope"]) == 2  # unknown goal: usage
    assert "not a step" in capsys.readouterr().err
    assert main(["compare", "--library", lib, "--by", "campaign", "--a", "x", "--b", "y", "--page", "/",
                 "--json"]) == 2  # values no session has: usage, with the values the library has
