"""Pre-binned heatmap cells, written at ingest next to the events (cells layout of library layout 4, docs/library.md).

For every events file ``events/site=S/day=D/batch-X.parquet`` the writer also writes
``cells/site=S/day=D/batch-X.parquet``: per session version (``skey``, see ``session_key``) and page URL (every
visit of that URL merged), the session's heatmap rows, so an aggregate map over 10,000 sessions reads a few
thousand small integer rows per session instead of every event, and "sessions per cell" is a row count. Rows
(``kind``: ``click``, ``move``, ``reach``, ``band``), sorted by kind, URL and session so row-group statistics skip
other pages. What each row holds and weighs is defined once, in ``core.heat_cells`` (the weights and caps of
``core.heatmap_kinds``); the ingest workers compute each session's rows there (``analysis.heatmaps.gather
.library_cells``, in parallel, outside the write lock) and hand them over with the record, and this module only
turns rows into the file's Arrow table (``table``) and writes it (``write``). ``compute`` derives them from an
events table instead (a record without cells, ``store._cells_build``'s rebuild).

The raw-event queries (``store._heat``, ``store._reach``) give the same numbers, cell for cell, for what the cells
cannot answer (a library from before layout 4, relative x, a cell size that is not ``BASE_PX`` times a power of
two): tests/unit/test_heat_cells.py holds the two equal. Only page visits the catalogue names with a first moment
(``pages.first_ms``) are binned. A cells file is written after its events file and before the catalogue names
either, so a batch the catalogue names has both. Event files without cells of this layout are answered from the
events (``available``) until ``LibraryStore.rebuild_cells`` re-derives their cells (``store._cells_build``).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.core.heat_cells import (
    BASE_PX,
    CELL_KINDS,
    CELL_ROW,
    MAX_X,
    MAX_Y,
    CellRows,
    cell_rows,
    file_order,
    merge,
)
from replaylens.core.kinds import POINTER_KIND_NAMES
from replaylens.store._schema import CELLS_DIR, EVENTS_DIR, TMP_DIR

__all__ = ["BASE_PX", "CELL_ROW", "MAX_X", "MAX_Y", "compute", "of_records", "table", "write"]

if TYPE_CHECKING:
    from replaylens.model.library import SessionRecord
    from replaylens.store.library import LibraryStore

#: The cells file's columns (docs/library.md § Heat cells).
SCHEMA = pa.schema([("skey", pa.int64()), ("url", pa.string()), ("kind", pa.string()), ("cell", pa.int32()),
                    ("n", pa.int32()), ("w", pa.int32()), ("top", pa.float64()),
                    ("h", pa.float64()), ("bottom_h", pa.float64()), ("bottom_s", pa.float64()),
                    ("first_i", pa.int64()), ("fold_h", pa.int32())])
#: What the session and page tables handed to ``compute`` hold.
SESSIONS = pa.schema([("session_id", pa.string()), ("sha256", pa.string()), ("skey", pa.int64()),
                      ("duration_ms", pa.int64())])
PAGES = pa.schema([("session_id", pa.string()), ("page", pa.int32()), ("url", pa.string())])


def session_key(session_id: str, sha256: str) -> int:
    """The cells' key of one session version: 64 bits of BLAKE2b over id and content hash (signed int64)."""
    digest = hashlib.blake2b(f"{session_id}\x00{sha256}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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


def _floats(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.cast(col, pa.float64()), np.nan).to_numpy(zero_copy_only=False), np.float64)


def _ints(col: pa.ChunkedArray | pa.Array, null: int) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.cast(col, pa.int64()), null).to_numpy(zero_copy_only=False), np.int64)


def _bools(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), bool)


def compute(events: pa.Table, sessions: pa.Table, pages: pa.Table) -> pa.Table:
    """The cell rows of a batch of events (with ``session_id`` and ``sha256`` columns) for the session versions
    in ``sessions`` and their shown pages ``pages`` (schemas ``SESSIONS`` and ``PAGES``), by ``core.heat_cells``;
    events of other versions are left out."""
    sids = sessions.column("session_id").to_pylist()
    version = {f"{s}\x00{h}": k for k, (s, h) in enumerate(zip(sids, sessions.column("sha256").to_pylist(),
                                                                  strict=True))}
    enc = pc.dictionary_encode(pc.binary_join_element_wise(events.column("session_id"), events.column("sha256"),
                                                           "\x00")).combine_chunks()
    lut = np.array([version.get(str(v), -1) for v in enc.dictionary.to_pylist()] + [-1], np.int64)
    sess = lut[np.asarray(pc.fill_null(enc.indices, len(lut) - 1).to_numpy(zero_copy_only=False), np.int64)]
    mine = sess >= 0
    events = events.filter(pa.array(mine))
    sess = sess[mine]
    kind = events.column("kind")
    by_id = {s: k for k, s in enumerate(sids)}
    p_sess = np.array([by_id.get(s, -1) for s in pages.column("session_id").to_pylist()], np.int64)
    urls = pc.dictionary_encode(pages.column("url")).combine_chunks()
    rows = cell_rows(
        sess=sess, i=_ints(events.column("i"), 0), t=_ints(events.column("t"), 0),
        page=_ints(events.column("page"), -1), pointer=_bools(pc.is_in(kind, pa.array(POINTER_KIND_NAMES))),
        click=_bools(pc.equal(kind, "click")), x=_floats(events.column("x")), y=_floats(events.column("y")),
        scroll_x=_floats(events.column("scroll_x")), scroll_y=_floats(events.column("scroll_y")),
        fixed=_bools(events.column("fixed")), height=_floats(events.column("height")),
        p_sess=p_sess, p_page=_ints(pages.column("page"), -1), p_url=_ints(urls.indices, -1),
        duration=_floats(sessions.column("duration_ms")))
    rows = replace(rows, urls=tuple(str(u) for u in urls.dictionary.to_pylist()))
    return table(rows, np.asarray(sessions.column("skey").to_numpy(zero_copy_only=False), np.int64))


def table(rows: CellRows, skeys: np.ndarray) -> pa.Table:
    """``rows`` (``core.heat_cells``) as the cells file's table, in file order: ``skeys`` per session index."""
    keys = np.asarray(skeys, np.int64)[rows.sess]
    order = file_order(replace(rows, sess=keys))
    kind = rows.kind.astype(np.int64)[order]
    cell, w, first_i, fold_h = rows.cell[order], rows.w[order], rows.first_i[order], rows.fold_h[order]
    cols = [pa.array(keys[order], pa.int64()),
            pc.take(pa.array(rows.urls, pa.string()), pa.array(rows.url[order])),
            pc.take(pa.array(CELL_KINDS, pa.string()), pa.array(kind)),
            pa.array(cell, pa.int32(), mask=cell < 0), pa.array(rows.n[order], pa.int32()),
            pa.array(w, pa.int32(), mask=w < 0)]
    for name in ("top", "h", "bottom_h", "bottom_s"):
        v = getattr(rows, name)[order]
        cols.append(pa.array(v, pa.float64(), mask=np.isnan(v)))
    cols += [pa.array(first_i, pa.int64(), mask=first_i < 0),
             pa.array(np.nan_to_num(fold_h).astype(np.int64), pa.int32(), mask=np.isnan(fold_h))]
    return pa.Table.from_arrays(cols, schema=SCHEMA)


def of_records(records: Sequence[SessionRecord], events: pa.Table, sessions: pa.Table, pages: pa.Table
               ) -> pa.Table:
    """The cells of one batch file: the rows the ingest workers computed (``SessionRecord.cells``) as they are,
    or, when some record brings none, computed here from the batch's events (``compute``)."""
    parts = [r.cells for r in records if r.cells is not None]
    if not records or len(parts) < len(records):
        return compute(events, sessions, pages)
    return table(merge(parts), np.asarray(sessions.column("skey").to_numpy(zero_copy_only=False), np.int64))


def write(lib: LibraryStore, cells: pa.Table, events_rel: str, sessions: pa.Table | None) -> str:
    """Write the given cells (``SCHEMA``, in file order) of one events file (temp name, fsync, rename) and the
    sessions' keys (``cell_keys``; None: the caller names them, ``add_keys``, once for several files); return the
    cells file's path relative to the library."""
    rel = cells_rel(events_rel)
    tmp = lib.root / TMP_DIR / f"{uuid.uuid4().hex}.cells.parquet.tmp"
    pq.write_table(cells, tmp, compression="snappy", row_group_size=128_000, use_dictionary=["url", "kind"])
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    dest = lib.root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    if sessions is not None:
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
