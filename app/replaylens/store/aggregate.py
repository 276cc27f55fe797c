"""Aggregate queries over a library for comparisons: heatmap cells per page, scroll reach, funnel step hits,
group membership and findings per session. Every SQL string of the comparison work lives here.

Cells are computed by DuckDB's GROUP BY straight over the Parquet files the catalogue names (orphans are never
read), joined to the catalogue's sessions (current version only) and pages (to match the page by URL or path).
A heatmap cell counts both the events in it and the *distinct sessions* with an event in it: comparisons count each
session once per cell, aggregate maps may use either. Results come back as numpy arrays, so the analysis layer
and the views never see SQL (and a distributed engine can implement the same functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _compile, _wide

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Event kinds that position the pointer (movement maps), as stored in the library's Parquet.
POINTER_KINDS = ("move", "down", "up", "click", "dblclick", "contextmenu", "touch_start", "touch_move", "touch_end")
#: A movement sample weighs the time to the next sample, at most this (ms): as the one-session movement map.
DWELL_CAP_MS = 2_000


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


def _files(lib: LibraryStore) -> list[str]:
    rows = lib.cursor().execute("SELECT DISTINCT events_file FROM sessions").fetchall()
    return [str(lib.root / r[0]) for r in rows]


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
    sql = " OR ".join("(CASE WHEN ? THEN p.path ELSE p.url END) GLOB ?" for _ in globs)
    return f"({sql})", [v for g in globs for v in (g.startswith("/"), g)]


def page_ref(lib: LibraryStore, segment: Segment | None, page: str, device: str | None = None) -> PageRef | None:
    """The reference page for ``page`` (a glob on the URL, or on the path when it starts with ``/``)."""
    cond, params = _scope(lib, segment, device)
    match, mparams = _page_match(page)
    rows = lib.cursor().execute(
        "SELECT min(p.path), min(p.title), p.width, p.height, p.screen, count(*) AS n, min(p.url) FROM pages p "
        f"JOIN sessions s ON s.session_id = p.session_id WHERE {cond} AND p.first_ms IS NOT NULL AND {match} "
        "GROUP BY p.width, p.height, p.screen ORDER BY (p.screen IS NULL), n DESC LIMIT 1",
        [*params, *mparams]).fetchall()
    if not rows:
        return None
    path, title, w, h, screen, _, url = rows[0]
    base = str(url).split("?")[0].split("#")[0]
    origin = base[: len(base) - len(str(path))] if path and base.endswith(str(path)) else ""
    return PageRef(origin + str(path or url), str(title or ""), int(w or 0), int(h or 0),
                   str(screen) if screen else None)


def _pairs_cte(lib: LibraryStore, segment: Segment | None, page: str, device: str | None) -> tuple[str, list[Any]]:
    """The (session, version, page index) visits of ``page`` by the segment's sessions: catalogue only."""
    cond, params = _scope(lib, segment, device)
    match, mparams = _page_match(page)
    return ("SELECT DISTINCT p.session_id, s.sha256, p.page, s.events_file, s.viewport_height FROM pages p "
            "JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"), [*params, *mparams]


def _visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None
            ) -> tuple[str, list[Any], list[str], int]:
    """A CTE ``ev`` of the events on the visits of ``page``, reading only the Parquet files of those sessions;
    plus the files and the number of sessions that showed the page."""
    pairs, params = _pairs_cte(lib, segment, page, device)
    cur = lib.cursor()
    rows = cur.execute(f"SELECT count(DISTINCT session_id), list(DISTINCT events_file) FROM ({pairs})",
                       params).fetchall()
    n_sessions = int(rows[0][0] or 0)
    files = [str(lib.root / f) for f in (rows[0][1] or [])]
    sql = (f"WITH v AS ({pairs}), ev AS (SELECT e.*, v.viewport_height AS session_viewport_height "
           "FROM read_parquet(?::VARCHAR[], hive_partitioning = false, union_by_name = true) e "
           "JOIN v ON v.session_id = e.session_id AND v.sha256 = e.sha256 AND v.page = e.page)")
    return sql, [*params, files], files, n_sessions


def cells(lib: LibraryStore, segment: Segment | None, page: str, kind: str, *, device: str | None = None,
          cell_px: float = 16.0, relative_width: float | None = None) -> Cells:
    """Click or movement cells of ``page`` for the sessions of ``segment``.

    Page position = viewport position + document scroll, except in fixed elements (as the one-session maps).
    ``relative_width``: x as a share of the viewport width re-projected onto that width (mixed widths)."""
    if kind not in ("click", "move"):
        raise ValueError(f"cells are for click and move maps, not {kind!r}")
    cte, params, files, on_page = _visits(lib, segment, page, device)
    if not files:
        empty = np.zeros(0, np.int64)
        return Cells(empty, empty, empty.astype(float), empty, sessions_on_page=0, points=0)
    xs = ("e.x / nullif(e.width, 0) * ?" if relative_width else
          "e.x + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_x, 0) END")
    x_params: list[Any] = [float(relative_width)] if relative_width else []
    ys = "e.y + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_y, 0) END"
    if kind == "click":
        weight, kinds = "1.0", ["click"]
    else:
        weight = (f"least(coalesce(lead(e.t) OVER (PARTITION BY e.session_id, e.page ORDER BY e.i) - e.t, 0), "
                  f"{DWELL_CAP_MS})")
        kinds = list(POINTER_KINDS)
    res = lib.cursor().execute(
        f"{cte}, pts AS (SELECT e.session_id, floor(({xs}) / ?)::BIGINT AS cx, floor(({ys}) / ?)::BIGINT AS cy, "
        f"{weight} AS w FROM ev e WHERE list_contains(?::VARCHAR[], e.kind) AND e.x IS NOT NULL "
        "AND e.y IS NOT NULL) "
        "SELECT cx, cy, sum(w) AS w, count(DISTINCT session_id) AS n, count(*) AS k FROM pts "
        "WHERE cx IS NOT NULL AND cy IS NOT NULL AND cx >= 0 AND cy >= 0 GROUP BY cx, cy",
        [*params, *x_params, float(cell_px), float(cell_px), kinds]).fetchnumpy()
    return Cells(np.asarray(res["cx"], np.int64), np.asarray(res["cy"], np.int64), np.asarray(res["w"], float),
                 np.asarray(res["n"], np.int64), sessions_on_page=on_page, points=int(np.sum(res["k"])))


def reach(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Per session that showed the page: the deepest page y its viewport reached, and its first viewport height
    there (the fold it saw). Two float arrays, one entry per session."""
    cte, params, files, _ = _visits(lib, segment, page, device)
    if not files:
        return np.zeros(0), np.zeros(0)
    res = lib.cursor().execute(
        f"{cte} SELECT session_id, max(coalesce(scroll_y, 0) + coalesce(height, session_viewport_height)) AS bottom,"
        " arg_min(coalesce(height, session_viewport_height), i) AS fold FROM ev GROUP BY session_id",
        params).fetchnumpy()
    return np.asarray(res["bottom"], float), np.asarray(res["fold"], float)


def members(lib: LibraryStore, segment: Segment | None, key: str | None = None) -> tuple[list[str], list[str | None]]:
    """The sessions of ``segment`` (by start, then id) and, with ``key``, each one's value of that attribute or
    session column as text (None: the session has no such attribute)."""
    cond, params = _compile.where(segment, _wide.names(lib))
    cur = lib.cursor()
    if key is None:
        rows = cur.execute(f"SELECT s.session_id, NULL FROM sessions s WHERE {cond} "
                           "ORDER BY s.start_epoch_ms, s.session_id", params).fetchall()
    elif key in SESSION_COLUMNS:
        col = _compile.column(key)
        rows = cur.execute(f"SELECT s.session_id, CAST({col} AS VARCHAR) FROM sessions s WHERE {cond} "
                           "ORDER BY s.start_epoch_ms, s.session_id", params).fetchall()
    else:
        rows = cur.execute(
            "SELECT s.session_id, a.v_text FROM sessions s LEFT JOIN attributes a "
            f"ON a.session_id = s.session_id AND a.key = ? WHERE {cond} ORDER BY s.start_epoch_ms, s.session_id",
            [key, *params]).fetchall()
    return [str(r[0]) for r in rows], [None if r[1] is None else str(r[1]) for r in rows]


def step_hits(lib: LibraryStore, ids: list[str], kind: str, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """Every moment a session of ``ids`` met a funnel step: (index into ``ids``, ms from its start).

    ``page``: each showing of a page matching the glob; ``event``: a custom event of that name; ``click``: a click
    on an element whose label contains the text (case-insensitive); ``goal``: the goal's first reach."""
    cur = lib.cursor()
    index = "SELECT unnest(?::VARCHAR[]) AS session_id, generate_subscripts(?::VARCHAR[], 1) - 1 AS k"
    if kind == "page":
        match, mparams = _page_match(pattern)
        sql = (f"WITH ids AS ({index}) SELECT ids.k, p.first_ms FROM pages p JOIN ids USING (session_id) "
               f"WHERE p.first_ms IS NOT NULL AND {match}")
        params: list[Any] = [ids, ids, *mparams]
    elif kind == "goal":
        sql = (f"WITH ids AS ({index}) SELECT ids.k, g.reached_ms FROM goal_hits g JOIN ids USING (session_id) "
               "WHERE g.goal = ? AND g.reached_ms IS NOT NULL")
        params = [ids, ids, pattern]
    elif kind in ("event", "click"):
        files = _files(lib)
        if not files:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        cond = ("e.kind = 'custom' AND json_extract_string(CASE WHEN json_valid(e.detail) THEN e.detail END, "
                "'$.tag') = ?" if kind == "event" else
                "e.kind = 'click' AND strpos(lower(e.target_text), lower(?)) > 0")
        sql = (f"WITH ids AS ({index}) SELECT ids.k, e.t FROM read_parquet(?::VARCHAR[], hive_partitioning = false, "
               "union_by_name = true) e JOIN sessions s ON s.session_id = e.session_id AND s.sha256 = e.sha256 "
               f"JOIN ids ON ids.session_id = e.session_id WHERE {cond}")
        params = [ids, ids, files, pattern]
    else:
        raise ValueError(f"unknown step kind {kind!r} (page, event, click, goal)")
    res = cur.execute(sql, params).fetchnumpy()
    cols = list(res)
    return np.asarray(res[cols[0]], np.int64), np.asarray(res[cols[1]], np.int64)


def page_clicks(lib: LibraryStore, ids: list[str], page: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Sessions of ``ids`` that showed ``page`` (indices into ``ids``), the labels clicked there, and a bool matrix
    (those sessions × labels): did the session click that label on that page?"""
    files = _files(lib)
    index = "SELECT unnest(?::VARCHAR[]) AS session_id, generate_subscripts(?::VARCHAR[], 1) - 1 AS k"
    match, mparams = _page_match(page)
    seen = lib.cursor().execute(
        f"WITH ids AS ({index}) SELECT DISTINCT ids.k FROM pages p JOIN ids USING (session_id) "
        f"WHERE p.first_ms IS NOT NULL AND {match} ORDER BY 1", [ids, ids, *mparams]).fetchnumpy()
    seen_k = np.asarray(seen["k"], np.int64)
    if not files or seen_k.size == 0:
        return seen_k, [], np.zeros((seen_k.size, 0), bool)
    res = lib.cursor().execute(
        f"WITH ids AS ({index}) SELECT DISTINCT ids.k, trim(e.target_text) AS label "
        "FROM read_parquet(?::VARCHAR[], hive_partitioning = false, union_by_name = true) e "
        "JOIN sessions s ON s.session_id = e.session_id AND s.sha256 = e.sha256 "
        "JOIN ids ON ids.session_id = e.session_id "
        "JOIN pages p ON p.session_id = e.session_id AND p.page = e.page "
        f"WHERE e.kind = 'click' AND coalesce(trim(e.target_text), '') <> '' AND {match}",
        [ids, ids, files, *mparams]).fetchnumpy()
    labels = sorted({str(v) for v in res["label"]})
    col = {lb: j for j, lb in enumerate(labels)}
    row = np.searchsorted(seen_k, np.asarray(res["k"], np.int64))
    out = np.zeros((seen_k.size, len(labels)), bool)
    out[row, [col[str(v)] for v in res["label"]]] = True
    return seen_k, labels, out


def finding_flags(lib: LibraryStore, ids: list[str]) -> dict[str, np.ndarray]:
    """Per finding kind, a bool array over ``ids``: did the session have that finding?"""
    rows = lib.cursor().execute(
        "WITH ids AS (SELECT unnest(?::VARCHAR[]) AS session_id, generate_subscripts(?::VARCHAR[], 1) - 1 AS k) "
        "SELECT f.kind, list(ids.k) FROM findings f JOIN ids USING (session_id) WHERE f.n > 0 GROUP BY f.kind",
        [ids, ids]).fetchall()
    out: dict[str, np.ndarray] = {}
    for kind, ks in rows:
        flags = np.zeros(len(ids), bool)
        flags[np.asarray(ks, np.int64)] = True
        out[str(kind)] = flags
    return out


def goal_reached(lib: LibraryStore, ids: list[str], goal: str) -> np.ndarray:
    """Bool array over ``ids``: reached the goal."""
    k, _ = step_hits(lib, ids, "goal", goal)
    out = np.zeros(len(ids), bool)
    out[k] = True
    return out
