"""Benchmark: importing a large synthetic rrweb recording (time and peak memory).

    python tests/bench/rrweb_import.py [--mb 100] [--file RECORDING] [--repeat 1] [--json]

Builds a recording of about ``--mb`` MB (a 1 MB snapshot, then mouse-move batches, clicks, scrolls, inputs and
mutations in rrweb's proportions), or takes ``--file``, then in fresh subprocesses measures (a) the baseline
``json.loads`` of the file alone, (b) ``load_recording`` (parse + validate + map into the Arrow events table: the
reader's decoding stage) and (c) ``open_session`` (all of that + the DuckDB load). Peak memory is the child's max
RSS (it includes ~110 MB of imported libraries for (b) and (c)). ``--repeat N`` runs each measurement N times,
alternating, and reports the medians. CPU seconds are reported too (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
path, mode = sys.argv[1], sys.argv[2]
t0, c0 = time.perf_counter(), time.process_time()
if mode == "json":
    n = len(json.loads(open(path, "rb").read()))
elif mode == "map":
    from replaylens.io.rrweb.reader import load_recording
    n = load_recording(path).mapped.table.num_rows
else:
    from replaylens.io.registry import open_session
    s = open_session(path); n = len(s.arrays); s.close()
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "rows": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build(path: Path, mb: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    t = 1_700_000_000_000
    kids = [{"type": 2, "id": 10 + i, "tagName": "div", "attributes": {"class": f"c{i}"},
             "childNodes": [{"type": 3, "id": 100_000 + i, "textContent": "lorem ipsum " * 4}]} for i in range(8000)]
    snap = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 3, "tagName": "html", "attributes": {},
                                                 "childNodes": [{"type": 2, "id": 5, "tagName": "body",
                                                                 "attributes": {}, "childNodes": kids}]}]}
    n = 2
    with open(path, "w") as fh:
        fh.write(json.dumps([{"type": 4, "timestamp": t, "data": {"href": "https://x.example/", "width": 1280,
                                                                  "height": 800}},
                             {"type": 2, "timestamp": t + 1, "data": {"node": snap,
                                                                      "initialOffset": {"top": 0, "left": 0}}}])[:-1])
        while fh.tell() < mb * 1_000_000:
            t += 500
            r = rng.random()
            if r < 0.6:
                ev = {"source": 1, "positions": [{"x": rng.randint(0, 1280), "y": rng.randint(0, 800),
                                                  "id": rng.randint(10, 8000), "timeOffset": -50 * k}
                                                 for k in range(10)]}
            elif r < 0.75:
                ev = {"source": 3, "id": 1, "x": 0, "y": rng.randint(0, 5000)}
            elif r < 0.85:
                ev = {"source": 2, "type": 2, "id": rng.randint(10, 8000), "x": 5, "y": 5}
            elif r < 0.9:
                ev = {"source": 5, "id": rng.randint(10, 8000), "text": "abc", "isChecked": False}
            else:
                ev = {"source": 0, "texts": [{"id": rng.randint(10, 8000), "value": "tick"}], "attributes": [],
                      "removes": [], "adds": []}
            fh.write("," + json.dumps({"type": 3, "timestamp": t, "data": ev}))
            n += 1
        fh.write("]")
    return n


def measure(path: Path, mode: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # the last line: libraries may print before it


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--file", type=Path, help="measure this recording instead of a synthetic one")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement (medians reported)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "big.json"
        events = build(path, args.mb) if args.file is None else 0
        size_mb = path.stat().st_size / 1e6
        runs = [(measure(path, "json"), measure(path, "map"), measure(path, "import"))
                for _ in range(max(args.repeat, 1))]
        base = {k: statistics.median(r[0][k] for r in runs) for k in runs[0][0]}
        mp = {k: statistics.median(r[1][k] for r in runs) for k in runs[0][1]}
        imp = {k: statistics.median(r[2][k] for r in runs) for k in runs[0][2]}
    cpu = {k: round(d["cpu_seconds"], 2) for k, d in (("json_loads", base), ("map", mp), ("import", imp))}
    res = {"file_mb": round(size_mb, 1), "events": events, "rows": int(imp["rows"]),
           "json_loads_s": round(base["seconds"], 2), "json_loads_peak_mb": round(base["peak_mb"]),
           "map_s": round(mp["seconds"], 2), "map_peak_mb": round(mp["peak_mb"]),
           "map_time_ratio_vs_json_loads": round(mp["seconds"] / base["seconds"], 2),
           "map_peak_ratio_vs_json_loads": round(mp["peak_mb"] / base["peak_mb"], 2),
           "import_s": round(imp["seconds"], 2), "import_peak_mb": round(imp["peak_mb"]),
           "time_ratio_vs_json_loads": round(imp["seconds"] / base["seconds"], 2),
           "peak_ratio_vs_json_loads": round(imp["peak_mb"] / base["peak_mb"], 2),
           "peak_per_file_mb": round(imp["peak_mb"] / size_mb, 2),
           "rows_per_s": round(imp["rows"] / imp["seconds"]),
           # CPU seconds: steadier than wall time on a shared machine
           "cpu_s": cpu,
           "cpu_ratio_vs_json_loads": {k: round(v / max(cpu["json_loads"], 1e-9), 2) for k, v in cpu.items()}}
    if args.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:<26} {v}")


if __name__ == "__main__":
    main()
