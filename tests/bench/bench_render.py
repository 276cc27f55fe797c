"""Benchmark: import + full-page render of real rrweb snapshots (goal: ≤ 3 s per page, import included), and the
whole conversion of the shared recordings (``--convert``).

    python tests/bench/bench_render.py [--json] [--runs N]
    python tests/bench/bench_render.py --convert [--json]

For each snapshot: parse (json.loads of the file and finding the FullSnapshot), events (the masked rrweb events
handed to rrweb's Replayer, io/rrweb/replay_events.py), render (render_snapshots of that one page: our host page,
rrweb's Replayer, QtWebEngine off screen, engine start included) and the wireframe fallback.
``--convert``: ``replaylens convert`` of each shared rrweb recording in a fresh process (first pictures and page
states), wall time, CPU time and peak RSS of that process, pages, screenshots and states; run it with another
checkout's ``app`` folder on PYTHONPATH to measure that code the same way (the "before" figures).
Baseline measured in the same run: rendering a trivial one-line page the same way, so
``x baseline`` is the page's own cost over the fixed engine overhead. The first render of the process also pays
Chromium's start-up; it is reported separately as ``cold start``. Medians of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
SAMPLES = [  # (label, file, viewport): the largest snapshot in shared data first
    ("smartx mobile (1.55 MB)", "rrweb-sizer-smartx-mobile/e1.json", (414, 832)),
    ("capacitor (238 k CSS)", "highlight-sample-events/capacitor.json", (414, 800)),
    ("demoit player", "rrweb-demoit-player/events.json", (1166, 705)),
    ("sentry mock", "sentry-replay-analyzer-mock/rrweb-simple.json", (1280, 800)),
]


def first_snapshot(path: Path) -> dict[str, Any]:
    data: Any = json.loads(path.read_text(encoding="utf-8"))
    while isinstance(data, dict) and "events" in data:
        data = data["events"]
    if isinstance(data, dict):
        return dict(data["node"])
    return dict(next(e["data"]["node"] for e in data if isinstance(e, dict) and e.get("type") == 2))


def median_s(fn: Any, runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--convert", action="store_true", help="measure whole conversions of the shared recordings")
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"shared data not found at {SHARED}", file=sys.stderr)
        return 2
    if args.convert:
        return convert_bench(args.json)
    from replaylens.io.rrweb.replay_events import snapshot_events
    from replaylens.render.page import RenderJob, prepare_qt, render_snapshots, render_wireframe

    prepare_qt()
    trivial = {"type": 0, "childNodes": [{"type": 2, "tagName": "p", "childNodes": [
        {"type": 3, "textContent": "hello"}]}]}
    t = time.perf_counter()
    [cold] = render_snapshots([RenderJob(trivial, 800, 600, "cold")])
    cold_s = time.perf_counter() - t
    assert not cold.wireframe, cold.error
    base_s, _ = median_s(lambda: render_snapshots([RenderJob(trivial, 800, 600, "base")]), args.runs)
    rows = []
    for label, rel, (w, h) in SAMPLES:
        path = SHARED / rel
        parse_s, node = median_s(lambda p=path: first_snapshot(p), args.runs)
        html_s, events = median_s(lambda n=node, w=w, h=h: snapshot_events(n, w, h), args.runs)
        html = json.dumps(events)
        render_s, res = median_s(lambda n=node, w=w, h=h: render_snapshots([RenderJob(n, w, h, "x")]), args.runs)
        wire_s, _ = median_s(lambda n=node, w=w, h=h: render_wireframe(n, w, h), args.runs)
        r = res[0]
        rows.append({
            "snapshot": label, "file_mb": round(path.stat().st_size / 1e6, 2), "events_mb": round(len(html) / 1e6, 2),
            "parse_ms": round(parse_s * 1e3), "events_ms": round(html_s * 1e3), "render_ms": round(render_s * 1e3),
            "import_render_s": round(parse_s + render_s, 2), "x_baseline": round(render_s / base_s, 1),
            "page_px": f"{r.width}x{r.height}", "wireframe": r.wireframe, "blocked": r.blocked_requests,
            "wireframe_ms": round(wire_s * 1e3), "within_3s_goal": parse_s + render_s <= 3.0,
        })
    report = {"baseline_trivial_render_ms": round(base_s * 1e3), "cold_start_ms": round(cold_s * 1e3),
              "runs": args.runs, "rows": rows}
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"baseline (one-line page, warm): {report['baseline_trivial_render_ms']} ms; "
          f"cold start (first render of the process): {report['cold_start_ms']} ms; median of {args.runs}")
    cols = ["snapshot", "file_mb", "events_mb", "parse_ms", "events_ms", "render_ms", "x_baseline",
            "import_render_s", "page_px", "blocked", "wireframe_ms", "within_3s_goal"]
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in cols]
    print("  ".join(c.ljust(wd) for c, wd in zip(cols, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[c]).ljust(wd) for c, wd in zip(cols, widths, strict=True)))
    return 0


CONVERT = ["rrweb-sizer-smartx-mobile/e1.json", "rrweb-demoit-player/events.json",
           "highlight-sample-events/capacitor.json", "sentry-replay-analyzer-mock/rrweb-simple.json"]


def convert_bench(as_json: bool) -> int:
    """One fresh ``replaylens convert`` process per recording: wall, CPU, peak RSS (that child alone)."""
    import re
    import subprocess
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for rel in CONVERT:
            out = Path(tmp) / (Path(rel).parent.name + ".rlsession")
            code = ("import resource,subprocess,sys,time;t=time.perf_counter();"
                    "p=subprocess.run([sys.executable,'-m','replaylens','convert',sys.argv[1],'-o',sys.argv[2]],"
                    "capture_output=True,text=True);w=time.perf_counter()-t;"
                    "u=resource.getrusage(resource.RUSAGE_CHILDREN);"
                    "print(p.returncode,w,u.ru_utime+u.ru_stime,u.ru_maxrss);print(p.stdout+p.stderr)")
            proc = subprocess.run([sys.executable, "-c", code, str(SHARED / rel), str(out)], capture_output=True,
                                  text=True, timeout=1800)
            first, _, rest = proc.stdout.partition("\n")
            rc, wall, cpu, rss = first.split()
            states = 0
            m = re.search(r"(\d+) page states", rest)
            if m:
                states = int(m.group(1))
            shots = re.search(r"(\d+) screenshots", rest)
            rows.append({"recording": rel, "exit": int(rc), "wall_s": round(float(wall), 1),
                         "cpu_s": round(float(cpu), 1), "peak_rss_mb": round(int(rss) / 1024),
                         "screenshots": int(shots.group(1)) if shots else 0, "states": states,
                         "note": " ".join(rest.split())[-160:] if int(rc) else ""})
    if as_json:
        print(json.dumps({"convert": rows}))
        return 0
    for r in rows:
        print("  ".join(f"{k} {v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
