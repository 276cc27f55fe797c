"""Precision and recall of every friction detector against the demo generator's planted ground truth.

    python tests/bench/measure_friction.py [--sessions N] [--seed S] [--json]

Generates the rich demo plus N randomised segment sessions in memory (``build_session``), ingests each through
``SessionStore.load_arrow`` exactly as a bundle is loaded, runs ``analyze_session`` with the default (PostHog)
settings and matches findings to ``Recorder.planted``: same kind, time spans overlapping once each is widened
by the tolerance (1000 ms); a finding that carries several kinds (a rage burst that is also a dead click) counts
for each of them. Matching is one-to-one: a finding matches at most one planted friction and the other
way round, so a friction reported twice costs precision. Goal: precision and recall >= 0.95 per detector.

Baselines measured in the same run: the rage-click figures of the OpenReplay and Datadog presets (same
sessions), and the analysis time as a ratio of the time it took DuckDB to ingest the same events.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from replaylens.analysis.findings.analyze import FINDING_KINDS, Finding, analyze_session
from replaylens.demo.behaviour import Planted
from replaylens.demo.generate import DEMO_SEED, RICH_ATTRS, build_session, events_table, segment_attrs
from replaylens.model.friction_settings import FrictionSettings
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import SessionStore

TOLERANCE_MS = 1000
GOAL = 0.95


def make_session(seed: int, attrs: dict[str, str], rich: bool) -> tuple[Session, list[Planted], float]:
    rec, pages = build_session(seed, attrs, rich=rich)
    table = events_table(rec.columns())
    t0 = time.perf_counter()
    store = SessionStore()
    report = ImportReport(source=f"seed {seed}")
    store.load_arrow(table, page_count=len(pages), viewport=rec.viewport, report=report)
    arrays = store.arrays()
    ingest = time.perf_counter() - t0
    manifest = Manifest(session_id=str(seed), start_epoch_ms=0, viewport_width=rec.viewport[0],
                        viewport_height=rec.viewport[1], attributes=attrs,
                        pages=[Page(url=p.url, title=p.title, width=p.width, height=p.height) for p in pages])
    return Session(Path(f"seed-{seed}"), manifest, store, arrays, report), list(rec.planted), ingest


def match(findings: list[Finding], planted: list[Planted], kind: str) -> tuple[int, int, int]:
    """(findings, planted, matched pairs) of one kind, greedy one-to-one in time order."""
    fs = sorted((f for f in findings if kind in (f.kinds or (f.kind,))), key=lambda f: f.start_ms)
    ps = sorted((p for p in planted if p.kind == kind), key=lambda p: p.start_ms)
    used = [False] * len(ps)
    pairs = 0
    for f in fs:
        for j, p in enumerate(ps):
            if not used[j] and f.start_ms - TOLERANCE_MS <= p.end_ms and p.start_ms <= f.end_ms + TOLERANCE_MS:
                used[j] = True
                pairs += 1
                break
    return len(fs), len(ps), pairs


def measure(n_sessions: int, seed: int) -> dict[str, object]:
    presets = {name: FrictionSettings.preset(name) for name in ("posthog", "openreplay", "datadog")}
    totals = {k: [0, 0, 0] for k in FINDING_KINDS}
    rage = {name: [0, 0, 0] for name in presets}
    ingest_s = analyze_s = 0.0
    events = 0
    rng = np.random.default_rng(seed + 1)
    specs = [(DEMO_SEED, dict(RICH_ATTRS), True)] + [(seed + 1000 + i, segment_attrs(rng), False)
                                                      for i in range(n_sessions)]
    misses: list[str] = []
    for s_seed, attrs, rich in specs:
        session, planted, ingest = make_session(s_seed, attrs, rich)
        ingest_s += ingest
        events += len(session.arrays)
        for name, settings in presets.items():
            t0 = time.perf_counter()
            analysis = analyze_session(session, settings)
            if name == "posthog":
                analyze_s += time.perf_counter() - t0
                for k in FINDING_KINDS:
                    f, p, m = match(analysis.findings, planted, k)
                    totals[k][0] += f
                    totals[k][1] += p
                    totals[k][2] += m
                    if m < max(f, p):
                        misses.append(f"seed {s_seed} {attrs.get('device')}: {k} found {f} planted {p} matched {m}")
            f, p, m = match(analysis.findings, planted, "rage_click")
            rage[name][0] += f
            rage[name][1] += p
            rage[name][2] += m
        session.close()

    def pr(f: int, p: int, m: int) -> dict[str, object]:
        precision = m / f if f else (1.0 if not p else 0.0)
        recall = m / p if p else 1.0
        return {"found": f, "planted": p, "matched": m, "precision": round(precision, 4),
                "recall": round(recall, 4), "goal_met": precision >= GOAL and recall >= GOAL}

    return {
        "sessions": len(specs),
        "events": events,
        "tolerance_ms": TOLERANCE_MS,
        "goal": GOAL,
        "detectors": {k: pr(*v) for k, v in totals.items()},
        "rage_click_by_preset": {k: pr(*v) for k, v in rage.items()},
        "analyze_s": round(analyze_s, 3),
        "ingest_s": round(ingest_s, 3),
        "analyze_vs_ingest_ratio": round(analyze_s / ingest_s, 3) if ingest_s else None,
        "misses": misses[:20],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=200, help="randomised sessions besides the rich demo")
    ap.add_argument("--seed", type=int, default=DEMO_SEED)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = measure(args.sessions, args.seed)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['sessions']} sessions, {out['events']:,} events, tolerance ±{out['tolerance_ms']} ms, "
          f"goal ≥ {out['goal']}")
    print(f"{'detector':<18} {'planted':>8} {'found':>6} {'matched':>8} {'precision':>10} {'recall':>8}  goal")
    rows = list(out["detectors"].items()) + [(f"rage ({k})", v) for k, v in out["rage_click_by_preset"].items()]
    for name, r in rows:
        print(f"{name:<18} {r['planted']:>8} {r['found']:>6} {r['matched']:>8} {r['precision']:>10.3f} "
              f"{r['recall']:>8.3f}  {'ok' if r['goal_met'] else 'MISSED'}")
    print(f"analysis {out['analyze_s']:.2f} s vs DuckDB ingest {out['ingest_s']:.2f} s "
          f"(ratio {out['analyze_vs_ingest_ratio']})")
    for m in out["misses"]:
        print("  miss:", m, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
