"""Vectorised building blocks shared by the friction detectors, and ``Hits``, what every detector returns.

Everything here is columnar numpy: runs of True, clusters of timestamps in a sliding window, monotone "legs" of a
1-D position (a scroll offset, the pointer's x), and "first event of a class after/before index i" look-ups with
``np.searchsorted``. None of them loops in Python per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from replaylens.core.kinds import NAVIGATE

_I64 = np.int64


@dataclass(frozen=True)
class Hits:
    """Findings of one detector as parallel arrays, one row per finding; all indices are event indices.

    ``start``/``end`` bound the finding in time (``t[start]``..``t[end]``), ``anchor`` is the event that places it
    (its position and target), ``count`` what was counted (clicks, reversals, errors, inputs), ``rule`` which rule
    fired, ``members`` the event indices that triggered it (one array per finding).
    """

    start: np.ndarray
    end: np.ndarray
    anchor: np.ndarray
    count: np.ndarray
    rule: tuple[str, ...]
    members: tuple[np.ndarray, ...] = field(default=())

    def __len__(self) -> int:
        return int(self.start.shape[0])

    @staticmethod
    def empty() -> Hits:
        z = np.zeros(0, dtype=_I64)
        return Hits(z, z, z, z, (), ())

    @staticmethod
    def concat(*parts: Hits) -> Hits:
        """The findings of several rules of one detector in one ``Hits``, ordered by start."""
        parts = tuple(p for p in parts if len(p))
        if not parts:
            return Hits.empty()
        start = np.concatenate([p.start for p in parts])
        order = np.argsort(start, kind="stable")
        rules = sum((p.rule for p in parts), ())
        members = sum((p.members for p in parts), ())
        return Hits(start[order], np.concatenate([p.end for p in parts])[order],
                    np.concatenate([p.anchor for p in parts])[order],
                    np.concatenate([p.count for p in parts])[order], tuple(rules[i] for i in order.tolist()),
                    tuple(members[i] for i in order.tolist()) if len(members) == len(rules) else ())


def as_index(a: np.ndarray | list[int]) -> np.ndarray:
    return np.asarray(a, dtype=_I64)


def run_bounds(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and stop (exclusive) positions of every run of True in a 1-D boolean array."""
    f = np.concatenate(([False], np.asarray(flags, dtype=bool), [False])).astype(np.int8)
    d = np.diff(f)
    return np.flatnonzero(d == 1).astype(_I64), np.flatnonzero(d == -1).astype(_I64)


def link_runs(links: np.ndarray, min_members: int) -> tuple[np.ndarray, np.ndarray]:
    """Groups of items chained by ``links`` (``links[j]`` joins item j and j+1) with at least ``min_members``
    items. Returns first and last item position (inclusive) of each group."""
    s, e = run_bounds(links)
    keep = (e - s) >= max(min_members - 1, 1)
    return s[keep], e[keep]  # last item = last link + 1 = e (exclusive link stop)


def window_links(ts: np.ndarray, group: np.ndarray, min_count: int, window_ms: float) -> np.ndarray:
    """Links between consecutive items that lie together in some window of ``min_count`` items spanning less
    than ``window_ms`` (a sliding window, as Datadog counts rage clicks). ``links[j]`` joins items j and j+1."""
    n = ts.shape[0]
    links = np.zeros(max(n - 1, 0), dtype=bool)
    k = int(min_count)
    if n < k or k < 2:
        return links
    span = ts[k - 1:] - ts[: n - k + 1]
    ok = (span < window_ms) & (group[k - 1:] == group[: n - k + 1])
    # a window starting at item i covers links i .. i+k-2
    cover = np.zeros(n, dtype=_I64)
    starts = np.flatnonzero(ok)
    np.add.at(cover, starts, 1)
    np.add.at(cover, starts + k - 1, -1)
    return np.cumsum(cover)[: n - 1] > 0


def first_after(positions: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For each index in ``idx``: the first of the sorted ``positions`` strictly after it, or -1."""
    k = np.searchsorted(positions, idx, side="right")
    out = np.full(idx.shape, -1, dtype=_I64)
    ok = k < positions.shape[0]
    out[ok] = positions[k[ok]]
    return out


def last_before(positions: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """For each index in ``idx``: the last of the sorted ``positions`` strictly before it, or -1."""
    k = np.searchsorted(positions, idx, side="left") - 1
    out = np.full(idx.shape, -1, dtype=_I64)
    ok = k >= 0
    out[ok] = positions[k[ok]]
    return out


def visit_ids(kind: np.ndarray, page_key: np.ndarray) -> np.ndarray:
    """Page-visit number of every event: a visit starts at each ``navigate`` and wherever the page changes."""
    n = kind.shape[0]
    start = kind == NAVIGATE
    if n:
        start[1:] |= page_key[1:] != page_key[:-1]
        start[0] = True
    return np.cumsum(start).astype(_I64) - 1


@dataclass(frozen=True)
class Legs:
    """Monotone stretches of a 1-D position: ``first``/``last`` are event indices, ``travel`` signed distance,
    ``group`` what they belong to (a visit), ``speed`` the peak speed inside (px/s)."""

    first: np.ndarray
    last: np.ndarray
    travel: np.ndarray
    group: np.ndarray
    speed: np.ndarray

    def __len__(self) -> int:
        return int(self.first.shape[0])


def monotone_legs(idx: np.ndarray, pos: np.ndarray, t: np.ndarray, group: np.ndarray, *,
                  min_travel: float | np.ndarray, min_speed: float = 0.0) -> Legs:
    """Split the samples ``idx`` (event indices, time order) of position ``pos`` into legs of one direction.

    Two passes, both vectorised: (1) runs of steps of the same sign within a group become raw legs; (2) raw legs
    that travel less than ``min_travel`` or never reach ``min_speed`` are dropped as jitter, and the neighbours
    they separated merge when they go the same way. A standing pointer (zero steps) does not end a leg.
    ``min_travel`` is one number or one per event (the threshold in force where a leg starts).
    """
    z = np.zeros(0, dtype=_I64)
    empty = Legs(first=z, last=z, travel=np.zeros(0), group=z, speed=np.zeros(0))
    if idx.shape[0] < 2:
        return empty
    p = pos[idx]
    d = np.diff(p)
    dt = np.maximum(np.diff(t[idx]).astype(np.float64), 1.0)
    g = group[idx]
    same = (g[1:] == g[:-1]) & np.isfinite(d)
    step = np.flatnonzero(same & (d != 0))
    if step.shape[0] == 0:
        return empty
    sgn = np.sign(d[step])
    gs = g[step]
    new = np.ones(step.shape[0], dtype=bool)
    new[1:] = (sgn[1:] != sgn[:-1]) | (gs[1:] != gs[:-1])
    rs = np.flatnonzero(new)
    travel = np.add.reduceat(d[step], rs)
    speed = np.maximum.reduceat(np.abs(d[step]) / dt[step] * 1000.0, rs)
    re = np.append(rs[1:], step.shape[0]) - 1
    first, last, grp = step[rs], step[re] + 1, gs[rs]  # sample positions: step k goes from sample k to k+1
    need = min_travel[idx[first]] if isinstance(min_travel, np.ndarray) else min_travel
    keep = (np.abs(travel) >= need) & (speed >= min_speed)
    first, last, grp, travel, speed = first[keep], last[keep], grp[keep], travel[keep], speed[keep]
    if first.shape[0] == 0:
        return empty
    sg = np.sign(travel)
    new = np.ones(first.shape[0], dtype=bool)
    new[1:] = (sg[1:] != sg[:-1]) | (grp[1:] != grp[:-1])
    ms = np.flatnonzero(new)
    me = np.append(ms[1:], first.shape[0]) - 1
    return Legs(first=idx[first[ms]], last=idx[last[me]], travel=np.add.reduceat(travel, ms), group=grp[ms],
                speed=np.maximum.reduceat(speed, ms))


def reversal_clusters(legs: Legs, t: np.ndarray, *, min_reversals: int, window_ms: float
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clusters of at least ``min_reversals`` direction reversals (a leg turning back on the previous one of the
    same group) within ``window_ms``. Returns, per cluster, the first and last leg position and the reversal
    count."""
    n = len(legs)
    if n < 2:
        z = np.zeros(0, dtype=_I64)
        return z, z, z
    rev = np.flatnonzero((legs.group[1:] == legs.group[:-1]) & (np.sign(legs.travel[1:]) != np.sign(
        legs.travel[:-1]))) + 1  # leg positions that reverse
    if rev.shape[0] == 0 or min_reversals < 1:
        z = np.zeros(0, dtype=_I64)
        return z, z, z
    rt = t[legs.first[rev]]
    rg = legs.group[rev]
    if min_reversals == 1:
        return rev - 1, rev, np.ones(rev.shape[0], dtype=_I64)
    links = window_links(rt, rg, min_reversals, window_ms)
    s, e = link_runs(links, min_reversals)
    return rev[s] - 1, rev[e], (e - s + 1).astype(_I64)


def local_clusters(legs: Legs, t: np.ndarray, *, min_reversals: int, window_ms: float
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like ``reversal_clusters`` but local in time: each cluster is at least ``min_reversals`` reversals of
    one group whose first and last fall within ``window_ms`` of each other, and clusters do not chain (a
    cluster takes every reversal up to ``window_ms`` after its first one; the next starts after it). The loop
    runs over the reversals that can start a cluster, not over events."""
    z = np.zeros(0, dtype=_I64)
    if len(legs) < 2 or min_reversals < 1:
        return z, z, z
    rev = np.flatnonzero((legs.group[1:] == legs.group[:-1]) & (np.sign(legs.travel[1:]) != np.sign(
        legs.travel[:-1]))) + 1
    if rev.shape[0] < min_reversals:
        return z, z, z
    rt = t[legs.first[rev]].astype(np.float64)
    rg = legs.group[rev]
    # the window of reversal i ends before the first reversal later than rt + window or in another group
    # reversals are in time order and groups only grow with time, so a group is a contiguous stretch
    stop = np.minimum(np.searchsorted(rt, rt + window_ms, side="right"), np.searchsorted(rg, rg, side="right"))
    cand = np.flatnonzero(stop - np.arange(rev.shape[0]) >= min_reversals)
    firsts, lasts, counts = [], [], []
    nxt = 0
    for i in cand.tolist():
        if i < nxt:
            continue
        j = int(stop[i])
        firsts.append(i)
        lasts.append(j - 1)
        counts.append(j - i)
        nxt = j
    if not firsts:
        return z, z, z
    f, la = np.asarray(firsts, dtype=_I64), np.asarray(lasts, dtype=_I64)
    return rev[f] - 1, rev[la], np.asarray(counts, dtype=_I64)
