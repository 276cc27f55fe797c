"""Event times of an rrweb recording: repair missing and garbage timestamps before anything uses them.

rrweb stamps every event with epoch milliseconds. Real files break this: rrweb's own integration snapshots carry no
timestamp at all, one upstream fixture has a timestamp ten times too large, exports sometimes hold ``null``.
A timestamp is *implausible* when it lies more than ``max_skew_ms`` (default 30 days) from the median of the file's
timestamps: no recording spans that long, and a factor-10 typo lands decades away. Missing and implausible times
are repaired to the previous good time (the first good one for leading events), keeping the file order, and counted
in the ImportReport. A file with no usable time at all keeps its order at time 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from replaylens.model.report import ImportReport

DAY_MS = 86_400_000
#: Default: a timestamp this far from the median is garbage (Replay Lens default, no vendor publishes one).
MAX_SKEW_MS = 30 * DAY_MS
#: A MouseMove position's ``timeOffset`` beyond this (ms) is garbage and treated as 0 (rrweb flushes every 500 ms).
MAX_TIME_OFFSET_MS = 60_000


_PLAIN = {int, float, type(None)}


def _num(v: Any) -> float:
    return float(v) if type(v) is int or type(v) is float else np.nan


def event_times(events: list[dict[str, Any]], report: ImportReport, *, max_skew_ms: float = MAX_SKEW_MS
                ) -> np.ndarray:
    """Epoch ms of every event (float64), missing and implausible ones repaired to the previous good time."""
    raw = [e.get("timestamp") for e in events]
    if {type(v) for v in raw} <= _PLAIN:  # the usual case: numbers (and JSON nulls: NaN), converted at once
        ts = np.array(raw, dtype=np.float64).reshape(len(raw))
    else:
        ts = np.fromiter(map(_num, raw), dtype=np.float64, count=len(raw))
    del raw
    valid = np.isfinite(ts) & (ts >= 0) & (ts < 1e15)
    missing = int((~valid).sum())
    if not valid.any():
        report.add("missing_timestamp", len(events), "{n} events have no timestamp: kept in file order at time 0")
        return np.zeros(len(events), dtype=np.float64)
    med = float(np.median(ts[valid]))
    garbage = valid & (np.abs(ts - med) > max_skew_ms)
    good = valid & ~garbage
    if not good.any():  # cannot happen (the median is good), kept for safety
        return np.zeros(len(events), dtype=np.float64)
    report.add("missing_timestamp", missing, "{n} events had no usable timestamp (given the previous event's time)")
    report.add("implausible_timestamp", int(garbage.sum()),
               "{n} events had a timestamp more than 30 days from the others (given the previous event's time)")
    if missing or garbage.any():
        idx = np.where(good, np.arange(len(ts)), -1)
        np.maximum.accumulate(idx, out=idx)
        idx[idx < 0] = int(np.argmax(good))
        ts = ts[idx]
    return ts


def ffill_by_group(order: np.ndarray, group: np.ndarray, is_set: np.ndarray, values: np.ndarray,
                   default: np.ndarray | float) -> np.ndarray:
    """Forward-fill ``values`` (set where ``is_set``) along ``order``, restarting at each ``group`` change.

    Rows before the first setter of their group get ``default`` (a scalar or one value per group id).
    Vectorised: ``np.maximum.accumulate`` over setter positions.
    """
    return ffill_many(order, group, is_set, [values], [default])[0]


def ffill_many(order: np.ndarray, group: np.ndarray, is_set: np.ndarray, values: list[np.ndarray],
               defaults: list[np.ndarray | float]) -> list[np.ndarray]:
    """``ffill_by_group`` of several value columns sharing their setters: the fill positions computed once."""
    n = order.shape[0]
    if n == 0:
        return [v.copy() for v in values]
    g = group[order]
    s = is_set[order]
    pos = np.arange(n)
    starts = np.r_[True, g[1:] != g[:-1]]
    src = np.where(s, pos, -1)
    src = np.where(starts & ~s, -2 - pos, src)  # group starts without a setter: mark for the default
    # carry the latest setter (or group start) forward
    key = np.where(src != -1, pos, -1)
    del pos
    np.maximum.accumulate(key, out=key)
    carried = src[key]
    del src, key, s, starts
    take = order[np.maximum(carried, 0)]  # the setter's own row: values[order][carried] without a full gather
    use = carried >= 0
    del carried
    outs = []
    for vals, default in zip(values, defaults, strict=True):
        dflt = default[g] if isinstance(default, np.ndarray) else np.full(n, default, dtype=vals.dtype)
        filled = np.where(use, vals[take], dflt)
        out = np.empty_like(vals)
        out[order] = filled
        outs.append(out)
    return outs
