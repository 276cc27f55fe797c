"""Load a synthetic 1-hour session (~216,000 moves at 60 Hz plus clicks and scrolls) into DuckDB + numpy, next to
DuckDB's own raw read of the same events file in the same run.

    python tests/bench/bench_load.py [--json] [--runs 5]

Goal (issue 2): ≤ 1 s and ≤ 3× the raw read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from synth import write_synth

from replaylens.io.bundle import import_bundle
from replaylens.store.session import open_imported


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = write_synth(Path(d) / "hour.rlsession", 60)
        raw = Path(d) / "events.parquet"
        with zipfile.ZipFile(path) as zf:
            raw.write_bytes(zf.read("events.parquet"))
        loads, raws = [], []
        rows = 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            s = open_imported(import_bundle(path))
            loads.append(time.perf_counter() - t0)
            rows = len(s.arrays)
            s.close()
            con = duckdb.connect()
            t0 = time.perf_counter()
            con.execute("SELECT * FROM read_parquet(?)", [str(raw)]).fetchnumpy()
            raws.append(time.perf_counter() - t0)
            con.close()
    load, base = statistics.median(loads), statistics.median(raws)
    out = {"events": rows, "load_s": round(load, 4), "raw_read_s": round(base, 4), "ratio": round(load / base, 2),
           "goal": "load <= 1 s and ratio <= 3", "met": load <= 1.0 and load / base <= 3.0, "runs": args.runs}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{'1-hour session':<28}{rows:>10,} events")
        print(f"{'bundle -> DuckDB + numpy':<28}{load * 1000:>10.1f} ms (median of {args.runs})")
        print(f"{'DuckDB raw read_parquet':<28}{base * 1000:>10.1f} ms")
        print(f"{'ratio':<28}{load / base:>10.2f} x   goal <= 3x and <= 1 s: {'met' if out['met'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
