"""Keyframes: which moments of a page's DOM history get their own screenshot, and the jobs that render them.

A page's visible changes (mutations, style-sheet rules and declarations, adopted sheets, input values, later
FullSnapshots of the same page) are grouped into **bursts**: changes less than ``SETTLE_MS`` apart belong to one
burst, and the page has *settled* at the burst's last change. A keyframe is taken when a burst has settled, at
most one per ``MIN_GAP_MS`` of activity (a burst ending sooner after the previous keyframe is folded into the next
keyframe, which then shows the state after both), at most ``MAX_PER_PAGE`` per page and ``MAX_PER_SESSION`` per
recording (evenly thinned, the last state of the page always kept). Element scrolls are applied to the state but
are not a visible change of a full-page screenshot, so they do not make keyframes.

The keyframe at time ``t_ms`` shows the page after every change at or before ``t_ms``; the viewer shows the latest
keyframe ``<= t`` (binary search), the page's first snapshot before the first keyframe.

``KeyframeJobs`` is a lazy sequence of render jobs: it holds one ``DomState`` at a time and applies the changes
up to each keyframe as the renderer asks for it (jobs are asked for in order), so memory stays at one tree copy
whatever the number of keyframes.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from replaylens.io.rrweb.domstate import DomState

#: Changes closer together than this belong to one burst; the page has settled after the burst's last change.
SETTLE_MS = 300
#: At most one keyframe per this much activity.
MIN_GAP_MS = 2000
MAX_PER_PAGE = 40
MAX_PER_SESSION = 120
#: rrweb incremental sources that change what a screenshot shows (0 mutation, 5 input, 8 style rule, 13 style
#: declaration, 15 adopted sheet); FULL_SNAPSHOT marks a later FullSnapshot of the same page.
VISIBLE_SOURCES = frozenset({0, 5, 8, 13, 15})
FULL_SNAPSHOT = -2

Change = tuple[float, int, Any]  # (t ms from the session start, rrweb source or FULL_SNAPSHOT, data)


def keyframe_times(times: Sequence[float], *, settle_ms: int = SETTLE_MS, min_gap_ms: int = MIN_GAP_MS,
                   cap: int = MAX_PER_PAGE) -> list[int]:
    """Keyframe times (int ms, increasing) for sorted change times (see the module doc)."""
    if cap <= 0 or not times:
        return []
    starts, ends = [float(times[0])], [float(times[0])]
    for t in times[1:]:
        if t - ends[-1] < settle_ms:
            ends[-1] = float(t)
        else:
            starts.append(float(t))
            ends.append(float(t))
    out: list[float] = []
    i, n = 0, len(ends)
    while i < n:
        t = ends[i] if not out else max(ends[i], out[-1] + min_gap_ms)
        while i < n and starts[i] <= t:  # every burst begun by then is folded in (and must have settled)
            t = max(t, ends[i])
            i += 1
        out.append(t)
    if len(out) > cap:
        step = (len(out) - 1) / max(cap - 1, 1)
        picks = sorted({round(k * step) for k in range(cap)} | {len(out) - 1})
        out = [out[k] for k in picks][-cap:]
    return [int(round(t)) for t in out]


@dataclass
class PagePlan:
    page: int
    snapshot: dict[str, Any]
    changes: list[Change]  # time order
    times: list[int] = field(default_factory=list)  # keyframe times


def plan_keyframes(pages: Sequence[tuple[int, dict[str, Any] | None, list[Change]]], *,
                   max_per_page: int = MAX_PER_PAGE, max_per_session: int = MAX_PER_SESSION) -> list[PagePlan]:
    """One plan per page that has a snapshot and visible changes; the session budget is spent in page order."""
    plans: list[PagePlan] = []
    budget = max_per_session
    for page, snapshot, changes in pages:
        if snapshot is None or not changes or budget <= 0:
            continue
        visible = [c[0] for c in changes if c[1] in VISIBLE_SOURCES or c[1] == FULL_SNAPSHOT]
        times = keyframe_times(visible, cap=min(max_per_page, budget))
        if times:
            plans.append(PagePlan(page, snapshot, changes, times))
            budget -= len(times)
    return plans


class KeyframeJobs(Sequence[Any]):
    """Render jobs for every keyframe of ``plans``, built on demand from one live ``DomState``.

    ``make_job(tree, plan, k)`` wraps the state tree of keyframe ``k`` of ``plan`` (e.g. a webrender.RenderJob);
    the tree is only valid until the next item is asked for."""

    def __init__(self, plans: list[PagePlan], make_job: Callable[[dict[str, Any], PagePlan, int], Any]) -> None:
        self.plans = plans
        self.make_job = make_job
        self.flat = [(p, k) for p in plans for k in range(len(p.times))]
        self._plan: PagePlan | None = None
        self._state: DomState | None = None
        self._applied = 0
        self.skipped = 0  # change items naming unknown nodes, over all keyframes

    def __len__(self) -> int:
        return len(self.flat)

    @overload
    def __getitem__(self, i: int) -> Any: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Any]: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        plan, k = self.flat[i]
        return self.make_job(self.state_at(plan, plan.times[k]), plan, k)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def state_at(self, plan: PagePlan, t_ms: int) -> dict[str, Any]:
        """The page's tree after every change at or before ``t_ms`` (forward from the live state when possible)."""
        upto = bisect.bisect_right([c[0] for c in plan.changes], t_ms)
        if self._plan is not plan or self._state is None or upto < self._applied:
            if self._state is not None:
                self.skipped += self._state.skipped
            self._plan, self._state, self._applied = plan, DomState(plan.snapshot), 0
        state = self._state
        for _t, src, data in plan.changes[self._applied:upto]:
            if src == FULL_SNAPSHOT:
                self.skipped += state.skipped
                state = self._state = DomState(data)
            elif isinstance(data, dict):
                state.apply(src, data)
        self._applied = upto
        return state.root
