"""Benchmark: how fast, and at what memory peak, the readers refuse the issue's small-but-huge files.

    python tests/bench/bench_hostile.py [--app DIR] [--json]

Builds (``tests/unit/hostile_sizes.py``) a 47 KB bundle whose dictionary-encoded text column decodes to 350 MB,
a 178 KB bundle that decodes to 1.6 GB (under the old footer estimate), and a 37 MB rrweb recording with one deeply
nested custom event (empty lists or small objects inside 400 levels), then opens each with ``open_session`` in a
fresh process and reports the outcome, the wall and CPU seconds of the open and the peak RSS above the process's
baseline after its imports.
Baselines measured in the same run: opening the demo bundle, and ``json.loads`` of the rrweb file (the ratios
printed are against them). ``--app DIR`` measures another checkout's ``app`` folder (e.g. the code before a
change) with the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests" / "unit")]

CHILD = r"""
import json, resource, sys, time
path, mode = sys.argv[1], sys.argv[2]
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
import duckdb, pyarrow.parquet, msgspec
from replaylens.errors import BadInputError
from replaylens.io.registry import open_session
import replaylens.io.rrweb.reader, replaylens.store.session
base = rss()
t0, c0 = time.perf_counter(), time.process_time()
try:
    if mode == "json":
        json.loads(open(path, "rb").read()); out = "parsed"
    else:
        open_session(path).close(); out = "opened"
except BadInputError as exc:
    out = "refused: " + str(exc)[:160]
print(json.dumps({"outcome": out, "seconds": round(time.perf_counter() - t0, 3),
                  "cpu_seconds": round(time.process_time() - c0, 3), "peak_mb": round(rss() - base, 1)}))
"""


def measure(app: Path, path: Path, mode: str = "open") -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(app)}
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), mode], capture_output=True, text=True, env=env,
                         timeout=600)
    if out.returncode != 0:
        return {"outcome": f"crashed ({out.returncode}): {out.stderr.strip().splitlines()[-1:]}"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    from hostile_sizes import dictionary_bomb_bundle, nested_custom_rrweb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", type=Path, default=ROOT / "app", help="the app folder to measure (default: this one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    files = {
        "bundle 350 MB text": (tmp / "bomb-350mb.rlsession", dictionary_bomb_bundle(350_000, 1000)),
        "bundle 1.6 GB text": (tmp / "bomb-1600mb.rlsession", dictionary_bomb_bundle(400_000, 4000)),
        "rrweb 37 MB nested (lists)": (tmp / "deep-lists.json", nested_custom_rrweb(400, 37_000_000, filler="lists")),
        "rrweb 37 MB nested (objects)": (tmp / "deep-objects.json",
                                         nested_custom_rrweb(400, 37_000_000, filler="objects")),
    }
    for path, data in files.values():
        path.write_bytes(data)
    demo = ROOT / "app" / "replaylens" / "assets" / "samples" / "nimbus-demo.rlsession"
    results: dict[str, dict[str, object]] = {"baseline: open the demo bundle": measure(args.app, demo),
                                             "baseline: json.loads of the 37 MB file": measure(
                                                 args.app, files["rrweb 37 MB nested (lists)"][0], "json")}
    for name, (path, data) in files.items():
        results[name] = {"bytes": len(data), **measure(args.app, path)}
    base_s = {"bundle": float(results["baseline: open the demo bundle"].get("seconds", 0) or 1e-9),
              "rrweb": float(results["baseline: json.loads of the 37 MB file"].get("seconds", 0) or 1e-9)}
    for name, r in results.items():
        if not name.startswith("baseline") and "seconds" in r:
            r["seconds_vs_baseline"] = round(float(r["seconds"]) / base_s[name.split()[0]], 2)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps({"app": str(args.app), "results": results}, indent=1))
    else:
        for name, r in results.items():
            print(f"{name:<40} {r.get('bytes', ''):>11} {r.get('seconds', '?'):>7} s  {r.get('cpu_seconds', '?'):>7} "
                  f"CPU s  peak +{r.get('peak_mb', '?')} MB  x{r.get('seconds_vs_baseline', '-')}  {r['outcome']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
