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
        bad = ~np.isfinite(v) | (np.abs(v) > max_abs)
        for s in sentinels:
            bad |= v == s
    return bad


def _ffill(v: np.ndarray, start_value: np.ndarray | float, starts: np.ndarray) -> np.ndarray:
    """Fill NaN from the previous value; rows flagged in ``starts`` with NaN take ``start_value``."""
    v = v.copy()
    fill_at = starts & np.isnan(v)
    v[fill_at] = start_value[fill_at] if isinstance(start_value, np.ndarray) else start_value
    idx = np.where(np.isnan(v), 0, np.arange(len(v)))
    np.maximum.accumulate(idx, out=idx)
    return v[idx]


def repair_events(t: np.ndarray, t_valid: np.ndarray, kind: np.ndarray, kind_valid: np.ndarray, page: np.ndarray,
                  x: np.ndarray, y: np.ndarray, scroll_x: np.ndarray, scroll_y: np.ndarray, width: np.ndarray,
                  height: np.ndarray, dedup_keys: list[np.ndarray], present: dict[str, np.ndarray], *,
                  navigate_code: int, move_code: int,
                  page_count: int, viewport: tuple[int, int], max_abs: float = 100_000.0,
                  sentinels: tuple[float, ...] = (65535.0,)) -> Repaired:
    """All inputs are equal-length arrays in file order; ``kind`` holds integer codes, ``page``/``width``/``height``
    are float arrays with NaN for missing. ``present[c]`` is False where column c (x, y, scroll_x, scroll_y) was
    null (missing, not bad): a NaN that was recorded counts as bad, a missing value does not. ``dedup_keys`` are
    extra integer/float columns (e.g. dictionary codes of strings) that must also match for duplicates."""
    counts: dict[str, int] = {}
    ok = t_valid & kind_valid
    counts["missing_time_or_kind"] = int((~ok).sum())
    bx, by = _bad(x, max_abs, sentinels), _bad(y, max_abs, sentinels)
    counts["bad_coordinates"] = int(((bx & present["x"]) | (by & present["y"]))[ok].sum())
    bsx, bsy = _bad(scroll_x, max_abs, sentinels), _bad(scroll_y, max_abs, sentinels)
    counts["bad_scroll"] = int(((bsx & present["scroll_x"]) | (bsy & present["scroll_y"]))[ok].sum())
    with np.errstate(invalid="ignore"):
        bad_page = ~np.isnan(page) & ((page < 0) | (page >= max(page_count, 1)))
    counts["bad_page"] = int(bad_page[ok].sum())
    rows = np.nonzero(ok)[0]
    tv = t[rows]
    counts["backwards_time"] = int((np.diff(tv) < 0).sum()) if len(tv) > 1 else 0
    mv = rows[kind[rows] == move_code]
    counts["equal_time_moves"] = int((np.diff(t[mv]) == 0).sum()) if len(mv) > 1 else 0

    order = rows[np.argsort(tv, kind="stable")]
    cx = np.where(bx, np.nan, x)[order]
    cy = np.where(by, np.nan, y)[order]
    csx = np.where(bsx, np.nan, scroll_x)[order]
    csy = np.where(bsy, np.nan, scroll_y)[order]
    pg = np.where(bad_page | np.isnan(page), 0, page)[order]
    # exact consecutive duplicates (NaN equals NaN here)
    if len(order) > 1:
        same = np.ones(len(order) - 1, bool)
        for col in (t[order], kind[order], pg, cx, cy, csx, csy, *[k[order] for k in dedup_keys]):
            a, b = col[1:], col[:-1]
            eq = a == b
            if col.dtype.kind == "f":
                eq |= np.isnan(a) & np.isnan(b)
            same &= eq
        keep = np.concatenate([[True], ~same])
        counts["duplicates"] = int((~keep).sum())
        order, cx, cy, csx, csy, pg = order[keep], cx[keep], cy[keep], csx[keep], csy[keep], pg[keep]
    else:
        counts["duplicates"] = 0
    k = kind[order]
    visit_start = np.zeros(len(order), bool)
    if len(order):
        visit_start[0] = True
        visit_start |= k == navigate_code
    first = np.zeros(len(order), bool)
    first[:1] = True
    vw = _ffill(width[order].astype(np.float64), float(viewport[0]), first)
    vh = _ffill(height[order].astype(np.float64), float(viewport[1]), first)
    return Repaired(order=order, page=pg.astype(np.int32), x=cx, y=cy,
                    scroll_x=_ffill(csx, 0.0, visit_start), scroll_y=_ffill(csy, 0.0, visit_start),
                    width=vw.astype(np.int32), height=vh.astype(np.int32), counts=counts)
