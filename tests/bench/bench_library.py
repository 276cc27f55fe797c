"""Session library speed and size, each against a baseline measured in the same run:

* rrweb ingest: ``library add`` (2 worker processes) of realistic rrweb recordings of 0.3-3 MB (``rrweb_corpus``:
  generated, every fifth the real phone recording of ../shared/data when present) next to ``json.loads`` of the
  same files in this process (goal: <= 3x), with sessions/s, MB/s and the time 10,000 such sessions would take
  at that rate (extrapolated from ``--rrweb`` files);
* ingest rate (sessions/s, events/s) of ``library add`` with 2 worker processes, next to DuckDB reading the same
  bundles' events alone (``read_parquet`` of each bundle's events member);
* a facet + filter query and a first page of rows over 100,000 synthetic session summaries (goal: facet p95
  <= 50 ms; first rows << 1 s), next to a plain ``GROUP BY`` over the same catalogue table;
* bytes on disk per event in the library (Parquet + screenshots + catalogue) against the bundles'.

    python tests/bench/bench_library.py [--json] [--rrweb 200] [--bundles 40] [--sessions 100000] [--repeat 30]

No timed assertions anywhere: this prints figures; the tests check behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "app"), str(ROOT / "tests" / "unit"), str(ROOT / "tests" / "bench")]


def _copies(src: list[Path], n: int, out: Path) -> list[Path]:
    """``n`` bundles: the generated ones, then copies with a new session id in the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        base = src[i % len(src)]
        dest = out / f"b{i:04d}.rlsession"
        with zipfile.ZipFile(base) as zf:
            members = [(info, zf.read(info)) for info in zf.infolist()]
        with zipfile.ZipFile(dest, "w") as zf:
            for info, data in members:
                if info.filename == "manifest.json":
                    m = json.loads(data)
                    m["session_id"] = f"bench-{i:05d}"
                    data = json.dumps(m).encode()
                zf.writestr(info, data)
        made.append(dest)
    return made


def _duckdb_read_events(bundles: list[Path], tmp: Path) -> tuple[float, int]:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    rows = 0
    for b in bundles:
        with zipfile.ZipFile(b) as zf:
            path = tmp / "events.parquet"
            path.write_bytes(zf.read("events.parquet"))
        res = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        rows += (res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()).num_rows
    return time.perf_counter() - t0, rows


def bench_ingest(n_bundles: int, tmp: Path) -> dict[str, float]:
    from replaylens.demo.generate import generate
    from replaylens.io.library import ingest
    from replaylens.store.library import open_library

    gen = [g.path for g in generate(tmp / "gen", sessions=4, rich=False)]
    bundles = _copies(gen, n_bundles, tmp / "bundles")
    base_s, base_events = _duckdb_read_events(bundles, tmp)
    lib = open_library(tmp / "lib")
    t0 = time.perf_counter()
    result = ingest(lib, [tmp / "bundles"], workers=2)
    took = time.perf_counter() - t0
    lib.close()
    lib_bytes = sum(p.stat().st_size for p in (tmp / "lib").rglob("*") if p.is_file())
    bundle_bytes = sum(p.stat().st_size for p in bundles)
    return {"bundles": n_bundles, "added": result.added, "events": result.events, "ingest_s": took,
            "sessions_per_s": result.added / took, "events_per_s": result.events / took,
            "duckdb_read_s": base_s, "duckdb_events_per_s": base_events / base_s,
            "ingest_vs_duckdb_read": took / base_s,
            "library_bytes_per_event": lib_bytes / max(result.events, 1),
            "bundle_bytes_per_event": bundle_bytes / max(base_events, 1),
            "bytes_ratio_library_vs_bundles": lib_bytes / bundle_bytes}


def bench_rrweb_ingest(n_files: int, tmp: Path) -> dict[str, float]:
    from rrweb_corpus import make_corpus

    from replaylens.io.library import IngestProgress, ingest
    from replaylens.store.library import open_library

    files = make_corpus(tmp / "rrweb", n_files, shared=ROOT.parent / "shared" / "data")
    size = sum(f.stat().st_size for f in files)
    t0, c0 = time.perf_counter(), time.process_time()
    for f in files:
        json.loads(f.read_bytes())
    base_s, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    lib = open_library(tmp / "rrweb-lib")
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    first: list[float] = []  # when the first file was done (the pool's start and one file)

    def progress(p: IngestProgress) -> None:
        if p.done >= 1 and not first:
            first.append(time.perf_counter() - t0)

    t0, c0 = time.perf_counter(), time.process_time()
    result = ingest(lib, [tmp / "rrweb"], workers=2, progress=progress)
    took, main_cpu = time.perf_counter() - t0, time.process_time() - c0
    start = first[0] if first else 0.0
    steady = (result.added - 1) / max(took - start, 1e-9)  # sessions/s once the pool runs
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the worker processes, ended with the pool
    workers_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    lib.close()
    return {"files": n_files, "mb": size / 1e6, "added": result.added, "failed": len(result.failed),
            "events": result.events, "json_loads_s": base_s, "json_loads_cpu_s": base_cpu, "ingest_s": took,
            "ingest_vs_json_loads": took / base_s, "ingest_main_cpu_s": main_cpu, "ingest_workers_cpu_s": workers_cpu,
            # CPU seconds are steadier than wall time on a busy machine: all the ingest's CPU over 2 cores,
            # against json.loads' CPU on one (what the wall ratio is on 2 otherwise idle cores)
            "ingest_cpu_over_2_cores_vs_json_loads_cpu": (main_cpu + workers_cpu) / 2 / base_cpu,
            "sessions_per_s": result.added / took,
            "mb_per_s": size / 1e6 / took, "events_per_s": result.events / took,
            "first_session_s": start, "steady_sessions_per_s": steady,
            # the pool's start is paid once: the first session's time, then the steady rate
            "extrapolated_10000_sessions_min": (start + 9_999 / max(steady, 1e-9)) / 60}


def _times(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    out.sort()
    return statistics.median(out) * 1000, out[min(len(out) - 1, int(round(0.95 * (len(out) - 1))))] * 1000


def bench_queries(n_sessions: int, repeat: int, tmp: Path) -> dict[str, float]:
    from library_support import synthetic_record

    from replaylens.analysis.segments import parse_filters
    from replaylens.model.library import Goal
    from replaylens.store.library import open_library

    lib = open_library(tmp / "big")
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    for start in range(0, n_sessions, 10_000):
        lib.commit([synthetic_record(i, rng) for i in range(start, min(n_sessions, start + 10_000))])
    fill_s = time.perf_counter() - t0
    lib.add_goal(Goal("deposit", "page", "/deposit"))
    lib.tag([f"syn-{i:07d}" for i in range(0, n_sessions, 7)], "songkran-2026")
    seg = parse_filters(["campaign=songkran", "device_class=mobile,tablet", "balance>=1000"])
    seg_goal = parse_filters(["user_type=high_net_worth", "goal!=deposit"])
    cur = lib.cursor()

    def baseline() -> None:
        cur.execute("SELECT device_class, count(*) FROM sessions GROUP BY 1").fetchall()

    out: dict[str, float] = {"sessions": n_sessions, "fill_s": fill_s}
    out["baseline_groupby_p50_ms"], out["baseline_groupby_p95_ms"] = _times(baseline, repeat)
    for name, fn in (
            ("facets_all", lambda: lib.facets(seg)),
            ("facets_default", lambda: lib.facets(seg_goal, keys=["user_type", "campaign", "variant", "device_class",
                                                                  "goal", "finding", "tag"])),
            ("count_filter", lambda: lib.count(seg)),
            ("first_rows_start", lambda: lib.rows(seg, sort="start", limit=100, attributes=["campaign"])),
            ("first_rows_all_sessions", lambda: lib.rows(None, sort="start", limit=100, attributes=["campaign"])),
            ("first_rows_attr_sort", lambda: lib.rows(None, sort="attr:balance", limit=100)),
            ("page_rows_offset_50000", lambda: lib.rows(None, sort="duration_ms", limit=100, offset=50_000))):
        p50, p95 = _times(fn, repeat)
        out[f"{name}_p50_ms"], out[f"{name}_p95_ms"] = p50, p95
        out[f"{name}_p95_vs_baseline"] = p95 / max(out["baseline_groupby_p95_ms"], 1e-6)
    lib.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rrweb", type=int, default=200, help="rrweb recordings to ingest (0: skip)")
    ap.add_argument("--bundles", type=int, default=40)
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-library-"))
    try:
        res: dict[str, dict[str, float]] = {}
        if args.rrweb:
            res["rrweb_ingest"] = bench_rrweb_ingest(args.rrweb, tmp)
        if args.bundles:
            res["ingest"] = bench_ingest(args.bundles, tmp)
        if args.sessions:
            res["queries"] = bench_queries(args.sessions, args.repeat, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        for section, figures in res.items():
            print(section)
            for k, v in figures.items():
                print(f"  {k:<40} {v:,.3f}" if isinstance(v, float) else f"  {k:<40} {v:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
