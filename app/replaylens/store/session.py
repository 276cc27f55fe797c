"""SessionStore: owns the in-memory DuckDB database of one opened session, and every SQL string read from it.

``open_imported`` is the sink that builds it, and the ``Session`` the viewer reads, from what a reader handed over
(``model.imported.ImportedSession``).

Loading: DuckDB reads and types the file (TRY_CAST: garbage becomes NULL) straight into Arrow; the numpy kernel
``core.repair`` validates and repairs column by column (no Python loop per event); the repaired Arrow table becomes
the DuckDB ``events`` table without a copy, and the numpy arrays the hot paths read are kept. What was repaired
goes into the ImportReport.

Every result started here is drained (fetchall/fetchnumpy) so the code also runs on DuckDB 2.x, where results
stream and hold the connection; the store's queries run one at a time under its lock.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaylens.core.kinds import KIND_CODE, kind_vocabulary
from replaylens.core.repair import repair_events
from replaylens.errors import BadInputError
from replaylens.model.arrays import SessionArrays
from replaylens.model.imported import EventsFile, ImportedSession
from replaylens.model.report import ImportReport
from replaylens.model.schema import COORD_SENTINELS, EVENT_COLUMNS, MAX_ABS_COORD
from replaylens.model.session import Session
from replaylens.store.arrow_np import filled, from_numpy, valid, values

#: Columns an events table may have (ours plus unknown ones kept); more is refused, not loaded.
MAX_COLUMNS = 256
#: Names the store adds itself (the row index); an unknown column may not take them.
RESERVED_COLUMNS = frozenset({"i"})


def _extra_names(extras: list[str], known: set[str]) -> tuple[list[str], dict[str, str]]:
    """Store names for the unknown columns: kept as they are unless they collide (SQL names are
    case-insensitive) with our columns, the store's own ``i`` or each other; those become ``extra_<name>``."""
    taken = {n.lower() for n in known | RESERVED_COLUMNS}
    names: list[str] = []
    renamed: dict[str, str] = {}
    for n in extras:
        name = n if n.strip() else "extra_"
        k = 1
        while name.lower() in taken:
            name = f"extra_{n}" if k == 1 else f"extra_{n}_{k}"
            k += 1
        taken.add(name.lower())
        names.append(name)
        if name != n:
            renamed[n] = name
    return names, renamed


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class StoreError(RuntimeError):
    """The events table could not be read (corrupt or of the wrong shape)."""


_DB: duckdb.DuckDBPyConnection | None = None
_DB_LOCK = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's one in-memory DuckDB database the one-session stores share: each store
    has its own (``cursor()``, a fraction of a millisecond, where a new database costs about 10 ms, a cost an
    ingest of thousands of files paid per file), its events a TEMP view only that connection sees. The parent
    connection is only touched under the lock."""
    global _DB
    with _DB_LOCK:
        if _DB is None:
            _DB = duckdb.connect(":memory:")
            _DB.execute("SET threads TO 2").fetchall()
        return _DB.cursor()


def use_threads(n: int) -> None:
    """DuckDB threads of this process's one-session stores (2 by default; an ingest worker process, one of a pool
    as large as the machine, sets 1)."""
    con = _connection()
    try:
        con.execute(f"SET threads TO {max(1, int(n))}").fetchall()
    finally:
        con.close()


class SessionStore:
    """In-memory DuckDB tables ``events`` (typed, sorted, repaired) for one session."""

    def __init__(self) -> None:
        self._con = _connection()
        self._lock = threading.Lock()
        self.extra_columns: list[str] = []  # unknown columns kept, under the names the store gave them
        self.renamed_columns: dict[str, str] = {}  # unknown columns whose own name collided: file name -> store name
        self._arrays: SessionArrays | None = None
        self._events_arrow: pa.Table | None = None
        self._view = False  # the ``events`` view over ``_events_arrow`` exists

    # -- connections -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()

    def _run(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            if not self._view and self._events_arrow is not None:  # the events view, made on the first query
                self._con.register("events_arrow", self._events_arrow)  # (an ingest asks none: no Arrow scan set up)
                self._con.execute("CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM events_arrow").fetchall()
                self._view = True
            return self._con.execute(sql, params or []).fetchall()

    # -- loading -----------------------------------------------------------------------------------------------
    def load_file(self, path: Path, fmt: str, *, page_count: int, viewport: tuple[int, int],
                  report: ImportReport) -> None:
        """Load an events file (``parquet`` or ``ndjson``) written by a bundle writer or an importer."""
        # NDJSON: types are detected two levels deep at most (deeper values stay JSON text), so a hostile nest
        # cannot build a recursive column type (Arrow gives up past its recursion limit, DuckDB can crash)
        reader = {"parquet": "read_parquet(?)",
                  "ndjson": "read_ndjson(?, maximum_object_size=16777216, maximum_depth=2)"}[fmt]
        try:
            with self._lock:
                present = [r[0] for r in self._con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(path)]).fetchall()]
                typed = _to_arrow(self._con.execute(f"SELECT {self._typed_select(present)} FROM {reader}",
                                                    [str(path)]))
        except duckdb.Error as exc:
            detail = _first_line(exc).replace(f" in file '{path}'", "").replace(str(path), path.name)
            raise StoreError(f"the events table cannot be read ({detail})") from exc
        self._ingest(typed, page_count=page_count, viewport=viewport, report=report)

    def _note_renamed(self, report: ImportReport) -> None:
        for src, dst in list(self.renamed_columns.items())[:5]:
            report.note(f"the unknown column {src[:60]!r} collides with a column of ours: kept as {dst[:70]!r}")

    def parquet_footer(self, path: Path) -> tuple[int, int, int]:
        """(rows, decoded bytes, deepest column nesting) from a Parquet file's footer alone, read by DuckDB (the
        reader that will decode it). Decoded bytes per column chunk: the larger of its uncompressed size and 8 bytes
        a row (RLE/dictionary pages can be tiny). Nesting counts list and struct levels (0 for a flat column)."""
        parts = "list_filter(string_split(path_in_schema, ', '), p -> p <> 'list')"
        try:
            with self._lock:
                rows = self._con.execute("SELECT num_rows FROM parquet_file_metadata(?)", [str(path)]).fetchall()
                agg = self._con.execute(
                    "SELECT coalesce(sum(greatest(coalesce(total_uncompressed_size, 0), "
                    f"coalesce(row_group_num_rows, 0) * 8)), 0), coalesce(max(len({parts}) - 1), 0) "
                    "FROM parquet_metadata(?)", [str(path)]).fetchall()
        except duckdb.Error as exc:
            detail = _first_line(exc).replace(str(path), path.name)
            raise StoreError(f"the events table cannot be read ({detail})") from exc
        return int(rows[0][0] or 0) if rows else 0, int(agg[0][0]), int(agg[0][1])

    def load_arrow(self, table: Any, *, page_count: int, viewport: tuple[int, int], report: ImportReport) -> None:
        """Load events from a pyarrow Table (importers hand over columnar batches, never rows). A table already of
        the store's column types (the rrweb reader's) is used as it is, without a typed copy."""
        ready = _already_typed(table)
        if ready is not None:
            self.extra_columns, self.renamed_columns = [], {}
            self._ingest(ready, page_count=page_count, viewport=viewport, report=report)
            return
        with self._lock:
            self._con.register("arrow_src", table)
            try:
                present = [r[0] for r in self._con.execute("DESCRIBE SELECT * FROM arrow_src").fetchall()]
                typed = _to_arrow(self._con.execute(f"SELECT {self._typed_select(present)} FROM arrow_src"))
            except duckdb.Error as exc:
                raise StoreError(f"the events table cannot be read ({_first_line(exc)})") from exc
            finally:
                self._con.unregister("arrow_src")
        self._ingest(typed, page_count=page_count, viewport=viewport, report=report)

    def _typed_select(self, present: list[str]) -> str:
        missing = [c for c in ("t", "kind") if c not in present]
        if missing:
            raise StoreError(f"the events table has no {' or '.join(missing)} column")
        if len(present) > MAX_COLUMNS:
            raise StoreError(f"the events table has {len(present):,} columns, over the limit of {MAX_COLUMNS}")
        known = {c.name for c in EVENT_COLUMNS}
        extras = [n for n in present if n not in known]
        self.extra_columns, self.renamed_columns = _extra_names(extras, known)
        casts = [f"TRY_CAST({_q(c.name)} AS {c.sql_type}) AS {c.name}" if c.name in present
                 else f"CAST({c.default_sql} AS {c.sql_type}) AS {c.name}" for c in EVENT_COLUMNS]
        return ", ".join(casts + [f"{_q(src)} AS {_q(dst)}" for src, dst in zip(extras, self.extra_columns,
                                                                                 strict=True)])

    def _ingest(self, typed: pa.Table, *, page_count: int, viewport: tuple[int, int], report: ImportReport) -> None:
        """Repair in numpy (core.repair), then hand the repaired Arrow table to DuckDB without copying."""
        self._note_renamed(report)
        pa.default_memory_pool().release_unused()  # what the reader's Arrow work left cached: the peak is ahead
        t_col = typed["t"]
        kind_enc = pc.dictionary_encode(typed["kind"]).combine_chunks()
        kinds = kind_vocabulary([str(v) for v in kind_enc.dictionary.to_pylist()])
        lut = np.array([kinds.index(str(v)) for v in kind_enc.dictionary.to_pylist()] + [-1], np.int16)
        kind_idx = filled(kind_enc.indices, len(lut) - 1)
        target_enc = pc.dictionary_encode(typed["target"]).combine_chunks()
        target_idx = filled(target_enc.indices, -1).astype(np.int32, copy=False)
        detail_idx = filled(pc.dictionary_encode(typed["detail"]).combine_chunks().indices, -1)
        value_len = filled(typed["value_len"], -1).astype(np.int32)

        def f64(name: str) -> np.ndarray:
            shared = _nan_floats(typed[name])
            if shared is not None:
                return shared
            col = pc.cast(typed[name], pa.float64()).combine_chunks()
            return filled(col, np.nan).astype(np.float64, copy=False)

        present = {c: valid(typed[c]) for c in ("x", "y", "scroll_x", "scroll_y")}
        rep = repair_events(
            _ints(t_col), valid(t_col),
            lut[kind_idx], kind_idx < len(lut) - 1, f64("page"), f64("x"), f64("y"), f64("scroll_x"),
            f64("scroll_y"), f64("width"), f64("height"), [target_idx, value_len, detail_idx], present,
            navigate_code=KIND_CODE["navigate"], move_code=KIND_CODE["move"], page_count=page_count,
            viewport=viewport, max_abs=MAX_ABS_COORD, sentinels=COORD_SENTINELS)
        messages = {
            "missing_time_or_kind": "{n} events without a time or kind were dropped",
            "bad_coordinates": "{n} events had NaN, infinite, out-of-range or 65535-sentinel coordinates (cleared)",
            "bad_scroll": "{n} events had invalid scroll offsets (filled from earlier ones)",
            "bad_page": "{n} events pointed at a page that does not exist (moved to page 0)",
            "backwards_time": "{n} events were out of time order (sorted, order kept for ties)",
            "equal_time_moves": "{n} pointer samples share their timestamp with the previous one (kept in order)",
            "duplicates": "{n} exact duplicate events were dropped",
        }
        for code, msg in messages.items():
            report.add(code, rep.counts.get(code, 0), msg)

        n = len(rep.order)
        in_order = n == typed.num_rows and bool((rep.order == np.arange(n)).all())
        out = typed if in_order else typed.take(from_numpy(rep.order))  # files we write are already in order
        replace = {"page": from_numpy(rep.page), "x": from_numpy(rep.x, np.isnan(rep.x)),
                   "y": from_numpy(rep.y, np.isnan(rep.y)), "scroll_x": from_numpy(rep.scroll_x),
                   "scroll_y": from_numpy(rep.scroll_y), "width": from_numpy(rep.width),
                   "height": from_numpy(rep.height),
                   "fixed": from_numpy(filled(out["fixed"], False))}
        for name, arr in replace.items():
            out = out.set_column(out.schema.get_field_index(name), name, arr)
        out = out.add_column(0, "i", from_numpy(np.arange(n, dtype=np.int64)))
        with self._lock:  # the repaired Arrow table is the store: DuckDB scans it in place (no copy) once queried
            self._events_arrow = out
            self._view = False
        interactive = out["interactive"]
        inter = np.where(valid(interactive), filled(interactive, False).astype(np.int8), -1)
        self._arrays = SessionArrays(
            t=values(out["t"]).astype(np.int64), kind=lut[kind_idx][rep.order], page=rep.page, x=rep.x, y=rep.y,
            scroll_x=rep.scroll_x, scroll_y=rep.scroll_y, width=rep.width, height=rep.height,
            target=target_idx[rep.order], interactive=inter.astype(np.int8),
            fixed=values(out["fixed"]).astype(bool), value_len=value_len[rep.order],
            kinds=tuple(kinds), targets=tuple(str(v) for v in target_enc.dictionary.to_pylist()))

    # -- reading -----------------------------------------------------------------------------------------------
    def arrays(self) -> SessionArrays:
        """The events as columnar numpy arrays (built once, at load, from the repaired columns)."""
        if self._arrays is None:
            raise StoreError("no events loaded")
        return self._arrays

    def events_table(self) -> pa.Table:
        """The repaired events as the Arrow table DuckDB scans (columns of ``schema.EVENT_COLUMNS``, extras, ``i``)."""
        if self._events_arrow is None:
            raise StoreError("no events loaded")
        return self._events_arrow

    def target_facts(self) -> list[tuple[Any, ...]]:
        """Per target (one row each): target, tag, input type and role (lower case, '' when absent) and whether any
        of its events saw it hidden. Computed on the Arrow table itself (a grouped pass, no query: an ingest asks
        this of every file)."""
        t = self.events_table()
        t = t.filter(pc.is_valid(t["target"]))
        cols = {name: pc.cast(t[name], pa.string()) for name in ("target", "target_tag", "input_type", "target_role")}
        g = pa.table({**cols, "target_hidden": pc.cast(t["target_hidden"], pa.bool_())}).group_by(
            "target", use_threads=False).aggregate([("target_tag", "first"), ("input_type", "first"),
                                                   ("target_role", "first"), ("target_hidden", "any")])
        low = [pc.utf8_lower(pc.fill_null(g[f"{name}_first"], "")).to_pylist()
               for name in ("target_tag", "input_type", "target_role")]
        hidden = pc.fill_null(g["target_hidden_any"], False).to_pylist()
        return list(zip(g["target"].to_pylist(), *low, hidden, strict=True))

    def event_targets(self, indices: list[int]) -> list[tuple[Any, ...]]:
        """For the events at ``indices`` (row index ``i``), in index order: i, target, target_tag, target_text,
        kind, detail, target_label, target_role."""
        t = self.events_table()
        t = t.filter(pc.is_in(t["i"], pa.array(indices, pa.int64()))).sort_by("i")
        names = ("i", "target", "target_tag", "target_text", "kind", "detail", "target_label", "target_role")
        return list(zip(*(t[name].to_pylist() for name in names), strict=True))

    def target_labels(self) -> list[tuple[Any, ...]]:
        """(i, visible text) of every event but pointer moves whose target has a visible text."""
        return self._run("SELECT i, target_text FROM events WHERE target_text IS NOT NULL "
                         "AND kind NOT IN ('move', 'touch_move')")


def _ints(col: Any) -> np.ndarray:
    """An integer column as int64 numpy, nulls as 0 (without a copy when it is int64 without nulls)."""
    if col.null_count == 0 and col.type == pa.int64() and col.num_chunks == 1:
        return values(col.chunk(0))
    return filled(col, 0).astype(np.int64)


def _nan_floats(col: Any) -> np.ndarray | None:
    """A float64 column's own values buffer as numpy (no copy) when its nulls already hold NaN there (the rrweb
    reader writes them so): what ``to_numpy`` would return. None when it must be converted."""
    if col.type != pa.float64() or col.num_chunks != 1:
        return None
    arr = col.chunk(0)
    vals = values(arr)
    if arr.null_count == 0:
        return vals
    return vals if bool(np.isnan(vals[~valid(arr)]).all()) else None


_ARROW_TYPES = {"BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
                "VARCHAR": pa.string()}
#: String columns the store dictionary-encodes itself (their dictionaries become ids): plain strings only.
_PLAIN_STRINGS = frozenset({"kind", "target", "detail"})


def _column_ok(col: Any, name: str, sql_type: str) -> bool:
    want = _ARROW_TYPES.get(sql_type)
    typ = col.type
    if typ == want:
        return True
    return (sql_type == "VARCHAR" and name not in _PLAIN_STRINGS and pa.types.is_dictionary(typ)
            and typ.value_type == pa.string() and pa.types.is_integer(typ.index_type))


def _null_column(n: int, typ: pa.DataType) -> pa.Array:
    """``n`` nulls of ``typ`` over zero-filled buffers that are never written (calloc'd: no resident memory until
    read, and then the shared zero page), instead of ``pa.nulls``'s allocated values."""
    zeros = pa.py_buffer(np.zeros((n + 1) * 8, dtype=np.uint8))
    if typ == pa.string():
        return pa.Array.from_buffers(typ, n, [zeros, zeros, pa.py_buffer(b"")], null_count=n)
    return pa.Array.from_buffers(typ, n, [zeros, zeros], null_count=n)


def _default_column(n: int, sql_type: str, default_sql: str) -> pa.Array:
    typ = _ARROW_TYPES[sql_type]
    if default_sql == "NULL":
        return _null_column(n, typ)
    if default_sql == "0":
        return from_numpy(np.zeros(n, dtype=typ.to_pandas_dtype()))
    if default_sql == "false":
        return from_numpy(np.zeros(n, dtype=bool))
    raise ValueError(default_sql)


def _already_typed(table: Any) -> pa.Table | None:
    """``table`` in the typed select's shape (our columns in order, defaults for the absent ones) when it has only
    our columns, each of exactly its store type (dictionary-encoded text allowed where the store keeps text as it
    is): TRY_CAST would change nothing then. None otherwise (DuckDB types a copy)."""
    if not isinstance(table, pa.Table) or "t" not in table.column_names or "kind" not in table.column_names:
        return None
    names = table.column_names
    cols = {c.name: c for c in EVENT_COLUMNS}
    if len(set(names)) != len(names) or any(n not in cols for n in names) or \
            len({n.lower() for n in names}) != len(names):
        return None
    if not all(_column_ok(table[n], n, cols[n].sql_type) for n in names):
        return None
    if any(c.name not in names and c.sql_type not in _ARROW_TYPES for c in EVENT_COLUMNS):
        return None
    n = table.num_rows
    arrays = [table[c.name] if c.name in names else _default_column(n, c.sql_type, c.default_sql)
              for c in EVENT_COLUMNS]
    return pa.Table.from_arrays(arrays, names=[c.name for c in EVENT_COLUMNS])


def _to_arrow(res: Any) -> pa.Table:
    """Drain a result into an Arrow table (``to_arrow_table`` on DuckDB >= 1.4, the older name otherwise)."""
    fetch = getattr(res, "to_arrow_table", None) or res.fetch_arrow_table
    return fetch()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def open_imported(imported: ImportedSession) -> Session:
    """The sink for the viewer: load an imported session's events into a new one-session store (typed, repaired,
    with the numpy arrays) and wrap it as a ``Session``. A table the store cannot read raises BadInputError naming
    the file; the imported session's temporary files are removed either way."""
    m = imported.manifest
    page_count, viewport = len(m.pages), (m.viewport_width, m.viewport_height)
    store = SessionStore()
    try:
        events = imported.events
        if isinstance(events, EventsFile):
            if events.fmt == "parquet" and events.check_footer is not None:
                events.check_footer(store.parquet_footer(events.path), events.path.stat().st_size)
            store.load_file(events.path, events.fmt, page_count=page_count, viewport=viewport,
                            report=imported.report)
        else:
            store.load_arrow(events, page_count=page_count, viewport=viewport, report=imported.report)
        arrays = store.arrays()
    except StoreError as exc:
        store.close()
        raise BadInputError(imported.path, str(exc)) from None
    except BaseException:
        store.close()
        raise
    finally:
        imported.discard()
    if len(arrays) == 0:
        imported.report.note("the session holds no events")
    return Session(path=imported.path, manifest=m, store=store, arrays=arrays, report=imported.report,
                   load_image=imported.load_image)
