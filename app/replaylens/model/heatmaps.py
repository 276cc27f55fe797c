"""Heatmaps over one or many sessions for one page: gather page coordinates and weights from ``SessionArrays``,
then run the numpy kernels of ``core.heatmap`` / ``core.heatmap_kinds``.

Only the sessions' immutable numpy arrays are read (no DuckDB, no Qt, no shared mutable state), so
``compute_heatmap`` can run on a worker thread while the UI keeps painting. The Python loop is per session,
never per event.

Coordinates: page position = viewport position + the document scroll in force at that event, except for events in
fixed/sticky elements, which stay in viewport coordinates (they are drawn at the top of a full-page screenshot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from replaylens.core import kinds as K
from replaylens.core.colormaps import DEFAULT_CMAP, colour_table
from replaylens.core.heatmap import (
    DEFAULT_CELL_PX,
    DEFAULT_SIGMA_PX,
    accumulate,
    blur,
    colorize,
    grid_shape,
    normalize,
    render_overlay,
)
from replaylens.core.heatmap_kinds import (
    DEFAULT_DWELL_CAP_MS,
    DEFAULT_IDLE_CAP_MS,
    band_time,
    dwell_weights,
    last_valid_index,
    reach_profile,
)
from replaylens.core.heatmap_kinds import relative_x as _relative_x
from replaylens.core.heatmap_kinds import width_range as _device_range
from replaylens.model.session import Session

HEATMAP_KINDS: tuple[str, ...] = ("click", "move", "scroll", "attention")
#: What a click map counts. dblclick and touch_end are left out: browsers fire a click for each of them too,
#: so counting them would count the same press twice.
CLICK_MAP_KINDS: tuple[int, ...] = (K.CLICK,)
_MOVE_KINDS = np.array(sorted(K.POINTER_KINDS), dtype=np.int16)
#: Side of the square (CSS px) in which the legend counts the busiest spot of a click or movement map.
SPOT_PX = 32.0
_UNITS = {"click": "clicks", "move": "pointer samples", "scroll": "sessions", "attention": "sessions"}


def page_key(url: str) -> str:
    """A page's identity for heatmaps: scheme, host and path (no query, no fragment, no trailing slash)."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


@dataclass(frozen=True)
class HeatmapResult:
    """A computed heatmap. ``grid`` holds the blurred weights (click: clicks per cell; move: ms per cell;
    scroll: share of sessions 0..1 per row; attention: mean seconds per session per row), ``values`` the 0..1
    values the colours come from, ``rgba`` those colours at grid resolution; ``overlay`` gives screenshot pixels."""

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
    rgba: np.ndarray
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

    def table(self) -> np.ndarray:
        """The (256, 4) RGBA colour table this map is drawn with."""
        return colour_table(self.cmap, max_alpha=self.max_alpha)

    def overlay(self, out_w: int, out_h: int, mode: str = "bilinear") -> np.ndarray:
        """RGBA uint8 (out_h, out_w, 4) lined up with a screenshot of ``out_w`` pixels across the page width."""
        scale = out_w / self.page_width if self.page_width > 0 else 1.0
        return render_overlay(self.values, out_w, out_h, self.cell * scale, cmap=self.table(), norm=None, mode=mode)

    def summary(self) -> str:
        """One line for legends and the CLI, e.g. '12 sessions · 340 clicks'."""
        s = f"{self.sessions_used:,} session{'s' if self.sessions_used != 1 else ''}"
        if self.kind in ("click", "move"):
            s += f" · {self.points:,} {_UNITS[self.kind] if self.points != 1 else _UNITS[self.kind][:-1]}"
        if self.kind == "move":
            s += f" · {self.total_weight / 60000:.1f} min"
        if self.kind == "attention" and self.profile is not None and self.profile.size:
            s += f" · up to {float(self.profile.max()):.1f} s per session"
        return s


def _peak_spot(x: np.ndarray, y: np.ndarray, w: np.ndarray, width: float, height: float) -> float:
    """The most weight in one ``SPOT_PX`` square (the legend's "up to N clicks in one spot"): the best of four
    grids shifted by half a square, so a tight cluster on a grid line is not split in two."""
    best = 0.0
    half = SPOT_PX / 2
    for ox in (0.0, half):
        for oy in (0.0, half):
            g = accumulate(x + ox, y + oy, w, width + SPOT_PX, height + SPOT_PX, SPOT_PX)
            best = max(best, float(g.max()) if g.size else 0.0)
    return best


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


@dataclass
class _Gathered:
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    w: list[np.ndarray] = field(default_factory=list)
    bottoms: list[float] = field(default_factory=list)
    folds: list[float] = field(default_factory=list)
    bands: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)


def _gather_session(s: Session, pages: list[int], kind: str, sel: np.ndarray, visit: np.ndarray,
                    t_hi: float, g: _Gathered, rel_width: float | None, dwell_cap: float, idle_cap: float) -> int:
    """Append this session's contribution; returns the number of events it contributed."""
    a = s.arrays
    height = np.where(a.height > 0, a.height, s.manifest.viewport_height).astype(np.float64)
    if kind in ("scroll", "attention"):
        idx = np.flatnonzero(sel)
        if idx.size == 0:
            return 0
        top = a.scroll_y[idx]
        bottom = top + height[idx]
        if kind == "scroll":
            g.bottoms.append(float(np.nanmax(bottom)))
        else:
            end_t = s.duration_ms if visit[idx[-1]] == visit[-1] else None
            dt = dwell_weights(a.t[idx], visit[idx], idle_cap, end_t=end_t)
            dt = np.minimum(dt, t_hi - a.t[idx])
            g.bands.append((top, bottom, dt))
        return int(idx.size)
    xv = _relative_x(a.x, a.width, rel_width) if rel_width else a.x
    if kind == "click":
        m = sel & np.isin(a.kind, CLICK_MAP_KINDS) & np.isfinite(a.x) & np.isfinite(a.y)
        g.x.append(np.where(a.fixed[m], xv[m], xv[m] + (0 if rel_width else a.scroll_x[m])))
        g.y.append(np.where(a.fixed[m], a.y[m], a.y[m] + a.scroll_y[m]))
        g.w.append(np.ones(int(m.sum())))
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
    w = dwell_weights(a.t[states], visit[states], dwell_cap, end_t=end_t)
    keep = (src >= 0) & sel[states]
    st, pi = states[keep], states[src[keep]]
    w = np.minimum(w[keep], t_hi - a.t[st])
    fixed = a.fixed[pi]
    g.x.append(np.where(fixed, xv[pi], xv[pi] + (0 if rel_width else a.scroll_x[st])))
    g.y.append(np.where(fixed, a.y[pi], a.y[pi] + a.scroll_y[st]))
    g.w.append(w)
    return int(st.size)


def _data_height(g: _Gathered, viewport_height: int) -> int:
    """Page height when the recording does not give one (no screenshot): as deep as the data go."""
    deepest = [float(viewport_height or 1), *g.bottoms]
    deepest += [float(np.nanmax(y)) + 1 for y in g.y if y.size and np.isfinite(y).any()]
    deepest += [float(np.max(b)) for _, b, _ in g.bands if b.size]
    return int(np.ceil(min(max(deepest), 1_000_000)))


def compute_heatmap(sessions: Sequence[Session], kind: str, *, page: int | str = 0,
                    width_range: tuple[float, float] | None = None, device: str | None = None,
                    relative_x: bool = False, t_range: tuple[float, float] | None = None,
                    sigma: float = DEFAULT_SIGMA_PX, cell: float = DEFAULT_CELL_PX, norm: str = "max",
                    cmap: str = DEFAULT_CMAP, dwell_cap_ms: float = DEFAULT_DWELL_CAP_MS,
                    idle_cap_ms: float = DEFAULT_IDLE_CAP_MS) -> HeatmapResult:
    """One heatmap of ``kind`` (click, move, scroll, attention) for one page over ``sessions``.

    ``width_range`` [min, max) or ``device`` (mobile/tablet/desktop) keep only events recorded at a viewport
    width in range; ``relative_x`` re-projects x as a share of the viewport width onto the page width;
    ``t_range`` [t0, t1) ms from each session's start. ``sigma`` and ``cell`` are CSS px. Raises ValueError for an
    unknown kind/page/device/norm/cmap.
    """
    if kind not in HEATMAP_KINDS:
        raise ValueError(f"unknown heatmap kind {kind!r} (known: {', '.join(HEATMAP_KINDS)})")
    if device is not None:
        width_range = _device_range(device)
    key, matches = resolve_page(sessions, page)
    t_lo, t_hi = (float(t_range[0]), float(t_range[1])) if t_range else (-np.inf, np.inf)
    lo, hi = width_range if width_range else (-np.inf, np.inf)

    g = _Gathered()
    used = without_page = outside_width = points = 0
    ref: tuple[int, int] | None = None
    for si, (s, pages) in enumerate(zip(sessions, matches, strict=True)):
        a = s.arrays
        on = np.isin(a.page, pages) & (a.t >= t_lo) & (a.t < t_hi)
        if not pages or not on.any():
            without_page += 1
            continue
        sel = on & (a.width >= lo) & (a.width < hi)
        if not sel.any():
            outside_width += 1
            continue
        if ref is None:
            ref = (si, int(a.page[np.flatnonzero(sel)[0]]))
        ref_page = sessions[ref[0]].pages[ref[1]]
        visit = np.cumsum(np.r_[True, a.page[1:] != a.page[:-1]])
        n = _gather_session(s, pages, kind, sel, visit, t_hi, g,
                            float(ref_page.width) if relative_x else None, dwell_cap_ms, idle_cap_ms)
        points += n
        used += n > 0
        if n:  # the fold this session saw: its viewport height when it first showed the page
            h0 = a.height[np.flatnonzero(sel)[0]]
            g.folds.append(float(h0 if h0 > 0 else s.manifest.viewport_height))

    ref = ref or (next(i for i, m in enumerate(matches) if m), next(m for m in matches if m)[0])
    rp = sessions[ref[0]].pages[ref[1]]
    width = rp.width or sessions[ref[0]].manifest.viewport_width or 1
    height = rp.height or _data_height(g, sessions[ref[0]].manifest.viewport_height)
    rows, cols = grid_shape(width, height, cell)
    fold = float(np.mean(g.folds)) if g.folds else None
    profile: np.ndarray | None = None
    outside = 0
    peak_spot = 0.0
    if kind in ("click", "move"):
        x = np.concatenate(g.x) if g.x else np.zeros(0)
        y = np.concatenate(g.y) if g.y else np.zeros(0)
        w = np.concatenate(g.w) if g.w else np.zeros(0)
        outside = int((~((x >= 0) & (x < width) & (y >= 0) & (y < height))).sum())
        grid = blur(accumulate(x, y, w, width, height, cell), sigma / cell)
        total = float(w.sum())
        peak_spot = _peak_spot(x, y, w, width, height)
        values = normalize(grid, norm)
    else:
        centres = (np.arange(rows) + 0.5) * cell
        if kind == "scroll":
            profile = reach_profile(np.array(g.bottoms), centres) if g.bottoms else np.zeros(rows)
            total = float(len(g.bottoms))
            values = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
        else:
            secs = np.zeros(rows)
            for top, bottom, dt in g.bands:
                secs += band_time(top, bottom, dt, rows, cell)
            total = float(sum(float(dt.sum()) for _, _, dt in g.bands))  # ms spent on the page
            profile = secs / 1000.0 / max(used, 1)
            values = normalize(np.repeat(profile.astype(np.float32)[:, None], cols, axis=1), norm)
        grid = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
    max_alpha = 0.8 if kind in ("click", "move") else 0.5
    return HeatmapResult(
        kind=kind, page_url=key, page_title=rp.title, page_width=int(width), page_height=int(height), cell=cell,
        sigma=sigma if kind in ("click", "move") else 0.0, norm=norm if kind != "scroll" else "share", cmap=cmap,
        grid=grid, values=values, rgba=colorize(values, colour_table(cmap, max_alpha=max_alpha), None),
        sessions_total=len(sessions), sessions_used=used, sessions_without_page=without_page,
        sessions_outside_width=outside_width, points=points, points_outside_page=outside, total_weight=total,
        fold_y=fold, profile=profile, reference=ref, max_alpha=max_alpha,
        extra={"width_range": (lo, hi), "relative_x": relative_x, "t_range": (t_lo, t_hi), "peak_spot": peak_spot})
