"""The Spark engine: the library's queries (DuckDB dialect, written once in the store layer) transpiled to Spark SQL
with sqlglot and run on a Spark session over the library's own Parquet.

Views, registered before the first query and again whenever the catalogue changed:
- ``events`` = ``spark.read.parquet`` of the event files the catalogue names, under the library's ``events``
  folder as the cluster sees it (``events_uri``: a shared mount, ``hdfs://…``, ``s3a://…``; default the local
  path), with the hive partition columns ``site`` (string) and ``day`` (date) from the folder names;
- ``heat_cells`` = the same for the pre-binned heatmap cells (``store._cells``) under the library's ``cells``
  folder (beside ``events_uri``);
- the catalogue tables (``sessions``, ``pages``, ``attributes``, ``goal_hits``, ``findings``, ``tags``, ``labels``,
  ``goals``, ``cell_keys``) pushed from the desktop's DuckDB as Arrow (``spark.createDataFrame``): a cluster
  cannot read the catalogue file, and the desktop keeps it (and the screenshots).

Parameters stay bound: ``spark.sql(sql, args=[…])`` (positional ``?``), never pasted into the SQL. Results come
back as Arrow (``DataFrame.toArrow``). pyspark is imported only here, and only when a Spark engine is made.
Masters: ``local[N]`` / ``spark://…`` (classic, py4j) or ``sc://…`` (Spark Connect; needs ``pyspark[connect]``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from replaylens.store._schema import CELLS_DIR
from replaylens.store.engine import CATALOGUE_VIEWS, SparkUnavailable, event_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from replaylens.store.library import LibraryStore

#: Settings for every session this module starts (the UI off, UTC like the catalogue's timestamps).
BASE_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "true",
}
_TOKENS = itertools.count(1)
_OWNER: dict[int, object] = {}  # id(SparkSession) -> the engine whose views are registered there


def translate(sql: str) -> str:
    """The library's DuckDB SQL as Spark SQL. ``json_valid(x)`` (no Spark function) becomes "``x`` parses as
    JSON" (``get_json_object(x, '$') IS NOT NULL``); everything else is sqlglot's own translation."""
    return _spark_sql(_parse(sql))


def _parse(sql: str) -> exp.Expr:
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert tree is not None
    return tree


def _fix(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_valid" and len(node.expressions) == 1:
        arg = node.expressions[0]
        return exp.Not(this=exp.Is(this=exp.Anonymous(this="GET_JSON_OBJECT",
                                                      expressions=[arg.copy(), exp.Literal.string("$")]),
                                   expression=exp.Null()))
    return node


def _spark_sql(tree: exp.Expr) -> str:
    return tree.copy().transform(_fix).sql(dialect="spark")


def _local_cores(master: str) -> int:
    inner = master[len("local["):-1] if master.startswith("local[") else "1"
    return max(1, os.cpu_count() or 1) if inner in ("*", "") else max(1, int(inner.split(",")[0]))


def start_session(master: str, conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session on ``master`` (reused if one is running in this process). Raises SparkUnavailable."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable("the Spark engine needs pyspark (pip install pyspark==4.3.0)") from exc
    settings = dict(BASE_CONF)
    if master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = str(2 * _local_cores(master))
    settings.update(conf or {})
    try:
        if master.startswith("sc://"):
            builder = SparkSession.builder.remote(master)
            settings = {k: v for k, v in settings.items() if k.startswith("spark.sql.")}
        else:
            builder = SparkSession.builder.master(master).appName("Replay Lens")
        for key, value in settings.items():
            builder = builder.config(key, value)
        return builder.getOrCreate()
    except ImportError as exc:  # Spark Connect's grpc client
        raise SparkUnavailable(f"Spark Connect needs pyspark[connect] ({exc})") from exc
    except Exception as exc:  # the JVM or the cluster: py4j and grpc raise their own types
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise SparkUnavailable(f"Spark on {master} cannot start: {first}") from exc


def _running_session() -> SparkSession | None:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


class SparkEngine:
    """Runs the library's queries on Spark. ``session``: an existing SparkSession (not stopped by ``close``)."""

    name = "spark"

    def __init__(self, lib: LibraryStore, *, master: str = "local[*]", events_uri: str | None = None,
                 session: SparkSession | None = None, conf: dict[str, str] | None = None) -> None:
        self.lib = lib
        self.master = master
        self.events_uri = (events_uri or str(lib.root / "events")).rstrip("/")
        self._spark = session
        self._owns = session is None
        self._conf = conf
        self._state: tuple[Any, ...] | None = None
        self._views: set[str] = set()
        self.last_sql = ""

    @property
    def spark(self) -> SparkSession:
        if self._spark is None:
            running = _running_session() if not self.master.startswith("sc://") else None
            self._owns = running is None  # a session someone else started is theirs to stop
            self._spark = running or start_session(self.master, self._conf)
        return self._spark

    # -- views -------------------------------------------------------------------------------------------------
    def _fingerprint(self) -> tuple[Any, ...]:
        counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in _present(self.lib))
        row = self.lib.cursor().execute(f"SELECT {counts}, (SELECT max(ingested_ms) FROM sessions)").fetchall()[0]
        # every write of this process clears the library's cache (``invalidate``): a new token, a new state
        token = self.lib.cached("spark:token") or self.lib.remember("spark:token", next(_TOKENS))
        return (*row, token)

    def events_frame(self) -> DataFrame:
        """The ``events`` view's DataFrame: the catalogue's files, partition columns typed."""
        from pyspark.sql import functions as F

        files = [f"{self.events_uri}/{f.split('/', 1)[1]}" for f in event_files(self.lib)]
        if not files:
            return self.spark.createDataFrame(_EMPTY_EVENTS.empty_table())
        df = self.spark.read.option("basePath", self.events_uri).parquet(*files)
        return df.withColumn("site", F.col("site").cast("string")).withColumn("day", F.col("day").cast("date"))

    def cells_frame(self) -> DataFrame:
        """The ``heat_cells`` view's DataFrame: the cells files of the catalogue's event files."""
        from pyspark.sql import functions as F

        from replaylens.store import _cells

        base = self.events_uri.rsplit("/", 1)[0] + "/" + CELLS_DIR
        files = [f"{base}/{f.split('/', 1)[1]}" for f in _cells.files(self.lib) or []]
        if not files:
            empty = pa.schema([*_cells.SCHEMA, ("site", pa.string()), ("day", pa.date32())]).empty_table()
            return self.spark.createDataFrame(empty)
        df = self.spark.read.option("basePath", base).parquet(*files)
        return df.withColumn("site", F.col("site").cast("string")).withColumn("day", F.col("day").cast("date"))

    def register(self, names: Sequence[str] | None = None, force: bool = False) -> None:
        """(Re-)register the views ``names`` when the catalogue changed since (or another engine used this
        session); views already registered for this state are kept."""
        names = ("events", *_present(self.lib)) if names is None else names
        state = self._fingerprint()
        spark = self.spark
        if force or self._state != state or _OWNER.get(id(spark)) is not self:
            self._views = set()
            self._state = state
            _OWNER[id(spark)] = self
        cur = self.lib.cursor()
        for name in names:
            if name in self._views:
                continue
            if name == "events":
                self.events_frame().createOrReplaceTempView("events")
            elif name == "heat_cells":
                self.cells_frame().createOrReplaceTempView("heat_cells")
            else:
                res = cur.execute(f"SELECT * FROM {name}")
                arrow = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
                spark.createDataFrame(arrow).createOrReplaceTempView(name)
            self._views.add(name)

    # -- queries -----------------------------------------------------------------------------------------------
    def _prepare(self, sql: str) -> str:
        tree = _parse(sql)
        ctes = {str(c.alias).lower() for c in tree.find_all(exp.CTE)}
        names = {t.name.lower() for t in tree.find_all(exp.Table)} - ctes
        self.register([n for n in ("events", "heat_cells", *_present(self.lib)) if n in names])
        self.last_sql = _spark_sql(tree)
        return self.last_sql

    def frame(self, sql: str, params: Sequence[Any] = ()) -> DataFrame:
        return self.spark.sql(self._prepare(sql), args=list(params))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return self.frame(sql, params).toArrow()

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        """The physical plan Spark runs (``EXPLAIN FORMATTED``): the scan's ``PartitionFilters`` show pruning."""
        rows = self.spark.sql("EXPLAIN FORMATTED " + self._prepare(sql), args=list(params)).collect()
        return "\n".join(str(r[0]) for r in rows)

    def close(self) -> None:
        """Drop this engine's views; stop the session only if this engine started it."""
        spark, self._spark = self._spark, None
        if spark is None:
            return
        if _OWNER.get(id(spark)) is self:
            del _OWNER[id(spark)]
        if self._owns:
            spark.stop()


def _present(lib: LibraryStore) -> tuple[str, ...]:
    """The catalogue views this library has (an older library opened read-only has no ``cell_keys``)."""
    rows = lib.cursor().execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    have = {str(r[0]) for r in rows}
    return tuple(t for t in CATALOGUE_VIEWS if t in have)


#: The ``events`` columns when the library has no files yet (the library's writer's schema).
_EMPTY_EVENTS = pa.schema([("session_id", pa.string()), ("sha256", pa.string()), ("i", pa.int64()),
                           ("t", pa.int64()), ("kind", pa.string()), ("page", pa.int32()), ("x", pa.float64()),
                           ("y", pa.float64()), ("scroll_x", pa.float64()), ("scroll_y", pa.float64()),
                           ("width", pa.int32()), ("height", pa.int32()), ("target_text", pa.string()),
                           ("fixed", pa.bool_()), ("detail", pa.string()), ("site", pa.string()),
                           ("day", pa.date32())])
