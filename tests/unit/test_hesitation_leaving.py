"""Hesitation that finds abandoners (issue 29): a long rest in a started form, then leaving, counts; measured
against the demo library's planted truth (precision and recall >= 0.95), and nothing where nothing was planted."""

from __future__ import annotations

import numpy as np

from replaylens.analysis.findings.analyze import analyze_session
from replaylens.core.friction import hesitations_before_leaving
from replaylens.core.kinds import CLICK, INPUT, MOVE, NAVIGATE, VISIBILITY
from replaylens.demo.library_truth import plan_sessions
from replaylens.demo.truth_check import Tally, add_session, plan_session
from replaylens.model.finding_text import title_of
from replaylens.model.friction_settings import FrictionSettings

FIELD = 3


def _cols(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, ...]:
    """(t, kind, target) rows on page 0; target FIELD is a form field."""
    t = np.array([r[0] for r in rows], dtype=np.int64)
    kind = np.array([r[1] for r in rows], dtype=np.int64)
    target = np.array([r[2] for r in rows], dtype=np.int64)
    return t, kind, np.zeros(len(rows), dtype=np.int64), target, target == FIELD


def test_rest_in_a_started_form_then_leaving_is_found() -> None:
    rows = [(0, NAVIGATE, -1), (500, CLICK, FIELD), (700, INPUT, FIELD), (1000, MOVE, -1),
            (9000, MOVE, -1), (9500, MOVE, -1), (11000, VISIBILITY, -1)]
    h = hesitations_before_leaving(*_cols(rows))
    assert h.start.tolist() == [3] and h.end.tolist() == [4] and h.count.tolist() == [8000]
    assert h.members[0].tolist() == [3, 4, 2]  # the element: the field last used
    assert h.rule == ("rest_then_leave",)


def test_what_does_not_count() -> None:
    base = [(0, NAVIGATE, -1), (500, CLICK, FIELD), (700, INPUT, FIELD), (1000, MOVE, -1), (9000, MOVE, -1)]
    # used the page after the rest: went on, no abandonment
    assert len(hesitations_before_leaving(*_cols([*base, (9500, CLICK, 5), (10000, VISIBILITY, -1)]))) == 0
    # left long after the rest
    assert len(hesitations_before_leaving(*_cols([*base, (30000, VISIBILITY, -1)]))) == 0
    # no form started on this page
    no_form = [(0, NAVIGATE, -1), (1000, MOVE, -1), (9000, MOVE, -1), (9500, VISIBILITY, -1)]
    assert len(hesitations_before_leaving(*_cols(no_form))) == 0
    # the rest ended by the tab closing itself: cannot be told from having gone already
    ended_by_leave = [(0, NAVIGATE, -1), (500, CLICK, FIELD), (1000, MOVE, -1), (9000, VISIBILITY, -1)]
    assert len(hesitations_before_leaving(*_cols(ended_by_leave))) == 0
    # a short rest
    short = [(0, NAVIGATE, -1), (500, CLICK, FIELD), (1000, MOVE, -1), (3500, MOVE, -1), (4000, VISIBILITY, -1)]
    assert len(hesitations_before_leaving(*_cols(short))) == 0
    # the recording ending soon after counts as leaving
    assert len(hesitations_before_leaving(*_cols([*base, (9400, MOVE, -1)]))) == 1


def test_one_finding_per_leaving_the_longest_rest() -> None:
    rows = [(0, NAVIGATE, -1), (500, INPUT, FIELD), (1000, MOVE, -1), (5000, MOVE, -1), (11000, MOVE, -1),
            (12000, VISIBILITY, -1)]
    h = hesitations_before_leaving(*_cols(rows), leave_ms=20_000)
    assert h.count.tolist() == [6000]


def test_title_says_the_customer_left() -> None:
    t = title_of(("hesitation",), {"hesitation": 8200}, {"hesitation": "rest_then_leave"}, "Date of birth", "KYC")
    assert t == "Paused 8.2 s in the form after Date of birth, then left KYC"
    before = title_of(("hesitation",), {"hesitation": 8200}, {"hesitation": "rest_before_field"}, "the upload", "KYC")
    assert before == "Paused 8.2 s before using the upload"


def test_planted_hesitations_found_with_precision_and_recall() -> None:
    both, old = Tally(), Tally()
    off = FrictionSettings().with_overrides({"hesitation.leave_ms": 0})
    for plan in plan_sessions(60, 4):
        s, planted = plan_session(plan)
        add_session(both, analyze_session(s).findings, planted, "hesitation")
        add_session(old, analyze_session(s, off).findings, planted, "hesitation")
        s.close()
    planted_n = both.tp + both.fn
    assert planted_n >= 8  # the sample plants enough, half of them abandoners
    assert both.precision >= 0.95 and both.recall >= 0.95, both.as_dict()
    assert both.fp_sessions_without_plant == 0
    # the abandoners are the ones the old rule missed
    assert old.recall < 0.8 and old.precision >= 0.95
