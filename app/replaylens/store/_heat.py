"""The heatmap queries of an aggregate map: the reference page and the click and movement cells of one page over a
segment (``store.aggregate`` re-exports them; scroll reach and attention bands are in ``store._reach``;
docs/library.md).

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

# The weights and caps are defined once, in core (``heatmap_kinds``, ``kinds``); the SQL below restates only
# their arithmetic over raw events, for what the stored cells cannot answer.
from replaylens.core.heatmap_kinds import DEFAULT_DWELL_CAP_MS as DWELL_CAP_MS
from replaylens.core.kinds import POINTER_KIND_NAMES as POINTER_KINDS
from replaylens.model.segment import Segment
from replaylens.store import _cells, _compile, _wide

if TYPE_CHECKING:
    from replaylens.store.engine import Engine
    from replaylens.store.library import LibraryStore

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
    folds: np.ndarray | None = None  # with ``folds=True``: each session's fold, as ``reach`` gives it


@dataclass(frozen=True)
class PageScope:
    """What the catalogue says about ``page`` for a segment, read in one statement (``page_scope``): the reference
    page, the sessions that showed it, the matched URLs and whether the segment's session versions are every key
    the stored cells hold (then the cells need no key filter; False without stored cells or page visits)."""

    ref: PageRef | None
    on_page: int
    urls: tuple[str, ...]
    every_key: bool


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


def page_match(page: str, lib: LibraryStore | None = None) -> tuple[str, list[Any]]:
    """SQL matching ``pages p`` against ``page``: globs separated by ``|`` (any of them); a glob starting with
    ``/`` matches the URL's path or its template, anything else the whole URL."""
    globs = [g.strip() for g in page.split("|") if g.strip()] or [page]
    return _compile.page_match("p", globs, _wide.names(lib).templates if lib is not None else True)


def _ref_sql(rows: str) -> str:
    """The reference page's row among ``rows`` (page visits with path, title, width, height, screen, url)."""
    return ("SELECT min(path) AS path, min(title) AS title, width, height, screen, count(*) AS n, min(url) AS url "
            f"FROM {rows} GROUP BY width, height, screen "
            "ORDER BY (screen IS NULL), n DESC, width, height, screen LIMIT 1")


def _matched(lib: LibraryStore, segment: Segment | None, page: str, device: str | None) -> tuple[str, list[Any]]:
    """The page visits of ``page`` by the segment's sessions (catalogue only), one row per visit."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page, lib)
    return ("SELECT p.session_id, p.path, p.title, p.width, p.height, p.screen, p.url FROM pages p "
            f"JOIN sessions s ON s.session_id = p.session_id WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"
            ), [*params, *mparams]


def _page_ref(r: dict[str, Any]) -> PageRef:
    path, title, w, h, screen, url = r["path"], r["title"], r["width"], r["height"], r["screen"], r["url"]
    base = str(url).split("?")[0].split("#")[0]
    origin = base[: len(base) - len(str(path))] if path and base.endswith(str(path)) else ""
    return PageRef(origin + str(path or url), str(title or ""), int(w or 0), int(h or 0),
                   str(screen) if screen else None)


def page_ref(lib: LibraryStore, segment: Segment | None, page: str, device: str | None = None) -> PageRef | None:
    """The reference page for ``page`` (a glob on the URL, or on the path when it starts with ``/``)."""
    m, params = _matched(lib, segment, page, device)
    rows = engine(lib).execute(_ref_sql(f"({m}) m"), params).to_pylist()
    return _page_ref(rows[0]) if rows else None


def _all_keys(lib: LibraryStore) -> int:
    """The session keys the stored cells hold (cached until the next write: no segment changes it)."""
    found = lib.cached("cells:keys")
    if found is None:
        found = lib.remember("cells:keys", int(engine(lib).execute(
            "SELECT count(DISTINCT skey) AS n FROM cell_keys").column("n")[0].as_py() or 0))
    return int(found)


def _urls(lib: LibraryStore, page: str) -> tuple[str, ...]:
    """The URLs of every session's visits matching ``page`` (no segment: the cells are also filtered by session,
    so URLs only other sessions showed select nothing), cached until the next write."""
    key = f"heat:urls:{page}"
    found = lib.cached(key)
    if found is None:
        match, mparams = page_match(page, lib)
        res = engine(lib).execute(
            "SELECT DISTINCT p.url FROM pages p JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE p.first_ms IS NOT NULL AND p.url IS NOT NULL AND {match}", mparams)
        found = lib.remember(key, tuple(sorted(str(u) for u in res.column("url").to_pylist())))
    return tuple(found)


def page_scope(lib: LibraryStore, segment: Segment | None, page: str, device: str | None = None) -> PageScope:
    """``page_ref``, the sessions on the page and (when the library has stored cells) the segment's session keys
    in one catalogue statement, and the URLs matching ``page``: pass it to ``cells``, ``reach`` or ``bands``."""
    m, params = _matched(lib, segment, page, device)
    keyed = _cells.available(lib)
    sql = (f"WITH m AS ({m}), r AS ({_ref_sql('m')}) "
           "SELECT r.*, (SELECT count(DISTINCT session_id) FROM m) AS on_page")
    args = list(params)
    if keyed:
        cond, cparams = scope(lib, segment, device)
        sql += (", (SELECT count(DISTINCT k.skey) FROM sessions s JOIN cell_keys k ON k.session_id = s.session_id "
                f"AND k.sha256 = s.sha256 WHERE {cond}) AS keys")
        args += cparams
    rows = engine(lib).execute(f"{sql} FROM r", args).to_pylist()
    if not rows:  # no visit of the page: nothing to draw
        return PageScope(None, 0, (), False)
    r = rows[0]
    every = keyed and int(r["keys"] or 0) == _all_keys(lib)
    return PageScope(_page_ref(r), int(r["on_page"] or 0), _urls(lib, page) if keyed else (), every)


def pairs_cte(lib: LibraryStore, segment: Segment | None, page: str, device: str | None) -> tuple[str, list[Any]]:
    """The (session, version, page index) visits of ``page`` by the segment's sessions: catalogue only."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page, lib)
    return ("SELECT DISTINCT p.session_id, s.sha256, p.page, s.viewport_height, s.duration_ms FROM pages p "
            "JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE {cond} AND p.first_ms IS NOT NULL AND {match}"), [*params, *mparams]


def _on_page(lib: LibraryStore, pairs: str, params: list[Any]) -> int:
    found = engine(lib).execute(f"SELECT count(DISTINCT session_id) AS n FROM ({pairs}) v", params)
    return int(found.column("n")[0].as_py() or 0)


def visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None,
           known: PageScope | None = None) -> tuple[str, list[Any], int]:
    """A CTE ``ev`` of the events on the visits of ``page`` (restricted to the ``day`` partitions the segment's
    date range allows, so both engines prune files) and the number of sessions that showed the page (from
    ``known``, the segment's ``page_scope``, when given)."""
    pairs, params = pairs_cte(lib, segment, page, device)
    n_sessions = known.on_page if known is not None else _on_page(lib, pairs, params)
    days, dparams = _compile.day_bounds(segment)
    sql = (f"WITH v AS ({pairs}), ev AS (SELECT e.*, v.viewport_height AS session_viewport_height, "
           "v.duration_ms AS session_duration_ms FROM events e "
           f"JOIN v ON v.session_id = e.session_id AND v.sha256 = e.sha256 AND v.page = e.page WHERE {days})")
    return sql, [*params, *dparams], n_sessions


def stored_visits(lib: LibraryStore, segment: Segment | None, page: str, device: str | None,
                  kind: str | tuple[str, ...], known: PageScope | None = None) -> tuple[str, list[Any], int, int]:
    """As ``visits`` over the stored cells: CTEs ``sel`` (the segment's session versions: ``skey``,
    ``session_id``, ``viewport_height``) and ``hc`` (their cell rows of ``kind``, or of any of several kinds, on
    the URLs matching ``page``); the sessions that showed the page and the number of matched URLs.
    ``known``: the segment's ``page_scope`` (else read here)."""
    cond, params = scope(lib, segment, device)
    match, mparams = page_match(page, lib)
    known = known if known is not None else page_scope(lib, segment, page, device)
    urls = list(known.urls)
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
    keys = "" if known.every_key else " AND c.skey IN (SELECT skey FROM sel)"
    # one scan per kind: an equality on the kind skips the other kinds' row groups, an IN list skips none
    kinds = [kind] if isinstance(kind, str) else list(kind)
    one = f"SELECT c.* FROM heat_cells c WHERE c.kind = ? AND {url_cond} AND {days}{keys}"
    sql = f"WITH sel AS ({sel}), hc AS ({' UNION ALL '.join(one for _ in kinds)})"
    args = [*params]
    for k in kinds:
        args += [k, *uparams, *dparams]
    return sql, args, known.on_page, len(urls)


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
          cell_px: float = 16.0, relative_width: float | None = None, stored: bool | None = None,
          known: PageScope | None = None) -> Cells:
    """Click or movement cells of ``page`` for the sessions of ``segment``.

    Page position = viewport position + document scroll, except in fixed elements (as the one-session maps).
    ``relative_width``: x as a share of the viewport width re-projected onto that width (mixed widths).
    ``stored``: read the pre-binned cells (True), the events (False) or whichever can answer (None).
    ``known``: the segment's ``page_scope`` of ``page`` and ``device``, when the caller has read it already."""
    if kind not in ("click", "move"):
        raise ValueError(f"cells are for click and move maps, not {kind!r}")
    k = _cells.factor(cell_px) if relative_width is None else None
    if _route(lib, stored, k is not None):
        return _stored_cells(lib, segment, page, kind, device, int(k or 1), known)
    cte, params, on_page = visits(lib, segment, page, device, known)
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
                  k: int, known: PageScope | None) -> Cells:
    cte, params, on_page, n_urls = stored_visits(lib, segment, page, device, kind, known)
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


#: Stands for "no fold height stored" inside an aggregate (the session's viewport height is used after the join).
