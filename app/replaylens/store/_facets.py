"""Facet counts, attribute keys and their inferred types, library totals.

One facet query per call: the matching session ids are materialised once (a CTE), then attribute values, session
columns, goals, findings and tags are counted over them in one ``UNION ALL`` and cut to the top ``limit`` per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from replaylens.model.library import AttributeKey, FacetValue
from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _compile, _wide
from replaylens.store._wide import FINDING_COLUMNS

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
    cur = lib.cursor()
    wide = _wide.names(lib)
    types = {str(r[0]): r[1:] for r in cur.execute(
        "SELECT key, bool_and(v_num IS NOT NULL), bool_and(v_num IS NOT NULL AND v_num = round(v_num) "
        "AND abs(v_num) < 9e15), bool_and(v_bool IS NOT NULL), bool_and(v_date IS NOT NULL) "
        "FROM attr_values GROUP BY key").fetchall()}
    sources: dict[str, tuple[str, ...]] = {}
    counts: dict[str, int] = {}
    keys = sorted(wide.attr_cols)
    if keys:
        row = cur.execute("SELECT " + ", ".join(f"count({wide.attr_cols[k]})" for k in keys) + " FROM sessions"
                          ).fetchall()[0]
        counts = {k: int(n) for k, n in zip(keys, row, strict=True)}
        sources = {str(k): tuple(str(x) for x in v) for k, v in cur.execute(
            "SELECT key, list(DISTINCT source ORDER BY source) FROM attributes GROUP BY key").fetchall()}
    out = []
    for key in keys:
        is_num, is_int, is_bool, is_date = types.get(key, (False, False, False, False))
        typ = "int" if is_int else "float" if is_num else "bool" if is_bool else "date" if is_date else "text"
        out.append(AttributeKey(key, typ, counts.get(key, 0), sources.get(key, ())))  # type: ignore[arg-type]
    out.sort(key=lambda k: (-k.sessions, k.name))
    return list(lib.remember("attribute_keys", out))


def facets(lib: LibraryStore, segment: Segment | None, keys: Sequence[str] | None,
           limit: int, with_none: bool = False) -> dict[str, list[FacetValue]]:
    from replaylens.store.library import DEFAULT_FACETS

    wide = _wide.names(lib)
    if keys is None:
        keys = list(dict.fromkeys([*DEFAULT_FACETS, *sorted(wide.attr_cols)]))
    asked = {_compile.resolve_key(k, wide): k for k in keys}  # utm_campaign -> campaign …, answered as asked
    keys = list(asked)
    attr_keys = [k for k in keys if k not in SPECIAL and k not in SESSION_COLUMNS and k in wide.attr_cols]
    cond, params = _compile.where(segment, wide)
    cols = ["session_id"] + [wide.attr_cols[k] for k in attr_keys] + [c for c in COLUMN_FACETS if c in keys]
    if "finding" in keys:
        cols += list(FINDING_COLUMNS.values())
    goal_names = sorted(wide.goal_cols) if "goal" in keys else []
    cols += [wide.goal_cols[g] for g in goal_names]
    parts: list[str] = []
    qparams: list[Any] = list(params)
    for k in attr_keys:  # column names from our index, facet names bound
        col = wide.attr_cols[k]
        parts.append(f"SELECT ?::VARCHAR, {col}, NULL::VARCHAR, count(*) FROM sel WHERE {col} IS NOT NULL "
                     f"GROUP BY {col}")
        qparams.append(k)
    if with_none:  # the sessions without the attribute: a value of its own, "(none)" (model.vocabulary.NONE)
        for k in attr_keys:
            col = wide.attr_cols[k]
            parts.append(f"SELECT ?::VARCHAR, NULL::INTEGER, '(none)', count(*) FROM sel WHERE {col} IS NULL")
            qparams.append(k)
    for col in COLUMN_FACETS:
        if col in keys:
            parts.append(f"SELECT '{col}', NULL::INTEGER, CAST({col} AS VARCHAR), count(*) FROM sel GROUP BY 3")
    # the finding kinds and the goals are counted in one scan each (a row of counts, unnested), not one apiece
    if "finding" in keys:
        counts = ", ".join(f"count_if({col} > 0)" for col in FINDING_COLUMNS.values())
        parts.append(f"SELECT 'finding', NULL::INTEGER, unnest(?::VARCHAR[]), unnest([{counts}]) FROM sel")
        qparams.append(list(FINDING_COLUMNS))
    if goal_names:
        counts = ", ".join(f"count({wide.goal_cols[g]})" for g in goal_names)
        parts.append(f"SELECT 'goal', NULL::INTEGER, unnest(?::VARCHAR[]), unnest([{counts}]) FROM sel")
        qparams.append(goal_names)
    if "tag" in keys:
        parts.append("SELECT 'tag', NULL::INTEGER, tag, count(DISTINCT session_id) FROM tags WHERE session_id IN "
                     "(SELECT session_id FROM sel) GROUP BY tag")
    out: dict[str, list[FacetValue]] = {k: [] for k in keys}
    if not parts:
        return {asked.get(k, k): v for k, v in out.items()}
    # cut to the top values per facet on the value ids, then look up only their texts
    sql = (f"WITH sel AS MATERIALIZED (SELECT {', '.join(cols)} FROM sessions s WHERE {cond}), "
           "top AS (SELECT * FROM (" + " UNION ALL ".join(parts) + ") u(facet, vid, value, n) "
           "WHERE n > 0 AND (vid IS NOT NULL OR value IS NOT NULL) "
           "QUALIFY row_number() OVER (PARTITION BY facet ORDER BY n DESC, vid, value) <= ?) "
           "SELECT top.facet, coalesce(v.v_text, top.value), top.n FROM top LEFT JOIN attr_values v ON v.vid = top.vid")
    rows = lib.cursor().execute(sql, [*qparams, max(1, int(limit))]).fetchall()
    for facet, value, n in sorted(rows, key=lambda r: (str(r[0]), -int(r[2]), str(r[1]))):
        out.setdefault(str(facet), []).append(FacetValue(str(value), int(n)))
    return {asked.get(k, k): v for k, v in out.items()}


def info(lib: LibraryStore) -> dict[str, Any]:
    """Totals and counts per attribute value, per goal, per finding kind, per tag, and the page templates."""
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
    from replaylens.store._templates import template_counts, to_json

    pages = to_json(template_counts(lib, None, limit=100))  # templates, most sessions first, with URL counts
    return {"library": str(lib.root), "sessions": int(sessions), "events": int(events), "bytes": size,
            "attributes": attrs, "goals": goals, "findings": findings, "tags": tags, "pages": pages}


def _tag_counts(lib: LibraryStore) -> list[FacetValue]:
    from replaylens.store._edit import all_tags

    return all_tags(lib)
