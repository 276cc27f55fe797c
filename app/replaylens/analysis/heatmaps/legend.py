"""What a heatmap's legend says, for the viewer's panel and the exported PNGs alike (no Qt here).

``scale_labels`` names both ends of the colour bar ("fewer clicks" → "more · up to 14 clicks in one spot"),
``marks`` the lines a scroll or attention map draws across the page (the average fold, where 75/50/25 % of
sessions stop) and ``EXPLAIN`` says in one line what each kind of map measures.
"""

from __future__ import annotations

import numpy as np

from replaylens.analysis.heatmaps.session import HeatmapResult
from replaylens.core.heatmap_kinds import DEFAULT_IDLE_CAP_MS

EXPLAIN: dict[str, str] = {
    "click": "Where people clicked: the hotter, the more clicks.",
    "move": "Where the pointer rested: the hotter, the longer it stayed.",
    "scroll": "How far down people scrolled: the share of sessions that saw each band of the page.",
    "attention": "How long each band of the page was on screen, on average per session "
                 f"(a pause counts at most {DEFAULT_IDLE_CAP_MS / 1000:.0f} s).",
}


def scale_labels(result: HeatmapResult) -> tuple[str, str]:
    """(low end, high end) of the colour bar, the high end with the number it stands for (a spot: a square of
    ``replaylens.analysis.heatmaps.session.SPOT_PX`` CSS px, about a button)."""
    peak_spot = float(result.extra.get("peak_spot", 0.0) or 0.0)
    if result.extra.get("unique"):  # a library map counting sessions, not events (as a comparison draws it)
        return _unique_labels(result, peak_spot)
    if result.kind == "click":
        n = int(round(peak_spot))
        return "fewer clicks", (f"more · up to {n:,} click{'s' if n != 1 else ''} in one spot" if n
                                else "more clicks")
    if result.kind == "move":
        return "less time", (f"more · up to {peak_spot / 1000:.1f} s in one spot" if peak_spot
                             else "more time")
    if result.kind == "scroll":
        return "fewer sessions", "all sessions reach here (100 %)"
    peak = float(np.max(result.profile)) if result.profile is not None and result.profile.size else 0.0
    return "less time", f"more · up to {peak:.1f} s per session"


def explain(result: HeatmapResult) -> str:
    """The one line under the legend's title: what the map measures (sessions, for a unique-sessions map)."""
    if result.extra.get("unique") and result.kind in UNIQUE_EXPLAIN:
        return UNIQUE_EXPLAIN[result.kind]
    return EXPLAIN.get(result.kind, "")


#: ``EXPLAIN`` for library maps that count each session once per spot (``unique``; docs/analysis.md).
UNIQUE_EXPLAIN: dict[str, str] = {
    "click": "Where people clicked: the hotter, the more sessions clicked there.",
    "move": "Where the pointer rested: the hotter, the more sessions rested it there.",
    "attention": "Which bands of the page were on screen: the share of sessions that had each band in view "
                 "for at least 1 s.",
}


def _unique_labels(result: HeatmapResult, peak_spot: float) -> tuple[str, str]:
    if result.kind == "attention":
        peak = float(np.max(result.profile)) if result.profile is not None and result.profile.size else 0.0
        return "fewer sessions", f"more · up to {peak * 100:.0f} % of sessions"
    if result.kind == "scroll":
        return "fewer sessions", "all sessions reach here (100 %)"
    where = "in one spot"
    if not peak_spot and result.grid is not None and result.grid.size:  # library maps: the busiest cell
        peak_spot, where = float(np.max(result.grid)), f"in one {result.cell:g} px square"
    n = int(round(peak_spot))
    return "fewer sessions", (f"more · up to {n:,} session{'s' if n != 1 else ''} {where}" if n
                              else "more sessions")


def marks(result: HeatmapResult) -> list[tuple[float, str]]:
    """Lines across the page (page y in CSS px, label): scroll and attention maps' average fold, and for scroll
    where 75, 50 and 25 % of sessions stop. Click and movement maps have none."""
    out: list[tuple[float, str]] = []
    if result.kind not in ("scroll", "attention"):
        return out
    if result.fold_y is not None:
        out.append((float(result.fold_y), f"average fold · {result.fold_y:.0f} px"))
    if result.kind == "scroll" and result.profile is not None and result.sessions_used:
        levels: dict[float, list[str]] = {}  # one line per height: one session stops at one place for all three
        for level in (0.75, 0.5, 0.25):
            below = np.flatnonzero(result.profile < level)
            if below.size:
                levels.setdefault(float(below[0] * result.cell), []).append(f"{level * 100:.0f}")
        out += [(y, f"{' / '.join(pcts)} % of sessions reach here") for y, pcts in levels.items()]
    return out


__all__ = ["EXPLAIN", "UNIQUE_EXPLAIN", "explain", "marks", "scale_labels"]
