"""What each heatmap kind weighs, vectorised: dwell time of pointer samples, scroll reach per depth, time each
page band spent in the viewport; plus viewport-width buckets and relative x. Pure numpy, arrays in and out.

All times are int64 ms; a "visit" array labels contiguous runs that belong together (one page visit of one
session): intervals never cross from one visit into the next.
"""

from __future__ import annotations

import math

import numpy as np

#: Movement maps: a sample weighs the time until the next one, at most this (ms), so an idle tab does not
#: dominate (domain.md: a pointer resting 2 s counts more than one passing by; PostHog's hover threshold is 500 ms).
DEFAULT_DWELL_CAP_MS = 2_000
#: Attention maps: one interval between events counts at most this (ms). A reader may sit still for a while;
#: beyond 30 s without any event we assume the tab was left (rrweb calls 10 s of no input "inactive").
DEFAULT_IDLE_CAP_MS = 30_000

#: Device presets (ours): name -> (min width incl., max width excl., reference width). Reference widths are
#: Hotjar's (1280/800/380); the bounds sit at the common CSS breakpoints 600 and 1024 px, so phones up to
#: 599 px wide (390-430 today) are mobile, tablets in portrait and landscape (768-1023; 820 iPad Air) tablet.
DEVICE_BUCKETS: dict[str, tuple[float, float, int]] = {
    "mobile": (0.0, 600.0, 380),
    "tablet": (600.0, 1024.0, 800),
    "desktop": (1024.0, math.inf, 1280),
}


def width_range(device: str) -> tuple[float, float]:
    """[min, max) viewport width of a device preset. Raises ValueError for an unknown name."""
    if device not in DEVICE_BUCKETS:
        raise ValueError(f"unknown device {device!r} (known: {', '.join(DEVICE_BUCKETS)})")
    lo, hi, _ = DEVICE_BUCKETS[device]
    return lo, hi


def device_of(width: np.ndarray) -> np.ndarray:
    """Preset name per viewport width (object array), for labelling sessions."""
    w = np.asarray(width, dtype=np.float64)
    names = np.array(list(DEVICE_BUCKETS), dtype=object)
    bounds = np.array([DEVICE_BUCKETS[n][1] for n in DEVICE_BUCKETS][:-1])
    return names[np.searchsorted(bounds, w, side="right")]


def relative_x(x: np.ndarray, width: np.ndarray, reference_width: float) -> np.ndarray:
    """x as a share of the viewport width in force, re-projected onto ``reference_width`` (PostHog's approach,
    without its 1 % quantisation): a centred button lands in the same place whatever the viewport."""
    w = np.asarray(width, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(w > 0, np.asarray(x, dtype=np.float64) / w * reference_width, np.nan)


def dwell_weights(t: np.ndarray, visit: np.ndarray, cap_ms: float = DEFAULT_DWELL_CAP_MS,
                  end_t: float | None = None) -> np.ndarray:
    """Weight (ms) of each sample: the time until the next sample of the same visit, at most ``cap_ms``.

    The last sample of a visit gets 0 (the gap to another page visit is not time spent here), except the very
    last sample when ``end_t`` (the recording's end) is given: it weighs min(end_t - t, cap_ms).
    """
    t = np.asarray(t, dtype=np.int64)
    w = np.zeros(t.shape[0], dtype=np.float64)
    if t.shape[0] == 0:
        return w
    v = np.asarray(visit)
    same = v[1:] == v[:-1]
    w[:-1] = np.where(same, np.minimum(np.diff(t), cap_ms), 0.0)
    if end_t is not None:
        w[-1] = min(max(float(end_t) - float(t[-1]), 0.0), cap_ms)
    return w


def last_valid_index(valid: np.ndarray, visit: np.ndarray) -> np.ndarray:
    """For each row, the index of the latest row at or before it where ``valid`` is True within the same
    visit; -1 if none. (Forward fill without a Python loop: running maximum of valid indices.)"""
    valid = np.asarray(valid, dtype=bool)
    n = valid.shape[0]
    idx = np.where(valid, np.arange(n), -1)
    np.maximum.accumulate(idx, out=idx)
    v = np.asarray(visit)
    stale = (idx >= 0) & (v[np.maximum(idx, 0)] != v)
    idx[stale] = -1
    return idx


def group_max(group: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique groups, max of ``value`` per group), NaN values ignored; groups with only NaN are left out."""
    group = np.asarray(group)
    value = np.asarray(value, dtype=np.float64)
    ok = ~np.isnan(value)
    group, value = group[ok], value[ok]
    if group.shape[0] == 0:
        return group, value
    order = np.lexsort((value, group))  # by group, then value: the last of each group is its maximum
    g = group[order]
    last = np.flatnonzero(np.r_[g[1:] != g[:-1], True])
    return g[last], value[order][last]


def reach_profile(bottoms: np.ndarray, depths: np.ndarray) -> np.ndarray:
    """Share of sessions (0..1) whose furthest viewport bottom is at or below each depth (px from the top).

    Hotjar/Clarity scroll maps: each session counts once, at its deepest point. Non-increasing in depth by
    construction (a sorted search, not a per-depth loop).
    """
    b = np.sort(np.asarray(bottoms, dtype=np.float64))
    if b.shape[0] == 0:
        return np.zeros(np.shape(depths), dtype=np.float64)
    below = np.searchsorted(b, np.asarray(depths, dtype=np.float64), side="left")
    return (b.shape[0] - below) / b.shape[0]


def band_time(top: np.ndarray, bottom: np.ndarray, dt: np.ndarray, rows: int, cell: float) -> np.ndarray:
    """Total of ``dt`` per page row: each interval adds its duration to every row whose centre lies in
    [top, bottom) (the viewport during that interval). A difference array + cumsum: O(intervals + rows)."""
    centre0 = 0.5 * cell
    start = np.ceil((np.asarray(top, dtype=np.float64) - centre0) / cell)
    stop = np.ceil((np.asarray(bottom, dtype=np.float64) - centre0) / cell)
    start = np.clip(start, 0, rows).astype(np.int64)
    stop = np.clip(stop, 0, rows).astype(np.int64)
    dt = np.asarray(dt, dtype=np.float64)
    ok = (stop > start) & (dt > 0)
    diff = np.bincount(start[ok], dt[ok], minlength=rows + 1) - np.bincount(stop[ok], dt[ok], minlength=rows + 1)
    return np.cumsum(diff[:rows])
