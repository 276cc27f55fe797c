"""Bench: the same funnel and aggregate heatmap on DuckDB and on a local Spark, over one library of 10,000
sessions, and the Spark job's own plan for a one-day, one-page query (its scan's ``PartitionFilters``).

    python tests/bench/bench_engines.py [--json] [--library DIR] [--sessions N --events N] [--master local[2]]

The library: ``--library`` (e.g. ``/tmp/bench10k``, built by ``bench_compare.py --keep``) when it is complete,
else one built here with ``bench_compare.build`` (the library's own writer). Local Spark on one machine is slower
than DuckDB: a JVM, a query planner and a task scheduler for work that DuckDB does in one process; the ratio is
printed. Results of the two engines are checked to be identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))
from bench_compare import build

from replaylens.store.library import open_library


class Recorder:
    """An engine that remembers the statements it ran (to ask Spark for the plan of one of them)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name
        self.statements: list[tuple[str, list[Any]]] = []

    def execute(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        self.statements.append((sql, list(params)))
        return self.inner.execute(sql, params)

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        return str(self.inner.explain(sql, params))

    def close(self) -> None:
        """The inner engine is closed by its owner."""


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _complete(root: Path, sessions: int) -> bool:
    if not (root / "catalogue.duckdb").is_file():
        return False
    with open_library(root, read_only=True) as lib:
        return lib.count() >= sessions


def _plan_lines(plan: str) -> list[str]:
    keep = ("Scan parquet", "PartitionFilters", "PushedFilters", "Location", "ReadSchema", "DataFilters")
    return [ln.strip()[:400] for ln in plan.splitlines() if any(k in ln for k in keep)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--library", type=Path, default=Path("/tmp/bench10k"))
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=10_000, help="events per session when building")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from replaylens.analysis.experiments import funnel, parse_step
    from replaylens.analysis.heatmaps.library import aggregate_heatmap
    from replaylens.model.segment import DateRange, Segment
    from replaylens.store import aggregate as Q
    from replaylens.store.engine import DuckDBEngine
    from replaylens.store.spark import SparkEngine, start_session

    tmp = tempfile.TemporaryDirectory(prefix="bench-engines-")
    root = args.library
    built_s = 0.0
    if not _complete(root, args.sessions):
        root = Path(tmp.name) / "lib"
        _, built_s = build(root, args.sessions, args.events)
    lib = open_library(root, read_only=True)
    n = lib.count()
    events = int(lib.cursor().execute("SELECT sum(events) FROM sessions").fetchall()[0][0])
    day = str(lib.cursor().execute("SELECT min(day) FROM sessions").fetchall()[0][0])
    days = int(lib.cursor().execute("SELECT count(DISTINCT day) FROM sessions").fetchall()[0][0])
    seg = Segment(())
    steps = [parse_step("page:/"), parse_step("page:/kyc"), parse_step("goal:deposit")]

    def heatmap() -> Any:
        return aggregate_heatmap(lib, seg, "/", "click", device="desktop")

    def run_funnel() -> Any:
        return funnel(lib, seg, steps, by="variant")

    out: dict[str, Any] = {"sessions": n, "events": events, "days": days, "library": str(root),
                           "library_build_s": round(built_s, 1), "master": args.master}
    lib.use_engine(DuckDBEngine(lib))
    heatmap()  # warm the file cache for both engines alike
    duck_hm_s, duck_hm = _timed(heatmap)
    duck_fn_s, duck_fn = _timed(run_funnel)

    start_s, spark = _timed(lambda: start_session(args.master, {"spark.driver.memory": "2g"}))
    spark.sparkContext.setLogLevel("ERROR")
    engine = SparkEngine(lib, session=spark)
    register_s, _ = _timed(engine.register)
    lib.use_engine(engine)
    spark_hm_s, spark_hm = _timed(heatmap)
    spark_fn_s, spark_fn = _timed(run_funnel)

    one_day = Segment((DateRange(start=day, end=(np.datetime64(day) + 1).astype(str)),))
    rec = Recorder(engine)
    lib.use_engine(rec)
    one_s, cells = _timed(lambda: Q.cells(lib, one_day, "/kyc", "click"))
    sql, params = rec.statements[-1]
    plan = engine.explain(sql, params)
    lib.use_engine(DuckDBEngine(lib))
    duck_one = Q.cells(lib, one_day, "/kyc", "click")
    duck_plan = DuckDBEngine(lib).explain(sql, params)
    identical = bool(np.array_equal(duck_hm.grid, spark_hm.grid) and duck_fn == spark_fn
                     and np.array_equal(duck_one.weight, cells.weight) and np.array_equal(duck_one.cx, cells.cx))
    out.update({
        "duckdb": {"aggregate_heatmap_s": round(duck_hm_s, 2), "funnel_s": round(duck_fn_s, 2)},
        "spark": {"session_start_s": round(start_s, 1), "register_views_s": round(register_s, 1),
                  "aggregate_heatmap_s": round(spark_hm_s, 2), "funnel_s": round(spark_fn_s, 2),
                  "one_day_one_page_cells_s": round(one_s, 2)},
        "spark_vs_duckdb": {"aggregate_heatmap": round(spark_hm_s / duck_hm_s, 1) if duck_hm_s else None,
                            "funnel": round(spark_fn_s / duck_fn_s, 1) if duck_fn_s else None},
        "identical_results": identical,
        "heatmap_points": int(duck_hm.points),
        "one_day_query": {"segment": f"date>={day}, date<{one_day.filters[0].end}", "page": "/kyc",
                          "spark_plan": _plan_lines(plan),
                          "duckdb_plan": [ln.strip() for ln in duck_plan.splitlines()
                                          if "day" in ln or "READ_PARQUET" in ln.upper() or "Files" in ln][:12]},
    })
    engine.close()
    spark.stop()
    lib.close()
    tmp.cleanup()
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:>20}  {json.dumps(v, indent=1) if isinstance(v, dict) else v}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
