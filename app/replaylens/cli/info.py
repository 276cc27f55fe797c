"""``replaylens info FILE [--json]``: what a session holds."""

from __future__ import annotations

import argparse
import json
from typing import Any

NAME = "info"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="print duration, pages, viewport, event counts, attributes, import warnings")
    p.add_argument("file", help="a session file")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(run=run)


def summary(session: Any) -> dict[str, Any]:
    m = session.manifest
    return {
        "file": str(session.path),
        "session_id": m.session_id,
        "format_version": m.format_version,
        "start_epoch_ms": m.start_epoch_ms,
        "site": m.site,
        "duration_ms": session.duration_ms,
        "viewport": {"width": m.viewport_width, "height": m.viewport_height},
        "device_pixel_ratio": m.device_pixel_ratio,
        "pages": [{"index": i, "url": p.url, "title": p.title, "width": p.width, "height": p.height,
                   "screenshot": bool(p.screenshot), "states": len(p.states)} for i, p in enumerate(m.pages)],
        "events": len(session.arrays),
        "counts": session.arrays.counts(),
        "attributes": dict(m.attributes),
        "warnings": list(session.report.warnings),
    }


def run(args: argparse.Namespace) -> int:
    from replaylens.core.timefmt import fmt_ms
    from replaylens.io.registry import open_session

    session = open_session(args.file)
    try:
        info = summary(session)
    finally:
        session.close()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['file']}\n  session    {info['session_id']}  ({info['site'] or 'unknown site'})")
    print(f"  duration   {fmt_ms(info['duration_ms'])}   events {info['events']:,}")
    vp = info["viewport"]
    print(f"  viewport   {vp['width']}×{vp['height']} @ {info['device_pixel_ratio']:g}x")
    if info["attributes"]:
        print("  segment    " + ", ".join(f"{k}={v}" for k, v in sorted(info["attributes"].items())))
    print(f"  pages      {len(info['pages'])}")
    for p in info["pages"]:
        print(f"    [{p['index']}] {p['url']}  {p['title']!r}  {p['width']}×{p['height']}"
              + ("" if p["screenshot"] else "  (no screenshot)"))
    print("  events by kind")
    for kind, n in sorted(info["counts"].items(), key=lambda kv: -kv[1]):
        print(f"    {kind:<14} {n:>9,}")
    if info["warnings"]:
        print("  import warnings")
        for w in info["warnings"]:
            print(f"    - {w}")
    return 0
