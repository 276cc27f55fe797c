"""Benchmark: the snapshot sanitiser (io/rrweb/html.py and its CSS sanitiser) on the shared rrweb recordings.

    python tests/bench/bench_sanitize.py [--json] [--repeat 5]

* **html**: ``snapshot_to_html`` over every page snapshot of every shared rrweb recording (the two real sessions,
  rrweb's and PostHog's fixtures, the highlight samples with a 238,000-character stylesheet); best of ``--repeat``.
* **css**: the CSS sanitiser alone: ``sanitize_css`` over every stylesheet and ``_cssText``, ``sanitize_declarations``
  over every ``style`` attribute found in them.
* **keyframes**: DOM states and sanitised HTML of every keyframe of the SmartX and demoit sessions (no rendering).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("REPLAYLENS_SHARED_DATA") or HERE.parents[1].parent / "shared" / "data")
FOLDERS = ("rrweb-demoit-player", "rrweb-sizer-smartx-mobile", "rrweb-fixtures", "posthog-rrweb-fork-fixtures",
           "highlight-sample-events")


def snapshots() -> list[dict[str, Any]]:
    from replaylens.errors import BadInputError
    from replaylens.io.rrweb.reader import load_recording

    trees: list[dict[str, Any]] = []
    for folder in FOLDERS:
        for path in sorted((SHARED / folder).rglob("*.json")):
            try:
                loaded = load_recording(path)
            except (BadInputError, ValueError):
                continue
            trees.extend(p.snapshot for p in loaded.mapped.pages if p.snapshot is not None)
    return trees


def css_texts(trees: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(stylesheets: style text and ``_cssText``, ``style`` attribute values) under the trees."""
    sheets: list[str] = []
    inline: list[str] = []
    stack: list[Any] = list(trees)
    while stack:
        cur = stack.pop()
        if not isinstance(cur, dict):
            continue
        attrs = cur.get("attributes")
        if isinstance(attrs, dict):
            sheets.extend(v for k, v in attrs.items() if k == "_cssText" and isinstance(v, str))
            inline.extend(v for k, v in attrs.items() if k == "style" and isinstance(v, str))
        if cur.get("isStyle") and isinstance(cur.get("textContent"), str):
            sheets.append(cur["textContent"])
        kids = cur.get("childNodes")
        if isinstance(kids, list):
            stack.extend(kids)
    return sheets, inline


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def best(fn: Any, repeat: int) -> float:
    """Best of ``repeat`` cold runs (the CSS cache cleared before each, when there is one)."""
    from replaylens.io.rrweb import html_css

    times = []
    for _ in range(repeat):
        getattr(html_css, "clear_cache", lambda: None)()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from replaylens.io.rrweb import html_css
    from replaylens.io.rrweb.html import snapshot_to_html
    from replaylens.io.rrweb.html_css import sanitize_css, sanitize_declarations

    trees = snapshots()
    sheets, inline = css_texts(trees)
    html_s = best(lambda: [snapshot_to_html(t, viewport=(1280, 800)) for t in trees], args.repeat)
    warm_s = min(_timed(lambda: [snapshot_to_html(t, viewport=(1280, 800)) for t in trees])
                             for _ in range(args.repeat))
    css_s = best(lambda: ([sanitize_css(c, (1280, 800)) for c in sheets]
                          + [sanitize_declarations(c, (1280, 800)) for c in inline]), args.repeat)
    sys.path.insert(0, str(HERE))
    from bench_keyframes import bench_states_only

    getattr(html_css, "clear_cache", lambda: None)()
    t0 = time.perf_counter()
    frames = bench_states_only()
    result = {"snapshots": len(trees), "html_chars": sum(len(snapshot_to_html(t)) for t in trees),
              "snapshot_to_html_s": round(html_s, 4),
              "snapshot_to_html_cached_css_s": round(warm_s, 4), "stylesheets": len(sheets),
              "style_attributes": len(inline), "css_chars": sum(map(len, sheets + inline)),
              "sanitize_css_s": round(css_s, 4), "keyframes": frames,
              "keyframes_total_s": round(time.perf_counter() - t0, 3)}
    print(json.dumps(result, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
