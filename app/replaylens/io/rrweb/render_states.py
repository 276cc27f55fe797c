"""Render the DOM keyframes of a converted rrweb recording (``io/rrweb/keyframes.py``) as page states.

Runs after the pages' first snapshots are rendered, in the same renderer (``io.webrender.render_snapshots``: the same
sanitiser, JavaScript off, every request blocked) and the same child process. Each keyframe becomes a
``PageState(t_ms, screenshot, width, height)`` of its page (format 1.2, docs/format.md) with the image member
``pages/NNN-kKKK.png``. A keyframe that fails, or comes back as a wireframe of a page whose first snapshot rendered,
is left out: the replay then keeps showing the previous state rather than a sketch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from replaylens.errors import CancelledError
from replaylens.io import limits as L
from replaylens.io.rrweb.keyframes import KeyframeJobs, Shot, WindowPlan, plan_keyframes
from replaylens.io.rrweb.reader import Loaded, Progress
from replaylens.model.manifest import PageState


@dataclass
class StatesResult:
    planned: int = 0
    rendered: int = 0
    seconds: float = 0.0  # wall time of rendering them
    note: str | None = None


def render_states(loaded: Loaded, images: dict[str, bytes], *, timeout_s: float = 10.0,
                  progress: Progress | None = None, show_values: bool = False,
                  max_per_page: int | None = None, max_per_session: int | None = None) -> StatesResult:
    """Render every keyframe; adds images to ``images``, states (and SPA pages' first screenshots) to the pages."""
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
        from replaylens.io import webrender
    except ImportError as exc:
        res.note = f"page states were not rendered ({exc})"
        return res

    def make_job(tree: dict[str, Any], plan: WindowPlan, shot: Shot) -> Any:
        info = infos[shot.page]
        return webrender.RenderJob(node=tree, width=info.width or loaded.manifest.viewport_width,
                                   height=info.height or loaded.manifest.viewport_height,
                                   key=f"{shot.page}:{shot.t}", secrets=hist[plan.window].secrets,
                                   show_values=show_values)

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
    for (_plan, shot), out in zip(jobs.flat, results, strict=False):
        if out.wireframe or not png_ok(out.png):
            continue
        i = shot.page
        w = int(out.width) if 0 < int(out.width or 0) <= L.MAX_DIM else 0
        h = int(out.height) if 0 < int(out.height or 0) <= L.MAX_DIM else 0
        if shot.first and not pages[i].screenshot:  # an SPA page: its look on arrival is its screenshot
            name = f"pages/{i:03d}.png"
            pages[i] = replace(pages[i], screenshot=name, width=w or pages[i].width, height=h or pages[i].height)
        elif shot.first:
            continue
        else:
            name = f"pages/{i:03d}-k{len(by_page.get(i, [])):03d}.png"
            by_page.setdefault(i, []).append(PageState(max(0, shot.t - start), name, w, h))
        images[name] = bytes(out.png or b"")
        res.rendered += 1
    for i, states in by_page.items():
        pages[i] = replace(pages[i], states=tuple(sorted(states, key=lambda s: s.t_ms)))
    if res.rendered < res.planned:
        res.note = f"page states: {res.rendered} of {res.planned} keyframes rendered"
    return res
