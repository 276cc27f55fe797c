"""Write demo bundles: ``python -m replaylens.demo.generate --out resources/samples [--sessions N]``, or
a demo library: ``python -m replaylens.demo.generate --library DIR --sessions N [--seed S]`` (see ``library_build``).

Deterministic: the same seed gives byte-identical events (screenshots depend only on Qt's rasteriser and fonts).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa

from replaylens.demo.behaviour import Planted, Recorder
from replaylens.demo.flows import random_session, rich_demo
from replaylens.demo.layout import SITE, site_pages
from replaylens.io.bundle import write_bundle
from replaylens.model.manifest import Manifest, Page
from replaylens.model.schema import EVENT_COLUMNS

DEMO_NAME = "nimbus-demo.rlsession"
DEMO_SEED = 20261123
START_EPOCH_MS = 1_795_000_000_000  # 2026-11-18, a Wednesday morning in Berlin
WIDTHS = {"desktop": (1280, 800), "desktop-wide": (1440, 900), "tablet": (820, 1180), "mobile": (390, 844)}

_ARROW = {"BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "VARCHAR": pa.string(),
          "BOOLEAN": pa.bool_()}


@dataclass
class Generated:
    path: Path
    counts: dict[str, int]
    planted: list[Planted]
    attributes: dict[str, str]
    duration_ms: int


def events_table(cols: dict[str, list[object]]) -> pa.Table:
    return pa.table({c.name: pa.array(cols[c.name], type=_ARROW[c.sql_type]) for c in EVENT_COLUMNS})


def build_session(seed: int, attrs: dict[str, str], *, rich: bool = False) -> tuple[Recorder, list]:
    rng = np.random.default_rng(seed)
    viewport = WIDTHS.get(attrs.get("device", "desktop"), WIDTHS["desktop"])
    pages = site_pages(viewport[0], attrs.get("variant", "A"))
    rec = Recorder(rng=rng, pages=pages, viewport=viewport, pace=6.0 if rich else 1.0)
    rich_demo(rec) if rich else random_session(rec, attrs)
    return rec, pages


def write_session(out: Path, seed: int, attrs: dict[str, str], *, rich: bool = False,
                  screenshots: dict[tuple[str, int, str], bytes] | None = None) -> Generated:
    from replaylens.demo.paint import render_page

    rec, pages = build_session(seed, attrs, rich=rich)
    cols = rec.columns()
    cache = screenshots if screenshots is not None else {}
    images: dict[str, bytes] = {}
    page_meta: list[Page] = []
    for i, layout in enumerate(pages):
        key = (layout.key, layout.width, attrs.get("variant", "A"))
        if key not in cache:
            cache[key] = render_page(layout)
        name = f"pages/{i:03d}-{layout.key}.png"
        images[name] = cache[key]
        page_meta.append(Page(url=layout.url, title=layout.title, screenshot=name, width=layout.width,
                              height=layout.height))
    sid = hashlib.sha1(f"{seed}-{json.dumps(attrs, sort_keys=True)}".encode()).hexdigest()[:16]
    vw, vh = rec.viewport
    manifest = Manifest(session_id=sid, start_epoch_ms=START_EPOCH_MS + seed % 86_400_000, pages=page_meta,
                        viewport_width=vw, viewport_height=vh, site=SITE, device_pixel_ratio=1.0,
                        attributes=attrs, source={"kind": "replaylens-demo-generator", "seed": seed})
    manifest.extra["ground_truth"] = [asdict(p) for p in rec.planted]
    table = events_table(cols)
    write_bundle(out, manifest, table, images)
    kinds = cols["kind"]
    counts: dict[str, int] = {}
    for k in kinds:
        counts[str(k)] = counts.get(str(k), 0) + 1
    times = cast("list[int]", cols["t"])  # Recorder.emit writes int(round(t))
    return Generated(out, counts, list(rec.planted), attrs, int(max(times)))


RICH_ATTRS = {"user_type": "new", "campaign": "lantern-festival", "variant": "A", "device": "desktop",
              "country": "DE", "referrer": "instagram"}


def segment_attrs(rng: np.random.Generator) -> dict[str, str]:
    return {
        "user_type": str(rng.choice(["new", "returning", "high_net_worth"], p=[0.55, 0.35, 0.10])),
        "campaign": str(rng.choice(["lantern-festival", "none"], p=[0.5, 0.5])),
        "variant": str(rng.choice(["A", "B"])),
        "device": str(rng.choice(list(WIDTHS), p=[0.5, 0.2, 0.15, 0.15])),
    }


def generate(out_dir: Path, sessions: int = 0, seed: int = DEMO_SEED, rich: bool = True) -> list[Generated]:
    out_dir.mkdir(parents=True, exist_ok=True)
    cache: dict[tuple[str, int, str], bytes] = {}
    made: list[Generated] = []
    if rich:
        made.append(write_session(out_dir / DEMO_NAME, seed, dict(RICH_ATTRS), rich=True, screenshots=cache))
    rng = np.random.default_rng(seed + 1)
    for i in range(sessions):
        attrs = segment_attrs(rng)
        made.append(write_session(out_dir / f"nimbus-{i:03d}.rlsession", seed + 1000 + i, attrs, screenshots=cache))
    return made


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m replaylens.demo.generate", description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("resources/samples"))
    ap.add_argument("--sessions", type=int, default=0, help="also write N randomised segment sessions")
    ap.add_argument("--seed", type=int, default=DEMO_SEED)
    ap.add_argument("--no-rich", action="store_true", help="skip the rich demo session")
    ap.add_argument("--library", type=Path, metavar="DIR",
                    help="build a demo library in DIR (recordings, planted_truth.json, then the import)")
    ap.add_argument("--workers", type=int, default=2, help="processes for --library (default 2)")
    ap.add_argument("--no-import", action="store_true", help="with --library: write the recordings only")
    ap.add_argument("--no-surveys", action="store_true", help="with --library: no survey answers (see "
                                                               "demo.library_surveys)")
    args = ap.parse_args(argv)
    if args.library is not None:
        return _library(args)
    for g in generate(args.out, args.sessions, args.seed, rich=not args.no_rich):
        print(f"{g.path}  {g.duration_ms / 60000:.1f} min  {sum(g.counts.values()):,} events  "
              f"planted: {', '.join(p.kind for p in g.planted) or '-'}", file=sys.stderr)
    return 0


def _library(args: argparse.Namespace) -> int:
    from replaylens.demo.library_build import build_library

    n = args.sessions or 2000
    seed = args.seed if args.seed != DEMO_SEED else 2026_04_13

    def progress(done: int, total: int) -> None:
        if done % 200 == 0 or done == total:
            print(f"  {done:,} / {total:,} sessions written", file=sys.stderr, flush=True)

    result = build_library(args.library, n, seed, workers=max(1, args.workers), progress=progress,
                           ingest=not args.no_import)
    if not args.no_import and not args.no_surveys:  # survey answers for a share of the sessions (docs/surveys.md)
        from replaylens.demo.library_surveys import import_demo_surveys, write_surveys

        result["surveys"] = write_surveys(args.library)
        result["survey_imports"] = import_demo_surveys(args.library)
    print(json.dumps(result), flush=True)
    print(f"Demo library in {args.library} ({n:,} sessions, {result['total_s']} s). Planted truth: "
          f"{args.library / 'planted_truth.json'}"
          + (f"; survey truth: {args.library / 'survey_truth.json'}" if "surveys" in result else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
