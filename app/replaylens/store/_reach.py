"""Scroll reach and attention bands of one page over a segment: how deep each session got and how long each band
of the page was on screen (``store.aggregate`` re-exports them; docs/library.md). Both routes of ``store._heat``
apply: the stored cells' reach and band rows, or the events of the matched page visits, with the same numbers
(tests/unit/test_heat_cells.py, tests/unit/test_heat_scope.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from replaylens.core.heatmap_kinds import DEFAULT_IDLE_CAP_MS as ATTENTION_CAP_MS
from replaylens.model.segment import Segment
from replaylens.store import _compile
from replaylens.store._heat import (
    _URL_LIST_MAX,
    Bands,
    PageScope,
    _route,
    col,
    engine,
    page_scope,
    stored_visits,
    visits,
)

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


_NO_FOLD = -2147483648


def _fold(f: str) -> str:
    """The fold height of a session whose first reach row's stored fold is ``f`` (else its viewport height)."""
    return f"CAST(CASE WHEN {f} = {_NO_FOLD} THEN sel.viewport_height ELSE {f} END AS DOUBLE)"


def reach(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
          stored: bool | None = None, known: PageScope | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per session that showed the page (by session id): the deepest page y its viewport reached, and its first
    viewport height there (the fold it saw). Two float arrays, one entry per session.
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None).
    ``known``: the segment's ``page_scope`` of ``page`` and ``device``, when the caller has read it already."""
    if _route(lib, stored, True):
        cte, params, on_page, _ = stored_visits(lib, segment, page, device, "reach", known)
        if on_page == 0:
            return np.zeros(0), np.zeros(0)
        # per session key first (one row per URL it showed), then the session's viewport height: max(b + vh) is
        # max(b) + vh, and the first row's fold stays the first row's
        bs = "r.bs + sel.viewport_height"
        res = engine(lib).execute(
            f"{cte}, r AS (SELECT skey, max(bottom_h) AS bh, max(bottom_s) AS bs, "
            f"arg_min(coalesce(fold_h, {_NO_FOLD}), first_i) AS f FROM hc GROUP BY skey) "
            f"SELECT sel.session_id, CAST(greatest(coalesce(r.bh, {bs}), coalesce({bs}, r.bh)) AS DOUBLE) AS bottom, "
            f"{_fold('r.f')} AS fold FROM r JOIN sel ON sel.skey = r.skey ORDER BY sel.session_id", params)
        return col(res, "bottom", float), col(res, "fold", float)
    cte, params, on_page = visits(lib, segment, page, device, known)
    if on_page == 0:
        return np.zeros(0), np.zeros(0)
    res = engine(lib).execute(
        f"{cte} SELECT session_id, "
        "CAST(max(coalesce(scroll_y, 0) + coalesce(height, session_viewport_height)) AS DOUBLE) AS bottom, "
        "CAST(arg_min(coalesce(height, session_viewport_height), i) AS DOUBLE) AS fold FROM ev "
        "GROUP BY session_id ORDER BY session_id", params)
    return col(res, "bottom", float), col(res, "fold", float)


def bands(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
          per_session: bool = False, stored: bool | None = None, known: PageScope | None = None,
          folds: bool = False) -> Bands:
    """Attention bands of ``page``: how long each viewport band was on screen (the one-session attention map's
    definition: each event on the page weighs the time to the next event of its visit, at most
    ``ATTENTION_CAP_MS``; the recording's last event the time to its end), summed over the segment's sessions or
    per session. Bands without any height (no viewport height at all) are left out.
    ``folds``: also each session's fold (``reach``'s second array), from the same statement on the stored cells.
    ``known``: the segment's ``page_scope`` of ``page`` and ``device``, when the caller has read it already."""
    from_cells = _route(lib, stored, True)
    index = None
    if from_cells:
        sql, params, on_page, index = _stored_bands(lib, segment, page, device, known, per_session, folds)
    else:
        sql, params, on_page = _event_bands(lib, segment, page, device, known, per_session)
    if on_page == 0:
        empty = np.zeros(0)
        return Bands(empty, empty, empty, np.zeros(0, np.int64), 0, 0, empty if folds else None)
    res = engine(lib).execute(sql, params)
    part = col(res, "part", np.int64)
    fold = col(res, "top", float)[part == 1] if folds and from_cells else None
    if index is not None:
        fold = _indexed_folds(res, index)
    if folds and not from_cells:  # the events route reads them with ``reach``
        fold = reach(lib, segment, page, device=device, stored=False, known=known)[1]
    res = res.filter(pa.array(part == 0))
    n = col(res, "n", np.int64)
    hh = col(res, "hh", float)
    keep = ~np.isnan(hh)
    top = col(res, "top", float)
    if per_session:
        sids = np.asarray(res.column("session_id").to_pylist(), dtype=str)
        _, session = np.unique(sids, return_inverse=True)
    else:
        session = np.full(top.size, -1, np.int64)
    return Bands(top[keep], top[keep] + hh[keep], col(res, "ms", float)[keep],
                 np.asarray(session, np.int64)[keep], on_page, int(n.sum()), fold)


#: Most reach rows (sessions × matched URLs) whose folds are kept in memory per library generation.
_FOLD_INDEX_MAX = 2_000_000


def _fold_index(lib: LibraryStore, urls: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """Every session key's fold on ``urls`` (sorted keys; the first reach row's stored fold, NaN: none stored, the
    session's viewport height applies), from the reach rows of all sessions: a fact of the library, not of a
    segment, so it is read once per library generation (None: too many URLs for a list, or too many rows)."""
    if not urls or len(urls) > _URL_LIST_MAX:
        return None
    key = "heat:folds:" + "\x1f".join(urls)
    found = lib.cached(key)
    if found is None:
        url_cond, uparams = _compile.in_list("c.url", list(urls))
        res = engine(lib).execute(
            f"SELECT skey, arg_min(coalesce(fold_h, {_NO_FOLD}), first_i) AS f FROM heat_cells c "
            f"WHERE c.kind = 'reach' AND {url_cond} GROUP BY skey ORDER BY skey", uparams)
        keys, f = col(res, "skey", np.int64), col(res, "f", float)
        found = lib.remember(key, (keys, np.where(f == _NO_FOLD, np.nan, f)) if keys.size <= _FOLD_INDEX_MAX
                             else False)
    return found or None


def _stored_bands(lib: LibraryStore, segment: Segment | None, page: str, device: str | None,
                  known: PageScope | None, per_session: bool, folds: bool
                  ) -> tuple[str, list[Any], int, tuple[np.ndarray, np.ndarray] | None]:
    """The bands (``part`` 0) and, with ``folds``, what every session's fold needs, by session id: from the fold
    index (``part`` 2: the segment's session keys and viewport heights; the index returned) or else from the
    reach rows in the same scan (``part`` 1, the fold in ``top``). Band rows with a height are summed over
    sessions before any join (sums of integers, the same in any grouping), rows without one (and reach rows) per
    session key, then joined to the session for its viewport height."""
    known = known if known is not None else page_scope(lib, segment, page, device)
    index = _fold_index(lib, known.urls) if folds else None
    kinds = ("band", "reach") if folds and index is None else ("band",)
    cte, params, on_page, _ = stored_visits(lib, segment, page, device, kinds, known)
    k = "skey" if per_session else "CASE WHEN kind = 'reach' OR h IS NULL THEN skey END"
    band = "g.kind = 'band'"
    sid = "sel.session_id" if per_session else f"CASE WHEN {band} THEN NULL ELSE sel.session_id END"
    # the fold columns are read only when the reach rows are in this scan
    f = f"arg_min(coalesce(fold_h, {_NO_FOLD}), first_i)" if len(kinds) > 1 else "CAST(NULL AS INTEGER)"
    sql = (f"{cte}, g AS (SELECT kind, top, h, {k} AS k, sum(w) AS dt, sum(n) AS n, "
           f"{f} AS f FROM hc GROUP BY kind, top, h, {k}), "
           f"j AS (SELECT CASE WHEN {band} THEN 0 ELSE 1 END AS part, "
           f"{sid} AS session_id, CASE WHEN {band} THEN g.top ELSE {_fold('g.f')} END AS top, "
           f"CASE WHEN {band} THEN coalesce(g.h, CAST(sel.viewport_height AS DOUBLE)) END AS hh, g.dt, g.n "
           f"FROM g LEFT JOIN sel ON sel.skey = g.k WHERE {band} OR sel.skey IS NOT NULL) "
           "SELECT part, session_id, top, hh, CAST(sum(dt) AS DOUBLE) AS ms, CAST(sum(n) AS BIGINT) AS n, "
           "CAST(NULL AS BIGINT) AS skey FROM j GROUP BY part, session_id, top, hh")
    if index is not None:
        sql += (" UNION ALL SELECT 2, session_id, CAST(NULL AS DOUBLE), CAST(viewport_height AS DOUBLE), "
                "CAST(NULL AS DOUBLE), CAST(NULL AS BIGINT), skey FROM sel")
    return f"{sql} ORDER BY part, session_id, top, hh", params, on_page, index


def _indexed_folds(res: pa.Table, index: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The folds of the ``part`` 2 rows' sessions that have reach rows in ``index`` (their order: by session)."""
    keys, fold = index
    mine = res.filter(pa.array(col(res, "part", np.int64) == 2))
    skey, vh = col(mine, "skey", np.int64), col(mine, "hh", float)
    at = np.minimum(np.searchsorted(keys, skey), max(keys.size - 1, 0))
    has = keys[at] == skey if keys.size else np.zeros(skey.size, bool)
    f = fold[at[has]]
    return np.where(np.isnan(f), vh[has], f)


def _event_bands(lib: LibraryStore, segment: Segment | None, page: str, device: str | None,
                 known: PageScope | None, per_session: bool) -> tuple[str, list[Any], int]:
    """The bands (``part`` 0) from the events of the page's visits."""
    by = "session_id, " if per_session else ""
    cte, params, on_page = visits(lib, segment, page, device, known)
    days, dparams = _compile.day_bounds(segment)
    win = "PARTITION BY e.session_id, e.page ORDER BY e.i"
    cap = ATTENTION_CAP_MS
    sid = "session_id" if per_session else "CAST(NULL AS VARCHAR) AS session_id"
    sql = (f"{cte}, q AS (SELECT DISTINCT session_id, sha256 FROM v), "
           "lasts AS (SELECT e.session_id, max(e.i) AS last_i FROM events e JOIN q ON q.session_id = e.session_id "
           f"AND q.sha256 = e.sha256 WHERE {days} GROUP BY e.session_id), "
           "b AS (SELECT e.session_id, coalesce(e.scroll_y, 0) AS top, coalesce(CAST(CASE WHEN e.height > 0 "
           "THEN e.height END AS DOUBLE), CAST(e.session_viewport_height AS DOUBLE)) AS hh, "
           f"CASE WHEN lead(e.i) OVER ({win}) IS NOT NULL "
           f"THEN greatest(coalesce(least(lead(e.t) OVER ({win}) - e.t, {cap}), 0), 0) "
           f"WHEN e.i = l.last_i THEN greatest(coalesce(least(e.session_duration_ms - e.t, {cap}), 0), 0) "
           "ELSE 0 END AS dt, 1 AS n FROM ev e JOIN lasts l ON l.session_id = e.session_id) "
           f"SELECT 0 AS part, {sid}, top, hh, CAST(sum(dt) AS DOUBLE) AS ms, CAST(sum(n) AS BIGINT) AS n FROM b "
           f"GROUP BY {by}top, hh ORDER BY {by}top, hh")
    return sql, [*params, *dparams], on_page
