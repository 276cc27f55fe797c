"""Benchmark: DOM keyframes (io/rrweb/keyframes.py) — rendering rate, seeking with page states, import.

    python tests/bench/bench_keyframes.py [--json] [--no-render] [--no-import] [--import-mb 30]

* **render**: converts the shared SmartX mobile recording with keyframes (the real renderer, off screen) and reports
  keyframes, render seconds and keyframes per second of rendering (rrweb's Replayer seeked from state to state);
  plus the time to plan the states and build the masked events the replayer gets (the demoit recording too).
* **measure**: the same keyframes rendered twice in one process, with and without measuring the clicked and hovered
  elements' boxes (render/page/geometry.py): keyframes per second each way, boxes measured.
* **seek**: a synthetic 60-minute session whose 5 pages carry 1,000 states each (the manifest limit); 2,000 random
  seeks paint a 1280×800 frame through the shared frame renderer; p50/p99 with states vs the same session without.
* **import**: ``tests/bench/rrweb_import.py``'s synthetic recording of ``--import-mb`` MB: import time and peak RSS
  vs ``json.loads`` of the same file (fresh child processes).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SHARED = Path(os.environ.get("REPLAYLENS_SHARED_DATA") or HERE.parents[1].parent / "shared" / "data")


def bench_states_only() -> dict[str, object]:
    """Planning the states and building the masked events rrweb's Replayer gets, without rendering."""
    from replaylens.io.rrweb.keyframes import plan_events, plan_keyframes
    from replaylens.io.rrweb.reader import load_recording

    out: dict[str, object] = {}
    for name, rel in (("smartx", "rrweb-sizer-smartx-mobile/e1.json"), ("demoit", "rrweb-demoit-player/events.json")):
        loaded = load_recording(SHARED / rel)
        own = {i for i, p in enumerate(loaded.mapped.pages) if p.snapshot is not None}
        t0 = time.perf_counter()
        plans = plan_keyframes([(h.changes, h.navs) for h in loaded.mapped.histories], own)
        events = [plan_events(loaded, p.window) for p in plans]
        dt = time.perf_counter() - t0
        shots = sum(len(p.shots) for p in plans)
        out[name] = {"keyframes": shots, "states_and_events_s": round(dt, 3),
                     "events_mb": round(sum(len(json.dumps(e)) for e in events) / 1e6, 2),
                     "ms_per_keyframe_without_render": round(1000 * dt / max(shots, 1), 1)}
    return out


def bench_render() -> dict[str, object]:
    from replaylens.io.rrweb.convert import convert_rrweb

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = convert_rrweb(SHARED / "rrweb-sizer-smartx-mobile" / "e1.json", Path(tmp) / "s.rlsession",
                            keyframes=True)
        total = time.perf_counter() - t0
    return {"recording": "smartx mobile", "keyframes": res.states, "keyframe_render_s": round(res.states_seconds, 2),
            "keyframes_per_s": round(res.states / max(res.states_seconds, 1e-9), 2),
            "convert_total_s": round(total, 2)}


def bench_measure() -> dict[str, object]:
    from replaylens.io.rrweb.boxes import PageBoxes
    from replaylens.io.rrweb.convert import render_pages
    from replaylens.io.rrweb.keyframes import render_states
    from replaylens.io.rrweb.reader import load_recording

    out: dict[str, object] = {"recording": "smartx mobile"}
    for label, measuring in (("without_measuring", False), ("with_measuring", True), ("without_again", False)):
        loaded = load_recording(SHARED / "rrweb-sizer-smartx-mobile" / "e1.json")  # fresh pages for each run
        boxes = PageBoxes() if measuring else None
        images, _w, _note = render_pages(loaded, timeout_s=20, boxes=boxes)
        st = render_states(loaded, images, timeout_s=20, boxes=boxes)
        out[label] = {"keyframes": st.rendered, "render_s": round(st.seconds, 2),
                      "keyframes_per_s": round(st.rendered / max(st.seconds, 1e-9), 2),
                      "boxes": len(boxes) if boxes is not None else 0}
    return out


def bench_seek(n: int = 2000) -> dict[str, object]:
    import numpy as np
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QApplication
    from synth import write_synth

    from replaylens.io.registry import open_session
    from replaylens.model.manifest import MAX_PAGE_STATES, PageState
    from replaylens.render.context import make_renderer
    from replaylens.render.frame import FrameOptions

    _app = QApplication.instance() or QApplication([])
    img = QImage(1280, 3800, QImage.Format.Format_RGB32)
    img.fill(QColor("#dde3ea"))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    png = bytes(buf.data().data())
    res: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_synth(Path(tmp) / "long.rlsession", 60, screenshot=png)
        for label in ("without_states", "with_states"):
            s = open_session(path)
            dur = s.duration_ms
            if label == "with_states":
                step = dur / MAX_PAGE_STATES
                s.manifest.pages[:] = [replace(p, states=tuple(PageState(int(k * step), "pages/p.png", 1280, 3800)
                                                               for k in range(MAX_PAGE_STATES)))
                                       for p in s.manifest.pages]
            r = make_renderer(s)
            frame = QImage(1280, 800, QImage.Format.Format_ARGB32_Premultiplied)
            rng = random.Random(3)
            times = []
            from PySide6.QtCore import QRectF
            from PySide6.QtGui import QPainter
            for _ in range(n):
                t = rng.uniform(0, dur)
                t0 = time.perf_counter()
                p = QPainter(frame)
                r.paint(p, QRectF(0, 0, 1280, 800), t, FrameOptions())
                p.end()
                times.append(time.perf_counter() - t0)
            look = []
            for _ in range(n):
                t = rng.uniform(0, dur)
                t0 = time.perf_counter()
                s.screenshot_name(0, t)
                look.append(time.perf_counter() - t0)
            a, b = np.array(times) * 1000, np.array(look) * 1e6
            res[label] = {"seeks": n, "frame_p50_ms": round(float(np.percentile(a, 50)), 2),
                          "frame_p99_ms": round(float(np.percentile(a, 99)), 2),
                          "state_lookup_p99_us": round(float(np.percentile(b, 99)), 2),
                          "states_per_page": len(s.pages[0].states), "events": len(s.arrays)}
            s.close()
    return res


def bench_import(mb: int) -> dict[str, object]:
    import rrweb_import

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.json"
        events = rrweb_import.build(path, mb)
        size = path.stat().st_size / 1e6
        base, imp = rrweb_import.measure(path, "json"), rrweb_import.measure(path, "import")
    return {"file_mb": round(size, 1), "events": events, "json_loads_s": round(base["seconds"], 2),
            "json_loads_peak_mb": round(base["peak_mb"]), "import_s": round(imp["seconds"], 2),
            "import_peak_mb": round(imp["peak_mb"]),
            "time_ratio_vs_json_loads": round(imp["seconds"] / base["seconds"], 2),
            "peak_ratio_vs_json_loads": round(imp["peak_mb"] / base["peak_mb"], 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-render", action="store_true", help="skip the real renderer (slow)")
    ap.add_argument("--no-import", action="store_true", help="skip the import benchmark")
    ap.add_argument("--import-mb", type=int, default=30)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out: dict[str, object] = {"states_only": bench_states_only()}
    if not args.no_render:
        out["render"] = bench_render()
        out["measure"] = bench_measure()
    out["seek"] = bench_seek()
    if not args.no_import:
        out["import"] = bench_import(args.import_mb)
    print(json.dumps(out) if args.json else json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
