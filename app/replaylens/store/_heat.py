"""The heatmap queries of an aggregate map: the reference page, click and movement cells, scroll reach and
attention bands of one page over a segment (``store.aggregate`` re-exports them; docs/library.md).

Each query has two routes that give the same numbers (tests/unit/test_heat_cells.py): the pre-binned cells written
at ingest (``heat_cells``, ``store._cells``: one row per session version and page URL and cell, an integer session
key, read only for the matched URLs and the segment's keys) when every events file has them and the cell size is
the stored one times a power of two; otherwise (a library from before layout 4, relative x, another cell size)
the GROUP BY over the events of the matched page visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from replaylens.model.segment import Segment
from replaylens.store import _cells, _compile, _wide

if TYPE_CHECKING:
    from replaylens.store.engine import Engine
    from replaylens.store.library import LibraryStore

POINTER_KINDS = _cells.POINTER_KINDS
DWELL_CAP_MS = _cells.DWELL_CAP_MS
ATTENTION_CAP_MS = _cells.ATTENTION_CAP_MS
#: Above this many matched URLs the cells are filtered by a subquery instead of a list of constants.
_URL_LIST_MAX = 256
_OLD = ("this library has event files without stored cells of layout 4 (written before layout 3, or before layout 4:"
        " LibraryStore.rebuild_cells derives them)")


@dataclass(frozen=True)
class PageRef:
    """The page a heatmap is drawn on: the most common screenshot among the matched page visits."""

    url: str
    title: str
    width: int
    height: int
    screen: str | None


@dataclass(frozen=True)
class Cells:
    """Sparse heatmap cells: column/row index, events (or dwell ms) and distinct sessions per cell."""

    cx: np.ndarray
    cy: np.ndarray
    weight: np.ndarray
    sessions: np.ndarray
    sessions_on_page: int  # sessions of the segment that showed the page (at the device, if given)
    points: int


@dataclass(frozen=True)
class Bands:
    """Attention: viewport bands (page y ``top``..``bottom``) and the ms each was on screen, summed over the
    segment's sessions, or per session (``session``: index into the sorted session ids, else -1)."""

    top: np.ndarray
    bottom: np.ndarray
    ms: np.ndarray
    session: np.ndarray
    sessions_on_page: int
    points: int


def engine(lib: LibraryStore) -> Engine:
    return lib.engine


def col(table: pa.Table, name: str, dtype: Any) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype)


def scope(lib: LibraryStore, segment: Segment | None, device: str | None) -> tuple[str, list[Any]]:
    cond, params = _compile.where(segment, _wide.names(lib))
    if device is not None:
        cond = f"({cond}) AND s.device_class = ?"
        params = [*params, device]
    return cond, params


def page_match(page: str) -> tuple[str, list[Any]]:
    """SQL matching ``pages p`` against ``page``: globs separated by ``|`` (any of them); a glob starting with
    ``/`` matches the URL's path, anything else the whole URL."""
    globs = [g.strip() for g in page.split("|") if g.strip()] or [page]
    return _compile.page_match("p", globs)


def page_ref(lib: LibraryStore, segment: Segment | None, page: str, device: str | None = None) -> PageRef | None:
    """The reference page for ``page`` (a glob on the URL, or on the path when it starts with ``/``)."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page)
    rows = engine(lib).execute(
        "SELECT min(p.path) AS path, min(p.title) AS title, p.width, p.height, p.screen, count(*) AS n, "
        "min(p.url) AS url FROM pages p "
        f"JOIN sessions s ON s.session_id = p.session_id WHERE {cond} AND p.first_ms IS NOT NULL AND {match} "
        "GROUP BY p.width, p.height, p.screen "
        "ORDER BY (p.screen IS NULL), n DESC, p.width, p.height, p.screen LIMIT 1",
        [*params, *mparams]).to_pylist()
    if not rows:
        return None
    r = rows[0]
    path, title, w, h, screen, url = r["path"], r["title"], r["width"], r["height"], r["screen"], r["url"]
    base = str(url).split("?")[0].split("#")[0]
    origin = base[: len(base) - len(str(path))] if path and base.endswith(str(path)) else ""
    return PageRef(origin + str(path or url), str(title or ""), int(w or 0), int(h or 0),
                   str(screen) if screen else None)


def pairs_cte(lib: LibraryStore, segment: Segment | None, page: str, device: str | None) -> tuple[str, list[Any]]:
    """The (session, version, page index) visits of ``page`` by the segment's sessions: catalogue only."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page)
    return ("SELECT DISTINCT p.session_id, s.sha256, p.page, s.viewport_height, s.duration_ms FROM pages p "
            "JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"), [*params, *mparams]


def _on_page(lib: LibraryStore, pairs: str, params: list[Any]) -> int:
    found = engine(lib).execute(f"SELECT count(DISTINCT session_id) AS n FROM ({pairs}) v", params)
    return int(found.column("n")[0].as_py() or 0)


def visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None
           ) -> tuple[str, list[Any], int]:
    """A CTE ``ev`` of the events on the visits of ``page`` (restricted to the ``day`` partitions the segment's
    date range allows, so both engines prune files) and the number of sessions that showed the page."""
    pairs, params = pairs_cte(lib, segment, page, device)
    n_sessions = _on_page(lib, pairs, params)
    days, dparams = _compile.day_bounds(segment)
    sql = (f"WITH v AS ({pairs}), ev AS (SELECT e.*, v.viewport_height AS session_viewport_height, "
           "v.duration_ms AS session_duration_ms FROM events e "
           f"JOIN v ON v.session_id = e.session_id AND v.sha256 = e.sha256 AND v.page = e.page WHERE {days})")
    return sql, [*params, *dparams], n_sessions


def stored_visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None, kind: str
                  ) -> tuple[str, list[Any], int, int]:
    """As ``visits`` over the stored cells: CTEs ``sel`` (the segment's session versions: ``skey``,
    ``session_id``, ``viewport_height``) and ``hc`` (their cell rows of ``kind`` on the URLs matching ``page``);
    the sessions that showed the page and the number of matched URLs."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page)
    pairs, pparams = pairs_cte(lib, segment, page, device)
    n_sessions = _on_page(lib, pairs, pparams)
    urls = [str(u) for u in engine(lib).execute(
        f"SELECT DISTINCT p.url FROM pages p JOIN sessions s ON s.session_id = p.session_id WHERE {cond} "
        f"AND p.first_ms IS NOT NULL AND p.url IS NOT NULL AND {match} ORDER BY 1",
        [*params, *mparams]).column("url").to_pylist()]
    if len(urls) <= _URL_LIST_MAX:
        url_cond, uparams = _compile.in_list("c.url", urls)
    else:
        url_cond = (f"c.url IN (SELECT p.url FROM pages p JOIN sessions s ON s.session_id = p.session_id "
                    f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match})")
        uparams = [*params, *mparams]
    days, dparams = _compile.day_bounds(segment, "c")
    sel = ("SELECT DISTINCT k.skey, s.session_id, s.viewport_height FROM sessions s "
           f"JOIN cell_keys k ON k.session_id = s.session_id AND k.sha256 = s.sha256 WHERE {cond}")
    # every key the cells can hold is selected (no other segment, device or replaced version): no key filter
    counts = engine(lib).execute(f"SELECT (SELECT count(DISTINCT skey) FROM ({sel}) q) AS a, "
                                 "(SELECT count(DISTINCT skey) FROM cell_keys) AS b", params).to_pylist()[0]
    keys = "" if counts["a"] == counts["b"] else " AND c.skey IN (SELECT skey FROM sel)"
    sql = (f"WITH sel AS ({sel}), "
           f"hc AS (SELECT c.* FROM heat_cells c WHERE c.kind = ? AND {url_cond} AND {days}{keys})")
    return sql, [*params, kind, *uparams, *dparams], n_sessions, len(urls)


def _empty_cells() -> Cells:
    empty = np.zeros(0, np.int64)
    return Cells(empty, empty, empty.astype(float), empty, sessions_on_page=0, points=0)


def _route(lib: LibraryStore, stored: bool | None, can: bool) -> bool:
    if stored is None:
        return can and _cells.available(lib)
    if stored and not _cells.available(lib):
        raise ValueError(_OLD)
    if stored and not can:
        raise ValueError("the stored cells cannot answer this map (relative x, cell size or an old library)")
    return stored


def cells(lib: LibraryStore, segment: Segment | None, page: str, kind: str, *, device: str | None = None,
          cell_px: float = 16.0, relative_width: float | None = None, stored: bool | None = None) -> Cells:
    """Click or movement cells of ``page`` for the sessions of ``segment``.

    Page position = viewport position + document scroll, except in fixed elements (as the one-session maps).
    ``relative_width``: x as a share of the viewport width re-projected onto that width (mixed widths).
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None)."""
    if kind not in ("click", "move"):
        raise ValueError(f"cells are for click and move maps, not {kind!r}")
    k = _cells.factor(cell_px) if relative_width is None else None
    if _route(lib, stored, k is not None):
        return _stored_cells(lib, segment, page, kind, device, int(k or 1))
    cte, params, on_page = visits(lib, segment, page, device)
    if on_page == 0:
        return _empty_cells()
    xs = ("e.x / nullif(e.width, 0) * ?" if relative_width else
          "e.x + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_x, 0) END")
    x_params: list[Any] = [float(relative_width)] if relative_width else []
    ys = "e.y + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_y, 0) END"
    if kind == "click":
        weight, kinds = "CAST(1 AS DOUBLE)", ["click"]
    else:
        weight = (f"least(coalesce(lead(e.t) OVER (PARTITION BY e.session_id, e.page ORDER BY e.i) - e.t, 0), "
                  f"{DWELL_CAP_MS})")
        kinds = list(POINTER_KINDS)
    kind_cond, kparams = _compile.in_list("e.kind", kinds)
    res = engine(lib).execute(
        f"{cte}, pts AS (SELECT e.session_id, CAST(floor(({xs}) / ?) AS BIGINT) AS cx, "
        f"CAST(floor(({ys}) / ?) AS BIGINT) AS cy, {weight} AS w FROM ev e WHERE {kind_cond} "
        f"AND e.x IS NOT NULL AND e.y IS NOT NULL AND ({xs}) < {_cells.MAX_X} AND ({ys}) < {_cells.MAX_Y}) "
        "SELECT cx, cy, CAST(sum(w) AS DOUBLE) AS w, count(DISTINCT session_id) AS n, count(*) AS k FROM pts "
        "WHERE cx IS NOT NULL AND cy IS NOT NULL AND cx >= 0 AND cy >= 0 GROUP BY cx, cy ORDER BY cx, cy",
        [*params, *x_params, float(cell_px), float(cell_px), *kparams, *x_params])
    return Cells(col(res, "cx", np.int64), col(res, "cy", np.int64), col(res, "w", float),
                 col(res, "n", np.int64), sessions_on_page=on_page, points=int(np.sum(col(res, "k", np.int64))))


def _stored_cells(lib: LibraryStore, segment: Segment | None, page: str, kind: str, device: str | None,
                  k: int) -> Cells:
    cte, params, on_page, n_urls = stored_visits(lib, segment, page, device, kind)
    if on_page == 0:
        return _empty_cells()
    row = _cells.CELL_ROW
    if k == 1 and n_urls == 1:
        # one row per session, URL and cell: the rows of a cell are its sessions, one GROUP BY of one int column
        sql = (f"{cte} SELECT cell, CAST(sum(w) AS DOUBLE) AS w, count(*) AS n, CAST(sum(n) AS BIGINT) AS k "
               "FROM hc GROUP BY cell")
    else:  # several URLs or coarser cells: one row per session and cell first, then count rows
        gx = f"CAST(floor((cell % {row}) / {k}) AS BIGINT)"
        gy = f"CAST(floor(floor(cell / {row}) / {k}) AS BIGINT)"
        sql = (f"{cte}, pts AS (SELECT skey, {gy} * {row} + {gx} AS g, sum(w) AS w, sum(n) AS n FROM hc "
               "GROUP BY skey, g) "
               "SELECT g AS cell, CAST(sum(w) AS DOUBLE) AS w, count(*) AS n, CAST(sum(n) AS BIGINT) AS k FROM pts "
               "GROUP BY g")
    res = engine(lib).execute(sql, params)
    cell = col(res, "cell", np.int64)
    cx, cy = cell % row, cell // row
    order = np.lexsort((cy, cx))
    return Cells(cx[order], cy[order], col(res, "w", float)[order], col(res, "n", np.int64)[order],
                 sessions_on_page=on_page, points=int(np.sum(col(res, "k", np.int64))))


def reach(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
          stored: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per session that showed the page (by session id): the deepest page y its viewport reached, and its first
    viewport height there (the fold it saw). Two float arrays, one entry per session.
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None)."""
    if _route(lib, stored, True):
        cte, params, on_page, _ = stored_visits(lib, segment, page, device, "reach")
        if on_page == 0:
            return np.zeros(0), np.zeros(0)
        bottom_s = "hc.bottom_s + sel.viewport_height"
        res = engine(lib).execute(
            f"{cte} SELECT sel.session_id, CAST(max(greatest(coalesce(hc.bottom_h, {bottom_s}), "
            f"coalesce({bottom_s}, hc.bottom_h))) AS DOUBLE) AS bottom, "
            "CAST(arg_min(coalesce(hc.fold_h, sel.viewport_height), hc.first_i) AS DOUBLE) AS fold FROM hc "
            "JOIN sel ON sel.skey = hc.skey GROUP BY sel.session_id ORDER BY sel.session_id", params)
        return col(res, "bottom", float), col(res, "fold", float)
    cte, params, on_page = visits(lib, segment, page, device)
    if on_page == 0:
        return np.zeros(0), np.zeros(0)
    res = engine(lib).execute(
        f"{cte} SELECT session_id, "
        "CAST(max(coalesce(scroll_y, 0) + coalesce(height, session_viewport_height)) AS DOUBLE) AS bottom, "
        "CAST(arg_min(coalesce(height, session_viewport_height), i) AS DOUBLE) AS fold FROM ev "
        "GROUP BY session_id ORDER BY session_id", params)
    return col(res, "bottom", float), col(res, "fold", float)


def bands(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
          per_session: bool = False, stored: bool | None = None) -> Bands:
    """Attention bands of ``page``: how long each viewport band was on screen (the one-session attention map's
    definition: each event on the page weighs the time to the next event of its visit, at most
    ``ATTENTION_CAP_MS``; the recording's last event the time to its end), summed over the segment's sessions or
    per session. Bands without any height (no viewport height at all) are left out."""
    by = "session_id, " if per_session else ""
    if _route(lib, stored, True):
        cte, params, on_page, _ = stored_visits(lib, segment, page, device, "band")
        body = (f"{cte}, b AS (SELECT sel.session_id, hc.top, coalesce(hc.h, CAST(sel.viewport_height AS DOUBLE)) "
                "AS hh, hc.w AS dt, hc.n AS n FROM hc JOIN sel ON sel.skey = hc.skey) ")
    else:
        cte, params, on_page = visits(lib, segment, page, device)
        days, dparams = _compile.day_bounds(segment)
        win = "PARTITION BY e.session_id, e.page ORDER BY e.i"
        cap = ATTENTION_CAP_MS
        body = (f"{cte}, q AS (SELECT DISTINCT session_id, sha256 FROM v), "
                "lasts AS (SELECT e.session_id, max(e.i) AS last_i FROM events e JOIN q ON q.session_id = e.session_id "
                f"AND q.sha256 = e.sha256 WHERE {days} GROUP BY e.session_id), "
                "b AS (SELECT e.session_id, coalesce(e.scroll_y, 0) AS top, coalesce(CAST(CASE WHEN e.height > 0 "
                "THEN e.height END AS DOUBLE), CAST(e.session_viewport_height AS DOUBLE)) AS hh, "
                f"CASE WHEN lead(e.i) OVER ({win}) IS NOT NULL "
                f"THEN greatest(coalesce(least(lead(e.t) OVER ({win}) - e.t, {cap}), 0), 0) "
                f"WHEN e.i = l.last_i THEN greatest(coalesce(least(e.session_duration_ms - e.t, {cap}), 0), 0) "
                "ELSE 0 END AS dt, 1 AS n FROM ev e JOIN lasts l ON l.session_id = e.session_id) ")
        params = [*params, *dparams]
    if on_page == 0:
        empty = np.zeros(0)
        return Bands(empty, empty, empty, np.zeros(0, np.int64), 0, 0)
    res = engine(lib).execute(
        f"{body}SELECT {by}top, hh, CAST(sum(dt) AS DOUBLE) AS ms, CAST(sum(n) AS BIGINT) AS n FROM b "
        f"GROUP BY {by}top, hh ORDER BY {by}top, hh", params)
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
                 np.asarray(session, np.int64)[keep], on_page, int(n.sum()))
