"""Page states: which moments of a page's DOM history get their own picture, and the jobs that render them.

A page's visible changes (mutations, inner scrolls, input values, style-sheet rules and declarations, canvas, fonts,
adopted sheets, custom elements, later FullSnapshots of the same page) are grouped into **bursts**: changes less
than ``SETTLE_MS`` (250 ms) apart belong to one burst, and the page has *settled* at the burst's last change. A
state is taken when a burst has settled, at most one per ``MIN_GAP_MS`` of activity (a burst ending sooner is
folded into the next state), at most ``MAX_PER_PAGE`` per page and ``MAX_PER_SESSION`` per recording (evenly
thinned, the last state of the page always kept). A rendered state identical to the page's previous picture is
left out (``StatesResult.merged``).

The state at time ``t_ms`` shows the page after every change at or before ``t_ms``; the viewer shows the latest
state ``<= t`` (binary search), the page's first snapshot before the first state.

**SPA navigations** (a Meta event or a PostHog ``$pageview``/``$url_changed`` with a new address and no FullSnapshot
after it) make a new page whose DOM continues the window's: it gets a shot on arrival (its first screenshot) and
states of its own; a page visited again gets an arrival shot too.

``render_states`` renders them after the pages' first snapshots with rrweb's own Replayer (``render.page``: our host
page, the recording in a script-less sandbox, every request blocked), one loaded replayer per window seeked forward
from state to state (``plan_events``: the window's masked events; ``state_job``: the job of any page at any time).
Each state becomes a ``PageState(t_ms, screenshot, width, height)`` of its page (format 1.2, docs/format.md), image
``pages/NNN-kKKK.png``. A state that fails, or comes back as a wireframe, is left out: the replay keeps showing the
previous state.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from replaylens.errors import CancelledError
from replaylens.io import limits as L
from replaylens.io.rrweb.boxes import PageBoxes, measure_ids
from replaylens.io.rrweb.replay_events import Privacy, window_events
from replaylens.model.manifest import PageState

if TYPE_CHECKING:
    from replaylens.io.rrweb.reader import Loaded, Progress

#: Changes closer together than this belong to one burst; the page has settled after the burst's last change.
SETTLE_MS = 250
#: At most one keyframe per this much activity.
MIN_GAP_MS = 250
MAX_PER_PAGE = 300
MAX_PER_SESSION = 600
#: rrweb incremental sources that change what a screenshot shows (0 mutation, 3 inner scroll, 5 input, 8 style
#: rule, 9 canvas, 10 font, 13 style declaration, 15 adopted sheet, 16 custom element); FULL_SNAPSHOT marks a
#: later FullSnapshot of the same page.
VISIBLE_SOURCES = frozenset({0, 3, 5, 8, 9, 10, 13, 15, 16})
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


def plan_events(loaded: Loaded, window: int, *, show_values: bool = False) -> list[dict[str, Any]]:
    """The masked rrweb events of one window (io/rrweb/replay_events.py), what the renderer replays."""
    hist = loaded.mapped.histories[window]
    vp = (loaded.manifest.viewport_width, loaded.manifest.viewport_height)
    return window_events(hist, loaded.mapped.pages, vp, Privacy(hist.secrets, show_values))


def state_job(loaded: Loaded, page: int, t_rel_ms: float, *, show_values: bool = False,
              events: list[dict[str, Any]] | None = None, measure: tuple[int, ...] = ()) -> Any:
    """A render job of ``page`` as it was ``t_rel_ms`` after the session start (every change at or before it):
    the exact state at any time, e.g. for an export at a moment between two page states."""
    from replaylens.render import page as webrender  # lazily: the one io -> render call (pyproject.toml)

    info = loaded.mapped.pages[page]
    ev = events if events is not None else plan_events(loaded, info.window, show_values=show_values)
    return webrender.RenderJob(node=info.snapshot or {}, width=info.width or loaded.manifest.viewport_width,
                               height=info.height or loaded.manifest.viewport_height,
                               key=f"{page}:{int(t_rel_ms)}", secrets=loaded.mapped.histories[info.window].secrets,
                               show_values=show_values, measure=measure, events=ev,
                               at_ms=loaded.mapped.start_epoch_ms + float(t_rel_ms))


# -- rendering them (the converter, after the first snapshots) -------------------------------------------------

@dataclass
class StatesResult:
    planned: int = 0
    rendered: int = 0
    merged: int = 0  # rendered states identical to the page's previous picture (left out)
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

    events: dict[int, list[dict[str, Any]]] = {}
    flat = [(p, s) for p in plans for s in p.shots]
    jobs = []
    for plan, shot in flat:  # one masked events list per window: the renderer keeps its replayer loaded
        if plan.window not in events:
            events[plan.window] = plan_events(loaded, plan.window, show_values=show_values)
        jobs.append(state_job(loaded, shot.page, shot.t - start, show_values=show_values,
                              events=events[plan.window], measure=ids.get(shot.page, ())))
    t0 = time.perf_counter()
    try:
        results = webrender.render_snapshots(jobs, timeout_s=timeout_s, progress=progress)
    except CancelledError:
        raise
    except Exception as exc:  # the renderer is another component: the bundle keeps its first screenshots
        res.note = f"page states were not rendered: the renderer failed ({type(exc).__name__}: {exc})"
        return res
    res.seconds = time.perf_counter() - t0
    by_page: dict[int, list[PageState]] = {}
    measured: dict[int, list[tuple[int, Any]]] = {}  # page -> (state t_ms, boxes)
    last: dict[int, bytes | None] = {i: images.get(p.screenshot or "") for i, p in enumerate(pages)}
    for (_plan, shot), out in zip(flat, results, strict=False):
        if out.wireframe or not png_ok(out.png):
            continue
        i = shot.page
        if not shot.first and out.png == last.get(i):  # identical pictures are one state
            res.merged += 1
            continue
        last[i] = out.png
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
    if res.rendered + res.merged < res.planned:
        res.note = f"page states: {res.rendered} of {res.planned} keyframes rendered"
    return res
