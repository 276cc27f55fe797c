"""Funnels, A/B reports and clicks-vs-conversion over a library segment: the store answers which sessions met
which step when (``store.aggregate``), ``core.funnel`` matches the ordered steps, ``analysis.funnel`` /
``analysis.abtest`` / ``analysis.clicks`` do the statistics. JSON shapes in docs/analysis.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.analysis import abtest as AB
from replaylens.analysis.clicks import clicks_vs_conversion
from replaylens.analysis.funnel import compare_groups, dropoff_sentence, findings_at_dropoff, group_steps
from replaylens.core.funnel import match_steps
from replaylens.model.segment import Segment
from replaylens.store import aggregate as Q

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

_KINDS = ("page", "event", "click", "goal")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, None: 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass(frozen=True)
class Step:
    kind: str
    pattern: str

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.pattern}"


def parse_step(spec: str, goals: set[str] | None = None) -> Step:
    """``page:PATTERN``, ``event:NAME``, ``click:LABEL``, ``goal:NAME``, or a bare goal name."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in _KINDS and rest:
        return Step(kind, rest)
    if goals is not None and spec in goals:
        return Step("goal", spec)
    raise ValueError(f"{spec!r} is not a step: use page:PATTERN, event:NAME, click:LABEL or goal:NAME"
                     + (f" (goals: {', '.join(sorted(goals))})" if goals else ""))


def parse_duration(text: str) -> int:
    """'30m', '2h', '90s', '1d' or plain seconds -> ms."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a duration like 30m, 2h or 90s")
    return int(float(m.group(1)) * _UNIT_MS[m.group(2)])


def _reached(lib: LibraryStore, ids: list[str], steps: list[Step], within_ms: int | None,
             segment: Segment | None = None) -> np.ndarray:
    hits = [Q.step_hits(lib, ids, s.kind, s.pattern, segment) for s in steps]
    return match_steps(len(ids), [h[0] for h in hits], [h[1] for h in hits], within_ms)


def _groups(ids: list[str], values: list[str | None], by: str | None) -> list[tuple[str, np.ndarray]]:
    if by is None:
        return [("all sessions", np.arange(len(ids)))]
    names = sorted({v for v in values if v is not None})
    arr = np.array([v if v is not None else "" for v in values], dtype=object)
    return [(n, np.flatnonzero(arr == n)) for n in names]


def funnel(lib: LibraryStore, segment: Segment | None, steps: list[Step], *, by: str | None = None,
           within_ms: int | None = None) -> dict[str, Any]:
    """The funnel JSON: steps, groups with per-step figures and drop-offs, pairwise comparisons of the first
    group against each other group (Holm over the steps), and what the drop-offs met."""
    ids, values = Q.members(lib, segment, by)
    reached = _reached(lib, ids, steps, within_ms, segment)
    flags = Q.finding_flags(lib, ids, segment)
    names = [s.name for s in steps]
    groups = []
    per_group: list[tuple[str, list[dict[str, Any]]]] = []
    for gname, idx in _groups(ids, values, by):
        sub = reached[idx]
        gid = [ids[int(i)] for i in idx]
        gsteps = group_steps(sub, gid, names)
        for k, st in enumerate(gsteps):
            rows = findings_at_dropoff(sub, k, {kd: f[idx] for kd, f in flags.items()})
            st["findings"] = rows
            st["findings_sentence"] = dropoff_sentence(rows, st["step"])
        groups.append({"name": gname, "sessions": int(idx.size), "steps": gsteps})
        per_group.append((gname, gsteps))
    comparisons: list[dict[str, Any]] = []
    if len(per_group) >= 2:
        first_name, first = per_group[0]
        for other_name, other in per_group[1:]:
            comparisons += compare_groups(first, other, first_name, other_name)
    return {"steps": names, "within_ms": within_ms, "by": by, "groups": groups, "comparisons": comparisons}


def _converted(lib: LibraryStore, ids: list[str], goal: Step, segment: Segment | None = None) -> np.ndarray:
    out = np.zeros(len(ids), bool)
    k, _ = Q.step_hits(lib, ids, goal.kind, goal.pattern, segment)
    out[k] = True
    return out


def abtest(lib: LibraryStore, segment: Segment | None, by: str, goal: Step, *, control: str | None = None,
           split: list[float] | None = None, mde: float = 0.1) -> dict[str, Any]:
    """The A/B report of ``goal`` between the values of attribute ``by`` (sessions without it are left out)."""
    ids, values = Q.members(lib, segment, by)
    names = sorted({v for v in values if v is not None})
    if control is not None and control not in names:
        raise ValueError(f"no sessions have {by} = {control!r} (values: {', '.join(names) or 'none'})")
    if control is not None:
        names.remove(control)
        names.insert(0, control)
    index = {n: i for i, n in enumerate(names)}
    group = np.array([index.get(v, -1) if v is not None else -1 for v in values], np.int64)
    conv = _converted(lib, ids, goal, segment)
    if split is not None and len(split) != len(names):
        raise ValueError(f"--split has {len(split)} shares but {by} has {len(names)} values ({', '.join(names)})")
    rep = AB.report(AB.groups_from_arrays(names, group, conv), control=names[0] if names else None,
                    split=split, mde=mde)
    rep.update({"by": by, "goal": goal.name, "sessions_without_group": int((group < 0).sum())})
    return rep


def clicks_conversion(lib: LibraryStore, segment: Segment | None, page: str, goal: Step, *,
                      min_clicks: int = 5) -> dict[str, Any]:
    """Per clicked element label on ``page``: who clicked it, and conversion of clickers vs non-clickers."""
    ids, _ = Q.members(lib, segment)
    seen, labels, clicked = Q.page_clicks(lib, ids, page, segment)
    conv = _converted(lib, ids, goal, segment)[seen]
    keep = clicked.sum(axis=0) >= min_clicks
    res = clicks_vs_conversion([lb for lb, k in zip(labels, keep, strict=True) if k], clicked[:, keep], conv)
    res.update({"page": page, "goal": goal.name})
    return res
