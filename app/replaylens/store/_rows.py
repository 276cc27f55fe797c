"""Session rows: count, pages of rows as Arrow, ids in order, one session's detail, its events.

A page is found in two steps: the ordered ids of the page (one query over ``sessions`` with the segment's
condition, sorted in SQL), then its extra columns (tags, findings, attributes, goals) by small queries restricted
to those ids, so the cost does not grow with the columns shown.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from replaylens.model.library import SessionSource
from replaylens.model.segment import SESSION_COLUMNS, Segment
from replaylens.store import _compile, _wide
from replaylens.store._rowsql import IN_IDS, order_by
from replaylens.store._wide import FINDING_COLUMNS

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

ROW_COLUMNS: tuple[str, ...] = tuple(SESSION_COLUMNS)
_INDEX_COL = re.compile(r"[ag]\d+|f_[a-z_]+")  # facet-index columns: not part of a session's summary


def count(lib: LibraryStore, segment: Segment | None) -> int:
    cond, params = _compile.where(segment, _wide.names(lib))
    res = lib.engine.execute(f"SELECT count(*) AS n FROM sessions s WHERE {cond}", params)
    return int(res.column("n")[0].as_py())


def ids(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool, limit: int | None = None,
        offset: int = 0) -> list[str]:
    wide = _wide.names(lib)
    cond, params = _compile.where(segment, wide)
    join, order, join_params = order_by(sort, descending, wide)
    sql = f"SELECT s.session_id FROM sessions s {join} WHERE {cond} ORDER BY {order}"
    tail: list[Any] = []
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        tail = [max(0, int(limit)), max(0, int(offset))]
    elif offset:
        sql += " OFFSET ?"
        tail = [max(0, int(offset))]
    res = lib.engine.execute(sql, [*join_params, *params, *tail])
    return [str(v) for v in res.column("session_id").to_pylist()]


def _per_id(lib: LibraryStore, sql: str, page_ids: list[str], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` with ``{ids}`` standing for the id semi-join; ``page_ids`` is bound first, then ``params``."""
    return lib.cursor().execute(sql.format(ids=IN_IDS), [page_ids, *params]).fetchall()


def _extras(lib: LibraryStore, page_ids: list[str], attributes: Sequence[str], goal_names: Sequence[str]
            ) -> tuple[dict[str, list[str]], dict[str, dict[str, int]], dict[str, dict[str, str]],
                       dict[str, dict[str, int]], dict[str, int]]:
    tags: dict[str, list[str]] = {}
    for sid, tag in _per_id(lib, "SELECT session_id, tag FROM tags WHERE {ids} ORDER BY tag", page_ids):
        tags.setdefault(str(sid), []).append(str(tag))
    finds: dict[str, dict[str, int]] = {}
    for sid, kind, n in _per_id(lib, "SELECT session_id, kind, n FROM findings WHERE {ids}", page_ids):
        finds.setdefault(str(sid), {})[str(kind)] = int(n)
    attrs: dict[str, dict[str, str]] = {}
    if attributes:
        for sid, key, val in _per_id(lib, "SELECT session_id, key, v_text FROM attributes WHERE "
                                          "{ids} AND key IN (SELECT unnest(?::VARCHAR[]))", page_ids,
                                     [list(attributes)]):
            attrs.setdefault(str(sid), {})[str(key)] = str(val)
    goals: dict[str, dict[str, int]] = {}
    if goal_names:
        for sid, goal, ms in _per_id(lib, "SELECT session_id, goal, min(reached_ms) FROM goal_hits WHERE {ids} "
                                          "GROUP BY ALL", page_ids):
            goals.setdefault(str(sid), {})[str(goal)] = int(ms) if ms is not None else 0
    notes = {str(sid): int(n) for sid, n in _per_id(lib, "SELECT session_id, count(*) FROM notes WHERE {ids} "
                                                          "GROUP BY ALL", page_ids)}
    return tags, finds, attrs, goals, notes


def rows(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool, limit: int, offset: int,
         attributes: Sequence[str], goals: bool) -> pa.Table:
    """One query for the page (top-N with its columns), one for the attribute texts of its value ids, one for its
    tags and notes: the cost stays flat in the number of sessions and of columns shown."""
    wide = _wide.names(lib)
    cond, params = _compile.where(segment, wide)
    join, order, join_params = order_by(sort, descending, wide)
    cols = [f"s.{c}" for c in ROW_COLUMNS]
    cols += [f"coalesce(s.{col}, 0)::INTEGER AS \"finding:{kind}\"" for kind, col in FINDING_COLUMNS.items()]
    attr_cols = [wide.attr_cols.get(k) for k in attributes]
    cols += [f"s.{c} AS x{i}" if c else f"NULL::INTEGER AS x{i}" for i, c in enumerate(attr_cols)]
    goal_names = sorted(wide.goal_cols) if goals else []
    cols += [f"s.{wide.goal_cols[g]} AS y{j}" for j, g in enumerate(goal_names)]
    res = lib.cursor().execute(f"SELECT {', '.join(cols)} FROM sessions s {join} WHERE {cond} ORDER BY {order} "
                               "LIMIT ? OFFSET ?", [*join_params, *params, max(0, int(limit)), max(0, int(offset))])
    table = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
    i = table.schema.get_field_index("start")
    table = table.set_column(i, "start", table["start"].cast(pa.timestamp("ms")).cast(pa.timestamp("ms", "UTC")))
    vids = sorted({int(v) for k in range(len(attributes)) for v in table[f"x{k}"].to_pylist() if v is not None})
    texts = {int(v): str(t) for v, t in lib.cursor().execute(
        "SELECT vid, v_text FROM attr_values WHERE vid IN (SELECT unnest(?::INTEGER[]))", [vids]).fetchall()} \
        if vids else {}
    for k, key in enumerate(attributes):
        idx = table.schema.get_field_index(f"x{k}")
        table = table.set_column(idx, f"attr:{key}", pa.array(
            [texts.get(v) if v is not None else None for v in table[f"x{k}"].to_pylist()], pa.string()))
    for j, name in enumerate(goal_names):
        idx = table.schema.get_field_index(f"y{j}")
        table = table.set_column(idx, f"goal:{name}", table[f"y{j}"].cast(pa.int64()))
    page_ids = [str(x) for x in table["session_id"].to_pylist()]
    tags: dict[str, list[str]] = {}
    notes: dict[str, int] = {}
    if page_ids:
        for sid, what, n in _per_id(lib, "SELECT session_id, tag, NULL FROM tags WHERE {ids} UNION ALL "
                                         "SELECT session_id, NULL, count(*) FROM notes WHERE " + IN_IDS +
                                         " GROUP BY session_id ORDER BY 2", page_ids, [page_ids]):
            if what is not None:
                tags.setdefault(str(sid), []).append(str(what))
            else:
                notes[str(sid)] = int(n)
    table = table.append_column("tags", pa.array([sorted(tags.get(i, [])) for i in page_ids],
                                                 pa.list_(pa.string())))
    return table.append_column("note_count", pa.array([notes.get(i, 0) for i in page_ids], pa.int32()))


def _iso(epoch_ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_ms // 1000)) + f".{epoch_ms % 1000:03d}Z"


def sessions_json(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool, limit: int | None,
                  offset: int) -> list[dict[str, Any]]:
    """The ``library ls --json`` objects (id, start, duration_ms, attributes, goals, findings, tags)."""
    page_ids = ids(lib, segment, sort=sort, descending=descending, limit=limit, offset=offset)
    if not page_ids:
        return []
    base = {str(sid): (int(start), dur) for sid, start, dur in _per_id(
        lib, "SELECT session_id, start_epoch_ms, duration_ms FROM sessions WHERE {ids}", page_ids)}
    attrs: dict[str, dict[str, str]] = {}
    for sid, key, val in _per_id(lib, "SELECT session_id, key, v_text FROM attributes WHERE {ids} ORDER BY key",
                                 page_ids):
        attrs.setdefault(str(sid), {})[str(key)] = str(val)
    tags, finds, _, hits, _ = _extras(lib, page_ids, (), ["*"])
    return [{"id": i, "start": _iso(base[i][0]), "duration_ms": base[i][1], "attributes": attrs.get(i, {}),
             "goals": hits.get(i, {}), "findings": finds.get(i, {}), "tags": tags.get(i, [])} for i in page_ids]


def session_detail(lib: LibraryStore, session_id: str) -> dict[str, Any] | None:
    cur = lib.cursor()
    res = cur.execute("SELECT * FROM sessions WHERE session_id = ?", [session_id])
    names = [d[0] for d in res.description]
    found = res.fetchall()
    if not found:
        return None
    out = _one_json(lib, session_id)
    out["summary"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                      for k, v in zip(names, found[0], strict=True) if not _INDEX_COL.fullmatch(k)}
    out["pages"] = [{"page": p, "url": u, "title": t, "width": w, "height": h, "screen": sc, "first_ms": f}
                    for p, u, t, w, h, sc, f in cur.execute(
                        "SELECT page, url, title, width, height, screen, first_ms FROM pages WHERE session_id = ? "
                        "ORDER BY page", [session_id]).fetchall()]
    out["notes"] = [{"text": t, "created_ms": c} for t, c in cur.execute(
        "SELECT text, created_ms FROM notes WHERE session_id = ? ORDER BY created_ms, rowid", [session_id]).fetchall()]
    out["attribute_sources"] = {str(k): str(s) for k, s in cur.execute(
        "SELECT key, source FROM attributes WHERE session_id = ?", [session_id]).fetchall()}
    return out


def _one_json(lib: LibraryStore, session_id: str) -> dict[str, Any]:
    from replaylens.model.segment import AttrIn

    found = sessions_json(lib, Segment((AttrIn("session_id", (session_id,)),)), sort="start", descending=False,
                          limit=1, offset=0)
    return found[0]


def source_of(lib: LibraryStore, session_id: str) -> SessionSource | None:
    rows = lib.cursor().execute("SELECT session_id, source_path, sha256, source_size, source_mtime_ns, "
                                "source_format FROM sessions WHERE session_id = ?", [session_id]).fetchall()
    if not rows:
        return None
    sid, path, sha, size, mtime, fmt = rows[0]
    return SessionSource(str(sid), str(path or ""), str(sha), int(size or 0), int(mtime or 0), str(fmt or ""))


def events(lib: LibraryStore, session_id: str) -> pa.Table:
    cur = lib.cursor()
    rows = cur.execute("SELECT events_file, sha256 FROM sessions WHERE session_id = ?", [session_id]).fetchall()
    if not rows:
        raise KeyError(session_id)
    res = cur.execute("SELECT * EXCLUDE (session_id, sha256) FROM read_parquet(?, hive_partitioning = false) "
                      "WHERE session_id = ? AND sha256 = ? ORDER BY i",
                      [str(lib.root / rows[0][0]), session_id, rows[0][1]])
    return res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
