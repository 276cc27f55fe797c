"""``replaylens convert IN -o OUT.rlsession [--no-render] [--keep-values]``: an rrweb recording to a native bundle."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "convert"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="convert an rrweb/PostHog recording to a .rlsession bundle with screenshots")
    p.add_argument("input", help="an rrweb recording (.json, .json.gz, NDJSON, PostHog/Highlight export, ...)")
    p.add_argument("-o", "--output", required=True, help="the bundle to write (.rlsession)")
    p.add_argument("--no-render", action="store_true", help="do not render page screenshots (fast)")
    p.add_argument("--show-values", action="store_true",
                   help="show input values the recording captured unmasked in the screenshots (default: every "
                        "value masked; secret fields are always masked)")
    p.add_argument("--keep-values", action="store_true",
                   help="keep typed values that are not card data or secrets in the events (default: only their "
                        "length and shape, docs/privacy.md; card numbers, CVV and expiry are never kept)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="render timeout per page (default 10)")
    p.add_argument("--no-keyframes", action="store_true",
                   help="render only each page's first snapshot, not its DOM states over time")
    p.add_argument("--first", metavar="FIRST.rlsession",
                   help="before rendering the DOM keyframes, write a bundle with the first screenshots here and "
                        "print 'first bundle: PATH' (the viewer shows it meanwhile); deleted when OUTPUT is written")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from replaylens.io.rrweb.convert import FIRST_PREFIX, convert_rrweb

    out = Path(args.output)
    if out.suffix.lower() != ".rlsession":
        print(f"replaylens: {out.name}: the output should end in .rlsession", file=sys.stderr)
        return 2
    if not out.parent.is_dir():
        print(f"replaylens: {out.parent}: the output folder does not exist", file=sys.stderr)
        return 2

    def first(path: Path) -> None:
        print(f"{FIRST_PREFIX}{path}", flush=True)

    res = convert_rrweb(args.input, out, render=not args.no_render, timeout_s=args.timeout,
                        show_values=args.show_values, keyframes=not args.no_keyframes,
                        first_out=Path(args.first) if args.first else None, on_first=first,
                        keep_values=args.keep_values)
    n_states = getattr(res, "states", 0)
    print(f"wrote {res.path}: {res.events:,} events, {res.pages} pages, {res.screenshots} screenshots"
          + (f" ({res.wireframes} wireframes)" if res.wireframes else "")
          + (f", {n_states} page states in {getattr(res, 'states_seconds', 0.0):.1f} s" if n_states else ""))
    if res.render_note and not args.no_render:
        print(f"replaylens: {res.render_note}", file=sys.stderr)
    for w in res.report.warnings:
        print(f"replaylens: note: {w}", file=sys.stderr)
    return 0
