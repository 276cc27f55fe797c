"""The engines that run the library's queries: DuckDB on the desktop (the default) or Apache Spark.

Every library query is written once, in the store layer, in DuckDB's SQL dialect over *named views* with ``?``
parameters, and avoids DuckDB-only constructs (see ``_compile``):

    events       the library's Parquet events (hive partition columns ``site`` VARCHAR, ``day`` DATE), only the
                 files the catalogue names (orphans of a killed ingest are never read)
    heat_cells   the pre-binned heatmap cells of those files (``store._cells``; the same partition columns),
                 named only when every events file has its cells (``_cells.available``)
    sessions, pages, attributes, goal_hits, findings, tags, labels, goals   the catalogue tables
    cell_keys    the catalogue's session version -> integer key of the cells (layout 4; absent in an older
                 library opened read-only, whose maps read the events)

An ``Engine`` runs such a statement and returns Arrow. ``DuckDBEngine`` runs it on the catalogue's own connection
(the catalogue tables are real tables there; ``events`` is a temporary view over ``read_parquet``).
``store.spark.SparkEngine`` transpiles it to Spark SQL with sqlglot and runs it on a Spark session whose views are
registered from the library folder (``events``) and pushed from the desktop's catalogue (the rest).

Engine specs (the ``--engine`` option and the Preferences entry): ``duckdb``, ``spark`` (``local[*]``),
``spark=local[N]``, ``spark=spark://host:7077`` or ``spark=sc://host:15002`` (Spark Connect).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Catalogue tables a query may name (the Spark engine pushes these; ``events`` comes from the Parquet folder).
CATALOGUE_VIEWS: tuple[str, ...] = ("sessions", "pages", "attributes", "attr_values", "attr_keys", "goal_hits",
                                    "findings", "tags", "labels", "goals", "cell_keys", "click_boxes")
ENGINES = ("duckdb", "spark")
DEFAULT_MASTER = "local[*]"


class SparkUnavailable(RuntimeError):
    """pyspark or Java cannot be found, or the Spark cluster cannot be reached."""


class Engine(Protocol):
    """Runs one library statement (DuckDB dialect, named views, ``?`` parameters) and returns Arrow."""

    name: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> pa.Table: ...

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EngineSpec:
    """A parsed engine choice: ``kind`` duckdb or spark; ``master`` for Spark (``local[N]``, ``spark://…``,
    ``sc://…``); ``events_uri`` the library's ``events`` folder as the cluster sees it (None: the local path)."""

    kind: str = "duckdb"
    master: str = DEFAULT_MASTER
    events_uri: str | None = None

    def label(self) -> str:
        return "duckdb" if self.kind == "duckdb" else f"spark={self.master}"


def parse_engine(text: str | None, events_uri: str | None = None) -> EngineSpec:
    """``duckdb`` | ``spark`` | ``spark=MASTER``. Raises ValueError with the accepted forms."""
    value = (text or "duckdb").strip()
    kind, sep, master = value.partition("=")
    kind = kind.strip().lower()
    master = master.strip()
    if kind == "duckdb" and not sep:
        return EngineSpec()
    if kind == "spark":
        if sep and not master:
            raise ValueError("--engine spark= needs a master: local[N], spark://HOST:PORT or sc://HOST:PORT")
        master = master or DEFAULT_MASTER
        if not (master == "local" or master.startswith(("local[", "spark://", "sc://", "yarn", "k8s://"))):
            raise ValueError(f"{master[:80]!r} is not a Spark master: use local[N], spark://HOST:PORT or "
                             "sc://HOST:PORT (Spark Connect)")
        return EngineSpec("spark", master, events_uri or None)
    raise ValueError(f"unknown engine {value[:60]!r}: use duckdb, spark or spark=MASTER")


def make_engine(lib: LibraryStore, spec: EngineSpec) -> Engine:
    """The engine for ``spec`` over ``lib`` (pyspark is imported only for a Spark engine)."""
    if spec.kind == "duckdb":
        return DuckDBEngine(lib)
    from replaylens.store.spark import SparkEngine

    return SparkEngine(lib, master=spec.master, events_uri=spec.events_uri)


def sql_text(value: str) -> str:
    """A SQL string literal of a path we wrote ourselves (views take no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def event_files(lib: LibraryStore) -> list[str]:
    """The Parquet files the catalogue names, relative to the library, sorted."""
    rows = lib.cursor().execute("SELECT DISTINCT events_file FROM sessions ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows]


class DuckDBEngine:
    """The desktop engine: the catalogue's connection, plus a per-cursor temporary view ``events``."""

    name = "duckdb"

    def __init__(self, lib: LibraryStore) -> None:
        self.lib = lib
        self._local = threading.local()

    def _ensure_events(self) -> Any:
        cur = self.lib.cursor()
        files = event_files(self.lib)
        if getattr(self._local, "files", None) != files or getattr(self._local, "cur", None) is not cur:
            paths = ", ".join(sql_text(str(self.lib.root / f)) for f in files)
            if files:
                source = (f"SELECT * FROM read_parquet([{paths}], hive_partitioning = true, union_by_name = true, "
                          "hive_types = {'site': VARCHAR, 'day': DATE})")
            else:  # an empty library: the same columns, no rows
                source = ("SELECT NULL::VARCHAR AS session_id, NULL::VARCHAR AS sha256, NULL::BIGINT AS i, "
                          "NULL::BIGINT AS t, NULL::VARCHAR AS kind, NULL::INTEGER AS page, NULL::DOUBLE AS x, "
                          "NULL::DOUBLE AS y, NULL::DOUBLE AS scroll_x, NULL::DOUBLE AS scroll_y, "
                          "NULL::INTEGER AS width, NULL::INTEGER AS height, NULL::VARCHAR AS target_text, "
                          "NULL::BOOLEAN AS fixed, NULL::VARCHAR AS detail, NULL::VARCHAR AS site, "
                          "NULL::DATE AS day WHERE false")
            cur.execute(f"CREATE OR REPLACE TEMP VIEW events AS {source}").fetchall()
            self._local.files, self._local.cur = files, cur
        return cur

    def _ensure_cells(self, cur: Any) -> Any:
        from replaylens.store import _cells

        files = _cells.files(self.lib) or []
        if getattr(self._local, "cell_files", None) != files or getattr(self._local, "cell_cur", None) is not cur:
            paths = ", ".join(sql_text(str(self.lib.root / f)) for f in files)
            source = (f"SELECT * FROM read_parquet([{paths}], hive_partitioning = true, union_by_name = true, "
                      "hive_types = {'site': VARCHAR, 'day': DATE})") if files else _cells.empty_source()
            cur.execute(f"CREATE OR REPLACE TEMP VIEW heat_cells AS {source}").fetchall()
            self._local.cell_files, self._local.cell_cur = files, cur
        return cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        cur = self._ensure_events() if _names_events(sql) else self.lib.cursor()
        if _CELLS.search(sql) is not None:
            self._ensure_cells(cur)
        res = cur.execute(sql, list(params))
        return res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        cur = self._ensure_cells(self._ensure_events())
        rows = cur.execute(f"EXPLAIN {sql}", list(params)).fetchall()
        return "\n".join(str(r[-1]) for r in rows)

    def close(self) -> None:
        """Nothing of its own: the connection is the library's."""


_EVENTS = re.compile(r"(?<![.\w])events(?![\w(])")
_CELLS = re.compile(r"(?<![.\w])heat_cells(?![\w(])")


def _names_events(sql: str) -> bool:
    return _EVENTS.search(sql) is not None
