"""Validate and repair an events table, columnar: what the SQL did per row, done once per column in numpy.

Rules (documented in docs/format.md): rows without a time or kind are dropped; coordinates that are NaN,
infinite, beyond ``max_abs`` px or a recorder sentinel (65535) are cleared; rows are sorted stably by time
(recorded order kept for ties); exact consecutive duplicates (same time and content) are dropped; a missing
document scroll is filled forward within a page visit (0 at a visit's start); the viewport size forward from the
previous event (the manifest viewport at the start); a page index outside the manifest moves to page 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Repaired:
    order: np.ndarray  # indices into the input rows, in output order (dropped rows absent)
    page: np.ndarray
    x: np.ndarray
    y: np.ndarray
    scroll_x: np.ndarray
    scroll_y: np.ndarray
    width: np.ndarray
    height: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)


def _bad(v: np.ndarray, max_abs: float, sentinels: tuple[float, ...]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = np.abs(v) > max_abs
        out |= ~np.isfinite(v)
        for s in sentinels:
            out |= v == s
    return out


def _ffill(v: np.ndarray, start_value: np.ndarray | float, starts: np.ndarray) -> np.ndarray:
    """Fill NaN from the previous value; rows flagged in ``starts`` with NaN take ``start_value``. ``v`` is not
    changed; without NaN it is returned as it is."""
    nan = np.isnan(v)
    if not nan.any():
        return v
    v = v.copy()
    fill_at = starts & nan
    v[fill_at] = start_value[fill_at] if isinstance(start_value, np.ndarray) else start_value
    idx = np.where(np.isnan(v), 0, np.arange(len(v)))
    np.maximum.accumulate(idx, out=idx)
    return v[idx]


def _cleared(v: np.ndarray, bad: np.ndarray, order: np.ndarray | None, fill: float = np.nan) -> np.ndarray:
    """``np.where(bad, fill, v)[order]`` (``order`` None: every row, in file order), a new array."""
    out = v.copy() if order is None else v[order]
    if bad.any():
        out[bad if order is None else bad[order]] = fill
    return out


def _same_as_previous(cols: list[np.ndarray]) -> np.ndarray:
    """Per row after the first: every column equals the previous row's (NaN equals NaN). Stops comparing once no
    row can match any more."""
    same = np.ones(len(cols[0]) - 1, bool)
    for col in cols:
        a, b = col[1:], col[:-1]
        eq = a == b
        if col.dtype.kind == "f":
            nan = np.isnan(col)
            eq |= nan[1:] & nan[:-1]
        same &= eq
        if not same.any():
            break
    return same


def repair_events(t: np.ndarray, t_valid: np.ndarray, kind: np.ndarray, kind_valid: np.ndarray, page: np.ndarray,
                  x: np.ndarray, y: np.ndarray, scroll_x: np.ndarray, scroll_y: np.ndarray, width: np.ndarray,
                  height: np.ndarray, dedup_keys: list[np.ndarray], present: dict[str, np.ndarray], *,
                  navigate_code: int, move_code: int,
                  page_count: int, viewport: tuple[int, int], max_abs: float = 100_000.0,
                  sentinels: tuple[float, ...] = (65535.0,)) -> Repaired:
    """All inputs are equal-length arrays in file order; ``kind`` holds integer codes, ``page``/``width``/``height``
    are float arrays with NaN for missing. ``present[c]`` is False where column c (x, y, scroll_x, scroll_y) was
    null (missing, not bad): a NaN that was recorded counts as bad, a missing value does not. ``dedup_keys`` are
    extra integer/float columns (e.g. dictionary codes of strings) that must also match for duplicates.

    The inputs are only read. A file already in time order with every row valid (what our own files and most
    recordings are) takes no gather of its columns."""
    counts: dict[str, int] = {}
    ok = t_valid & kind_valid
    all_ok = bool(ok.all())
    counts["missing_time_or_kind"] = int(len(ok) - np.count_nonzero(ok))

    def in_ok(mask: np.ndarray) -> int:
        return int(np.count_nonzero(mask if all_ok else mask & ok))

    bx, by = _bad(x, max_abs, sentinels), _bad(y, max_abs, sentinels)
    counts["bad_coordinates"] = in_ok((bx & present["x"]) | (by & present["y"]))
    bsx, bsy = _bad(scroll_x, max_abs, sentinels), _bad(scroll_y, max_abs, sentinels)
    counts["bad_scroll"] = in_ok((bsx & present["scroll_x"]) | (bsy & present["scroll_y"]))
    with np.errstate(invalid="ignore"):
        bad_page = (page < 0) | (page >= max(page_count, 1))  # NaN compares False: not bad, page 0 below
    counts["bad_page"] = in_ok(bad_page)
    rows = np.arange(len(ok)) if all_ok else np.nonzero(ok)[0]
    tv = t if all_ok else t[rows]
    in_time_order = len(tv) < 2 or not bool((tv[1:] < tv[:-1]).any())
    counts["backwards_time"] = int(np.count_nonzero(np.diff(tv) < 0)) if len(tv) > 1 else 0
    mv = rows[(kind if all_ok else kind[rows]) == move_code]
    tm = t[mv]
    counts["equal_time_moves"] = int(np.count_nonzero(tm[1:] == tm[:-1])) if len(mv) > 1 else 0

    # a stable sort of rows already in time order is the identity: then no column is gathered
    order = rows if in_time_order else rows[np.argsort(tv, kind="stable")]
    gather = None if all_ok and in_time_order else order
    cx, cy = _cleared(x, bx, gather), _cleared(y, by, gather)
    csx, csy = _cleared(scroll_x, bsx, gather), _cleared(scroll_y, bsy, gather)
    pg = _cleared(page, bad_page | np.isnan(page), gather, 0.0)

    def take(col: np.ndarray) -> np.ndarray:
        return col if gather is None else col[gather]

    # exact consecutive duplicates (NaN equals NaN here)
    if len(order) > 1:
        same = _same_as_previous([take(t), take(kind), pg, cx, cy, csx, csy, *[take(k) for k in dedup_keys]])
        dup = int(np.count_nonzero(same))
        counts["duplicates"] = dup
        if dup:
            keep = np.concatenate([[True], ~same])
            order, cx, cy, csx, csy, pg = order[keep], cx[keep], cy[keep], csx[keep], csy[keep], pg[keep]
            gather = order
    else:
        counts["duplicates"] = 0
    k = take(kind)
    visit_start = np.zeros(len(order), bool)
    if len(order):
        visit_start[0] = True
        visit_start |= k == navigate_code
    first = np.zeros(len(order), bool)
    first[:1] = True
    vw = _ffill(take(width).astype(np.float64, copy=False), float(viewport[0]), first)
    vh = _ffill(take(height).astype(np.float64, copy=False), float(viewport[1]), first)
    return Repaired(order=order, page=pg.astype(np.int32), x=cx, y=cy,
                    scroll_x=_ffill(csx, 0.0, visit_start), scroll_y=_ffill(csy, 0.0, visit_start),
                    width=vw.astype(np.int32), height=vh.astype(np.int32), counts=counts)
