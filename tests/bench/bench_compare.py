"""Library comparisons at scale: aggregate heatmap, funnel and A/B on N sessions, each against a baseline in the
same run.

    python tests/bench/bench_compare.py [--sessions 10000] [--events 10000] [--json] [--keep DIR [--upgrade]]
                                        [--runs 3] [--kinds-only]

The library is synthetic (numpy; written through ``LibraryStore.commit``, the library's own writer): every
session shows a landing page (1280 × 2400, desktop) with pointer moves, clicks and scrolls, then maybe a KYC page
and a deposit goal, with a variant attribute and a planted +8 % relative deposit lift. Figures:

- aggregate click, movement, scroll-reach and attention heatmaps of the landing page (ours, end to end: page
  lookup, segment, cells, grid, blur; ``kinds``: best and median of ``--runs``) vs DuckDB's own ``GROUP BY`` of the
  same cells over the same Parquet (the pre-binned ``cells`` files the library reads, no join, no catalogue,
  ``KIND_SQL``) → ratio (goal ≤ 3×, and ≤ 2 s at 10,000 sessions / 100 M events); and, for scale,
  DuckDB's ``GROUP BY`` over the raw events (what the map cost before the cells, layout 3) and our map read from the
  events (``--raw``, slow);
- funnel (3 steps, by variant) and A/B report (deposit by variant) through the library vs the same work done by
  reopening the session files as the CLI does without a library: measured on 100 bundles written from the same
  sessions, scaled to N (stated as such).
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

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from replaylens.io.library.prepare import EVENT_SCHEMA
from replaylens.model.library import Goal, PageRecord, SessionRecord, SessionSource
from replaylens.store.library import open_library

T0 = 1_775_000_000_000
LANDING = "https://bench.nimbus.example/"
KYC = "https://bench.nimbus.example/kyc"


def _session_events(rng: np.random.Generator, n: int, kyc: bool, deposit: bool) -> pa.Table:
    t = np.cumsum(rng.integers(15, 40, n)).astype(np.int64)
    kinds = np.full(n, "move", dtype=object)
    kinds[np.arange(0, n, 97)] = "click"
    kinds[np.arange(50, n, 40)] = "scroll"
    page = np.zeros(n, np.int32)
    if kyc:
        page[n * 2 // 3:] = 1
    if deposit:
        kinds[-1] = "custom"
    x = np.clip(640 + np.cumsum(rng.normal(0, 8, n)), 0, 1279)
    y = np.clip(400 + np.cumsum(rng.normal(0, 6, n)), 0, 799)
    sy = np.clip(np.cumsum(np.where(kinds == "scroll", rng.choice([-120.0, 120.0, 240.0], n), 0.0)), 0, 1600)
    detail = np.full(n, None, dtype=object)
    if deposit:
        detail[-1] = '{"tag": "deposit_started"}'
    text = np.where(kinds == "click", "Get started", None)
    cols = {"i": np.arange(n, dtype=np.int64), "t": t, "kind": kinds, "page": page, "x": x, "y": y,
            "scroll_x": np.zeros(n), "scroll_y": sy, "width": np.full(n, 1280, np.int32),
            "height": np.full(n, 800, np.int32), "target_text": text, "detail": detail,
            "fixed": np.zeros(n, bool)}
    arrays = []
    for f in EVENT_SCHEMA:
        arrays.append(pa.array(cols[f.name], f.type) if f.name in cols else pa.nulls(n, f.type))
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


def build(root: Path, sessions: int, events: int, seed: int = 7) -> tuple[int, float]:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    total = 0
    with open_library(root) as lib:
        lib.add_goal(Goal("deposit", "event", "deposit_started"))
        batch: list[SessionRecord] = []
        for i in range(sessions):
            variant = "B" if rng.random() < 0.5 else "A"
            kyc = rng.random() < 0.6
            deposit = kyc and rng.random() < 0.2 * (1.08 if variant == "B" else 1.0)
            ev = _session_events(rng, events, kyc, deposit)
            total += ev.num_rows
            sid = f"b{i:07d}"
            dur = int(ev["t"][-1].as_py())
            pages = [PageRecord(0, LANDING, "Landing", 1280, 2400, None, 0)]
            if kyc:
                pages.append(PageRecord(1, KYC, "KYC", 1280, 2000, None, int(ev["t"][events * 2 // 3].as_py())))
            summary = {"duration_ms": dur, "active_ms": dur, "entry_url": LANDING, "exit_url": pages[-1].url,
                       "pages_visited": len(pages), "page_visits": len(pages), "events": events,
                       "clicks": events // 97, "friction_score": 0, "viewport_width": 1280, "viewport_height": 800,
                       "device_class": "desktop", "user_id": f"u{i}"}
            batch.append(SessionRecord(
                session_id=sid, sha256=f"sha{i}", site="bench.nimbus.example", start_epoch_ms=T0 + i * 1000,
                summary=summary, findings={}, attributes={"variant": (variant, "manifest")}, pages=pages,
                labels=["Get started"], identities=[f"u{i}"],
                source=SessionSource(sid, "", f"sha{i}", 0, 0, "bundle"), events=ev))
            if len(batch) == 250:
                lib.commit(batch)
                batch = []
        if batch:
            lib.commit(batch)
    return total, time.perf_counter() - t0


def _timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


#: DuckDB's own GROUP BY of each map's cells over the same cells Parquet (no join, no catalogue, no segment).
KIND_SQL = {
    "click": "SELECT cell, sum(n) AS n, count(*) AS sessions FROM {src} WHERE kind = 'click' AND url = ? "
             "GROUP BY 1",
    "move": "SELECT cell, sum(w) AS w, count(*) AS sessions FROM {src} WHERE kind = 'move' AND url = ? GROUP BY 1",
    "scroll": "SELECT skey, max(coalesce(bottom_h, bottom_s + 800)) AS bottom FROM {src} WHERE kind = 'reach' "
              "AND url = ? GROUP BY 1",
    "attention": "SELECT top, h, sum(w) AS ms FROM {src} WHERE kind = 'band' AND url = ? GROUP BY 1, 2",
}


def _kind_figures(lib, root: Path, seg, kind: str, runs: int, has_cells: bool) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Our aggregate map of ``kind`` (end to end) vs DuckDB's GROUP BY of the same cells: best and median. The two
    alternate run by run, so a change in the machine's load falls on both."""
    from replaylens.analysis.heatmaps.library import aggregate_heatmap

    sql = KIND_SQL[kind].format(src=f"read_parquet('{root / 'cells' / '**' / '*.parquet'}')")
    times: list[float] = []
    duck: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        aggregate_heatmap(lib, seg, "/", kind, device="desktop")
        times.append(time.perf_counter() - t)
        if has_cells:
            t = time.perf_counter()
            lib.cursor().execute(sql, [LANDING]).fetchnumpy()
            duck.append(time.perf_counter() - t)
    med, dmed = statistics.median(times), statistics.median(duck) if duck else 0.0
    return {"ours_best_s": round(min(times), 3), "ours_median_s": round(med, 3),
            "duckdb_group_by_s": round(dmed, 3), "duckdb_best_s": round(min(duck), 3) if duck else None,
            "ratio_median": round(med / dmed, 2) if dmed else None,
            "ratio_best": round(min(times) / min(duck), 2) if duck else None}


def _reopen_baseline(root: Path, sessions: int, sample: int = 100) -> float:
    """Seconds per session to open a bundle and count its deposit goal, as the CLI does without a library."""
    from replaylens.io.bundle import write_bundle
    from replaylens.io.registry import open_session
    from replaylens.model.manifest import Manifest, Page

    folder = root.parent / "bundles"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(1)
    paths = []
    n_events = max(10, int(os.environ.get("BENCH_EVENTS", "10000")))
    for i in range(min(sample, sessions)):
        ev = _session_events(rng, n_events, True, i % 7 == 0).drop_columns(["i"])
        m = Manifest(session_id=f"r{i}", start_epoch_ms=T0, pages=[Page(LANDING, "Landing", None, 1280, 2400),
                                                                  Page(KYC, "KYC", None, 1280, 2000)],
                     viewport_width=1280, viewport_height=800)
        paths.append(write_bundle(folder / f"r{i}.rlsession", m, ev, {}))
    t = time.perf_counter()
    for p in paths:
        s = open_session(p)
        a = s.arrays
        _ = bool((a.kind == 15).any())  # the custom-event goal, as a funnel step would test it
        s.close()
    return (time.perf_counter() - t) / len(paths)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=10_000)
    ap.add_argument("--events", type=int, default=10_000, help="events per session (default 10,000)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the library here instead of a temporary folder")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--upgrade", action="store_true",
                    help="with --keep: first derive missing cells of this layout from the events (LibraryStore."
                         "rebuild_cells), so a library built by an older build is reused")
    ap.add_argument("--raw", action="store_true", help="also time our cells query read from the raw events (slow)")
    ap.add_argument("--kinds-only", action="store_true",
                    help="only the four aggregate maps against DuckDB's GROUP BY (no raw events, funnel or A/B)")
    args = ap.parse_args()
    os.environ["BENCH_EVENTS"] = str(args.events)
    tmp = tempfile.TemporaryDirectory(prefix="bench-compare-")
    root = args.keep or Path(tmp.name) / "lib"
    built_s, total = 0.0, 0
    if not (root / "catalogue.duckdb").exists():
        total, built_s = build(root, args.sessions, args.events)
    rebuild_s = 0.0
    if args.upgrade:  # a kept library of an older layout: derive its cells from the events Parquet
        t = time.perf_counter()
        with open_library(root) as wlib:
            wlib.rebuild_cells()
        rebuild_s = time.perf_counter() - t

    from replaylens.analysis.experiments import abtest, funnel, parse_step
    from replaylens.analysis.heatmaps.library import aggregate_heatmap
    from replaylens.model.segment import Segment

    lib = open_library(root, read_only=True)
    n = lib.count()
    total = total or int(lib.cursor().execute("SELECT sum(events) FROM sessions").fetchall()[0][0])
    glob = str(root / "events" / "**" / "*.parquet")
    seg = Segment(())
    if args.kinds_only:
        from replaylens.store import _cells as cells_layout

        found = {kind: _kind_figures(lib, root, seg, kind, args.runs, cells_layout.available(lib)) for kind in KIND_SQL}
        lib.close()
        print(json.dumps({"sessions": n, "events": total, "kinds": found}, indent=1))
        tmp.cleanup()
        return 0

    ours_s, hm = _timed(lambda: aggregate_heatmap(lib, seg, "/", "click", device="desktop"), args.runs)
    raw_sql = ("SELECT floor((x + coalesce(scroll_x, 0)) / 8)::BIGINT AS cx, "
               "floor((y + coalesce(scroll_y, 0)) / 8)::BIGINT AS cy, count(*) AS n "
               f"FROM read_parquet('{glob}') WHERE kind = 'click' AND page = 0 GROUP BY 1, 2")
    raw_s, _ = _timed(lambda: lib.cursor().execute(raw_sql).fetchnumpy(), args.runs)
    from replaylens.store import _cells

    has_cells = _cells.available(lib)
    kinds = {kind: _kind_figures(lib, root, seg, kind, args.runs, has_cells) for kind in KIND_SQL}
    duck_s = kinds["click"]["duckdb_group_by_s"]
    ours_raw_s = 0.0
    if args.raw:
        from replaylens.store import aggregate as Q

        ours_raw_s, _ = _timed(lambda: Q.cells(lib, seg, "/", "click", device="desktop", cell_px=8.0,
                                                stored=False), 1)
    steps = [parse_step("page:/"), parse_step("page:/kyc"), parse_step("goal:deposit")]
    funnel_s, fres = _timed(lambda: funnel(lib, seg, steps, by="variant"), args.runs)
    ab_s, ab = _timed(lambda: abtest(lib, seg, "variant", parse_step("goal:deposit")), args.runs)
    lib.close()
    per_session = _reopen_baseline(root, n)
    reopen_s = per_session * n
    out = {
        "sessions": n, "events": total, "library_build_s": round(built_s, 1),
        "cells_rebuild_s": round(rebuild_s, 1),
        "aggregate_heatmap_s": round(ours_s, 3), "duckdb_group_by_s": round(duck_s, 3),
        "aggregate_vs_duckdb": round(ours_s / duck_s, 2) if duck_s else None,
        "kinds": kinds,
        "duckdb_group_by_raw_events_s": round(raw_s, 3),
        "aggregate_vs_duckdb_raw_events": round(ours_s / raw_s, 3) if raw_s else None,
        "cells_query_from_raw_events_s": round(ours_raw_s, 3) if args.raw else None,
        "funnel_s": round(funnel_s, 3), "abtest_s": round(ab_s, 3),
        "reopen_files_s_estimated": round(reopen_s, 1), "reopen_ms_per_session": round(per_session * 1000, 1),
        "funnel_speedup_vs_reopen": round(reopen_s / funnel_s, 1) if funnel_s else None,
        "abtest_speedup_vs_reopen": round(reopen_s / ab_s, 1) if ab_s else None,
        "heatmap_points": getattr(hm, "points", None),
        "abtest_verdict": ab["verdict"] if isinstance(ab, dict) else None,
        "funnel_groups": [g["name"] for g in fres["groups"]] if isinstance(fres, dict) else None,
    }
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:>28}  {v}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
