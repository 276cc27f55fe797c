"""Heatmaps over one or many sessions for one page, in three steps: gather the counts of each session
(``analysis.heatmaps.gather``) → sum them (``HeatCounts`` adds up, so shards and A/B sides are sums) → finish (blur and
normalise to float32 0..1 values, ``finish_heatmap``). The colour map is applied only when painting
(``HeatmapResult.overlay`` / ``colours``, ``core.heatmap.colourise``): a new colour map recomputes nothing.

Only the sessions' immutable numpy arrays are read (no DuckDB, no Qt, no shared mutable state), so
``compute_heatmap`` can run on a worker thread while the UI keeps painting. The Python loop is per session,
never per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from replaylens.analysis.heatmaps.counts import HeatCounts
from replaylens.analysis.heatmaps.gather import (
    CLICK_MAP_KINDS,
    SPOT_PX,
    HeatSelection,
    PageGrid,
    bin_points,
    gather_session,
    selected,
    session_points,
)
from replaylens.core.colormaps import DEFAULT_CMAP, colour_table
from replaylens.core.heatmap import DEFAULT_CELL_PX, DEFAULT_SIGMA_PX, colourise, finish, normalize, render_overlay
from replaylens.core.heatmap_kinds import DEFAULT_DWELL_CAP_MS, DEFAULT_IDLE_CAP_MS, reach_profile
from replaylens.core.heatmap_kinds import width_range as _device_range
from replaylens.model.manifest import Page
from replaylens.model.session import Session

HEATMAP_KINDS: tuple[str, ...] = ("click", "move", "scroll", "attention")
#: Most cells a heatmap grid may have (float32: 16 MB per grid); bigger pages get coarser cells (docs/heatmaps.md).
MAX_GRID_CELLS = 4_000_000
_UNITS = {"click": "clicks", "move": "pointer samples", "scroll": "sessions", "attention": "sessions"}
__all__ = ["CLICK_MAP_KINDS", "HEATMAP_KINDS", "MAX_GRID_CELLS", "SPOT_PX", "HeatCounts", "HeatmapPlan",
           "HeatmapResult", "compute_heatmap", "finish_heatmap", "gather_heatmap", "page_key", "plan_heatmap",
           "resolve_page"]


def page_key(url: str) -> str:
    """A page's identity for heatmaps: scheme, host and path (no query, no fragment, no trailing slash)."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@dataclass(frozen=True)
class HeatmapResult:
    """A computed heatmap. ``grid`` holds the blurred weights (click: clicks per cell; move: ms per cell;
    scroll: share of sessions 0..1 per row; attention: mean seconds per session per row), ``values`` the 0..1
    float32 values the colours come from. No colours are kept: ``colours`` (grid resolution) and ``overlay``
    (screenshot pixels) look them up when painting, in ``cmap`` (the map's default) or any other colour map."""

    kind: str
    page_url: str
    page_title: str
    page_width: int  # CSS px of the reference page (the screenshot's CSS size)
    page_height: int
    cell: float
    sigma: float
    norm: str
    cmap: str
    grid: np.ndarray
    values: np.ndarray
    sessions_total: int  # sessions given
    sessions_used: int  # sessions that contributed at least one event
    sessions_without_page: int  # never visited the page (or not in the time window)
    sessions_outside_width: int  # visited it, but never at a viewport width in the range
    points: int  # events counted (clicks / pointer samples / page events)
    points_outside_page: int  # of those, outside the page box (dropped)
    total_weight: float  # clicks; move: dwell ms; scroll: sessions; attention: ms on the page (capped intervals)
    fold_y: float | None  # average fold line (mean first viewport height on the page), CSS px
    profile: np.ndarray | None = None  # per row: reach share (scroll) or mean seconds (attention)
    reference: tuple[int, int] = (0, 0)  # (session index, page index) whose screenshot fits this map
    max_alpha: float = 0.8  # opacity of the hottest colour (band maps cover the whole width: lighter)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, cmap: str | None = None) -> np.ndarray:
        """The (256, 4) RGBA colour table this map is drawn with (``cmap``, else the map's own)."""
        return colour_table(cmap or self.cmap, max_alpha=self.max_alpha)

    def colours(self, cmap: str | None = None) -> np.ndarray:
        """RGBA uint8 (rows, cols, 4) at grid resolution, coloured now (``cmap``, else the map's own)."""
        return colourise(self.values, self.table(cmap))

    def overlay(self, out_w: int, out_h: int, mode: str = "bilinear", cmap: str | None = None) -> np.ndarray:
        """RGBA uint8 (out_h, out_w, 4) lined up with a screenshot of ``out_w`` pixels across the page width,
        coloured now (``cmap``, else the map's own)."""
        scale = out_w / self.page_width if self.page_width > 0 else 1.0
        return render_overlay(self.values, out_w, out_h, self.cell * scale, cmap=self.table(cmap), norm=None,
                              mode=mode)

    def summary(self) -> str:
        """One line for legends and the CLI, e.g. '12 sessions · 340 clicks'."""
        s = f"{self.sessions_used:,} session{'s' if self.sessions_used != 1 else ''}"
        if self.kind in ("click", "move"):
            s += f" · {self.points:,} {_UNITS[self.kind] if self.points != 1 else _UNITS[self.kind][:-1]}"
        if self.kind == "move":
            s += f" · {self.total_weight / 60000:.1f} min"
        if self.kind == "attention" and self.profile is not None and self.profile.size:
            if self.extra.get("unique"):  # a library map counting sessions: the share that had the band in view
                s += f" · up to {float(self.profile.max()) * 100:.0f} % of sessions"
            else:
                s += f" · up to {float(self.profile.max()):.1f} s per session"
        return s


def _match_pages(session: Session, key: str, raw: str) -> list[int]:
    return [i for i, p in enumerate(session.pages)
            if page_key(p.url) == key or urlsplit(p.url).path.rstrip("/") == raw.rstrip("/")]


def resolve_page(sessions: Sequence[Session], page: int | str) -> tuple[str, list[list[int]]]:
    """The page key and, per session, the indices of its pages that are that page. ``page`` is an index into
    the first session's pages, a URL (query/fragment ignored) or a path ('/kyc'). Raises ValueError if unknown."""
    if not sessions:
        raise ValueError("no sessions given")
    if isinstance(page, int) or (isinstance(page, str) and page.strip().isdigit()):
        i = int(page)
        first = sessions[0].pages
        if not 0 <= i < len(first):
            raise ValueError(f"page {i} does not exist (the first session has {len(first)} pages)")
        raw = first[i].url
    else:
        raw = page
    key = page_key(raw)
    matches = [_match_pages(s, key, raw) for s in sessions]
    if not any(matches):
        raise ValueError(f"no session visited {raw!r}")
    si = next(i for i, m in enumerate(matches) if m)
    return page_key(sessions[si].pages[matches[si][0]].url), matches


@dataclass(frozen=True)
class HeatmapPlan:
    """What a heatmap is of, fixed before any counting: the page (key and each session's indices of it), the
    event selection, the reference page whose screenshot the map fits and the grid the counts are binned on
    (None when the page's height is unknown: then the data decide it, see ``compute_heatmap``)."""

    kind: str
    key: str
    matches: list[list[int]]
    selection: HeatSelection
    reference: tuple[int, int]  # (session index, page index)
    page: Page
    width: int  # CSS px: the reference page's, else its session's viewport width
    viewport_height: int
    grid: PageGrid | None
    cell: float

    def grid_for(self, height: float) -> PageGrid:
        """The grid at ``height`` CSS px (a hostile, or just huge, page gets coarser cells, not a huge grid)."""
        width = float(self.width)
        cell = max(float(self.cell), float(np.sqrt(width * float(height) / MAX_GRID_CELLS)))
        return PageGrid(width, float(height), cell)


def plan_heatmap(sessions: Sequence[Session], kind: str, *, page: int | str = 0,
                 width_range: tuple[float, float] | None = None, device: str | None = None,
                 relative_x: bool = False, t_range: tuple[float, float] | None = None,
                 cell: float = DEFAULT_CELL_PX, dwell_cap_ms: float = DEFAULT_DWELL_CAP_MS,
                 idle_cap_ms: float = DEFAULT_IDLE_CAP_MS) -> HeatmapPlan:
    """The plan of a heatmap (see ``compute_heatmap`` for the arguments). Raises ValueError for an unknown
    kind/page/device."""
    if kind not in HEATMAP_KINDS:
        raise ValueError(f"unknown heatmap kind {kind!r} (known: {', '.join(HEATMAP_KINDS)})")
    if device is not None:
        width_range = _device_range(device)
    key, matches = resolve_page(sessions, page)
    t = (float(t_range[0]), float(t_range[1])) if t_range else (-np.inf, np.inf)
    sel = HeatSelection(kind, t, width_range if width_range else (-np.inf, np.inf), None, dwell_cap_ms,
                        idle_cap_ms)
    ref: tuple[int, int] | None = None
    for si, (s, pages) in enumerate(zip(sessions, matches, strict=True)):  # the first session that counts
        mask, status = selected(s, pages, sel)
        if status == "used":
            ref = (si, int(s.arrays.page[np.flatnonzero(mask)[0]]))
            break
    ref = ref or (next(i for i, m in enumerate(matches) if m), next(m for m in matches if m)[0])
    rs = sessions[ref[0]]
    rp = rs.pages[ref[1]]
    if relative_x:
        sel = replace(sel, rel_width=float(rp.width))
    plan = HeatmapPlan(kind, key, matches, sel, ref, rp, rp.width or rs.manifest.viewport_width or 1,
                       rs.manifest.viewport_height, None, cell)
    return replace(plan, grid=plan.grid_for(rp.height)) if rp.height else plan


def gather_heatmap(sessions: Iterable[Session], plan: HeatmapPlan, matches: Iterable[list[int]] | None = None,
                   grid: PageGrid | None = None) -> HeatCounts:
    """Steps one and two: the sum of the sessions' counts on the plan's grid (``matches``: each session's indices
    of the page, the plan's by default)."""
    g = grid or plan.grid
    if g is None:
        raise ValueError("the page height is unknown: compute_heatmap sizes the grid from the data")
    found = plan.matches if matches is None else matches
    return sum((gather_session(s, pages, plan.selection, g) for s, pages in zip(sessions, found, strict=True)),
               HeatCounts(plan.kind))


def finish_heatmap(counts: HeatCounts, plan: HeatmapPlan, grid: PageGrid | None = None, *,
                   sigma: float = DEFAULT_SIGMA_PX, norm: str = "max", cmap: str = DEFAULT_CMAP) -> HeatmapResult:
    """Step three: blur and normalise the summed counts to float32 0..1 values (no colours: see the module)."""
    g = grid or plan.grid
    if g is None:
        raise ValueError("finish_heatmap needs the grid the counts were binned on")
    kind, cell = plan.kind, g.cell
    rows, cols = g.shape
    profile: np.ndarray | None = None
    peak_spot = 0.0
    total = counts.total_weight
    if kind in ("click", "move"):
        raw = counts.grid if counts.grid.size else np.zeros((rows, cols))
        weights, values = finish(raw, sigma / cell, norm)
        if counts.spots.size:
            peak_spot = max(float(s.astype(np.float32).max()) for s in counts.spots)
    else:
        if kind == "scroll":
            centres = (np.arange(rows) + 0.5) * cell
            profile = reach_profile(counts.bottoms, centres) if counts.bottoms.size else np.zeros(rows)
            total = float(counts.bottoms.size)
            values = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
        else:
            secs = counts.grid if counts.grid.size else np.zeros(rows)
            profile = secs / 1000.0 / max(counts.sessions_used, 1)
            values = normalize(np.repeat(profile.astype(np.float32)[:, None], cols, axis=1), norm)
        weights = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
    sel = plan.selection
    return HeatmapResult(
        kind=kind, page_url=plan.key, page_title=plan.page.title, page_width=int(g.width),
        page_height=int(g.height), cell=cell, sigma=sigma if kind in ("click", "move") else 0.0,
        norm=norm if kind != "scroll" else "share", cmap=cmap, grid=weights, values=values,
        sessions_total=counts.sessions_total, sessions_used=counts.sessions_used,
        sessions_without_page=counts.sessions_without_page, sessions_outside_width=counts.sessions_outside_width,
        points=counts.points, points_outside_page=counts.points_outside_page, total_weight=total,
        fold_y=float(np.mean(counts.folds)) if counts.folds.size else None, profile=profile,
        reference=plan.reference, max_alpha=0.8 if kind in ("click", "move") else 0.5,
        extra={"width_range": sel.width_range, "relative_x": sel.rel_width is not None, "t_range": sel.t_range,
               "peak_spot": peak_spot})


def compute_heatmap(sessions: Sequence[Session], kind: str, *, page: int | str = 0,
                    width_range: tuple[float, float] | None = None, device: str | None = None,
                    relative_x: bool = False, t_range: tuple[float, float] | None = None,
                    sigma: float = DEFAULT_SIGMA_PX, cell: float = DEFAULT_CELL_PX, norm: str = "max",
                    cmap: str = DEFAULT_CMAP, dwell_cap_ms: float = DEFAULT_DWELL_CAP_MS,
                    idle_cap_ms: float = DEFAULT_IDLE_CAP_MS) -> HeatmapResult:
    """One heatmap of ``kind`` (click, move, scroll, attention) for one page over ``sessions``.

    ``width_range`` [min, max) or ``device`` (mobile/tablet/desktop) keep only events recorded at a viewport
    width in range; ``relative_x`` re-projects x as a share of the viewport width onto the page width;
    ``t_range`` [t0, t1) ms from each session's start. ``sigma`` and ``cell`` are CSS px. ``cmap`` is the colour
    map the result paints with unless told otherwise (it does not enter the computation). Raises ValueError for
    an unknown kind/page/device/norm/cmap.
    """
    colour_table(cmap)  # an unknown colour map is an error now, not at paint time
    plan = plan_heatmap(sessions, kind, page=page, width_range=width_range, device=device, relative_x=relative_x,
                        t_range=t_range, cell=cell, dwell_cap_ms=dwell_cap_ms, idle_cap_ms=idle_cap_ms)
    if plan.grid is not None:
        counts = gather_heatmap(sessions, plan)
        return finish_heatmap(counts, plan, sigma=sigma, norm=norm, cmap=cmap)
    # no page height in the recording (no screenshot): as deep as the data go, so the points come first
    points = [session_points(s, pages, plan.selection) for s, pages in zip(sessions, plan.matches, strict=True)]
    deepest = max([float(plan.viewport_height or 1), *(p.extent() for p in points if p.n)])
    grid = plan.grid_for(int(np.ceil(min(deepest, 1_000_000))))
    counts = sum((bin_points(p, kind, grid) for p in points), HeatCounts(kind))
    return finish_heatmap(counts, plan, grid, sigma=sigma, norm=norm, cmap=cmap)
