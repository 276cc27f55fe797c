"""Step one of a heatmap: the counts of one session on one page grid (``gather_session`` → ``HeatCounts``).

Only the session's immutable numpy arrays are read (no DuckDB, no Qt), so gathering runs on worker threads, and
the Python work is per session, never per event. Coordinates: page position = viewport position + the document
scroll in force at that event, except for events in fixed/sticky elements, which stay in viewport coordinates
(they are drawn at the top of a full-page screenshot). A "visit" is one contiguous run of events on one page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from replaylens.analysis.heatmaps.counts import HeatCounts
from replaylens.core import kinds as K
from replaylens.core.heat_cells import CellRows, cell_rows
from replaylens.core.heatmap import accumulate, grid_shape
from replaylens.core.heatmap_kinds import (
    DEFAULT_DWELL_CAP_MS,
    DEFAULT_IDLE_CAP_MS,
    band_time,
    dwell_weights,
    last_valid_index,
)
from replaylens.core.heatmap_kinds import relative_x as _relative_x
from replaylens.model.session import Session

#: What a click map counts. dblclick and touch_end are left out: browsers fire a click for each of them too,
#: so counting them would count the same press twice.
CLICK_MAP_KINDS: tuple[int, ...] = (K.CLICK,)
_MOVE_KINDS = np.array(sorted(K.POINTER_KINDS), dtype=np.int16)
#: Side of the square (CSS px) in which the legend counts the busiest spot of a click or movement map.
SPOT_PX = 32.0
_SPOT_SHIFTS = ((0.0, 0.0), (0.0, SPOT_PX / 2), (SPOT_PX / 2, 0.0), (SPOT_PX / 2, SPOT_PX / 2))


@dataclass(frozen=True)
class HeatSelection:
    """Which events of a session count: the map ``kind``, the page (its indices in each session), time and width
    windows, and the caps of the time-weighted kinds."""

    kind: str
    t_range: tuple[float, float] = (-np.inf, np.inf)  # [t0, t1) ms from the session's start
    width_range: tuple[float, float] = (-np.inf, np.inf)  # [min, max) viewport width
    rel_width: float | None = None  # relative x: the reference page's width to project onto
    dwell_cap_ms: float = DEFAULT_DWELL_CAP_MS
    idle_cap_ms: float = DEFAULT_IDLE_CAP_MS


@dataclass(frozen=True)
class PageGrid:
    """The reference page's size (CSS px) and the grid cell the counts are binned at."""

    width: float
    height: float
    cell: float

    @property
    def shape(self) -> tuple[int, int]:
        return grid_shape(self.width, self.height, self.cell)


@dataclass
class SessionPoints:
    """One session's contribution before binning: weighted page points (click/move), its deepest viewport
    bottom (scroll) or viewport bands with durations (attention)."""

    status: str  # "used", "without_page" or "outside_width"
    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bottom: float | None = None
    band: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    n: int = 0
    fold: float | None = None

    def extent(self) -> float:
        """How deep the data go (CSS px), for a page whose height the recording does not give."""
        deepest = [] if self.bottom is None else [self.bottom]
        if self.y.size and np.isfinite(self.y).any():
            deepest.append(float(np.nanmax(self.y)) + 1)
        if self.band is not None and self.band[1].size:
            deepest.append(float(np.max(self.band[1])))
        return max(deepest, default=0.0)


def selected(s: Session, pages: list[int], sel: HeatSelection) -> tuple[np.ndarray, str]:
    """The mask of the session's events that count, and "used" / "without_page" / "outside_width"."""
    a = s.arrays
    on = np.isin(a.page, pages) & (a.t >= sel.t_range[0]) & (a.t < sel.t_range[1])
    if not pages or not on.any():
        return on, "without_page"
    m = on & (a.width >= sel.width_range[0]) & (a.width < sel.width_range[1])
    return m, "used" if m.any() else "outside_width"


def session_points(s: Session, pages: list[int], sel: HeatSelection) -> SessionPoints:
    """What this session contributes to the map (not binned yet)."""
    mask, status = selected(s, pages, sel)
    if status != "used":
        return SessionPoints(status)
    a = s.arrays
    visit = np.cumsum(np.r_[True, a.page[1:] != a.page[:-1]])
    out = SessionPoints(status)
    out.n = _points(s, pages, sel, mask, visit, out)
    if out.n:  # the fold this session saw: its viewport height when it first showed the page
        h0 = a.height[np.flatnonzero(mask)[0]]
        out.fold = float(h0 if h0 > 0 else s.manifest.viewport_height)
    return out


def _points(s: Session, pages: list[int], sel: HeatSelection, mask: np.ndarray, visit: np.ndarray,
            out: SessionPoints) -> int:
    """Fill ``out`` with this session's points; returns the number of events it contributed."""
    a = s.arrays
    kind, t_hi, rel_width = sel.kind, sel.t_range[1], sel.rel_width
    height = np.where(a.height > 0, a.height, s.manifest.viewport_height).astype(np.float64)
    if kind in ("scroll", "attention"):
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return 0
        top = a.scroll_y[idx]
        bottom = top + height[idx]
        if kind == "scroll":
            out.bottom = float(np.nanmax(bottom))
        else:
            end_t = s.duration_ms if visit[idx[-1]] == visit[-1] else None
            dt = dwell_weights(a.t[idx], visit[idx], sel.idle_cap_ms, end_t=end_t)
            dt = np.minimum(dt, t_hi - a.t[idx])
            out.band = (top, bottom, dt)
        return int(idx.size)
    xv = _relative_x(a.x, a.width, rel_width) if rel_width else a.x
    if kind == "click":
        m = mask & np.isin(a.kind, CLICK_MAP_KINDS) & np.isfinite(a.x) & np.isfinite(a.y)
        out.x = np.where(a.fixed[m], xv[m], xv[m] + (0 if rel_width else a.scroll_x[m]))
        out.y = np.where(a.fixed[m], a.y[m], a.y[m] + a.scroll_y[m])
        out.w = np.ones(int(m.sum()))
        return int(m.sum())
    # movement: pointer samples, plus scroll events that carry a resting pointer over the page
    on = np.isin(a.page, pages)
    states = np.flatnonzero(on & (np.isin(a.kind, _MOVE_KINDS) & np.isfinite(a.x) & np.isfinite(a.y)
                                  | (a.kind == K.SCROLL)))
    if states.size == 0:
        return 0
    pointer = np.isin(a.kind[states], _MOVE_KINDS) & np.isfinite(a.x[states])
    src = last_valid_index(pointer, visit[states])
    end_t = s.duration_ms if visit[states[-1]] == visit[-1] else None  # the recording ended on this page
    w = dwell_weights(a.t[states], visit[states], sel.dwell_cap_ms, end_t=end_t)
    keep = (src >= 0) & mask[states]
    st, pi = states[keep], states[src[keep]]
    w = np.minimum(w[keep], t_hi - a.t[st])
    fixed = a.fixed[pi]
    out.x = np.where(fixed, xv[pi], xv[pi] + (0 if rel_width else a.scroll_x[st]))
    out.y = np.where(fixed, a.y[pi], a.y[pi] + a.scroll_y[st])
    out.w = w
    return int(st.size)


def bin_points(p: SessionPoints, kind: str, grid: PageGrid) -> HeatCounts:
    """The counts of one session's points on ``grid`` (exact float64 sums)."""
    used, without, outside_width = {"without_page": (0, 1, 0), "outside_width": (0, 0, 1)}.get(
        p.status, (int(p.n > 0), 0, 0))
    base = HeatCounts(kind=kind, sessions_total=1, sessions_used=used, sessions_without_page=without,
                      sessions_outside_width=outside_width, points=p.n,
                      folds=np.array([] if p.fold is None else [p.fold], dtype=np.float64))
    if p.status != "used" or not p.n:
        return base
    width, height, cell = grid.width, grid.height, grid.cell
    if kind == "scroll" and p.bottom is not None:
        return replace(base, bottoms=np.array([p.bottom], dtype=np.float64), total_weight=1.0)
    if kind == "attention" and p.band is not None:
        top, bottom, dt = p.band
        return replace(base, grid=band_time(top, bottom, dt, grid.shape[0], cell), total_weight=float(dt.sum()))
    x, y, w = p.x, p.y, p.w
    outside = int((~((x >= 0) & (x < width) & (y >= 0) & (y < height))).sum())
    counts = accumulate(x, y, w, width, height, cell, dtype=np.float64)
    spots = np.stack([accumulate(x + ox, y + oy, w, width + SPOT_PX, height + SPOT_PX, SPOT_PX, dtype=np.float64)
                      for ox, oy in _SPOT_SHIFTS])
    return replace(base, grid=counts, spots=spots, points_outside_page=outside, total_weight=float(w.sum()))


def gather_session(s: Session, pages: list[int], sel: HeatSelection, grid: PageGrid) -> HeatCounts:
    """Step one: the counts of one session (``pages``: its indices of the map's page) on the page ``grid``."""
    return bin_points(session_points(s, pages, sel), sel.kind, grid)


def library_cells(s: Session, pages: list[tuple[int, str]], duration_ms: int | None) -> CellRows:
    """The session's rows of the library's pre-binned cells (``core.heat_cells``: the same weights and caps as
    the maps above), for its page visits ``pages`` (index, URL) that count: what an ingest worker hands the
    library writer with the session's record, so no cell is computed under the write lock."""
    a = s.arrays
    n = len(a)
    urls = sorted({u for _, u in pages})
    code = {u: k for k, u in enumerate(urls)}
    rows = cell_rows(
        sess=np.zeros(n, np.int64), i=np.arange(n, dtype=np.int64), t=a.t, page=a.page,
        pointer=np.isin(a.kind, _MOVE_KINDS), click=a.kind == K.CLICK, x=a.x, y=a.y, scroll_x=a.scroll_x,
        scroll_y=a.scroll_y, fixed=a.fixed, height=np.asarray(a.height, np.float64),
        p_sess=np.zeros(len(pages), np.int64), p_page=np.array([i for i, _ in pages], np.int64),
        p_url=np.array([code[u] for _, u in pages], np.int64),
        duration=np.array([np.nan if duration_ms is None else float(duration_ms)]))
    return replace(rows, urls=tuple(urls))
