"""One finding per burst: click findings (rage, error, dead) that share a click become one finding carrying every
kind it qualifies for. Works on ``analysis.findings.analyze.Finding`` (a frozen dataclass) by duck typing; no Qt.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

#: Kinds that judge clicks: one burst that qualifies for several becomes one finding, the first kind leading.
CLICK_KINDS: tuple[str, ...] = ("rage_click", "error_click", "dead_click")
F = TypeVar("F", bound=Any)


def merge_click_findings(findings: list[F]) -> list[F]:
    """Click findings that share a click become one finding carrying every kind (rage, error, dead), led by the
    first of ``CLICK_KINDS``; its time span, events, counts and rules are the union of theirs."""
    rank = {k: i for i, k in enumerate(CLICK_KINDS)}
    clicky = sorted((f for f in findings if f.kind in rank), key=lambda f: rank[f.kind])
    others = [f for f in findings if f.kind not in rank]
    groups: list[list[F]] = []
    owner: dict[int, int] = {}  # click event -> group
    for f in clicky:  # a handful per session
        clicks = set(f.events[:1]) if f.kind == "error_click" else set(f.events)
        hit = next((owner[e] for e in clicks if e in owner), None)
        if hit is None or any(g.kind == f.kind for g in groups[hit]):
            hit = len(groups)
            groups.append([])
        groups[hit].append(f)
        for e in clicks:
            owner.setdefault(e, hit)
    merged: list[F] = []
    for g in groups:
        lead = g[0]
        if len(g) == 1:
            merged.append(lead)
            continue
        detail = next((f.detail for f in g if f.detail), "")
        merged.append(replace(
            lead, start_ms=min(f.start_ms for f in g), end_ms=max(f.end_ms for f in g),
            severity=max(f.severity for f in g), detail=detail,
            events=tuple(sorted({e for f in g for e in f.events})), kinds=tuple(f.kind for f in g),
            counts={f.kind: f.count for f in g}, rules={f.kind: f.rule for f in g},
            target=lead.target or next((f.target for f in g if f.target), None)))
    return merged + others
