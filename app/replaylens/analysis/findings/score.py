"""The friction score of a session and the severity and points of each finding (see docs/friction.md).

Works on anything shaped like ``findings.analyze.Finding`` (``kind``, ``kinds``, ``severity``, ``points``); no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from replaylens.model.friction_settings import FrictionSettings

#: Points per unit of severity in the friction score (see docs/friction.md): lost money and broken pages weigh
#: most, ambiguous signals least.
KIND_WEIGHTS: dict[str, int] = {"rage_click": 3, "dead_click": 2, "error_click": 3, "hesitation": 1,
                                "form_abandonment": 3, "quick_back": 1, "excessive_scroll": 1, "thrashed_cursor": 1}
#: score = 100 * (1 - exp(-rate / SCORE_SCALE)), rate = points per SCORE_MINUTES active minutes (at least
#: SCORE_MINUTES): 10 points in a session of up to 5 active minutes (a rage burst and two dead clicks) give 63.
SCORE_SCALE = 10.0
SCORE_MINUTES = 5.0


def severity(kind: str, count: int, s: FrictionSettings) -> int:
    if kind == "rage_click":
        return 2 if count < s.rage.min_clicks + 2 else 3
    if kind == "dead_click":
        return min(3, max(1, count))
    if kind in ("error_click", "form_abandonment"):
        return 3
    if kind == "hesitation":
        rest = s.hesitation.min_rest_ms or 1.0
        return 1 if count < 2 * rest else 2 if count < 4 * rest else 3
    if kind == "excessive_scroll":
        return 1 if count < 2 * s.scroll.min_reversals else 2
    if kind == "thrashed_cursor":
        return 1 if count < 2 * s.thrash.min_reversals else 2
    return 1


def finding_points(f: Any) -> int:
    """What one finding weighs: ``weight[kind] × severity`` of its heaviest kind (a merged burst counts once)."""
    return max(KIND_WEIGHTS.get(k, 1) for k in (f.kinds or (f.kind,))) * f.severity


def friction_score(findings: Iterable[Any], active_ms: int | None = None) -> int:
    """0 (no friction) .. 100: ``round(100 * (1 - exp(-rate / SCORE_SCALE)))`` where ``rate`` is the findings'
    points per ``SCORE_MINUTES`` active minutes, sessions shorter than that counting as that long (so one rage
    burst weighs the same in a 1- and a 5-minute session, and a tenth as much in 50 calm minutes). Without
    ``active_ms`` the session counts as short."""
    points = sum(f.points or finding_points(f) for f in findings)
    minutes = max(SCORE_MINUTES, (active_ms or 0) / 60_000.0)
    rate = points * SCORE_MINUTES / minutes
    return int(round(100.0 * (1.0 - math.exp(-rate / SCORE_SCALE))))
