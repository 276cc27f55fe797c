"""Clip export speed at 1280×720, 30 fps: frames per second for H.264 (libx264 veryfast), WebM VP9 (the default)
and WebM VP8, against the baseline measured in the same run: rendering the same frames without encoding.

    python tests/bench/bench_clip.py [--json] [--seconds 5]

Ratio = encode fps / render-only fps (1.0 would mean encoding is free). Median of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "resources" / "samples" / "nimbus-demo.rlsession"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seconds", type=float, default=5.0, help="clip length (session seconds at 1x)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from replaylens.render.qt import ensure_gui_app

    ensure_gui_app()
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from replaylens.export.video import export_clip, frame_times
    from replaylens.io.registry import open_session
    from replaylens.render.context import make_renderer
    from replaylens.render.frame import FrameOptions

    s = open_session(DEMO)
    r = make_renderer(s)
    t0 = 64_000.0
    t1 = t0 + args.seconds * 1000
    times = frame_times(t0, t1, 1.0, 30)

    def render_only() -> float:
        img = QImage(1280, 720, QImage.Format.Format_ARGB32_Premultiplied)
        start = time.perf_counter()
        for t in times:
            p = QPainter(img)
            r.paint(p, QRectF(0, 0, 1280, 686), float(t), FrameOptions())
            p.end()
            _ = img.constBits()
        return len(times) / (time.perf_counter() - start)

    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cases = {"render only (baseline)": None, "mp4 h264": (".mp4", None), "webm vp9": (".webm", None),
                 "webm vp8": (".webm", "libvpx")}
        for name, case in cases.items():
            fps, sizes = [], []
            for i in range(args.repeat):
                if case is None:
                    fps.append(render_only())
                    continue
                res = export_clip(s, Path(tmp) / f"c{i}{case[0]}", t0, t1, renderer=r, codec=case[1])
                fps.append(res.frames / res.seconds)
                sizes.append(res.bytes)
            rows[name] = {"fps": statistics.median(fps), "mb": statistics.median(sizes) / 1e6 if sizes else 0.0}
    base = rows["render only (baseline)"]["fps"]
    for v in rows.values():
        v["ratio"] = v["fps"] / base
    s.close()
    if args.json:
        print(json.dumps({"frames": len(times), "size": "1280x720", "fps": 30, "results": rows}))
        return 0
    print(f"clip export, {len(times)} frames of 1280x720 at 30 fps (demo, 1x), median of {args.repeat}")
    print(f"{'case':<24}{'frames/s':>10}{'x baseline':>12}{'MB':>8}")
    for name, v in rows.items():
        print(f"{name:<24}{v['fps']:>10.1f}{v['ratio']:>12.2f}{v['mb']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
