"""The attribute vocabulary in the catalogue: the layout-5 migration that moves attributes stored under a source's
name (``utm_campaign``, ``$geoip_country_code``, the demo's ``device`` …) to their canonical key
(``model.vocabulary``), with the same precedence as the ingest, and the key lookup every query uses (a canonical
key, an alias, or the other way round for a library read as it is)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from replaylens.model.vocabulary import BY_KEY, SOURCE_RANK, canonical_key
from replaylens.store._wide import TYPED_SQL

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def migrate(cur: duckdb.DuckDBPyConnection) -> int:
    """Re-key every attribute row whose key is an alias (inside the caller's transaction); returns the number of
    keys folded. The facet index is rebuilt for the keys involved."""
    from replaylens.store import _wide

    keys = [str(r[0]) for r in cur.execute("SELECT DISTINCT key FROM attributes").fetchall()]
    moved = {k: canonical_key(k) for k in keys if canonical_key(k) != k}
    if not moved:
        return 0
    involved = sorted(set(moved) | {c for c in moved.values() if c in keys})
    rank = []
    for k in involved:
        canon = canonical_key(k)
        concept = BY_KEY.get(canon)
        lows = [a.lower() for a in concept.aliases] if concept is not None else []
        rank.append((k, canon, 1 + lows.index(k.lower()) if k.lower() in lows else 0,
                     concept.case if concept is not None else ""))
    keymap = pa.table({"key": [r[0] for r in rank], "canon": [r[1] for r in rank],
                       "alias_rank": pa.array([r[2] for r in rank], pa.int32()), "vcase": [r[3] for r in rank]})
    sources = pa.table({"source": list(SOURCE_RANK), "srank": pa.array(range(len(SOURCE_RANK)), pa.int32())})
    cur.register("vocab_keymap", keymap)
    cur.register("vocab_sources", sources)
    try:
        cur.execute("""CREATE OR REPLACE TEMP TABLE vocab_rows AS
            SELECT a.session_id, m.canon AS key, a.source,
                   CASE m.vcase WHEN 'lower' THEN lower(a.v_text) WHEN 'upper' THEN upper(a.v_text)
                        ELSE a.v_text END AS v_text
            FROM attributes a JOIN vocab_keymap m ON m.key = a.key LEFT JOIN vocab_sources r ON r.source = a.source
            QUALIFY row_number() OVER (PARTITION BY a.session_id, m.canon ORDER BY
                CASE WHEN m.canon = 'device_class' AND a.source = 'device' AND a.v_text <> 'unknown' THEN -1
                     ELSE coalesce(r.srank, 99) END, m.alias_rank, a.key) = 1""").fetchall()
        cur.execute("DELETE FROM attributes WHERE key IN (SELECT key FROM vocab_keymap)").fetchall()
        cur.execute(f"INSERT INTO attributes SELECT session_id, key, source, v_text, {TYPED_SQL} "
                    "FROM vocab_rows").fetchall()
        cur.execute("DROP TABLE vocab_rows").fetchall()
    finally:
        cur.unregister("vocab_keymap")
        cur.unregister("vocab_sources")
    for key, col in cur.execute("SELECT key, col FROM attr_keys").fetchall():
        if str(key) in moved:  # the alias's index column and values go; the canonical key's are rebuilt
            cur.execute(f"ALTER TABLE sessions DROP COLUMN IF EXISTS a{int(col)}").fetchall()
            cur.execute("DELETE FROM attr_keys WHERE key = ?", [key]).fetchall()
            cur.execute("DELETE FROM attr_values WHERE key = ?", [key]).fetchall()
    _wide.sync_attributes(cur, None)
    return len(moved)


def values(lib: LibraryStore, key: str, *, limit: int = 10_000) -> list[tuple[str, int]]:
    """Distinct values of an attribute key or a text session column, most sessions first, with their counts."""
    from replaylens.model.segment import SESSION_COLUMNS
    from replaylens.store import _wide

    cur = lib.cursor()
    if key in SESSION_COLUMNS:
        if SESSION_COLUMNS[key] != "text":
            return []
        rows = cur.execute(f"SELECT CAST({key} AS VARCHAR) AS v, count(*) AS n FROM sessions WHERE {key} IS NOT NULL "
                           "GROUP BY 1 ORDER BY n DESC, v LIMIT ?", [int(limit)]).fetchall()
    else:
        col = _wide.names(lib).attr_cols.get(key)
        if col is None:
            return []
        rows = cur.execute(f"SELECT v.v_text, count(*) AS n FROM sessions s JOIN attr_values v ON v.vid = s.{col} "
                           "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?", [int(limit)]).fetchall()
    return [(str(v), int(n)) for v, n in rows]


def present(lib: LibraryStore, key: str, texts: list[str]) -> set[str]:
    """Which of ``texts`` some session has as its value of ``key`` (an attribute key or a session column)."""
    from replaylens.model.segment import SESSION_COLUMNS
    from replaylens.store import _wide
    from replaylens.store._compile import in_list

    if not texts:
        return set()
    cur = lib.cursor()
    if key in SESSION_COLUMNS:
        cond, params = in_list(f"CAST({key} AS VARCHAR)", texts)
        rows = cur.execute(f"SELECT DISTINCT CAST({key} AS VARCHAR) FROM sessions WHERE {cond}", params).fetchall()
    else:
        col = _wide.names(lib).attr_cols.get(key)
        if col is None:
            return set()
        cond, params = in_list("v.v_text", texts)
        rows = cur.execute(f"SELECT DISTINCT v.v_text FROM attr_values v WHERE v.key = ? AND {cond} AND EXISTS "
                           f"(SELECT 1 FROM sessions s WHERE s.{col} = v.vid)", [key, *params]).fetchall()
    return {str(r[0]) for r in rows}
