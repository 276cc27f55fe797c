"""The Library window over 100,000 sessions: time to the first rows (goal ≤ 1 s), time for a page of rows after a
jump anywhere in the table (scrolling), a sort and a facet click.

    PYTHONPATH=app QT_QPA_PLATFORM=offscreen python tests/bench/bench_library_ui.py [--sessions N] [--json]

The synthetic library (tests/gui/library_synth.py, written through the library's own writer) is built once into
``--dir`` (default: the temp folder) and reused.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gui"))

from library_synth import build


def _wait(app: object, done: object, timeout_s: float = 60.0) -> None:
    end = time.perf_counter() + timeout_s
    while not done():  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.0005)
        if time.perf_counter() > end:
            raise TimeoutError("the window did not answer in time")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100_000)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "replaylens-bench-library-ui")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from replaylens.store.library import open_library
    from replaylens.ui.library.window import LibraryWindow

    root = args.dir / f"n{args.sessions}"
    t0 = time.perf_counter()
    if not (root / "catalogue.duckdb").is_file():
        build(root, args.sessions)
    build_s = time.perf_counter() - t0
    app = QApplication.instance() or QApplication([])
    first, jumps, sorts, facets = [], [], [], []
    for _ in range(args.repeat):
        lib = open_library(root)
        t = time.perf_counter()
        w = LibraryWindow(lib)
        w.show()
        _wait(app, lambda w=w: w.model.counted and w.model.row_values(0) is not None)
        first.append(time.perf_counter() - t)
        _wait(app, lambda w=w: not w.busy)
        rng = random.Random(7)
        for _ in range(10):  # drag the scroll bar anywhere: how long until that page of rows shows
            row = rng.randrange(args.sessions)
            t = time.perf_counter()
            w.table.scrollTo(w.model.index(row, 0))
            w.table.viewport().repaint()
            _wait(app, lambda w=w, row=row: w.model.row_values(row) is not None)
            jumps.append(time.perf_counter() - t)
        t = time.perf_counter()
        w.model.sort(1, Qt.SortOrder.AscendingOrder)  # by length, shortest first
        _wait(app, lambda w=w: w.model.counted and w.model.row_values(0) is not None)
        sorts.append(time.perf_counter() - t)
        t = time.perf_counter()
        w.facets.toggle("campaign", "songkran")
        _wait(app, lambda w=w: not w.busy)
        facets.append(time.perf_counter() - t)
        w.shutdown()
        app.processEvents()
        lib.close()

    def ms(xs: list[float]) -> dict[str, float]:
        xs = sorted(xs)
        return {"median_ms": round(statistics.median(xs) * 1000, 1),
                "p95_ms": round(xs[min(len(xs) - 1, int(0.95 * len(xs)))] * 1000, 1), "n": len(xs)}

    out = {"sessions": args.sessions, "build_s": round(build_s, 1), "first_rows": ms(first),
           "first_rows_goal_ms": 1000, "page_after_jump": ms(jumps), "sort_then_first_rows": ms(sorts),
           "facet_click_all_answers": ms(facets)}
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:28} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
