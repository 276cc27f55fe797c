"""State of a replay at time t, from columnar arrays, by binary search.

Everything is precomputed once per session into sorted arrays; every query is ``np.searchsorted`` plus O(1) or
O(k) work for k items returned (a trail of a few seconds), so the cost of a seek does not grow with the distance
from the start of the session or its length. Times are int64 ms; positions are CSS px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from replaylens.core import kinds as K

#: Between two pointer samples further apart than this, the cursor holds still instead of gliding.
MAX_INTERP_GAP_MS = 400


def count_le(times: np.ndarray, t: float) -> int:
    """Number of times <= t. The key is cast to the array's integer type first: a float key would make numpy
    convert the whole int64 array on every call (O(n) instead of O(log n))."""
    return int(np.searchsorted(times, np.int64(math.floor(t)), side="right"))


@dataclass(frozen=True)
class Cursor:
    x: float  # viewport px
    y: float
    page: int
    visible: bool


@dataclass(frozen=True)
class ReplayIndex:
    """Sorted arrays for replay queries. Build with ``ReplayIndex.build(...)``."""

    # every event
    t: np.ndarray
    page: np.ndarray
    scroll_x: np.ndarray
    scroll_y: np.ndarray
    width: np.ndarray
    height: np.ndarray
    # pointer samples (moves, clicks, touches with a position), viewport coords
    pt: np.ndarray
    px: np.ndarray
    py: np.ndarray
    ppage: np.ndarray
    # clicks: time, viewport position, page, flags (1 dblclick, 2 part of a rage burst)
    ct: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    cpage: np.ndarray
    cflag: np.ndarray
    # scroll events (document), for smooth interpolation
    st: np.ndarray
    spage: np.ndarray
    sy: np.ndarray
    sx: np.ndarray
    # inactivity gaps [start, end) in ms
    gap_start: np.ndarray
    gap_end: np.ndarray
    duration: int

    @staticmethod
    def build(t: np.ndarray, kind: np.ndarray, page: np.ndarray, x: np.ndarray, y: np.ndarray,
              scroll_x: np.ndarray, scroll_y: np.ndarray, width: np.ndarray, height: np.ndarray,
              *, inactivity_ms: int = 10_000, duration: int | None = None) -> ReplayIndex:
        t = np.asarray(t, dtype=np.int64)
        has_pos = ~(np.isnan(x) | np.isnan(y))
        pointer = has_pos & np.isin(kind, list(K.POINTER_KINDS))
        click = np.isin(kind, [K.CLICK, K.DBLCLICK]) & has_pos
        scroll = kind == K.SCROLL
        ct, cx, cy = t[click], x[click], y[click]
        cflag = np.where(kind[click] == K.DBLCLICK, 1, 0).astype(np.int8)
        cflag |= rage_flags(ct, cx, cy) * 2
        active_t = t[np.isin(kind, list(K.ACTIVE_KINDS))]
        gs, ge = inactivity_gaps(active_t, inactivity_ms)
        dur = int(duration if duration is not None else (t[-1] if len(t) else 0))
        return ReplayIndex(t=t, page=np.asarray(page), scroll_x=np.asarray(scroll_x), scroll_y=np.asarray(scroll_y),
                           width=np.asarray(width), height=np.asarray(height),
                           pt=t[pointer], px=x[pointer], py=y[pointer], ppage=np.asarray(page)[pointer],
                           ct=ct, cx=cx, cy=cy, cpage=np.asarray(page)[click], cflag=cflag,
                           st=t[scroll], spage=np.asarray(page)[scroll], sy=scroll_y[scroll], sx=scroll_x[scroll],
                           gap_start=gs, gap_end=ge, duration=dur)

    # -- queries -------------------------------------------------------------------------------------------
    def event_at(self, t: float) -> int:
        """Index of the last event at or before t (-1 before the first)."""
        return count_le(self.t, t) - 1

    def page_at(self, t: float) -> int:
        i = self.event_at(t)
        return int(self.page[max(i, 0)]) if len(self.t) else 0

    def viewport_at(self, t: float) -> tuple[int, int]:
        i = max(self.event_at(t), 0)
        return (int(self.width[i]), int(self.height[i])) if len(self.t) else (0, 0)

    def scroll_at(self, t: float) -> tuple[float, float]:
        """Document scroll at t; glides between scroll samples that are close in time and on the same page."""
        i = self.event_at(t)
        if i < 0:
            return 0.0, 0.0
        sx, sy = float(self.scroll_x[i]), float(self.scroll_y[i])
        j = count_le(self.st, t)
        # glide only between two close scroll samples of the page on screen now
        if 0 < j < len(self.st) and self.st[j] - self.st[j - 1] <= 250 \
                and self.spage[j - 1] == self.spage[j] == self.page[i]:
            f = (t - self.st[j - 1]) / max(self.st[j] - self.st[j - 1], 1)
            return (float(self.sx[j - 1] + (self.sx[j] - self.sx[j - 1]) * f),
                    float(self.sy[j - 1] + (self.sy[j] - self.sy[j - 1]) * f))
        return sx, sy

    def cursor_at(self, t: float) -> Cursor:
        """Pointer position at t, linearly interpolated between samples (held across long gaps/page changes)."""
        j = count_le(self.pt, t)
        if j == 0:
            return Cursor(np.nan, np.nan, self.page_at(t), False)
        page = self.page_at(t)
        a = j - 1
        x, y = float(self.px[a]), float(self.py[a])
        if j < len(self.pt) and self.ppage[j] == self.ppage[a] and self.pt[j] - self.pt[a] <= MAX_INTERP_GAP_MS:
            f = (t - self.pt[a]) / max(int(self.pt[j] - self.pt[a]), 1)
            x += (float(self.px[j]) - x) * f
            y += (float(self.py[j]) - y) * f
        return Cursor(x, y, page, bool(self.ppage[a] == page))

    def trail(self, t: float, seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pointer samples in (t - seconds, t] on the current page, plus the interpolated head: (times, x, y)."""
        page = self.page_at(t)
        lo = count_le(self.pt, t - seconds * 1000)
        hi = count_le(self.pt, t)
        keep = self.ppage[lo:hi] == page
        tt, xx, yy = self.pt[lo:hi][keep], self.px[lo:hi][keep], self.py[lo:hi][keep]
        c = self.cursor_at(t)
        if c.visible:
            tt = np.append(tt, np.int64(t))
            xx = np.append(xx, c.x)
            yy = np.append(yy, c.y)
        return tt, xx, yy

    def clicks_between(self, t0: float, t1: float) -> slice:
        """Slice into the click arrays for clicks with t0 < time <= t1."""
        return slice(count_le(self.ct, t0), count_le(self.ct, t1))

    def skippable_ms(self) -> int:
        """Playback time that skipping inactivity jumps over (the gaps less their one-second margins). Not the
        active time: that is ``replaylens.analysis.activity.session_active_ms``."""
        return int(np.sum(self.gap_end - self.gap_start))


def inactivity_gaps(active_t: np.ndarray, threshold_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaps longer than ``threshold_ms`` between consecutive user-activity times (rrweb: 10 s; PostHog: 5 s).

    A gap is reported from 1 s after the last activity to 1 s before the next, so playback still shows the
    moment the user stopped and the lead-in to the moment they came back.
    """
    if len(active_t) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    d = np.diff(active_t)
    i = np.nonzero(d > threshold_ms)[0]
    return active_t[i] + 1000, active_t[i + 1] - 1000


def rage_flags(ct: np.ndarray, cx: np.ndarray, cy: np.ndarray, *, n: int = 3, max_gap_ms: int = 1000,
               max_dist: float = 30.0) -> np.ndarray:
    """1 for clicks in a run of >= n clicks each < max_gap_ms after and within max_dist (|dx|+|dy|) of the
    previous (PostHog's rage-click rule), else 0. Vectorised over runs."""
    m = len(ct)
    if m < n:
        return np.zeros(m, np.int8)
    link = (np.diff(ct) < max_gap_ms) & ((np.abs(np.diff(cx)) + np.abs(np.diff(cy))) <= max_dist)
    # run ids: a new run starts wherever the link to the previous click breaks
    starts = np.concatenate([[True], ~link])
    run = np.cumsum(starts) - 1
    sizes = np.bincount(run)
    return (sizes[run] >= n).astype(np.int8)


def activity_density(t: np.ndarray, duration: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Events per bin over [0, duration] for the timeline: (bin edges in ms, counts)."""
    edges = np.linspace(0, max(duration, 1), bins + 1)
    idx = np.clip(((t / max(duration, 1)) * bins).astype(np.int64), 0, bins - 1)
    return edges, np.bincount(idx, minlength=bins).astype(np.float64)
