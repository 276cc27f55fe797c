"""Funnels, A/B reports and clicks-vs-conversion over a library segment: the store answers which sessions met
which step when (``store.aggregate``), ``core.funnel`` matches the ordered steps, ``analysis.funnel`` /
``analysis.abtest`` / ``analysis.clicks`` do the statistics. JSON shapes in docs/analysis.md."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.analysis import abtest as AB
from replaylens.analysis import vocabulary as V
from replaylens.analysis.clicks import clicks_vs_conversion
from replaylens.analysis.funnel import compare_all, dropoff_sentence, findings_at_dropoff, group_steps
from replaylens.core.funnel import match_steps
from replaylens.model.segment import Segment
from replaylens.model.vocabulary import NONE
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
    """``page:PATTERN``, ``event:NAME``, ``click:LABEL``, ``goal:NAME``, or a bare goal name. With ``goals`` (the
    library's), a goal that is not one of them raises UnknownNameError with the nearest name."""
    kind, sep, rest = spec.partition(":")
    if sep and kind in _KINDS and rest:
        if kind == "goal" and goals is not None and rest not in goals:
            raise V.unknown("goal", rest, sorted(goals), has_word="goals")
        return Step(kind, rest)
    if goals is not None and spec in goals:
        return Step("goal", spec)
    if goals and not sep:
        raise V.unknown("goal", spec, sorted(goals), has_word="goals",
                        tail=f"; {spec[:60]!r} is not a step either: page:PATTERN, event:NAME, click:LABEL")
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


def group_names(values: list[str | None], *, exclude_none: bool = False) -> list[str]:
    """The groups of a ``--by`` comparison: the values in order, then ``(none)`` (the sessions without the
    attribute) unless ``exclude_none`` or every session has a value."""
    names = sorted({v for v in values if v is not None})
    if not exclude_none and any(v is None for v in values):
        names.append(NONE)
    return names


def _groups(ids: list[str], values: list[str | None], by: str | None,
            exclude_none: bool = False) -> list[tuple[str, np.ndarray]]:
    if by is None:
        return [("all sessions", np.arange(len(ids)))]
    arr = np.array([v if v is not None else NONE for v in values], dtype=object)
    return [(n, np.flatnonzero(arr == n)) for n in group_names(values, exclude_none=exclude_none)]


def _members(lib: LibraryStore, segment: Segment | None, by: str | None) -> tuple[str | None, list[str],
                                                                                  list[str | None]]:
    key = V.check_key(lib, by) if by is not None else None
    ids, values = Q.members(lib, segment, key)
    return key, ids, values


def funnel(lib: LibraryStore, segment: Segment | None, steps: list[Step], *, by: str | None = None,
           within_ms: int | None = None, exclude_none: bool = False) -> dict[str, Any]:
    """The funnel JSON: steps, groups with per-step figures and drop-offs (with ``by``, the sessions without it
    are the group ``(none)`` unless ``exclude_none``), comparisons of the first group against each other group
    (Holm over every step of every pair), and what the drop-offs met."""
    by, ids, values = _members(lib, segment, by)
    reached = _reached(lib, ids, steps, within_ms, segment)
    flags = Q.finding_flags(lib, ids, segment)
    names = [s.name for s in steps]
    groups = []
    per_group: list[tuple[str, list[dict[str, Any]]]] = []
    for gname, idx in _groups(ids, values, by, exclude_none):
        sub = reached[idx]
        gid = [ids[int(i)] for i in idx]
        gsteps = group_steps(sub, gid, names)
        for k, st in enumerate(gsteps):
            rows = findings_at_dropoff(sub, k, {kd: f[idx] for kd, f in flags.items()})
            st["findings"] = rows
            st["findings_sentence"] = dropoff_sentence(rows, st["step"])
        groups.append({"name": gname, "label": V.group_label(by or "", gname), "sessions": int(idx.size),
                       "steps": gsteps})
        per_group.append((gname, gsteps))
    comparisons = compare_all(per_group)
    return {"steps": names, "within_ms": within_ms, "by": by, "groups": groups, "comparisons": comparisons,
            "exclude_none": exclude_none,
            "sessions_without_group": int(sum(v is None for v in values)) if by is not None and exclude_none else 0}


def _converted(lib: LibraryStore, ids: list[str], goal: Step, segment: Segment | None = None) -> np.ndarray:
    out = np.zeros(len(ids), bool)
    k, _ = Q.step_hits(lib, ids, goal.kind, goal.pattern, segment)
    out[k] = True
    return out


def abtest(lib: LibraryStore, segment: Segment | None, by: str, goal: Step, *, control: str | None = None,
           split: list[float] | None = None, mde: float = 0.1, exclude_none: bool = False) -> dict[str, Any]:
    """The A/B report of ``goal`` between the values of attribute ``by``. Sessions without it are the group
    ``(none)`` (``exclude_none``: left out). The control is ``control``, else ``(none)`` when it faces a single
    value ("songkran vs no campaign"), else the first value. ``split`` shares apply to the values (without
    ``(none)``) or to every group."""
    key, ids, values = _members(lib, segment, by)
    assert key is not None
    names = group_names(values, exclude_none=exclude_none)
    if control is not None:
        V.check_values(lib, key, [control])
        if control not in names:
            raise ValueError(f"no session of this selection has {key} = {control!r} "
                             f"(groups: {', '.join(names) or 'none'})")
    elif len(names) == 2 and names[1] == NONE:
        control = NONE
    if control is not None:
        names.remove(control)
        names.insert(0, control)
    index = {n: i for i, n in enumerate(names)}
    group = np.array([index.get(v if v is not None else NONE, -1) for v in values], np.int64)
    conv = _converted(lib, ids, goal, segment)
    named = [n for n in names if n != NONE]
    if split is not None and len(split) not in (len(names), len(named)):
        raise ValueError(f"--split has {len(split)} shares but {key} has {len(named)} values ({', '.join(named)})")
    srm_names = names if split is None or len(split) == len(names) else named
    rep = AB.report(AB.groups_from_arrays(names, group, conv), control=names[0] if names else None,
                    split=split, mde=mde, split_groups=srm_names)
    labels = {g["name"]: V.group_label(key, g["name"]) for g in rep["groups"]}
    for g in rep["groups"]:
        g["label"] = labels[g["name"]]
    if rep["comparisons"]:
        rep["verdict"] = AB.verdict([{**c, "variant": labels[c["variant"]], "control": labels[c["control"]]}
                                     for c in rep["comparisons"]], mde)  # "songkran … than no campaign"
    rep.update({"by": key, "goal": goal.name, "sessions_without_group": int((group < 0).sum()),
                "exclude_none": exclude_none})
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
