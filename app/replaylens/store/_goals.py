"""Goal reach from the stored events: page goals over the catalogue's pages, event and click goals over the
Parquet files the catalogue names (orphans are never read). Each hit keeps the first time reached."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from replaylens.model.library import Goal
from replaylens.store._compile import page_match

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: The custom-event name: the rrweb/PostHog tag in the JSON detail (invalid JSON counts as no name).
_EVENT_NAME = "json_extract_string(CASE WHEN json_valid(e.detail) THEN e.detail END, '$.tag')"  # aggregate's too


def _files(lib: LibraryStore, cur: duckdb.DuckDBPyConnection, ids: list[str] | None) -> list[str]:
    if ids is None:
        rows = cur.execute("SELECT DISTINCT events_file FROM sessions").fetchall()
    else:
        rows = cur.execute("SELECT DISTINCT events_file FROM sessions WHERE list_contains(?::VARCHAR[], session_id)",
                           [ids]).fetchall()
    return [str(lib.root / r[0]) for r in rows]


def compute(lib: LibraryStore, cur: duckdb.DuckDBPyConnection, goal: Goal, ids: list[str] | None) -> None:
    """Insert ``goal_hits`` of ``goal`` for the sessions ``ids`` (None: every session). Inside the caller's
    transaction; the caller deleted earlier hits."""
    scope = "true" if ids is None else "list_contains(?::VARCHAR[], s.session_id)"
    scope_params: list[Any] = [] if ids is None else [ids]
    if goal.kind == "page":
        match, mparams = page_match("p", [goal.pattern])
        cur.execute(
            "INSERT INTO goal_hits SELECT ?, p.session_id, min(p.first_ms) FROM pages p "
            "JOIN sessions s ON s.session_id = p.session_id "
            f"WHERE {scope} AND p.first_ms IS NOT NULL AND {match} GROUP BY p.session_id",
            [goal.name, *scope_params, *mparams]).fetchall()
        return
    files = _files(lib, cur, ids)
    if not files:
        return
    if goal.kind == "event":
        cond, params = f"e.kind = 'custom' AND {_EVENT_NAME} = ?", [goal.pattern]
    elif goal.kind == "click":
        cond, params = "e.kind = 'click' AND strpos(lower(e.target_text), lower(?)) > 0", [goal.pattern]
    else:
        raise ValueError(f"unknown goal kind {goal.kind!r}")
    cur.execute(
        "INSERT INTO goal_hits SELECT ?, e.session_id, min(e.t) "
        "FROM read_parquet(?::VARCHAR[], hive_partitioning = false, union_by_name = true) e "
        "JOIN sessions s ON s.session_id = e.session_id AND s.sha256 = e.sha256 "
        f"WHERE {scope} AND {cond} GROUP BY e.session_id",
        [goal.name, files, *scope_params, *params]).fetchall()


def compute_all(lib: LibraryStore, cur: duckdb.DuckDBPyConnection, ids: list[str]) -> None:
    """Every defined goal for the new sessions ``ids`` (called inside the ingest transaction)."""
    for name, kind, pattern in cur.execute("SELECT name, kind, pattern FROM goals ORDER BY name").fetchall():
        compute(lib, cur, Goal(str(name), kind, str(pattern)), ids)
