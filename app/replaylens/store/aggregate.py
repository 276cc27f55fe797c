"""Aggregate queries over a library for comparisons: heatmap cells per page, scroll reach, funnel step hits,
group membership and findings per session. Every SQL string of the comparison work lives here.

The heatmap queries (``page_ref``, ``page_scope``, ``cells``, ``reach``, ``bands``) live in ``store._heat`` and are
re-exported here; ``page_scope`` reads everything the catalogue says about a page for a segment in one statement,
and the other three take it (``known=``) instead of asking again. Each query is written once over the named views
of ``store.engine`` (``events``, ``sessions``, ``pages`` …) and runs on the library's engine (DuckDB by default,
or Spark): the GROUP BY over the events the catalogue names (orphans are never read), joined to the catalogue's
sessions (current version only) and pages (to match the page by URL or path). Queries return session ids, mapped
to indices into the caller's ids in numpy.
A heatmap cell counts both the events in it and the *distinct sessions* with an event in it: comparisons count each
session once per cell, aggregate maps may use either. Click and movement cells, scroll reach and attention bands
are read from the pre-binned cells written at ingest (``heat_cells``, ``store._cells``) when every events file has
them (layout 4) and the cell size is the stored one times a power of two; otherwise (an older library, relative x,
another cell size) from the events. Both routes give the same numbers (tests/unit/test_heat_cells.py). Results
come back as
numpy arrays, so the analysis layer and the views never see SQL (and a distributed engine can implement the same
functions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from replaylens.core.heatmap_kinds import DEFAULT_DWELL_CAP_MS as DWELL_CAP_MS  # the caps and the movement
from replaylens.core.heatmap_kinds import DEFAULT_IDLE_CAP_MS as ATTENTION_CAP_MS  # map's kinds: defined in core
from replaylens.core.kinds import POINTER_KIND_NAMES as POINTER_KINDS
from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _compile, _wide
from replaylens.store._heat import (
    Bands,
    Cells,
    PageRef,
    PageScope,
    cells,
    page_ref,
    page_scope,
)
from replaylens.store._heat import col as _np
from replaylens.store._heat import engine as _engine
from replaylens.store._heat import page_match as _page_match
from replaylens.store._heat import pairs_cte as _pairs_cte  # noqa: F401  (store.anchored reads these two)
from replaylens.store._heat import visits as _visits  # noqa: F401  (the events CTE of a page's visits, for EXPLAIN)
from replaylens.store._reach import bands, reach

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

__all__ = ["ATTENTION_CAP_MS", "DWELL_CAP_MS", "POINTER_KINDS", "Bands", "Cells", "PageRef", "PageScope", "bands",
           "cells", "finding_flags", "goal_reached", "members", "page_clicks", "page_ref", "page_scope", "reach",
           "step_hits"]

#: The custom-event name: the rrweb/PostHog tag in the JSON detail (invalid JSON counts as no name).
EVENT_NAME = "json_extract_string(CASE WHEN json_valid(e.detail) THEN e.detail END, '$.tag')"


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


def members(lib: LibraryStore, segment: Segment | None, key: str | None = None) -> tuple[list[str], list[str | None]]:
    """The sessions of ``segment`` (by start, then id) and, with ``key``, each one's value of that attribute or
    session column as text (None: the session has no such attribute)."""
    wide = _wide.names(lib)
    cond, params = _compile.where(segment, wide)
    key = _compile.resolve_key(key, wide) if key is not None else None  # utm_campaign -> campaign …
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


def _hits_sql(kind: str, pattern: str, cond: str, days: str, templates: bool = True) -> tuple[str, list[Any]]:
    """``(session_id, t)`` rows of a funnel step for the sessions matching ``cond`` (current versions only); a
    page step matches the URL, its path or its template."""
    if kind == "page":
        match, mparams = _compile.page_match("p", [g.strip() for g in pattern.split("|") if g.strip()] or [pattern],
                                             templates)
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
    sql, sparams = _hits_sql(kind, pattern, cond, days, _wide.names(lib).templates)
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
    match, mparams = _page_match(page, lib)
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
