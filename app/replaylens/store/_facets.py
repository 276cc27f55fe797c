"""Facet counts, attribute keys and their inferred types, library totals.

One facet query per call: the matching session ids are materialised once (a CTE), then attribute values, session
columns, goals, findings and tags are counted over them in one ``UNION ALL`` and cut to the top ``limit`` per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from replaylens.model.library import AttributeKey, FacetValue
from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _compile

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Session columns worth a facet (text columns with few distinct values).
COLUMN_FACETS: tuple[str, ...] = ("device_class", "site", "source_format")
SPECIAL = ("goal", "finding", "tag")


def attribute_keys(lib: LibraryStore) -> list[AttributeKey]:
    """Every attribute key with its type: int / float / bool / date when every value parses so, else text."""
    cached = lib.cached("attribute_keys")
    if cached is not None:
        return list(cached)
    rows = lib.cursor().execute(
        "SELECT key, count(DISTINCT session_id) AS n, list(DISTINCT source ORDER BY source), "
        "bool_and(v_num IS NOT NULL), bool_and(v_num IS NOT NULL AND v_num = round(v_num) AND abs(v_num) < 9e15), "
        "bool_and(v_bool IS NOT NULL), bool_and(v_date IS NOT NULL) "
        "FROM attributes GROUP BY key ORDER BY n DESC, key").fetchall()
    out = []
    for key, n, sources, is_num, is_int, is_bool, is_date in rows:
        typ = "int" if is_int else "float" if is_num else "bool" if is_bool else "date" if is_date else "text"
        out.append(AttributeKey(str(key), typ, int(n), tuple(str(s) for s in sources)))  # type: ignore[arg-type]
    return list(lib.remember("attribute_keys", out))


def facets(lib: LibraryStore, segment: Segment | None, keys: Sequence[str] | None,
           limit: int) -> dict[str, list[FacetValue]]:
    from replaylens.store.library import DEFAULT_FACETS

    if keys is None:
        known = [k.name for k in attribute_keys(lib)]
        keys = list(dict.fromkeys([*DEFAULT_FACETS, *known]))
    keys = list(dict.fromkeys(keys))
    attr_keys = [k for k in keys if k not in SPECIAL and k not in SESSION_COLUMNS]
    cond, params = _compile.where(segment)
    parts: list[str] = []
    qparams: list[Any] = list(params)
    if attr_keys:
        parts.append("SELECT a.key AS facet, a.v_text AS value, count(DISTINCT a.session_id) AS n FROM attributes a "
                     "JOIN sel USING (session_id) WHERE a.key IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL")
        qparams.append(attr_keys)
    for col in COLUMN_FACETS:  # column names from our fixed tuple, never from the caller
        if col in keys:
            parts.append(f"SELECT '{col}', CAST(s.{col} AS VARCHAR), count(*) FROM sessions s JOIN sel "
                         "USING (session_id) GROUP BY ALL")
    special = {"goal": "SELECT 'goal', goal, count(DISTINCT session_id) FROM goal_hits JOIN sel USING (session_id) "
                       "GROUP BY ALL",
               "finding": "SELECT 'finding', kind, count(DISTINCT session_id) FROM findings JOIN sel "
                          "USING (session_id) GROUP BY ALL",
               "tag": "SELECT 'tag', tag, count(DISTINCT session_id) FROM tags JOIN sel USING (session_id) "
                      "GROUP BY ALL"}
    parts.extend(sql for name, sql in special.items() if name in keys)
    out: dict[str, list[FacetValue]] = {k: [] for k in keys}
    if not parts:
        return out
    sql = (f"WITH sel AS MATERIALIZED (SELECT s.session_id FROM sessions s WHERE {cond}) "
           "SELECT facet, value, n FROM (" + " UNION ALL ".join(parts) + ") WHERE value IS NOT NULL "
           "QUALIFY row_number() OVER (PARTITION BY facet ORDER BY n DESC, value) <= ? ORDER BY facet, n DESC, value")
    for facet, value, n in lib.cursor().execute(sql, [*qparams, max(1, int(limit))]).fetchall():
        out.setdefault(str(facet), []).append(FacetValue(str(value), int(n)))
    return out


def info(lib: LibraryStore) -> dict[str, Any]:
    """Totals and counts per attribute value, per goal, per finding kind, per tag."""
    cur = lib.cursor()
    sessions, events = cur.execute("SELECT count(*), coalesce(sum(events), 0) FROM sessions").fetchall()[0]
    size = 0
    for sub in ("events", "screens"):
        size += sum(p.stat().st_size for p in (lib.root / sub).rglob("*") if p.is_file())
    cat = lib.root / "catalogue.duckdb"
    size += cat.stat().st_size if cat.is_file() else 0
    attrs: dict[str, dict[str, int]] = {}
    for key, value, n in cur.execute("SELECT key, v_text, count(DISTINCT session_id) n FROM attributes "
                                     "GROUP BY ALL ORDER BY key, n DESC, v_text").fetchall():
        attrs.setdefault(str(key), {})[str(value)] = int(n)
    goals = {str(name): int(n) for name, n in cur.execute(
        "SELECT g.name, count(DISTINCT h.session_id) FROM goals g LEFT JOIN goal_hits h ON h.goal = g.name "
        "GROUP BY g.name ORDER BY g.name").fetchall()}
    findings = {str(k): int(n) for k, n in cur.execute(
        "SELECT kind, count(DISTINCT session_id) n FROM findings GROUP BY kind ORDER BY n DESC, kind").fetchall()}
    tags = {v.value: v.count for v in _tag_counts(lib)}
    return {"library": str(lib.root), "sessions": int(sessions), "events": int(events), "bytes": size,
            "attributes": attrs, "goals": goals, "findings": findings, "tags": tags}


def _tag_counts(lib: LibraryStore) -> list[FacetValue]:
    from replaylens.store._edit import all_tags

    return all_tags(lib)
