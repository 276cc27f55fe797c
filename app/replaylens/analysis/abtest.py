"""A/B report for one goal: per group exposures, conversions, rate and Wilson interval; per variant against the
control the absolute and relative lift with intervals, the pooled z-test p-value with Holm's correction over the
variants, the Bayesian chance to beat the control, PostHog's guards, sample-ratio mismatch when the intended split
is known, and the sessions still needed for a minimum detectable effect. The JSON shape is in docs/analysis.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from replaylens.analysis import stats as S


@dataclass(frozen=True)
class Group:
    name: str
    sessions: int
    conversions: int

    @property
    def rate(self) -> float:
        return self.conversions / self.sessions if self.sessions else 0.0


def _pct(v: float) -> str:
    return f"{v * 100:.1f} %" if math.isfinite(v) else "n/a"


def report(groups: Sequence[Group], control: str | None = None, split: Sequence[float] | None = None,
           mde: float = 0.1, alpha: float = S.ALPHA, split_groups: Sequence[str] | None = None) -> dict[str, Any]:
    """The A/B report. ``control`` defaults to the first group; ``split`` (shares in the order of
    ``split_groups``, default every group) enables SRM. Holm's correction runs over every variant-vs-control
    comparison, so an extra group (``(none)``) is one more comparison in the family."""
    if not groups:
        return {"groups": [], "comparisons": [], "verdict": "No sessions in any group."}
    by_name = {g.name: g for g in groups}
    ctrl = by_name.get(control) if control is not None else groups[0]
    if ctrl is None:
        raise ValueError(f"no group named {control!r} (groups: {', '.join(by_name)})")
    lo, hi = S.wilson([g.conversions for g in groups], [g.sessions for g in groups], alpha)
    out_groups = [{"name": g.name, "sessions": g.sessions, "conversions": g.conversions, "rate": g.rate,
                   "ci95": [float(lo[i]), float(hi[i])]} for i, g in enumerate(groups)]
    in_split = [g for g in groups if split_groups is None or g.name in split_groups]
    srm = S.srm_p([g.sessions for g in in_split], split) if split is not None else None
    variants = [g for g in groups if g is not ctrl]
    raw_p = [S.two_proportion_z(ctrl.conversions, ctrl.sessions, v.conversions, v.sessions) for v in variants]
    _, p_adj = S.adjust(raw_p, "holm", alpha)
    needed = S.sessions_needed(ctrl.rate, mde, alpha) if ctrl.sessions and ctrl.conversions else None
    comparisons = []
    for v, p, pa in zip(variants, raw_p, p_adj, strict=True):
        met = S.guards(ctrl.conversions, ctrl.sessions).met and S.guards(v.conversions, v.sessions).met
        srm_ok = srm is None or srm >= 0.001
        comparisons.append({
            "control": ctrl.name, "variant": v.name,
            "lift_abs": v.rate - ctrl.rate,
            "lift_rel": (v.rate / ctrl.rate - 1.0) if ctrl.rate > 0 else None,
            "ci95_abs": list(S.diff_interval(v.conversions, v.sessions, ctrl.conversions, ctrl.sessions, alpha)),
            "ci95_rel": _finite(S.ratio_interval(v.conversions, v.sessions, ctrl.conversions, ctrl.sessions, alpha)),
            "p_value": p, "p_adjusted": float(pa),
            "prob_better": S.prob_better(ctrl.conversions, ctrl.sessions, v.conversions, v.sessions),
            "guards_met": met, "significant": bool(met and srm_ok and pa < alpha),
            "srm_p": srm,
            "sessions_needed_per_group": needed,
            "more_sessions_needed": None if needed is None else max(0, needed - min(ctrl.sessions, v.sessions)),
        })
    return {"groups": out_groups, "comparisons": comparisons, "mde": mde,
            "verdict": verdict(comparisons, mde)}


def _finite(pair: tuple[float, float]) -> list[float] | None:
    return list(pair) if all(math.isfinite(x) for x in pair) else None


def verdict(comparisons: Sequence[dict[str, Any]], mde: float) -> str:
    """One sentence a product manager can read, for the first variant (the usual two-arm test) or each one."""
    lines = []
    for c in comparisons:
        name = c["variant"]
        if c["srm_p"] is not None and c["srm_p"] < 0.001:
            lines.append(f"Don't trust this test yet: the groups are not split as intended (sample-ratio mismatch, "
                         f"p = {c['srm_p']:.2g}); check how {name} is assigned.")
        elif not c["guards_met"]:
            more = c["more_sessions_needed"]
            extra = f": about {_round(more):,} more per variant to see a {mde:.0%} lift" if more else ""
            lines.append(f"Not enough sessions yet for {name}{extra}.")
        elif c["significant"]:
            direction = "better" if c["lift_abs"] > 0 else "worse"
            lines.append(f"{name} converts {direction} than {c['control']}: {_signed(c['lift_rel'])} relative "
                         f"({_pct(c['prob_better'])} chance {name} is better; p = {c['p_adjusted']:.2g} after "
                         "correction).")
        else:
            more = c["more_sessions_needed"]
            tail = (f"; about {_round(more):,} more sessions per variant would show a {mde:.0%} lift if there is one"
                    if more else f"; a {mde:.0%} lift would have shown by now, so any real difference is smaller")
            lines.append(f"No clear difference between {name} and {c['control']} yet "
                         f"({_signed(c['lift_rel'])} relative, p = {c['p_adjusted']:.2g}){tail}.")
    return " ".join(lines) if lines else "Only one group: nothing to compare."


def _signed(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:+.1f} %"


def _round(n: int) -> int:
    """Round a 'sessions needed' figure the way a person says it (3,412 → 3,400)."""
    if n < 100:
        return int(n)
    mag = 10 ** (len(str(int(n))) - 2)
    return int(round(n / mag) * mag)


def groups_from_arrays(names: Sequence[str], group_of_session: np.ndarray, converted: np.ndarray) -> list[Group]:
    """Groups from per-session arrays: ``group_of_session`` indexes ``names`` (−1: not in the test)."""
    g = np.asarray(group_of_session, np.int64)
    c = np.asarray(converted, bool)
    keep = g >= 0
    n = np.bincount(g[keep], minlength=len(names))
    x = np.bincount(g[keep], weights=c[keep], minlength=len(names)).astype(np.int64)
    return [Group(str(nm), int(n[i]), int(x[i])) for i, nm in enumerate(names)]
