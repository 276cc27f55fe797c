"""Replay hot paths: seek latency on a 1-minute and a 3-hour session in the same run, frame render time with a
trail at 1920×1080, and peak memory with a 3-hour session open.

    python tests/bench/bench_replay.py [--json]

A seek computes the full state at t: page, viewport, scroll, cursor and a 3 s trail. Goals (issue 3): seek
p99 ≤ 1 ms and 3 h / 1 min p99 ratio ≤ 2; frame p95 ≤ 16 ms; peak memory ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from synth import write_synth

from replaylens.io.bundle import import_bundle
from replaylens.model.replay import replay_index
from replaylens.store.session import open_imported

SEEKS = 10_000


def seek_latency(path: Path) -> dict[str, float]:
    s = open_imported(import_bundle(path))
    idx = replay_index(s)
    rng = np.random.default_rng(0)
    times = rng.uniform(0, idx.duration, SEEKS)
    lat = np.empty(SEEKS)
    for i, t in enumerate(times):
        t0 = time.perf_counter_ns()
        idx.page_at(t)
        idx.viewport_at(t)
        idx.scroll_at(t)
        idx.cursor_at(t)
        idx.trail(t, 3.0)
        lat[i] = (time.perf_counter_ns() - t0) / 1e6
    s.close()
    return {"events": len(s.arrays), "p50_ms": float(np.percentile(lat, 50)), "p99_ms": float(np.percentile(lat, 99))}


def frame_times(path: Path, n: int = 200) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])
    from replaylens.render.frame import FrameOptions, FrameRenderer

    s = open_imported(import_bundle(path))
    r = FrameRenderer(s, replay_index(s))
    opts = FrameOptions(trail_s=3.0)
    rng = np.random.default_rng(1)
    r.render(1000, 1920, 1080, opts)  # decode the screenshot once
    lat = []
    for t in rng.uniform(0, r.index.duration, n):
        t0 = time.perf_counter()
        r.render(float(t), 1920, 1080, opts)
        lat.append((time.perf_counter() - t0) * 1000)
    s.close()
    del app
    return {"p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95))}


# Peak resident memory of this process: VmHWM (ru_maxrss would include the parent's peak, inherited at fork)
_PEAK = """
def peak():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
"""

_MEM = _PEAK + """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
from replaylens.io.registry import open_session
from replaylens.model.replay import replay_index
from replaylens.render.frame import FrameRenderer, FrameOptions
s = open_session(sys.argv[1])
r = FrameRenderer(s, replay_index(s))
for t in range(0, r.index.duration, r.index.duration // 20):
    r.render(t, 1920, 1080, FrameOptions())
print(peak())
"""

_BASE = _PEAK + """
import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtGui import QGuiApplication
app = QGuiApplication([])
import replaylens.io.registry, replaylens.render.frame
replaylens.io.registry.readers()
print(peak())
"""


def peak_mb(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from replaylens.demo.layout import landing
    from replaylens.demo.paint import render_page

    shot = render_page(landing(1280))
    with tempfile.TemporaryDirectory() as d:
        short = write_synth(Path(d) / "1min.rlsession", 1, shot)
        long = write_synth(Path(d) / "3h.rlsession", 180, shot)
        s1, s3 = seek_latency(short), seek_latency(long)
        frames = frame_times(long)
        mem, base = peak_mb(_MEM, str(long)), peak_mb(_BASE)
    out = {"seek_1min": s1, "seek_3h": s3, "seek_p99_ratio_3h_over_1min": s3["p99_ms"] / s1["p99_ms"],
           "frame_1920x1080_trail3s": frames, "peak_rss_mb_3h_open": mem, "peak_rss_mb_baseline_qt_imports": base,
           "goals": {"seek_p99_ms": 1.0, "seek_ratio": 2.0, "frame_p95_ms": 16.0, "peak_rss_mb": 500}}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{'seek (page, viewport, scroll, cursor, 3 s trail)':<52}{'p50 ms':>10}{'p99 ms':>10}")
    label1, label3 = f"  1-minute session ({s1['events']} events)", f"  3-hour session ({s3['events']} events)"
    print(f"{label1:<52}{s1['p50_ms']:>10.4f}{s1['p99_ms']:>10.4f}")
    print(f"{label3:<52}{s3['p50_ms']:>10.4f}{s3['p99_ms']:>10.4f}")
    print(f"{'  ratio 3 h / 1 min (p99)':<52}{out['seek_p99_ratio_3h_over_1min']:>20.2f}   goal <= 2, p99 <= 1 ms")
    print(f"{'frame 1920x1080 with 3 s trail':<52}{frames['p50_ms']:>10.2f}{frames['p95_ms']:>10.2f}   goal p95 <= 16")
    print(f"{'peak RSS, 3-hour session open + 20 frames':<52}{mem:>10.0f} MB   (Qt + imports alone: {base:.0f} MB;"
          " goal <= 500)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
