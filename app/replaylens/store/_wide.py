"""The facet index: integer columns on ``sessions`` so filters and facets over 100,000 sessions scan a few int
columns instead of joining the long ``attributes`` table.

* every attribute key gets a column ``a<N>`` (``attr_keys`` maps key -> N) holding the id of the session's value
  in ``attr_values`` (one row per distinct key and value, with its typed copies);
* every goal gets a column ``g<N>`` (``goals.gid``) holding the reach time in ms (NULL: not reached);
* finding counts are the fixed columns ``f_<kind>``.

Column names are built from our own integers and the fixed finding kinds, never from user text. The long tables
(``attributes``, ``goal_hits``, ``findings``) stay the truth; ``sync_*`` rebuild the index from them inside the
writer's transaction, so both are committed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from replaylens.model.finding_text import FINDING_KINDS

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Typed copies of an attribute's text (finite numbers, true/false/yes/no, ISO dates).
TYPED_SQL = ("CASE WHEN isfinite(TRY_CAST(v_text AS DOUBLE)) THEN TRY_CAST(v_text AS DOUBLE) END, "
             "CASE lower(trim(v_text)) WHEN 'true' THEN true WHEN 'yes' THEN true WHEN 'false' THEN false "
             "WHEN 'no' THEN false END, "
             r"CASE WHEN regexp_full_match(trim(v_text), '\d{4}-\d{2}-\d{2}') THEN TRY_CAST(trim(v_text) AS DATE) END")
FINDING_COLUMNS: dict[str, str] = {k: f"f_{k}" for k in FINDING_KINDS}


@dataclass(frozen=True)
class Wide:
    attr_cols: dict[str, str]  # attribute key -> "a<N>"
    goal_cols: dict[str, str]  # goal name -> "g<N>"
    templates: bool = True  # pages.template exists (layout 5; an older library read as it is has none)


def names(lib: LibraryStore) -> Wide:
    cached = lib.cached("wide")
    if cached is not None:
        return cached
    cur = lib.cursor()
    attrs = {str(k): f"a{int(c)}" for k, c in cur.execute("SELECT key, col FROM attr_keys").fetchall()}
    goals = {str(n): f"g{int(g)}" for n, g in cur.execute("SELECT name, gid FROM goals").fetchall()}
    from replaylens.store._templates import has_templates

    return lib.remember("wide", Wide(attrs, goals, has_templates(cur)))


def _in(ids: list[str] | None, column: str = "session_id") -> tuple[str, list[Any]]:
    if ids is None:
        return "true", []
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [ids]


def ensure_attr_columns(cur: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    """Give keys not seen before a column (call before the transaction's first insert into ``sessions``)."""
    known = {str(k): int(c) for k, c in cur.execute("SELECT key, col FROM attr_keys").fetchall()}
    top = max(known.values(), default=0)
    for key in dict.fromkeys(keys):
        if key not in known:
            top += 1
            known[key] = top
            cur.execute("INSERT INTO attr_keys VALUES (?, ?)", [key, top]).fetchall()
            cur.execute(f"ALTER TABLE sessions ADD COLUMN a{top} INTEGER").fetchall()


def sync_attributes(cur: duckdb.DuckDBPyConnection, ids: list[str] | None) -> None:
    """Give new values an id and set the sessions' value-id columns from ``attributes``."""
    scope, params = _in(ids, "a.session_id")
    keys = [str(r[0]) for r in cur.execute(f"SELECT DISTINCT a.key FROM attributes a WHERE {scope}", params)
            .fetchall()]
    ensure_attr_columns(cur, keys)
    known = {str(k): int(c) for k, c in cur.execute("SELECT key, col FROM attr_keys").fetchall()}
    cur.execute(
        "INSERT INTO attr_values SELECT (SELECT coalesce(max(vid), 0) FROM attr_values) + row_number() OVER "
        f"(ORDER BY key, v_text), key, v_text, {TYPED_SQL} FROM (SELECT DISTINCT a.key, a.v_text FROM attributes a "
        f"WHERE {scope} AND NOT EXISTS (SELECT 1 FROM attr_values v WHERE v.key = a.key AND v.v_text = a.v_text))",
        params).fetchall()
    s_scope, s_params = _in(ids)
    for key in keys:
        col = f"a{known[key]}"
        cur.execute(f"UPDATE sessions SET {col} = NULL WHERE {s_scope}", s_params).fetchall()
        cur.execute(
            f"UPDATE sessions SET {col} = m.vid FROM (SELECT a.session_id, v.vid FROM attributes a JOIN attr_values v "
            f"ON v.key = a.key AND v.v_text = a.v_text WHERE a.key = ? AND {scope}) m "
            "WHERE sessions.session_id = m.session_id", [key, *params]).fetchall()


def goal_column(cur: duckdb.DuckDBPyConnection, name: str) -> str:
    """The ``g<N>`` column of goal ``name`` (the goals row must exist), created on first use."""
    rows = cur.execute("SELECT gid FROM goals WHERE name = ?", [name]).fetchall()
    gid = int(rows[0][0])
    present = {str(r[0]) for r in cur.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'sessions' AND schema_name = 'main' "
        "AND database_name = current_database()").fetchall()}
    if f"g{gid}" not in present:
        cur.execute(f"ALTER TABLE sessions ADD COLUMN g{gid} BIGINT").fetchall()
    return f"g{gid}"


def sync_goal(cur: duckdb.DuckDBPyConnection, name: str, ids: list[str] | None) -> None:
    """Set the goal's column from ``goal_hits`` for the sessions ``ids`` (None: all)."""
    col = goal_column(cur, name)
    scope, params = _in(ids)
    cur.execute(f"UPDATE sessions SET {col} = NULL WHERE {scope}", params).fetchall()
    cur.execute(f"UPDATE sessions SET {col} = h.ms FROM (SELECT session_id, min(reached_ms) AS ms FROM goal_hits "
                f"WHERE goal = ? AND {scope} GROUP BY session_id) h WHERE sessions.session_id = h.session_id",
                [name, *params]).fetchall()


def sync_goals(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> None:
    for (name,) in cur.execute("SELECT name FROM goals").fetchall():
        sync_goal(cur, str(name), ids)


def drop_goal_column(cur: duckdb.DuckDBPyConnection, gid: int) -> None:
    cur.execute(f"ALTER TABLE sessions DROP COLUMN IF EXISTS g{int(gid)}").fetchall()
