"""The library's render stage (page pictures and element boxes of rrweb sessions), against baselines measured in
the same run:

* seconds per distinct page rendered and per session done, next to the ingest of the same files (seconds per
  session) and to one page render per session (what the stage would cost without sharing by content);
* how many renders the sessions of one site need: the goal is about one per distinct page state, not one per
  session (printed per 1,000 sessions, and next to the number of distinct page states planted).

Sessions are copies of the real recordings in ../shared/data (rrweb-demoit-player on a desktop, the same page with
its first text changed as a second state, rrweb-sizer-smartx-mobile on a phone), each with its own session id,
start time and address on one site.

    python tests/bench/bench_library_render.py [--json] [--sessions 120] [--workers 1] [--keep DIR]

No timed assertions anywhere: this prints figures; the tests check behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "app"), str(ROOT / "tests" / "unit")]

#: (recording, page path, share of sessions, distinct state label)
MIX = (("demoit", "/editor", 0.6, None), ("demoit", "/editor", 0.2, "Songkran savings: 5 % APY"),
       ("smartx", "/halo", 0.2, None))


def build(src: Path, n: int) -> tuple[list[Path], int]:
    """``n`` session files of one site; returns them and the number of distinct page states planted."""
    import rrweb_site as site

    base = {"demoit": site.load(site.DEMOIT), "smartx": site.load(site.SMARTX)}
    variants = [base[rec] if label is None else site.retitle(base[rec], label) for rec, _p, _s, label in MIX]
    src.mkdir(parents=True, exist_ok=True)
    files, k = [], 0
    for j, (_rec, path, share, _label) in enumerate(MIX):
        for _ in range(max(1, round(n * share))):
            files.append(site.write_copy(variants[j], src / f"s{k:05d}.json", k, path=path, session=f"bench-{k:05d}"))
            k += 1
    return files, len(MIX)


def main() -> int:
    import rrweb_site as site

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sessions", type=int, default=120)
    ap.add_argument("--workers", type=int, default=1, help="scanning processes of the stage (default 1)")
    ap.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (default: a temporary folder)")
    args = ap.parse_args()
    if not site.available(site.DEMOIT, site.SMARTX):
        print("bench_library_render: ../shared/data (rrweb-demoit-player, rrweb-sizer-smartx-mobile) is absent",
              file=sys.stderr)
        return 2
    from replaylens.io.library import ingest
    from replaylens.io.library.render_stage import render_library
    from replaylens.store.library import open_library

    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rl-bench-render-"))
    try:
        files, states = build(tmp / "src", args.sessions)
        mb = sum(f.stat().st_size for f in files) / 2**20
        lib = open_library(tmp / "lib")
        try:
            t0 = time.perf_counter()
            res = ingest(lib, [tmp / "src"], workers=2)
            ingest_s = time.perf_counter() - t0
            s = render_library(lib, workers=args.workers)
            rows = lib.cursor().execute("SELECT count(*), count(screen) FROM pages p JOIN sessions s USING "
                                        "(session_id) WHERE s.source_format = 'rrweb'").fetchall()[0]
        finally:
            lib.close()
        n = max(s.done, 1)
        per_render = s.render_seconds / max(s.renders + s.remeasures, 1)
        per_session = s.seconds / n
        figures = {
            "sessions": s.done, "files_mib": round(mb, 1), "distinct_states_planted": states,
            "renders": s.renders, "remeasures": s.remeasures,
            "renders_per_distinct_state": round((s.renders + s.remeasures) / states, 2),
            "renders_per_1000_sessions_if_one_per_session": 1000,
            "pages_with_picture": f"{rows[1]}/{rows[0]}", "click_boxes": s.boxes,
            "seconds_per_distinct_page": round(per_render, 3), "seconds_per_session": round(per_session, 4),
            "scan_seconds_per_session": round(s.scan_seconds / n, 4), "stage_seconds": round(s.seconds, 2),
            "baseline_ingest_seconds_per_session": round(ingest_s / max(res.added, 1), 4),
            "baseline_one_render_per_session_seconds": round(per_render * n, 1),
            "stage_vs_one_render_per_session": round(s.seconds / max(per_render * n, 1e-9), 3),
            "stage_vs_ingest": round(s.seconds / max(ingest_s, 1e-9), 2),
        }
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(figures, indent=1))
        return 0
    f = figures
    print(f"render stage over {f['sessions']} rrweb sessions of one site ({f['files_mib']} MiB, "
          f"{f['distinct_states_planted']} distinct page states planted)")
    print(f"  renders: {f['renders']} (+{f['remeasures']} to measure more elements) for {f['sessions']} sessions = "
          f"{f['renders_per_distinct_state']} per distinct page state (they do not grow with the sessions once "
          f"every state was seen; one per session would be 1,000 per 1,000); pages with a picture "
          f"{f['pages_with_picture']}; {f['click_boxes']} clicks with an element box")
    print(f"  {f['seconds_per_distinct_page']} s per distinct page rendered, {f['seconds_per_session']} s per "
          f"session ({f['scan_seconds_per_session']} s of it re-reading the recording); stage {f['stage_seconds']} s")
    print(f"  baseline, same run: ingest {f['baseline_ingest_seconds_per_session']} s per session (stage = "
          f"{f['stage_vs_ingest']}x the ingest); one render per session would take "
          f"{f['baseline_one_render_per_session_seconds']} s (stage = {f['stage_vs_one_render_per_session']}x that)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
