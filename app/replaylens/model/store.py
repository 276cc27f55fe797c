"""SessionStore: owns the in-memory DuckDB database of one opened session, and every SQL string.

Loading validates and repairs in SQL (no Python loop per event): rows without a time or kind are dropped,
garbage coordinates (NaN, infinite, |v| > 100,000 px, the 65535 sentinel) are cleared, exact duplicate rows are
dropped, rows are sorted stably by time, missing scroll offsets are filled forward within a page visit and the
viewport size forward from the manifest. What was repaired goes into the ImportReport.

Every result started here is drained (fetchall/fetchnumpy) so the code also runs on DuckDB 2.x, where results
stream and hold the connection. Other threads get their own ``cursor()``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from replaylens.core.kinds import kind_vocabulary
from replaylens.model.arrays import SessionArrays
from replaylens.model.report import ImportReport
from replaylens.model.schema import COORD_SENTINELS, EVENT_COLUMNS, MAX_ABS_COORD

_SENTINELS = ", ".join(repr(float(s)) for s in COORD_SENTINELS)


def _bad(col: str) -> str:
    return f"(isnan({col}) OR isinf({col}) OR abs({col}) > {MAX_ABS_COORD} OR {col} IN ({_SENTINELS}))"


def _clean(col: str) -> str:
    return f"CASE WHEN {_bad(col)} THEN NULL ELSE {col} END"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class StoreError(RuntimeError):
    """The events table could not be read (corrupt or of the wrong shape)."""


class SessionStore:
    """In-memory DuckDB tables ``events`` (typed, sorted, repaired) for one session."""

    def __init__(self) -> None:
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET threads TO 2").fetchall()
        self._lock = threading.Lock()
        self.extra_columns: list[str] = []

    # -- connections -------------------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for the calling thread (DuckDB: one cursor per thread)."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()

    def _run(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._con.execute(sql, params or []).fetchall()

    # -- loading -----------------------------------------------------------------------------------------------
    def load_file(self, path: Path, fmt: str, *, page_count: int, viewport: tuple[int, int],
                  report: ImportReport) -> None:
        """Load an events file (``parquet`` or ``ndjson``) written by a bundle writer or an importer."""
        reader = {"parquet": "read_parquet(?)", "ndjson": "read_ndjson(?, maximum_object_size=16777216)"}[fmt]
        try:
            self._run(f"CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM {reader}", [str(path)])
        except duckdb.Error as exc:
            detail = _first_line(exc).replace(f" in file '{path}'", "").replace(str(path), path.name)
            raise StoreError(f"the events table cannot be read ({detail})") from exc
        self._ingest(page_count=page_count, viewport=viewport, report=report)

    def load_arrow(self, table: Any, *, page_count: int, viewport: tuple[int, int], report: ImportReport) -> None:
        """Load events from a pyarrow Table (importers hand over columnar batches, never rows)."""
        with self._lock:
            self._con.register("arrow_src", table)
            try:
                self._con.execute("CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM arrow_src").fetchall()
            finally:
                self._con.unregister("arrow_src")
        self._ingest(page_count=page_count, viewport=viewport, report=report)

    def _ingest(self, *, page_count: int, viewport: tuple[int, int], report: ImportReport) -> None:
        present = {r[0]: r[1] for r in self._run("DESCRIBE raw")}
        missing = [c for c in ("t", "kind") if c not in present]
        if missing:
            raise StoreError(f"the events table has no {' or '.join(missing)} column")
        known = {c.name for c in EVENT_COLUMNS}
        self.extra_columns = [n for n in present if n not in known]
        casts = [f"TRY_CAST({_q(c.name)} AS {c.sql_type}) AS {c.name}" if c.name in present
                 else f"CAST({c.default_sql} AS {c.sql_type}) AS {c.name}" for c in EVENT_COLUMNS]
        extras = "".join(f", {_q(n)}" for n in self.extra_columns)
        self._run(f"CREATE OR REPLACE TEMP TABLE typed AS SELECT rowid AS seq, {', '.join(casts)}{extras} FROM raw")
        self._run("DROP TABLE raw")

        (total, no_key, bad_xy, bad_scroll, bad_page, backwards, same_t), = self._run(f"""
            SELECT count(*),
                   count(*) FILTER (t IS NULL OR kind IS NULL),
                   count(*) FILTER ({_bad('x')} OR {_bad('y')}),
                   count(*) FILTER ({_bad('scroll_x')} OR {_bad('scroll_y')}),
                   count(*) FILTER (page < 0 OR page >= {max(page_count, 1)}),
                   count(*) FILTER (back),
                   count(*) FILTER (same)
            FROM (SELECT *, t < lag(t) OVER (ORDER BY seq) AS back,
                         kind = 'move' AND t = lag(t) OVER (PARTITION BY kind ORDER BY seq) AS same
                  FROM typed)""")
        report.add("missing_time_or_kind", no_key, "{n} events without a time or kind were dropped")
        report.add("bad_coordinates", bad_xy,
                   "{n} events had NaN, infinite, out-of-range or 65535-sentinel coordinates (cleared)")
        report.add("bad_scroll", bad_scroll, "{n} events had invalid scroll offsets (filled from earlier ones)")
        report.add("bad_page", bad_page, "{n} events pointed at a page that does not exist (moved to page 0)")
        report.add("backwards_time", backwards, "{n} events were out of time order (sorted, order kept for ties)")
        report.add("equal_time_moves", same_t, "{n} pointer samples share their timestamp with the previous one "
                                                "(kept in recorded order)")

        vw, vh = int(viewport[0]), int(viewport[1])
        cols = [c.name for c in EVENT_COLUMNS]
        base = ", ".join(c for c in cols if c not in {"x", "y", "scroll_x", "scroll_y", "page"})
        self._run(f"""
            CREATE OR REPLACE TABLE events AS
            WITH clean AS (
                SELECT seq, {base},
                       CASE WHEN page < 0 OR page >= {max(page_count, 1)} OR page IS NULL THEN 0 ELSE page END
                           AS page,
                       {_clean('x')} AS x, {_clean('y')} AS y,
                       {_clean('scroll_x')} AS scroll_x, {_clean('scroll_y')} AS scroll_y{extras}
                FROM typed WHERE t IS NOT NULL AND kind IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY t, kind, page, x, y, scroll_x, scroll_y, target, value_len,
                                           detail ORDER BY seq) = 1
            ), visits AS (
                SELECT *, sum(CASE WHEN kind = 'navigate' THEN 1 ELSE 0 END)
                              OVER (ORDER BY t, seq ROWS UNBOUNDED PRECEDING) AS visit
                FROM clean
            )
            SELECT row_number() OVER (ORDER BY t, seq) - 1 AS i,
                   t, kind, page, x, y,
                   coalesce(last_value(scroll_x IGNORE NULLS) OVER vis, 0) AS scroll_x,
                   coalesce(last_value(scroll_y IGNORE NULLS) OVER vis, 0) AS scroll_y,
                   coalesce(last_value(width IGNORE NULLS) OVER all_rows, {vw}) AS width,
                   coalesce(last_value(height IGNORE NULLS) OVER all_rows, {vh}) AS height,
                   target, target_tag, target_text, interactive, coalesce(fixed, false) AS fixed, input_type,
                   value_len, value, detail{extras}
            FROM visits
            WINDOW vis AS (PARTITION BY visit ORDER BY t, seq ROWS UNBOUNDED PRECEDING),
                   all_rows AS (ORDER BY t, seq ROWS UNBOUNDED PRECEDING)
            ORDER BY t, seq""")
        self._run("DROP TABLE typed")
        kept = self.row_count()
        dups = int(total) - int(no_key) - kept
        report.add("duplicates", dups, "{n} exact duplicate events were dropped")

    # -- reading -----------------------------------------------------------------------------------------------
    def row_count(self) -> int:
        return int(self._run("SELECT count(*) FROM events")[0][0])

    def count_by_kind(self) -> dict[str, int]:
        return {k: int(n) for k, n in self._run("SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")}

    def kinds(self) -> list[str]:
        return kind_vocabulary([r[0] for r in self._run("SELECT DISTINCT kind FROM events ORDER BY kind")])

    def arrays(self) -> SessionArrays:
        """The events as columnar numpy arrays (one query, no per-row Python)."""
        kinds = self.kinds()
        targets = [r[0] for r in self._run(
            "SELECT DISTINCT target FROM events WHERE target IS NOT NULL ORDER BY target")]
        with self._lock:
            self._con.execute("CREATE OR REPLACE TEMP TABLE target_codes AS "
                              "SELECT unnest(?::VARCHAR[]) AS target, "
                              "CAST(generate_subscripts(?::VARCHAR[], 1) - 1 AS INTEGER) AS code",
                              [targets, targets]).fetchall()
            res = self._con.execute("""
                SELECT e.t,
                       CAST(list_position(?::VARCHAR[], e.kind) - 1 AS SMALLINT) AS kind,
                       CAST(e.page AS INTEGER) AS page,
                       coalesce(e.x, 'nan'::DOUBLE) AS x, coalesce(e.y, 'nan'::DOUBLE) AS y,
                       e.scroll_x, e.scroll_y,
                       CAST(e.width AS INTEGER) AS width, CAST(e.height AS INTEGER) AS height,
                       coalesce(tc.code, -1) AS target,
                       CAST(CASE WHEN e.interactive IS NULL THEN -1 WHEN e.interactive THEN 1 ELSE 0 END
                            AS TINYINT) AS interactive,
                       e.fixed,
                       CAST(coalesce(e.value_len, -1) AS INTEGER) AS value_len
                FROM events e LEFT JOIN target_codes tc ON e.target = tc.target
                ORDER BY e.i""", [kinds]).fetchnumpy()
        arr = {k: np.asarray(v) for k, v in res.items()}
        return SessionArrays(
            t=arr["t"].astype(np.int64, copy=False), kind=arr["kind"].astype(np.int16, copy=False),
            page=arr["page"].astype(np.int32, copy=False),
            x=arr["x"].astype(np.float64, copy=False), y=arr["y"].astype(np.float64, copy=False),
            scroll_x=arr["scroll_x"].astype(np.float64, copy=False),
            scroll_y=arr["scroll_y"].astype(np.float64, copy=False),
            width=arr["width"].astype(np.int32, copy=False), height=arr["height"].astype(np.int32, copy=False),
            target=arr["target"].astype(np.int32, copy=False),
            interactive=arr["interactive"].astype(np.int8, copy=False),
            fixed=arr["fixed"].astype(bool, copy=False), value_len=arr["value_len"].astype(np.int32, copy=False),
            kinds=tuple(kinds), targets=tuple(targets))

    def rows(self, sql_where: str = "true", params: list[Any] | None = None, limit: int = 10_000,
             columns: str = "i, t, kind, page, target, target_tag, target_text, input_type, value_len, detail",
             ) -> list[tuple[Any, ...]]:
        """Rows of the events table for lists and reports. ``sql_where`` is ours, never user text."""
        return self._run(f"SELECT {columns} FROM events WHERE {sql_where} ORDER BY i LIMIT {int(limit)}", params)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one of our own queries against the store (drained)."""
        return self._run(sql, params)

    def export_parquet(self, path: Path) -> None:
        cols = ", ".join([c.name for c in EVENT_COLUMNS] + [_q(n) for n in self.extra_columns])
        self._run(f"COPY (SELECT {cols} FROM events ORDER BY i) TO '{_sql_str(str(path))}' "
                  "(FORMAT parquet, COMPRESSION zstd)")


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
