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

**SPA navigations** (a Meta event or a PostHog ``$pageview``/``$url_changed`` with a new address and no FullSnapshot
after it) make a new page whose DOM continues the window's: it gets a shot on arrival (its first screenshot) and
keyframes of its own; a page visited again gets an arrival shot too.

``KeyframeJobs`` is a lazy sequence of render jobs: it holds one ``DomState`` at a time and applies the changes
up to each shot as the renderer asks for it (jobs are asked for in order), so memory stays at one tree copy
whatever the number of keyframes.

``render_states`` renders them after the pages' first snapshots, in the same renderer (``render.page``: the same
sanitiser, JavaScript off, every request blocked) and the same child process: each keyframe becomes a
``PageState(t_ms, screenshot, width, height)`` of its page (format 1.2, docs/format.md), image ``pages/NNN-kKKK.png``.
A keyframe that fails, or comes back as a wireframe, is left out: the replay keeps showing the previous state.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, overload

from replaylens.errors import CancelledError
from replaylens.io import limits as L
from replaylens.io.rrweb.boxes import PageBoxes, measure_ids
from replaylens.io.rrweb.domstate import DomState
from replaylens.model.manifest import PageState

if TYPE_CHECKING:
    from replaylens.io.rrweb.reader import Loaded, Progress

#: Changes closer together than this belong to one burst; the page has settled after the burst's last change.
SETTLE_MS = 300
#: At most one keyframe per this much activity.
MIN_GAP_MS = 2000
MAX_PER_PAGE = 40
MAX_PER_SESSION = 120
#: rrweb incremental sources that change what a screenshot shows (0 mutation, 5 input, 8 style rule, 13 style
#: declaration, 15 adopted sheet); FULL_SNAPSHOT marks a later FullSnapshot of the same page.
VISIBLE_SOURCES = frozenset({0, 5, 8, 13, 15})
FULL_SNAPSHOT = -2  # a later FullSnapshot of the same page: a new base, and a visible change
FIRST_SNAPSHOT = -3  # a page's first FullSnapshot: a new base; its look is the page's own screenshot

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


@dataclass(frozen=True)
class Shot:
    t: int  # epoch ms, as the changes
    page: int
    first: bool = False  # the page's first screenshot (an SPA page, which has no FullSnapshot of its own)


@dataclass
class WindowPlan:
    """One window's DOM history (every change of every page, FullSnapshots as resets) and the shots to take."""

    window: int
    changes: list[Change]  # time order
    shots: list[Shot] = field(default_factory=list)  # time order
    times: list[float] = field(default_factory=list, repr=False)  # of the changes (filled on first use)


def plan_window(window: int, changes: Sequence[Change], navs: Sequence[tuple[float, int]], own: set[int], *,
                used: dict[int, int], budget: int, max_per_page: int = MAX_PER_PAGE) -> WindowPlan:
    """Shots for one window. ``navs``: (t, page) each time the window's current page changed (navigations, SPA
    ones included); ``own``: pages whose first screenshot is their own FullSnapshot. A page reached without a
    snapshot of its own (an SPA navigation), and any page visited again, gets a shot on arrival (after the changes
    around it settle); then keyframes of its visible changes while it is current. ``used`` counts shots per page
    across windows; at most ``budget`` shots in all."""
    ordered = sorted(changes, key=lambda c: c[0])
    plan = WindowPlan(window, ordered)
    resets = [c[0] for c in ordered if c[1] in (FULL_SNAPSHOT, FIRST_SNAPSHOT)]
    if not resets:
        return plan
    visible = [c[0] for c in ordered if c[1] in VISIBLE_SOURCES or c[1] == FULL_SNAPSHOT]
    seen: set[int] = set()
    for j, (a, page) in enumerate(navs):
        b = navs[j + 1][0] if j + 1 < len(navs) else float("inf")
        first_visit = page not in seen
        seen.add(page)
        arrival = not first_visit or page not in own
        left = min(max_per_page - used.get(page, 0), budget - len(plan.shots))
        if left <= 0 or b <= resets[0]:
            continue
        a = max(a, resets[0])
        ts = visible[bisect.bisect_right(visible, a):bisect.bisect_left(visible, b)]
        times = keyframe_times([a, *ts] if arrival else ts, cap=left)
        times = [t for t in times if t < b] or ([int(a)] if arrival else [])
        for k, t in enumerate(times):
            plan.shots.append(Shot(t, page, first=k == 0 and arrival and first_visit))
        used[page] = used.get(page, 0) + len(times)
    return plan


def plan_keyframes(windows: Sequence[tuple[Sequence[Change], Sequence[tuple[float, int]]]], own: set[int], *,
                   max_per_page: int = MAX_PER_PAGE, max_per_session: int = MAX_PER_SESSION) -> list[WindowPlan]:
    """Plans for every window with shots; the session budget is spent in window order, then time order."""
    plans: list[WindowPlan] = []
    used: dict[int, int] = {}
    budget = max_per_session
    for w, (changes, navs) in enumerate(windows):
        plan = plan_window(w, changes, navs, own, used=used, budget=budget, max_per_page=max_per_page)
        if plan.shots:
            plans.append(plan)
            budget -= len(plan.shots)
    return plans


class KeyframeJobs(Sequence[Any]):
    """Render jobs for every shot of ``plans``, built on demand from one live ``DomState`` per window.

    ``make_job(tree, plan, shot)`` wraps the state tree at the shot (e.g. a webrender.RenderJob); the tree is only
    valid until the next item is asked for."""

    def __init__(self, plans: list[WindowPlan], make_job: Callable[[dict[str, Any], WindowPlan, Shot], Any]) -> None:
        self.plans = plans
        self.make_job = make_job
        self.flat = [(p, s) for p in plans for s in p.shots]
        self._plan: WindowPlan | None = None
        self._state: DomState | None = None
        self._applied = 0
        self.skipped = 0  # change items naming unknown nodes, over all shots

    def __len__(self) -> int:
        return len(self.flat)

    @overload
    def __getitem__(self, i: int) -> Any: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Any]: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        plan, shot = self.flat[i]
        return self.make_job(self.state_at(plan, shot.t), plan, shot)

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def state_at(self, plan: WindowPlan, t_ms: float) -> dict[str, Any]:
        """The window's tree after every change at or before ``t_ms`` (forward from the live state when possible).
        A shot is never planned before the window's first snapshot."""
        if len(plan.times) != len(plan.changes):
            plan.times = [c[0] for c in plan.changes]
        upto = bisect.bisect_right(plan.times, t_ms)
        if self._plan is not plan or upto < self._applied:
            self._flush()
            self._plan, self._state, self._applied = plan, None, 0
        for _t, src, data in plan.changes[self._applied:upto]:
            if src in (FULL_SNAPSHOT, FIRST_SNAPSHOT):
                self._flush()
                self._state = DomState(data)
            elif self._state is not None and isinstance(data, dict):
                self._state.apply(src, data)
        self._applied = upto
        if self._state is None:
            raise ValueError("a shot before the window's first snapshot")
        return self._state.root

    def _flush(self) -> None:
        if self._state is not None:
            self.skipped += self._state.skipped


# -- rendering them (the converter, after the first snapshots) -------------------------------------------------

@dataclass
class StatesResult:
    planned: int = 0
    rendered: int = 0
    seconds: float = 0.0  # wall time of rendering them
    note: str | None = None


def render_states(loaded: Loaded, images: dict[str, bytes], *, timeout_s: float = 10.0,
                  progress: Progress | None = None, show_values: bool = False,
                  max_per_page: int | None = None, max_per_session: int | None = None,
                  boxes: PageBoxes | None = None) -> StatesResult:
    """Render every keyframe; adds images to ``images``, states (and SPA pages' first screenshots) to the pages.
    With ``boxes``, the clicked and hovered elements of each page are measured in its keyframes too (shot ``k``
    is the page's ``k``-th state, shot 0 an SPA page's first screenshot; io/rrweb/boxes.py)."""
    from replaylens.io.rrweb.convert import png_ok  # the converter's image check (avoid an import cycle)

    pages, infos = loaded.manifest.pages, loaded.mapped.pages
    wire = set(loaded.manifest.source.get("wireframe_pages") or [])
    kw: dict[str, Any] = {}
    if max_per_page is not None:
        kw["max_per_page"] = max_per_page
    if max_per_session is not None:
        kw["max_per_session"] = max_per_session
    start = loaded.mapped.start_epoch_ms
    hist = loaded.mapped.histories
    own = {i for i, p in enumerate(infos) if p.snapshot is not None}
    plans = plan_keyframes([(h.changes, h.navs) for h in hist], own, **kw)
    for plan in plans:  # a page whose own snapshot came back as a wireframe keeps that one sketch
        plan.shots = [s for s in plan.shots if s.page not in wire and s.page < len(pages)]
    res = StatesResult(planned=sum(len(p.shots) for p in plans))
    if not res.planned:
        return res
    try:
        from replaylens.render import page as webrender  # lazily: the one io -> render call (pyproject.toml)
    except ImportError as exc:
        res.note = f"page states were not rendered ({exc})"
        return res

    table = loaded.mapped.table
    ids: dict[int, tuple[int, ...]] = {}
    if boxes is not None and table.num_rows:
        page_col = table["page"].to_numpy(zero_copy_only=False)
        for i in {s.page for p in plans for s in p.shots}:
            ids[i] = measure_ids(table["kind"], page_col, loaded.mapped.target_node, i)

    def make_job(tree: dict[str, Any], plan: WindowPlan, shot: Shot) -> Any:
        info = infos[shot.page]
        return webrender.RenderJob(node=tree, width=info.width or loaded.manifest.viewport_width,
                                   height=info.height or loaded.manifest.viewport_height,
                                   key=f"{shot.page}:{shot.t}", secrets=hist[plan.window].secrets,
                                   show_values=show_values, measure=ids.get(shot.page, ()))

    jobs = KeyframeJobs(plans, make_job)
    t0 = time.perf_counter()
    try:
        results = webrender.render_snapshots(jobs, timeout_s=timeout_s, progress=progress)  # type: ignore[arg-type]
    except CancelledError:
        raise
    except Exception as exc:  # the renderer is another component: the bundle keeps its first screenshots
        res.note = f"page states were not rendered: the renderer failed ({type(exc).__name__}: {exc})"
        return res
    res.seconds = time.perf_counter() - t0
    by_page: dict[int, list[PageState]] = {}
    measured: dict[int, list[tuple[int, Any]]] = {}  # page -> (state t_ms, boxes)
    for (_plan, shot), out in zip(jobs.flat, results, strict=False):
        if out.wireframe or not png_ok(out.png):
            continue
        i = shot.page
        w = int(out.width) if 0 < int(out.width or 0) <= L.MAX_DIM else 0
        h = int(out.height) if 0 < int(out.height or 0) <= L.MAX_DIM else 0
        if shot.first and not pages[i].screenshot:  # an SPA page: its look on arrival is its screenshot
            name = f"pages/{i:03d}.png"
            pages[i] = replace(pages[i], screenshot=name, width=w or pages[i].width, height=h or pages[i].height)
            if boxes is not None:
                boxes.add(i, 0, out.boxes)
        elif shot.first:
            continue
        else:
            name = f"pages/{i:03d}-k{len(by_page.get(i, [])):03d}.png"
            by_page.setdefault(i, []).append(PageState(max(0, shot.t - start), name, w, h))
            measured.setdefault(i, []).append((max(0, shot.t - start), out.boxes))
        images[name] = bytes(out.png or b"")
        res.rendered += 1
    for i, states in by_page.items():
        pages[i] = replace(pages[i], states=tuple(sorted(states, key=lambda s: s.t_ms)))
        if boxes is not None:
            boxes.state_times[i] = [s.t_ms for s in pages[i].states]
            for k, (_t, b) in enumerate(sorted(measured.get(i, []), key=lambda m: m[0])):
                boxes.add(i, k + 1, b)
    if res.rendered < res.planned:
        res.note = f"page states: {res.rendered} of {res.planned} keyframes rendered"
    return res
