"""Pre-binned heatmap cells, written at ingest next to the events (cells layout of library layout 4, docs/library.md).

For every events file ``events/site=S/day=D/batch-X.parquet`` the writer also writes
``cells/site=S/day=D/batch-X.parquet``: per session version (``skey``, see ``session_key``) and page URL (every
visit of that URL merged), the session's heatmap rows, so an aggregate map over 10,000 sessions reads a few
thousand small integer rows per session instead of every event, and "sessions per cell" is a row count. Rows
(``kind``), sorted by kind, URL and session so row-group statistics skip other pages:

- ``click``: ``cell`` = ``cy * CELL_ROW + cx`` (page position // ``BASE_PX``), ``n`` clicks, ``w`` = ``n``;
- ``move``: the same over every pointer event, ``w`` the dwell (ms to the next pointer sample of that page visit,
  at most ``DWELL_CAP_MS``), summed per cell;
- ``reach``: ``bottom_h`` the deepest ``scroll_y + height`` of the events that carry a viewport height,
  ``bottom_s`` the deepest ``scroll_y`` of those that do not (the session's viewport height is added at query
  time, as the raw-event query does), ``first_i`` and ``fold_h`` the first event's index and height;
- ``band`` (attention): per viewport band ``top`` (``scroll_y``) and ``h`` (the event's viewport height, NULL when
  it has none: the session's is used at query time), ``w`` the ms that band was on screen (each event weighs the
  time to the next event of its page visit, at most ``ATTENTION_CAP_MS``; the session's last event weighs the time
  to the recording's end) and ``n`` the events.

The SQL here is the raw-event query's own arithmetic (``store.aggregate``), so a coarser cell (``BASE_PX`` times a
power of two) and every sum over sessions come out exactly as the GROUP BY over the events would give them.
Only page visits the catalogue names with a first moment (``pages.first_ms``) are binned, as the raw query reads.
Cells with a negative row or column are dropped (no map draws them). A cells file is written after its events file
and before the catalogue names either, so a batch the catalogue names has both. Event files without cells of this
layout (a library written before layout 4) are answered from the events (``available``) until
``LibraryStore.rebuild_cells`` re-derives their cells from the events Parquet (``store._cells_build``).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.store._schema import CELLS_DIR, EVENTS_DIR, TMP_DIR

if TYPE_CHECKING:
    from replaylens.model.library import SessionRecord
    from replaylens.store.library import LibraryStore

#: The cell size cells are stored at (CSS px); maps at BASE_PX × 2^k read them, other sizes read the events.
BASE_PX = 8
#: Event kinds that position the pointer (movement maps), and the dwell cap (ms) of a movement sample.
POINTER_KINDS = ("move", "down", "up", "click", "dblclick", "contextmenu", "touch_start", "touch_move", "touch_end")
DWELL_CAP_MS = 2_000
#: The attention map's cap of one event's time on screen (ms): the one-session map's idle cap.
ATTENTION_CAP_MS = 30_000
KINDS = ("click", "move", "reach", "band")

#: A stored cell packs its column and row into one int32: ``cell = cy * CELL_ROW + cx`` (a single-column GROUP BY
#: is twice as fast as two); page positions from ``MAX_X`` / ``MAX_Y`` px on are not mapped (in either route).
CELL_ROW = 65_536
MAX_X = CELL_ROW * BASE_PX
MAX_Y = 32_768 * BASE_PX
SCHEMA = pa.schema([("skey", pa.int64()), ("url", pa.string()), ("kind", pa.string()), ("cell", pa.int32()),
                    ("n", pa.int32()), ("w", pa.int32()), ("top", pa.float64()),
                    ("h", pa.float64()), ("bottom_h", pa.float64()), ("bottom_s", pa.float64()),
                    ("first_i", pa.int64()), ("fold_h", pa.int32())])
#: What the session and page tables handed to ``compute`` hold.
SESSIONS = pa.schema([("session_id", pa.string()), ("sha256", pa.string()), ("skey", pa.int64()),
                      ("duration_ms", pa.int64())])
PAGES = pa.schema([("session_id", pa.string()), ("page", pa.int32()), ("url", pa.string())])

_X = "e.x + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_x, 0) END"
_Y = "e.y + CASE WHEN e.fixed THEN 0 ELSE coalesce(e.scroll_y, 0) END"
_W = "PARTITION BY e.session_id, e.page ORDER BY e.i"
_SQL = f"""
WITH pg AS (
    SELECT m.session_id, m.sha256, m.skey, m.duration_ms, p.page, p.url
    FROM cell_sessions m JOIN cell_pages p ON p.session_id = m.session_id),
pts AS (
    SELECT pg.skey, pg.url, e.kind = 'click' AS is_click, e.w,
        CAST(floor(({_X}) / {BASE_PX}) AS BIGINT) AS cx, CAST(floor(({_Y}) / {BASE_PX}) AS BIGINT) AS cy
    FROM cell_points e JOIN pg ON pg.session_id = e.session_id AND pg.sha256 = e.sha256 AND pg.page = e.page
    WHERE ({_X}) < {MAX_X} AND ({_Y}) < {MAX_Y}),
grouped AS MATERIALIZED (
    SELECT skey, url, CAST(cy * {CELL_ROW} + cx AS INTEGER) AS cell, CAST(count(*) AS INTEGER) AS n,
        CAST(sum(w) AS INTEGER) AS w, CAST(count(*) FILTER (WHERE is_click) AS INTEGER) AS clicks
    FROM pts WHERE cx >= 0 AND cy >= 0 GROUP BY skey, url, cx, cy),
lasts AS (SELECT session_id, sha256, max(i) AS last_i FROM cell_batch GROUP BY session_id, sha256),
ev AS MATERIALIZED (
    SELECT pg.skey, pg.url, e.i, e.scroll_y, e.height,
        CASE WHEN lead(e.i) OVER ({_W}) IS NOT NULL
                THEN greatest(coalesce(least(lead(e.t) OVER ({_W}) - e.t, {ATTENTION_CAP_MS}), 0), 0)
             WHEN e.i = l.last_i THEN greatest(coalesce(least(pg.duration_ms - e.t, {ATTENTION_CAP_MS}), 0), 0)
             ELSE 0 END AS dt
    FROM cell_batch e JOIN pg ON pg.session_id = e.session_id AND pg.sha256 = e.sha256 AND pg.page = e.page
    JOIN lasts l ON l.session_id = e.session_id AND l.sha256 = e.sha256),
firsts AS (
    SELECT f.skey, f.url, f.first_i, min(b.height) AS fold_h
    FROM (SELECT skey, url, min(i) AS first_i FROM ev GROUP BY skey, url) f
    JOIN ev b ON b.skey = f.skey AND b.url = f.url AND b.i = f.first_i
    GROUP BY f.skey, f.url, f.first_i)
SELECT skey, url, 'click' AS kind, cell, clicks AS n, clicks AS w, NULL::DOUBLE AS top, NULL::DOUBLE AS h,
    NULL::DOUBLE AS bottom_h, NULL::DOUBLE AS bottom_s, NULL::BIGINT AS first_i, NULL::INTEGER AS fold_h
FROM grouped WHERE clicks > 0
UNION ALL
SELECT skey, url, 'move', cell, n, w, NULL, NULL, NULL, NULL, NULL, NULL FROM grouped
UNION ALL
SELECT b.skey, b.url, 'reach', NULL, count(*), NULL, NULL, NULL,
    max(CASE WHEN b.height IS NOT NULL THEN coalesce(b.scroll_y, 0) + b.height END),
    max(CASE WHEN b.height IS NULL THEN coalesce(b.scroll_y, 0) END), min(f.first_i), min(f.fold_h)
FROM ev b JOIN firsts f ON f.skey = b.skey AND f.url = b.url GROUP BY b.skey, b.url
UNION ALL
SELECT skey, url, 'band', NULL, count(*), CAST(sum(dt) AS INTEGER), top, h, NULL, NULL, NULL, NULL
FROM (SELECT skey, url, dt, coalesce(scroll_y, 0) AS top, CAST(CASE WHEN height > 0 THEN height END AS DOUBLE) AS h
      FROM ev) GROUP BY skey, url, top, h
ORDER BY 3, 2, 1, 4, 7, 8
"""


def session_key(session_id: str, sha256: str) -> int:
    """The cells' key of one session version: 64 bits of BLAKE2b over id and content hash (signed int64)."""
    digest = hashlib.blake2b(f"{session_id}\x00{sha256}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _points(events: pa.Table) -> pa.Table:
    """The pointer events with a position, and ``w``: each one's dwell, the time to the next of them in the same
    session and page visit (by ``i``) capped at DWELL_CAP_MS, 0 for the last (as the raw query's ``lead``)."""
    keep = pc.and_(pc.is_in(events.column("kind"), pa.array(POINTER_KINDS)),
                   pc.and_(pc.is_valid(events.column("x")), pc.is_valid(events.column("y"))))
    pts = events.filter(pc.fill_null(keep, False)).select(
        ["session_id", "sha256", "page", "kind", "i", "t", "x", "y", "scroll_x", "scroll_y", "fixed"])
    n = pts.num_rows
    sid = pc.dictionary_encode(pts.column("session_id")).combine_chunks().indices.to_numpy(zero_copy_only=False)
    page_col = pts.column("page")
    page = np.asarray(pc.fill_null(page_col, -(2 ** 31)).to_numpy(zero_copy_only=False), np.int64)
    page_null = np.asarray(pc.is_null(page_col).to_numpy(zero_copy_only=False), bool)
    i = np.asarray(pc.fill_null(pts.column("i"), np.iinfo(np.int64).max).to_numpy(zero_copy_only=False), np.int64)
    t_col = pts.column("t")
    t = np.asarray(pc.fill_null(t_col, 0).to_numpy(zero_copy_only=False), np.int64)
    t_ok = np.asarray(pc.is_valid(t_col).to_numpy(zero_copy_only=False), bool)
    order = np.lexsort((i, page, page_null, sid))
    w_sorted = np.zeros(n, np.int64)
    if n > 1:
        a, b = order[:-1], order[1:]
        same = (sid[a] == sid[b]) & (page[a] == page[b]) & (page_null[a] == page_null[b]) & t_ok[a] & t_ok[b]
        w_sorted[:-1] = np.where(same, np.minimum(t[b] - t[a], DWELL_CAP_MS), 0)
    w = np.empty(n, np.int64)
    w[order] = w_sorted
    return pts.append_column("w", pa.array(w, pa.int64()))


def cells_rel(events_rel: str) -> str:
    """The cells file of an events file (both relative to the library)."""
    head, _, rest = events_rel.partition("/")
    if head != EVENTS_DIR or not rest:
        raise ValueError(f"{events_rel!r} is not an events file of the library")
    return f"{CELLS_DIR}/{rest}"


def record_tables(records: Sequence[SessionRecord]) -> tuple[pa.Table, pa.Table]:
    """The session and page tables ``compute`` needs, from the records of one batch."""
    sessions = pa.Table.from_pylist(
        [{"session_id": r.session_id, "sha256": r.sha256, "skey": session_key(r.session_id, r.sha256),
          "duration_ms": _int(r.summary.get("duration_ms"))} for r in records], schema=SESSIONS)
    pages = pa.Table.from_pylist([{"session_id": r.session_id, "page": p.index, "url": p.url}
                                  for r in records for p in r.pages if p.first_ms is not None], schema=PAGES)
    return sessions, pages


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def compute(lib: LibraryStore, events: pa.Table, sessions: pa.Table, pages: pa.Table) -> pa.Table:
    """The cell rows of a batch of events (with ``session_id`` and ``sha256`` columns) for the session versions
    in ``sessions`` and their shown pages ``pages`` (schemas ``SESSIONS`` and ``PAGES``)."""
    cur = lib.cursor()
    names = {"cell_batch": events, "cell_points": _points(events), "cell_sessions": sessions, "cell_pages": pages}
    for name, arrow in names.items():
        cur.register(name, arrow)
    try:
        res = cur.execute(_SQL)
        table: pa.Table = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
    finally:
        for name in names:
            cur.unregister(name)
    return table.cast(SCHEMA)


def write(lib: LibraryStore, events: pa.Table, events_rel: str, sessions: pa.Table, pages: pa.Table) -> str:
    """Write the cells of one events file (temp name, fsync, rename) and the sessions' keys (``cell_keys``);
    return the cells file's path relative to the library."""
    rel = cells_rel(events_rel)
    tmp = lib.root / TMP_DIR / f"{uuid.uuid4().hex}.cells.parquet.tmp"
    pq.write_table(compute(lib, events, sessions, pages), tmp, compression="snappy", row_group_size=128_000,
                   use_dictionary=["url", "kind"])
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    dest = lib.root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    add_keys(lib, sessions)
    return rel


def add_keys(lib: LibraryStore, sessions: pa.Table) -> None:
    """Name the session versions' keys in the catalogue (a version already named is left as it is)."""
    cur = lib.cursor()
    cur.register("new_cell_keys", sessions.select(["session_id", "sha256", "skey"]))
    try:
        cur.execute("INSERT INTO cell_keys SELECT DISTINCT n.session_id, n.sha256, n.skey FROM new_cell_keys n "
                    "WHERE NOT EXISTS (SELECT 1 FROM cell_keys k WHERE k.session_id = n.session_id "
                    "AND k.sha256 = n.sha256)").fetchall()
    finally:
        cur.unregister("new_cell_keys")


def remove(lib: LibraryStore, events_rel: str) -> None:
    """Delete the cells of an events file that is not going to be committed."""
    (lib.root / cells_rel(events_rel)).unlink(missing_ok=True)


def current(path: Path) -> bool:
    """The file is a cells file of this layout (a file of layout 3 has string session keys and no bands)."""
    try:
        return pq.read_schema(path).names == SCHEMA.names
    except (OSError, pa.ArrowException):
        return False


def files(lib: LibraryStore) -> list[str] | None:
    """The cells files of every events file the catalogue names (sorted), or None when some events file has none
    of this layout (a batch written before layout 4): then the heatmap queries read the events. Cached until the
    next write."""
    found = lib.cached("cells:files")
    if found is None:
        from replaylens.store.engine import event_files

        names = [cells_rel(f) for f in event_files(lib)]
        complete = _has_keys(lib) and all(current(lib.root / n) for n in names)
        found = lib.remember("cells:files", (complete, names))
    complete, names = found
    return list(names) if complete else None


def _has_keys(lib: LibraryStore) -> bool:
    rows = lib.cursor().execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cell_keys' "
                                "AND schema_name = 'main'").fetchall()
    return bool(rows[0][0])


def available(lib: LibraryStore) -> bool:
    """Every events file the catalogue names has its cells (an empty library counts as having them)."""
    return files(lib) is not None


def orphans(lib: LibraryStore, named_events: set[str]) -> list[Path]:
    """Cells files whose events file the catalogue does not name."""
    keep = {cells_rel(f) for f in named_events}
    return [p for p in (lib.root / CELLS_DIR).rglob("*")
            if p.is_file() and p.relative_to(lib.root).as_posix() not in keep]


def factor(cell_px: float) -> int | None:
    """How many stored cells one ``cell_px`` cell spans (a power of two), or None: not a multiple of the base."""
    ratio = float(cell_px) / BASE_PX
    k = int(ratio)
    return k if k >= 1 and k == ratio and k & (k - 1) == 0 else None


def empty_source() -> str:
    """A query with the cells view's columns and no rows (an empty library)."""
    cols: list[Any] = [f"NULL::{_duck(f.type)} AS {f.name}" for f in SCHEMA]
    return "SELECT " + ", ".join([*cols, "NULL::VARCHAR AS site", "NULL::DATE AS day"]) + " WHERE false"


def _duck(t: pa.DataType) -> str:
    return {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE"}[t]
