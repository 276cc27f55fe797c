"""Motion friction: excessive scrolling (seesaw scrolling) and a thrashed cursor.

Both count direction reversals between "legs" (monotone stretches, see ``_runs.monotone_legs``) and flag a
cluster of at least N reversals inside a sliding window. Jitter is removed by ignoring legs shorter than a
minimum travel (and, for the pointer, slower than a minimum peak speed) before counting.
"""

from __future__ import annotations

import numpy as np

from replaylens.core.friction._runs import Hits, Legs, local_clusters, monotone_legs, reversal_clusters, visit_ids
from replaylens.core.kinds import MOVE, SCROLL, TOUCH_MOVE

_I64 = np.int64


def _cluster_hits(legs: Legs, t: np.ndarray, first: np.ndarray, last: np.ndarray, count: np.ndarray,
                  rule: str, from_turn: bool = False) -> Hits:
    """``from_turn``: the finding starts where the first reversal turns (the end of the leg before it), not
    where that leg began (a long read down before a seesaw is not part of it)."""
    start, end = (legs.last[first] if from_turn else legs.first[first]), legs.last[last]
    anchor = legs.first[np.minimum(first + 1, last)]  # where the first reversal happens
    members = tuple(np.concatenate([legs.first[a:b + 1], legs.last[b:b + 1]])
                    for a, b in zip(first.tolist(), last.tolist(), strict=True))
    return Hits(start=start, end=end, anchor=anchor, count=count, rule=(rule,) * start.shape[0], members=members)


def excessive_scrolling(t: np.ndarray, kind: np.ndarray, page_key: np.ndarray, scroll_y: np.ndarray, *,
                        min_reversals: int = 4, min_travel_px: float = 200.0, window_ms: float = 30_000.0,
                        page_height: np.ndarray | None = None, view_height: np.ndarray | None = None,
                        min_travel_page: float = 0.1, max_pause_ms: float = 10_000.0,
                        rule: str = "reversals") -> Hits:
    """Seesaw scrolling: at least ``min_reversals`` up/down reversals of the document scroll inside one page
    visit, all within ``window_ms`` of the first (clusters are local in time and never chain), with no scroll
    pause longer than ``max_pause_ms`` inside. Each leg travels at least ``min_travel_px`` and at least
    ``min_travel_page`` of the page's scrollable height (``page_height`` per event, the full page height when
    known, else the deepest viewport bottom seen in the visit; minus ``view_height``, the viewport), so the
    short back-ups of someone reading a long page do not count. Clarity's definition is relative (more than the
    page's average over many sessions) and publishes no number; these defaults are ours: 4 reversals is looking
    for something twice over, 200 px a quarter of a laptop viewport, a tenth of the page a real jump back, 30 s
    keeps a long careful read from adding up, 10 s is the inactivity gap. ``count`` is the number of reversals.
    """
    idx = np.flatnonzero(kind == SCROLL).astype(_I64)
    if idx.shape[0] < 3:
        return Hits.empty()
    visit = visit_ids(kind, page_key)
    group = visit.copy()
    ti = t[idx]
    brk = np.zeros(idx.shape[0], dtype=_I64)
    brk[1:] = np.diff(ti) > max_pause_ms
    group[idx] = visit[idx] * (idx.shape[0] + 1) + np.cumsum(brk)  # a long pause starts a new group
    sy = scroll_y.astype(np.float64, copy=False)
    travel: float | np.ndarray = min_travel_px
    if view_height is not None and min_travel_page > 0:
        vh = np.asarray(view_height, dtype=np.float64)
        bottom = np.where(np.isfinite(sy), sy, 0.0) + vh
        deepest = np.zeros(int(visit[-1]) + 1)
        np.maximum.at(deepest, visit, bottom)
        full = deepest[visit]
        if page_height is not None:
            full = np.maximum(full, np.asarray(page_height, dtype=np.float64))
        travel = np.maximum(min_travel_px, min_travel_page * np.maximum(full - vh, 0.0))
    legs = monotone_legs(idx, sy, t, group, min_travel=travel)
    first, last, count = local_clusters(legs, t, min_reversals=min_reversals, window_ms=window_ms)
    return _cluster_hits(legs, t, first, last, count, rule, from_turn=True)


def thrashed_cursor(t: np.ndarray, kind: np.ndarray, page_key: np.ndarray, x: np.ndarray, *,
                    min_reversals: int = 3, min_travel_px: float = 80.0, min_speed_px_s: float = 400.0,
                    window_ms: float = 2000.0, max_pause_ms: float = 500.0, rule: str = "reversals") -> Hits:
    """Rapid back-and-forth of the pointer: at least ``min_reversals`` reversals of horizontal direction within
    ``window_ms``, between strokes that each travel at least ``min_travel_px`` and reach ``min_speed_px_s``.
    A pause longer than ``max_pause_ms`` between pointer samples, or a page change, separates strokes that
    cannot chain. No vendor publishes numbers (FullStory names the signal); ours are set so that reading
    fidgets (small, slow drifts) and the corrective sub-stroke after an overshoot (short, slow) do not count,
    while frustrated swipes of 100–300 px at over 1000 px/s do. ``count`` is the number of reversals.
    """
    idx = np.flatnonzero((kind == MOVE) | (kind == TOUCH_MOVE)).astype(_I64)
    if idx.shape[0] < 3:
        return Hits.empty()
    xs = x.astype(np.float64, copy=False)
    # a pause or a page change starts a new group: strokes never chain across it
    ti = t[idx]
    brk = np.ones(idx.shape[0], dtype=bool)
    brk[1:] = (np.diff(ti) > max_pause_ms) | (page_key[idx[1:]] != page_key[idx[:-1]])
    group = np.zeros(t.shape[0], dtype=_I64)
    group[idx] = np.cumsum(brk)
    ok = np.isfinite(xs[idx])
    legs = monotone_legs(idx[ok], xs, t, group, min_travel=min_travel_px, min_speed=min_speed_px_s)
    first, last, count = reversal_clusters(legs, t, min_reversals=min_reversals, window_ms=window_ms)
    return _cluster_hits(legs, t, first, last, count, rule)
