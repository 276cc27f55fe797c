"""Aggregate queries over a library for comparisons: heatmap cells per page, scroll reach, funnel step hits,
group membership and findings per session. Every SQL string of the comparison work lives here.

Each query is written once over the named views of ``store.engine`` (``events``, ``sessions``, ``pages`` …) and
runs on the library's engine (DuckDB by default, or Spark): the GROUP BY over the events the catalogue names
(orphans are never read), joined to the catalogue's sessions (current version only) and pages (to match the page
by URL or path). Queries return session ids, mapped to indices into the caller's ids in numpy.
A heatmap cell counts both the events in it and the *distinct sessions* with an event in it: comparisons count each
session once per cell, aggregate maps may use either. Click and movement cells and scroll reach are read from the
pre-binned cells written at ingest (``heat_cells``, ``store._cells``) when every events file has them and the cell
size is the stored one times a power of two; otherwise (a library from before layout 3, relative x, another cell
size) from the events. Both routes give the same numbers (tests/unit/test_heat_cells.py). Results come back as
numpy arrays, so the analysis layer and the views never see SQL (and a distributed engine can implement the same
functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _cells, _compile, _wide

if TYPE_CHECKING:
    from replaylens.store.engine import Engine
    from replaylens.store.library import LibraryStore

#: Event kinds that position the pointer (movement maps), as stored in the library's Parquet.
POINTER_KINDS = _cells.POINTER_KINDS
#: A movement sample weighs the time to the next sample, at most this (ms): as the one-session movement map.
DWELL_CAP_MS = _cells.DWELL_CAP_MS
#: The custom-event name: the rrweb/PostHog tag in the JSON detail (invalid JSON counts as no name).
EVENT_NAME = "json_extract_string(CASE WHEN json_valid(e.detail) THEN e.detail END, '$.tag')"


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


def _engine(lib: LibraryStore) -> Engine:
    return lib.engine


def _np(table: pa.Table, name: str, dtype: Any) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype)


def _positions(ids: list[str], found: pa.Table, name: str = "session_id") -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``ids`` of the rows' session ids, and a mask of the rows whose session is in ``ids``."""
    sids = np.asarray(found.column(name).to_pylist(), dtype=str)
    if not ids or sids.size == 0:
        return np.zeros(0, np.int64), np.zeros(sids.size, bool)
    keys = np.asarray(ids, dtype=str)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    j = np.minimum(np.searchsorted(ordered, sids), ordered.size - 1)
    ok = ordered[j] == sids
    return order[j[ok]].astype(np.int64), ok


def _scope(lib: LibraryStore, segment: Segment | None, device: str | None) -> tuple[str, list[Any]]:
    cond, params = _compile.where(segment, _wide.names(lib))
    if device is not None:
        cond = f"({cond}) AND s.device_class = ?"
        params = [*params, device]
    return cond, params


def _page_match(page: str) -> tuple[str, list[Any]]:
    """SQL matching ``pages p`` against ``page``: globs separated by ``|`` (any of them); a glob starting with
    ``/`` matches the URL's path, anything else the whole URL."""
    globs = [g.strip() for g in page.split("|") if g.strip()] or [page]
    return _compile.page_match("p", globs)


def page_ref(lib: LibraryStore, segment: Segment | None, page: str, device: str | None = None) -> PageRef | None:
    """The reference page for ``page`` (a glob on the URL, or on the path when it starts with ``/``)."""
    cond, params = _scope(lib, segment, device)
    match, mparams = _page_match(page)
    rows = _engine(lib).execute(
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


def _pairs_cte(lib: LibraryStore, segment: Segment | None, page: str, device: str | None) -> tuple[str, list[Any]]:
    """The (session, version, page index) visits of ``page`` by the segment's sessions: catalogue only."""
    cond, params = _scope(lib, segment, device)
    match, mparams = _page_match(page)
    return ("SELECT DISTINCT p.session_id, s.sha256, p.page, s.viewport_height FROM pages p "
            "JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"), [*params, *mparams]


def _visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None
            ) -> tuple[str, list[Any], int]:
    """A CTE ``ev`` of the events on the visits of ``page`` (restricted to the ``day`` partitions the segment's
    date range allows, so both engines prune files) and the number of sessions that showed the page."""
    pairs, params = _pairs_cte(lib, segment, page, device)
    found = _engine(lib).execute(f"SELECT count(DISTINCT session_id) AS n FROM ({pairs}) v", params)
    n_sessions = int(found.column("n")[0].as_py() or 0)
    days, dparams = _compile.day_bounds(segment)
    sql = (f"WITH v AS ({pairs}), ev AS (SELECT e.*, v.viewport_height AS session_viewport_height FROM events e "
           f"JOIN v ON v.session_id = e.session_id AND v.sha256 = e.sha256 AND v.page = e.page WHERE {days})")
    return sql, [*params, *dparams], n_sessions


def _cell_visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None, kind: str
                 ) -> tuple[str, list[Any], int]:
    """As ``_visits``, a CTE ``hc`` of the stored cell rows of ``kind`` on the visits of ``page``."""
    pairs, params = _pairs_cte(lib, segment, page, device)
    found = _engine(lib).execute(f"SELECT count(DISTINCT session_id) AS n FROM ({pairs}) v", params)
    n_sessions = int(found.column("n")[0].as_py() or 0)
    days, dparams = _compile.day_bounds(segment, "c")
    sql = (f"WITH v AS ({pairs}), hc AS (SELECT c.*, v.viewport_height AS session_viewport_height "
           "FROM heat_cells c JOIN v ON v.session_id = c.session_id AND v.sha256 = c.sha256 AND v.page = c.page "
           f"WHERE {days} AND c.kind = ?)")
    return sql, [*params, *dparams, kind], n_sessions


def cells(lib: LibraryStore, segment: Segment | None, page: str, kind: str, *, device: str | None = None,
          cell_px: float = 16.0, relative_width: float | None = None, stored: bool | None = None) -> Cells:
    """Click or movement cells of ``page`` for the sessions of ``segment``.

    Page position = viewport position + document scroll, except in fixed elements (as the one-session maps).
    ``relative_width``: x as a share of the viewport width re-projected onto that width (mixed widths).
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None)."""
    if kind not in ("click", "move"):
        raise ValueError(f"cells are for click and move maps, not {kind!r}")
    k = _cells.factor(cell_px) if relative_width is None else None
    if stored is None:
        stored = k is not None and _cells.available(lib)
    elif stored and (k is None or not _cells.available(lib)):
        raise ValueError("the stored cells cannot answer this map (relative x, cell size or an old library)")
    if stored:
        return _stored_cells(lib, segment, page, kind, device, float(k or 1))
    cte, params, on_page = _visits(lib, segment, page, device)
    if on_page == 0:
        empty = np.zeros(0, np.int64)
        return Cells(empty, empty, empty.astype(float), empty, sessions_on_page=0, points=0)
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
    res = _engine(lib).execute(
        f"{cte}, pts AS (SELECT e.session_id, CAST(floor(({xs}) / ?) AS BIGINT) AS cx, "
        f"CAST(floor(({ys}) / ?) AS BIGINT) AS cy, {weight} AS w FROM ev e WHERE {kind_cond} "
        "AND e.x IS NOT NULL AND e.y IS NOT NULL) "
        "SELECT cx, cy, CAST(sum(w) AS DOUBLE) AS w, count(DISTINCT session_id) AS n, count(*) AS k FROM pts "
        "WHERE cx IS NOT NULL AND cy IS NOT NULL AND cx >= 0 AND cy >= 0 GROUP BY cx, cy ORDER BY cx, cy",
        [*params, *x_params, float(cell_px), float(cell_px), *kparams])
    return Cells(_np(res, "cx", np.int64), _np(res, "cy", np.int64), _np(res, "w", float),
                 _np(res, "n", np.int64), sessions_on_page=on_page, points=int(np.sum(_np(res, "k", np.int64))))


def _stored_cells(lib: LibraryStore, segment: Segment | None, page: str, kind: str, device: str | None,
                  k: float) -> Cells:
    cte, params, on_page = _cell_visits(lib, segment, page, device, kind)
    if on_page == 0:
        empty = np.zeros(0, np.int64)
        return Cells(empty, empty, empty.astype(float), empty, sessions_on_page=0, points=0)
    res = _engine(lib).execute(
        # two plain GROUP BYs instead of count(DISTINCT): one row per session and cell first, then count rows
        f"{cte}, pts AS (SELECT session_id, CAST(floor(cx / ?) AS BIGINT) AS gx, CAST(floor(cy / ?) AS BIGINT) "
        "AS gy, sum(w) AS w, sum(n) AS n FROM hc GROUP BY session_id, gx, gy) "
        "SELECT gx AS cx, gy AS cy, CAST(sum(w) AS DOUBLE) AS w, count(*) AS n, CAST(sum(n) AS BIGINT) AS k "
        "FROM pts GROUP BY gx, gy ORDER BY gx, gy", [*params, k, k])
    return Cells(_np(res, "cx", np.int64), _np(res, "cy", np.int64), _np(res, "w", float),
                 _np(res, "n", np.int64), sessions_on_page=on_page, points=int(np.sum(_np(res, "k", np.int64))))


def reach(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
          stored: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per session that showed the page (by session id): the deepest page y its viewport reached, and its first
    viewport height there (the fold it saw). Two float arrays, one entry per session.
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None)."""
    if stored is None:
        stored = _cells.available(lib)
    elif stored and not _cells.available(lib):
        raise ValueError("this library has event files without stored cells (written before layout 3)")
    if stored:
        cte, params, on_page = _cell_visits(lib, segment, page, device, "reach")
        if on_page == 0:
            return np.zeros(0), np.zeros(0)
        bottom_s = "bottom_s + session_viewport_height"
        res = _engine(lib).execute(
            f"{cte} SELECT session_id, CAST(max(greatest(coalesce(bottom_h, {bottom_s}), "
            f"coalesce({bottom_s}, bottom_h))) AS DOUBLE) AS bottom, "
            "CAST(arg_min(coalesce(fold_h, session_viewport_height), first_i) AS DOUBLE) AS fold FROM hc "
            "GROUP BY session_id ORDER BY session_id", params)
        return _np(res, "bottom", float), _np(res, "fold", float)
    cte, params, on_page = _visits(lib, segment, page, device)
    if on_page == 0:
        return np.zeros(0), np.zeros(0)
    res = _engine(lib).execute(
        f"{cte} SELECT session_id, "
        "CAST(max(coalesce(scroll_y, 0) + coalesce(height, session_viewport_height)) AS DOUBLE) AS bottom, "
        "CAST(arg_min(coalesce(height, session_viewport_height), i) AS DOUBLE) AS fold FROM ev "
        "GROUP BY session_id ORDER BY session_id", params)
    return _np(res, "bottom", float), _np(res, "fold", float)


def members(lib: LibraryStore, segment: Segment | None, key: str | None = None) -> tuple[list[str], list[str | None]]:
    """The sessions of ``segment`` (by start, then id) and, with ``key``, each one's value of that attribute or
    session column as text (None: the session has no such attribute)."""
    cond, params = _compile.where(segment, _wide.names(lib))
    order = "ORDER BY s.start_epoch_ms, s.session_id"
    if key is None:
        sql, args = f"SELECT s.session_id, CAST(NULL AS VARCHAR) AS v FROM sessions s WHERE {cond} {order}", params
    elif key in SESSION_COLUMNS:
        col = _compile.column(key)
        sql, args = f"SELECT s.session_id, CAST({col} AS VARCHAR) AS v FROM sessions s WHERE {cond} {order}", params
    else:
        sql = ("SELECT s.session_id, a.v_text AS v FROM sessions s LEFT JOIN attributes a "
               f"ON a.session_id = s.session_id AND a.key = ? WHERE {cond} {order}")
        args = [key, *params]
    res = _engine(lib).execute(sql, args)
    return ([str(v) for v in res.column("session_id").to_pylist()],
            [None if v is None else str(v) for v in res.column("v").to_pylist()])


def _hits_sql(kind: str, pattern: str, cond: str, days: str) -> tuple[str, list[Any]]:
    """``(session_id, t)`` rows of a funnel step for the sessions matching ``cond`` (current versions only)."""
    if kind == "page":
        match, mparams = _page_match(pattern)
        return ("SELECT p.session_id, p.first_ms AS t FROM pages p JOIN sessions s ON s.session_id = p.session_id "
                f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"), mparams
    if kind == "goal":
        return ("SELECT g.session_id, g.reached_ms AS t FROM goal_hits g "
                f"JOIN sessions s ON s.session_id = g.session_id WHERE {cond} AND g.goal = ? "
                "AND g.reached_ms IS NOT NULL"), [pattern]
    if kind in ("event", "click"):
        step = (f"e.kind = 'custom' AND {EVENT_NAME} = ?" if kind == "event" else
                "e.kind = 'click' AND strpos(lower(e.target_text), lower(?)) > 0")
        return ("SELECT e.session_id, e.t FROM events e "
                "JOIN sessions s ON s.session_id = e.session_id AND s.sha256 = e.sha256 "
                f"WHERE {cond} AND {days} AND {step}"), [pattern]
    raise ValueError(f"unknown step kind {kind!r} (page, event, click, goal)")


def step_hits(lib: LibraryStore, ids: list[str], kind: str, pattern: str, segment: Segment | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Every moment a session of ``ids`` met a funnel step: (index into ``ids``, ms from its start), sorted.

    ``page``: each showing of a page matching the glob; ``event``: a custom event of that name; ``click``: a click
    on an element whose label contains the text (case-insensitive); ``goal``: the goal's first reach.
    ``segment`` (the one ``ids`` came from) narrows the scan; hits outside ``ids`` are dropped either way."""
    cond, params = _compile.where(segment, _wide.names(lib))
    days, dparams = _compile.day_bounds(segment) if kind in ("event", "click") else ("true", [])
    sql, sparams = _hits_sql(kind, pattern, cond, days)
    res = _engine(lib).execute(sql, [*params, *dparams, *sparams])
    k, ok = _positions(ids, res)
    t = _np(res, "t", np.int64)[ok]
    order = np.lexsort((t, k))
    return k[order], t[order]


def page_clicks(lib: LibraryStore, ids: list[str], page: str, segment: Segment | None = None
                ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Sessions of ``ids`` that showed ``page`` (indices into ``ids``, ascending), the labels clicked there, and a
    bool matrix (those sessions × labels): did the session click that label on that page?"""
    cond, params = _compile.where(segment, _wide.names(lib))
    match, mparams = _page_match(page)
    eng = _engine(lib)
    seen = eng.execute(f"SELECT DISTINCT p.session_id FROM pages p JOIN sessions s ON s.session_id = p.session_id "
                       f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}", [*params, *mparams])
    seen_k = np.unique(_positions(ids, seen)[0])
    if seen_k.size == 0:
        return seen_k, [], np.zeros((0, 0), bool)
    days, dparams = _compile.day_bounds(segment)
    res = eng.execute(
        "SELECT DISTINCT e.session_id, trim(e.target_text) AS label FROM events e "
        "JOIN sessions s ON s.session_id = e.session_id AND s.sha256 = e.sha256 "
        "JOIN pages p ON p.session_id = e.session_id AND p.page = e.page "
        f"WHERE {cond} AND {days} AND e.kind = 'click' AND coalesce(trim(e.target_text), '') <> '' AND {match}",
        [*params, *dparams, *mparams])
    k, ok = _positions(ids, res)
    found = [str(v) for v, keep in zip(res.column("label").to_pylist(), ok, strict=True) if keep]
    row = np.searchsorted(seen_k, k)
    inside = (row < seen_k.size) & (seen_k[np.minimum(row, seen_k.size - 1)] == k)
    labels = sorted(set(found))
    col = {lb: j for j, lb in enumerate(labels)}
    out = np.zeros((seen_k.size, len(labels)), bool)
    out[row[inside], [col[v] for v, keep in zip(found, inside, strict=True) if keep]] = True
    return seen_k, labels, out


def finding_flags(lib: LibraryStore, ids: list[str], segment: Segment | None = None) -> dict[str, np.ndarray]:
    """Per finding kind, a bool array over ``ids``: did the session have that finding?"""
    cond, params = _compile.where(segment, _wide.names(lib))
    res = _engine(lib).execute(
        "SELECT f.kind, f.session_id FROM findings f JOIN sessions s ON s.session_id = f.session_id "
        f"WHERE {cond} AND f.n > 0", params)
    k, ok = _positions(ids, res)
    kinds = np.asarray(res.column("kind").to_pylist(), dtype=object)[ok]
    out: dict[str, np.ndarray] = {}
    for kind in sorted({str(v) for v in kinds}):
        flags = np.zeros(len(ids), bool)
        flags[k[kinds == kind]] = True
        out[kind] = flags
    return out


def goal_reached(lib: LibraryStore, ids: list[str], goal: str, segment: Segment | None = None) -> np.ndarray:
    """Bool array over ``ids``: reached the goal."""
    k, _ = step_hits(lib, ids, "goal", goal, segment)
    out = np.zeros(len(ids), bool)
    out[k] = True
    return out
