"""The comparison statistics against hand-computed and textbook values, and against planted nulls."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import betaln

from replaylens.analysis import stats as S
from replaylens.analysis.abtest import Group, groups_from_arrays, report
from replaylens.analysis.clicks import clicks_vs_conversion
from replaylens.analysis.funnel import compare_groups, dropoff_sentence, findings_at_dropoff, group_steps
from replaylens.analysis.heatmaps.diff import compare_cells, sentence
from replaylens.core.funnel import match_steps


def test_wilson_textbook() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 … 0.3662 (Wilson score interval)
    lo, hi = S.wilson(81, 263)
    assert float(lo) == pytest.approx(0.2553, abs=5e-4)
    assert float(hi) == pytest.approx(0.3662, abs=5e-4)
    # hand: x = 0 of 10 -> upper bound z²/(n+z²) = 3.8415/13.8415
    lo0, hi0 = S.wilson(0, 10)
    assert float(lo0) == pytest.approx(0.0, abs=1e-12)
    assert float(hi0) == pytest.approx(1.959964**2 / (10 + 1.959964**2), rel=1e-5)


def test_two_proportion_z_by_hand_and_vectorised() -> None:
    x1, n1, x2, n2 = 120, 1000, 150, 1000
    p = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(p * (1 - p) * (2 / 1000))
    expected = math.erfc(abs(z) / math.sqrt(2))
    assert S.two_proportion_z(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)
    many = S.two_proportion_z_many(np.array([x1, 0, 5]), n1, np.array([x2, 0, 9]), n2)
    assert many[0] == pytest.approx(expected, rel=1e-9)
    assert many[1] == 1.0
    assert many[2] == pytest.approx(S.two_proportion_z(5, n1, 9, n2), rel=1e-9)


def test_fisher_tea_tasting() -> None:
    # Fisher's lady tasting tea: [[3, 1], [1, 3]] -> two-sided p = 0.4857, odds ratio 9
    odds, p = S.fisher(3, 4, 1, 4)
    assert p == pytest.approx(0.4857, abs=1e-4)
    assert odds == pytest.approx(9.0)


def test_corrections_textbook() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    _, holm = S.adjust(p, "holm")
    assert holm.tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    reject, bh = S.adjust(p, "fdr_bh")
    assert bh.tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert reject.all()


def test_prob_better_matches_closed_form() -> None:
    def closed(xa: int, na: int, xb: int, nb: int) -> float:  # Evan Miller's exact sum for Beta posteriors
        a_a, b_a, a_b, b_b = 1 + xa, 1 + na - xa, 1 + xb, 1 + nb - xb
        i = np.arange(a_b)
        terms = betaln(a_a + i, b_a + b_b) - np.log(b_b + i) - betaln(1 + i, b_b) - betaln(a_a, b_a)
        return float(np.exp(terms).sum())

    for case in [(10, 100, 20, 100), (1200, 10000, 1296, 10000), (0, 50, 1, 50), (30, 300, 30, 300)]:
        assert S.prob_better(*case) == pytest.approx(closed(*case), abs=1e-7)
    assert S.prob_better(30, 300, 30, 300) == pytest.approx(0.5, abs=1e-7)


def test_sample_size_near_posthog_rule() -> None:
    n = S.sessions_needed(0.12, 0.08)
    rule = 16 * 0.12 * 0.88 / (0.12 * 0.08) ** 2
    assert abs(n - rule) / rule < 0.05
    assert S.sessions_needed(0.12, 0.3) < S.sessions_needed(0.12, 0.1)


def test_srm_and_bias() -> None:
    assert S.srm_p([5000, 5000], [0.5, 0.5]) == pytest.approx(1.0)
    assert S.srm_p([5300, 4700], [0.5, 0.5]) < 1e-8  # χ² = 36 on 1 df
    w = S.poststrat_weights([60, 40], [0.5, 0.5])
    assert w.tolist() == pytest.approx([0.5 / 0.6, 0.5 / 0.4])
    assert S.goodness_of_fit([50, 50], [0.5, 0.5]) == pytest.approx(1.0)


def test_abtest_report_guards_and_verdict() -> None:
    small = report([Group("A", 40, 3), Group("B", 40, 9)])
    c = small["comparisons"][0]
    assert not c["guards_met"] and not c["significant"]
    assert small["verdict"].startswith("Not enough sessions yet")

    big = report([Group("A", 20000, 2400), Group("B", 20000, 2700)], split=[0.5, 0.5])
    c = big["comparisons"][0]
    assert c["guards_met"] and c["significant"]
    assert c["lift_abs"] == pytest.approx(0.015)
    assert c["lift_rel"] == pytest.approx(0.125)
    assert c["ci95_abs"][0] < 0.015 < c["ci95_abs"][1]
    assert c["prob_better"] > 0.99
    assert c["srm_p"] == pytest.approx(1.0)
    assert "B converts better than A" in big["verdict"]

    under = report([Group("A", 1000, 120), Group("B", 1000, 128)], mde=0.1)
    c = under["comparisons"][0]
    assert c["guards_met"] and not c["significant"]
    assert c["more_sessions_needed"] > 10000
    assert "more sessions per variant" in under["verdict"]

    mismatch = report([Group("A", 5300, 600), Group("B", 4700, 560)], split=[0.5, 0.5])
    assert not mismatch["comparisons"][0]["significant"]
    assert "sample-ratio mismatch" in mismatch["verdict"]


def test_aa_splits_false_positive_rate_is_alpha() -> None:
    """A/A calibration: over 2,000 random splits of one population the test says "significant" at rate α.

    (Twenty A/A splits at α = 0.05 flag none or one 74 % of the time, so the calibration is checked on many splits,
    with a 3.5-σ binomial tolerance, rather than on twenty.)"""
    rng = np.random.default_rng(7)
    n = 4000
    converted = rng.random(n) < 0.12
    splits = 2000
    flagged = 0
    for _ in range(splits):
        g = rng.integers(0, 2, n)
        (a, b) = groups_from_arrays(["A", "B"], g, converted)
        flagged += S.two_proportion_z(a.conversions, a.sessions, b.conversions, b.sessions) < S.ALPHA
    rate = flagged / splits
    tol = 3.5 * math.sqrt(S.ALPHA * (1 - S.ALPHA) / splits)
    assert abs(rate - S.ALPHA) < tol
    rep = report(groups_from_arrays(["A", "B"], rng.integers(0, 2, n), converted))
    assert rep["comparisons"][0]["guards_met"]


def test_planted_lift_found_with_enough_sessions() -> None:
    rng = np.random.default_rng(11)
    need = S.sessions_needed(0.12, 0.08)
    n = int(need * 1.6)  # comfortably above 80 % power
    a = rng.random(n) < 0.12
    b = rng.random(n) < 0.12 * 1.08
    rep = report([Group("A", n, int(a.sum())), Group("B", n, int(b.sum()))], mde=0.08)
    assert rep["comparisons"][0]["significant"]


def test_diffmap_finds_planted_cell_and_aa_stays_dark() -> None:
    rng = np.random.default_rng(3)
    n_a = n_b = 600
    base = rng.uniform(0.01, 0.2, (20, 12))
    a = rng.binomial(n_a, base)
    pb = base.copy()
    pb[5, 7] = 0.5  # planted: B clicks cell (5, 7) far more often
    b = rng.binomial(n_b, pb)
    d = compare_cells(a, n_a, b, n_b)
    assert d.strongest() == (5, 7)
    assert d.significant[5, 7]
    assert "B" in sentence(d, "A", "B", where="the banner")
    # A/A: under the global null BH keeps P(any lit cell) <= q; checked over 300 draws with a 3.5-σ tolerance
    draws = 300
    lit = sum(compare_cells(rng.binomial(n_a, base), n_a, rng.binomial(n_b, base), n_b).any_significant
              for _ in range(draws))
    assert lit / draws < 0.05 + 3.5 * math.sqrt(0.05 * 0.95 / draws)
    tiny = compare_cells(np.array([[1, 0], [0, 2]]), 5, np.array([[0, 0], [3, 0]]), 6)
    assert tiny.tested == 3 and not tiny.any_significant  # Fisher on small counts
    with pytest.raises(ValueError):
        compare_cells(np.array([[7]]), 5, np.array([[0]]), 5)


def test_funnel_matching_and_stats() -> None:
    s0, t0 = np.array([0, 1, 2, 3]), np.array([100, 50, 10, 0])
    s1, t1 = np.array([0, 1, 1, 3, 0]), np.array([200, 40, 60, 5000, 90])
    s2, t2 = np.array([0, 0, 1, 3]), np.array([150, 300, 70, 6000])
    reached = match_steps(4, [s0, s1, s2], [t0, t1, t2])
    assert reached.tolist() == [[100, 200, 300], [50, 60, 70], [10, -1, -1], [0, 5000, 6000]]
    windowed = match_steps(4, [s0, s1, s2], [t0, t1, t2], window_ms=1000)
    assert windowed[3].tolist() == [0, -1, -1]
    steps = group_steps(windowed, ["s0", "s1", "s2", "s3"], ["land", "kyc", "deposit"])
    assert [s["entered"] for s in steps] == [4, 4, 2]
    assert [s["converted"] for s in steps] == [4, 2, 2]
    assert steps[1]["dropped"] == ["s2", "s3"] and steps[1]["dropped_at_ms"] == [10, 0]
    assert steps[2]["median_ms_from_previous"] == pytest.approx(55.0)
    comp = compare_groups(steps, steps, "x", "y")
    assert all(not c["significant"] for c in comp)
    rows = findings_at_dropoff(windowed, 1, {"rage_click": np.array([False, False, True, True])})
    assert rows["rage_click"]["dropped"] == 1.0 and rows["rage_click"]["converted"] == 0.0
    assert "100% of sessions that dropped at kyc" in (dropoff_sentence(rows, "kyc") or "")


def test_clicks_vs_conversion_quadrants() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    learn = rng.random(n) < 0.6  # many click "Learn more"
    deposit = rng.random(n) < 0.1  # few click "Deposit"
    conv = np.where(deposit, rng.random(n) < 0.7, np.where(learn, rng.random(n) < 0.05, rng.random(n) < 0.2))
    res = clicks_vs_conversion(["Learn more", "Deposit"], np.stack([learn, deposit], 1), conv)
    rows = {r["label"]: r for r in res["elements"]}
    assert rows["Learn more"]["quadrant"].startswith("many clicks, low conversion")
    assert rows["Deposit"]["quadrant"].startswith("few clicks, high conversion")
    assert rows["Deposit"]["significant"] and rows["Deposit"]["odds_ratio"] > 1
