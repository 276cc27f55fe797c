"""The demo library generator: deterministic, believable shares, the truth file matches the sessions, the planted
lift is there and the planted nulls are null."""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from replaylens.demo.library_build import TRUTH_NAME, act, build_library
from replaylens.demo.library_truth import (
    DAY0_EPOCH_MS,
    DAY_MS,
    Params,
    Plan,
    expected,
    plan_sessions,
    sample_size_per_variant,
)
from replaylens.io.bundle import import_bundle
from replaylens.store.session import open_imported

BIG = 120_000  # plans are cheap (numpy); enough for the 8 % lift to stand out


@pytest.fixture(scope="module")
def big() -> list[Plan]:
    return plan_sessions(BIG, 11)


def _custom_tags(cols: dict[str, list[object]]) -> list[str]:
    return [json.loads(str(d))["tag"] for k, d in zip(cols["kind"], cols["detail"], strict=True) if k == "custom"]


def _rate(plans: list[Plan], hit: str, where: dict[str, object] | None = None, given: str | None = None) -> tuple[
        float, int]:
    sel = [p for p in plans if all(getattr(p, k) == v for k, v in (where or {}).items())
           and (given is None or getattr(p, given))]
    return sum(getattr(p, hit) for p in sel) / len(sel), len(sel)


def _z(p1: float, n1: int, p2: float, n2: int) -> float:
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    return (p1 - p2) / math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))


def test_plans_and_events_are_deterministic() -> None:
    a, b, c = plan_sessions(300, 5), plan_sessions(300, 5), plan_sessions(300, 6)
    assert a == b
    assert a != c
    for p in a[:25]:
        assert act(p)[0].columns() == act(p)[0].columns()
    assert len({p.session_id for p in a}) == 300


def test_shares_are_those_of_a_growth_stage_crypto_bank(big: list[Plan]) -> None:
    n = len(big)
    users = Counter(p.user_type for p in big)
    for k, share in {"new": 0.55, "returning": 0.38, "high_net_worth": 0.07}.items():
        assert abs(users[k] / n - share) < 0.01, k
    assert abs(sum(p.campaign for p in big) / n - 0.30) < 0.01
    assert abs(sum(p.variant == "B" for p in big) / n - 0.5) < 0.01
    dev = Counter({"desktop-wide": "desktop"}.get(p.device, p.device) for p in big)
    for k, share in {"desktop": 0.55, "tablet": 0.10, "mobile": 0.35}.items():
        assert abs(dev[k] / n - share) < 0.01, k
    days = np.array([(p.start_epoch_ms - DAY0_EPOCH_MS) // DAY_MS for p in big])
    assert days.min() == 0 and days.max() == 27
    camp_days = days[np.array([p.campaign for p in big])]
    assert camp_days.min() >= 7 and camp_days.max() <= 20


def test_planted_lift_matches_the_truth(big: list[Plan]) -> None:
    exp = expected(Params())
    a, na = _rate(big, "deposit", {"variant": "A"})
    b, nb = _rate(big, "deposit", {"variant": "B"})
    for got, n, want in ((a, na, exp["deposit_conversion"]["A"]), (b, nb, exp["deposit_conversion"]["B"])):
        assert abs(got - want) < 4 * math.sqrt(want * (1 - want) / n)
    assert 0.11 < a < 0.13
    assert _z(b, nb, a, na) > 3  # with 60,000 per variant the lift is plain
    assert 0.04 < b / a - 1 < 0.12
    # what the truth file promises about power: thousands of sessions per variant
    need = sample_size_per_variant(exp["deposit_conversion"]["A"], 0.08)
    assert exp["sessions_per_variant_needed_for_deposit_lift"] == need
    assert 10_000 < need < 30_000


def test_planted_nulls_are_null(big: list[Plan]) -> None:
    sa, na = _rate(big, "stake", {"variant": "A"})
    sb, nb = _rate(big, "stake", {"variant": "B"})
    assert abs(_z(sa, na, sb, nb)) < 3
    assert abs(sa - expected(Params())["staking_conversion"]["A"]) < 4 * math.sqrt(sa * (1 - sa) / na)
    kc, nc = _rate(big, "kyc_complete", {"campaign": True}, given="kyc_start")
    ko, no = _rate(big, "kyc_complete", {"campaign": False}, given="kyc_start")
    assert abs(_z(kc, nc, ko, no)) < 3
    assert abs(kc - 0.62) < 0.02 and abs(ko - 0.62) < 0.02
    # and the non-null comparisons are not
    bc, nbc = _rate(big, "banner_click", {"campaign": True})
    bo, nbo = _rate(big, "banner_click", {"campaign": False})
    assert _z(bc, nbc, bo, nbo) > 10 and bc > 5 * bo


def test_events_act_out_the_plan() -> None:
    plans = plan_sessions(400, 21)
    durations = []
    for p in plans:
        rec, _pages = act(p)
        cols = rec.columns()
        tags = _custom_tags(cols)
        assert ("deposit_started" in tags) == p.deposit
        assert ("stake_started" in tags) == p.stake
        assert ("kyc_submitted" in tags) == p.kyc_complete
        assert ("signup_completed" in tags) == p.signup
        clicks = [t for k, t in zip(cols["kind"], cols["target"], strict=True) if k == "click"]
        assert any("festival-banner" in str(t) for t in clicks) == p.banner_click
        assert any("advanced-trading" in str(t) for t in clicks) == p.adv_click
        kinds = {pl.kind for pl in rec.planted}
        assert ("hesitation" in kinds) == p.hesitate
        assert ("hover" in kinds) == p.adv_hover
        for pl in rec.planted:
            if pl.kind in ("hesitation", "hover"):  # the pointer rests: no move while it lasts
                moves = [t for k, t in zip(cols["kind"], cols["t"], strict=True) if k == "move"]
                assert not any(pl.start_ms < int(t) < pl.end_ms for t in moves)  # type: ignore[call-overload]
        entry = json.loads(str(cols["detail"][0]))["url"]
        assert ("utm_campaign=songkran" in entry) == p.campaign
        durations.append(max(cols["t"]))  # type: ignore[type-var]
    d = np.array(durations) / 1000
    assert d.min() >= 8 and d.max() <= 120 and 20 <= np.median(d) <= 60


def test_novices_hover_advanced_trading_without_clicking(big: list[Plan]) -> None:
    for user, lo, hi in (("new", 0.9, 1.0), ("returning", 0.0, 0.6)):
        hov = [p for p in big if p.user_type == user and p.adv_hover]
        no_click = sum(not p.adv_click for p in hov) / len(hov)
        assert lo <= no_click <= hi, user
    new_rate, _ = _rate(big, "adv_hover", {"user_type": "new"}, given="wallet")
    ret_rate, _ = _rate(big, "adv_hover", {"user_type": "returning"}, given="wallet")
    assert new_rate > 2 * ret_rate


def test_truth_file_matches_the_bundles(tmp_path: Path, qapp: object) -> None:
    # qapp: the page pictures are painted with Qt; a QApplication (not a bare QGuiApplication) keeps later GUI
    # tests in this process working
    result = build_library(tmp_path, 30, 99, workers=1, ingest=False)
    assert result["sessions"] == 30
    truth = json.loads((tmp_path / TRUTH_NAME).read_text())
    assert truth["seed"] == 99 and truth["sessions"] == 30
    assert {c["name"] for c in truth["comparisons"] if c["null"]} == set(truth["null_comparisons"]) == {
        "staking null", "KYC null"}
    assert truth["parameters"]["deposit_lift"] == 0.08
    plans = {p.session_id: p for p in plan_sessions(30, 99)}
    for row in truth["assignment"]:
        s = open_imported(import_bundle(tmp_path / row["file"]))
        p = plans[row["session_id"]]
        assert s.manifest.session_id == p.session_id
        assert s.manifest.attributes == row["attributes"] == p.attributes
        assert s.manifest.start_epoch_ms == p.start_epoch_ms
        assert s.manifest.extra["ground_truth"] == row["planted"]
        assert row["deposit"] == p.deposit and row["variant"] == p.variant
        s.close()
        with zipfile.ZipFile(tmp_path / row["file"]) as zf:
            cols = pq.read_table(io.BytesIO(zf.read("events.parquet"))).to_pydict()
            shots = [n for n in zf.namelist() if n.startswith("pages/")]
        tags = _custom_tags(cols)
        assert ("deposit_started" in tags) == p.deposit
        assert ("stake_started" in tags) == p.stake
        # screenshots only of the pages the session shows
        assert len(shots) == len(set(cols["page"])) >= 1


def test_the_library_agrees_with_the_truth(tmp_path: Path, qapp: object) -> None:
    from replaylens.model.segment import AttrIn, Segment
    from replaylens.store.library import open_library

    result = build_library(tmp_path, 40, 123, workers=1)
    assert result["ingest"]["added"] == 40 and result["ingest"]["failed"] == []
    truth = json.loads((tmp_path / TRUTH_NAME).read_text())
    rows = truth["assignment"]
    with open_library(tmp_path, read_only=True) as lib:
        assert lib.count() == 40
        for var in ("A", "B"):
            seg = Segment((AttrIn("variant", (var,)),))
            goals = {fv.value: fv.count for fv in lib.facets(seg)["goal"]}
            assert goals.get("deposit", 0) == sum(r["deposit"] for r in rows if r["variant"] == var)
            assert goals.get("staked", 0) == sum(r["stake"] for r in rows if r["variant"] == var)
            flag = {fv.value: fv.count for fv in lib.facets(None)["feature/deposit-button"]}
            assert flag.get(var, 0) == sum(r["variant"] == var for r in rows)
        facets = lib.facets(None)
        assert "utm_campaign" not in facets  # one facet per concept: utm_campaign is the campaign
        utm = {fv.value: fv.count for fv in lib.facets(None, keys=["utm_campaign"])["utm_campaign"]}
        assert utm.get("songkran", 0) == sum(r["campaign"] for r in rows)
        assert {fv.value: fv.count for fv in facets["campaign"]}.get("songkran", 0) == utm.get("songkran", 0)
        kyc = {fv.value: fv.count for fv in lib.facets(None)["goal"]}.get("kyc_completed", 0)
        assert kyc == sum(r["kyc_complete"] for r in rows)
