"""Ordered funnel matching over many sessions at once (numpy only; a loop over steps, never over sessions).

Input per step: the sessions and times (ms, int64) of every event that satisfies that step, in any order. A session
converts step k when it has a qualifying event for step k *after* the time it converted step k − 1 (the first step
at its first qualifying event), and, with a window, no later than ``window_ms`` after step 0. The earliest
qualifying event is taken at each step (greedy earliest matching, which is optimal for ordered steps: an earlier
match never removes a later option). Output: per session the time each step was reached, −1 where it was not.
"""

from __future__ import annotations

import numpy as np

NOT_REACHED = -1


def match_steps(n_sessions: int, step_sessions: list[np.ndarray], step_times: list[np.ndarray],
                window_ms: int | None = None) -> np.ndarray:
    """(n_sessions, n_steps) int64 array of the time each step was reached (−1: not reached)."""
    n_steps = len(step_sessions)
    out = np.full((n_sessions, n_steps), NOT_REACHED, np.int64)
    if n_steps == 0 or n_sessions == 0:
        return out
    prev = np.full(n_sessions, NOT_REACHED, np.int64)
    start = np.full(n_sessions, NOT_REACHED, np.int64)
    for k in range(n_steps):
        s = np.asarray(step_sessions[k], np.int64)
        t = np.asarray(step_times[k], np.int64)
        if s.size == 0:
            break
        order = np.lexsort((t, s))
        s, t = s[order], t[order]
        if k == 0:
            first = np.ones(s.size, bool)
            first[1:] = s[1:] != s[:-1]
            out[s[first], 0] = t[first]
            prev = out[:, 0].copy()
            start = prev.copy()
            continue
        alive = np.flatnonzero(prev != NOT_REACHED)
        if alive.size == 0:
            break
        # first event of the session strictly after prev: search the (session, time) pairs lexicographically
        pos = _search_after(s, t, alive, prev[alive])
        ok = pos < s.size
        ok[ok] = s[pos[ok]] == alive[ok]
        hit_t = np.full(alive.size, NOT_REACHED, np.int64)
        hit_t[ok] = t[pos[ok]]
        if window_ms is not None:
            ok &= (hit_t - start[alive]) <= window_ms
        reached = alive[ok]
        out[reached, k] = hit_t[ok]
        prev = np.full(n_sessions, NOT_REACHED, np.int64)
        prev[reached] = hit_t[ok]
    return out


def _search_after(s: np.ndarray, t: np.ndarray, sessions: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Index of the first pair (s, t) with t > after among ``sessions``' pairs, in pairs sorted by (s, t).

    Each pair maps to one int64 key, rank(s) · span + (t − tmin), monotone in (s, t); one searchsorted answers every
    session. A session with no later pair gets the next session's first index (or len), which the caller rejects
    by checking ``s[pos] == session``.
    """
    tmin = int(t.min())
    span = int(t.max()) - tmin + 2
    uniq = np.unique(s)
    keys = np.searchsorted(uniq, s) * span + (t - tmin)
    q = np.searchsorted(uniq, sessions) * span + np.clip(after - tmin, -1, span - 2) + 1
    return np.searchsorted(keys, q, side="left").astype(np.int64)
