"""``replaylens clicks --library DIR --page P --goal G [--filter ...] [--min-clicks N] [--json]``: clicks versus
conversion on one page. Per clicked element (by its label): how many of the page's sessions clicked it (share with
a Wilson interval), the conversion of its clickers and of the others (Wilson), odds ratio, Fisher's exact test with
Benjamini–Hochberg over the elements, and the source's quadrant (high/low click rate × high/low conversion among
clickers). An unknown page or goal is a usage error (exit 2) with suggestions (docs/analysis.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from replaylens.cli._analysis_common import add_selection

NAME = "clicks"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="clicks vs conversion per clicked element of a page, with quadrants",
                       description=__doc__)
    add_selection(p)
    p.add_argument("--page", required=True, metavar="P", help="page path or glob (/kyc, /wallet*, /|/songkran)")
    p.add_argument("--goal", required=True, metavar="G", help="a goal's name, or page:/event:/click:/goal: SPEC")
    p.add_argument("--min-clicks", type=int, default=5, metavar="N",
                   help="leave out elements clicked by fewer sessions (default 5)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape in docs/analysis.md)")
    p.set_defaults(run=run)


def usage(message: str) -> int:
    print(f"replaylens {NAME}: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from replaylens.analysis.bias import suggest
    from replaylens.analysis.experiments import clicks_conversion, parse_step
    from replaylens.cli._analysis_common import emit_json, open_selection, pct
    from replaylens.store.page_list import page_choices

    if args.min_clicks < 1:
        return usage("--min-clicks must be at least 1")
    lib, seg = open_selection(args)
    try:
        goals = sorted(g.name for g in lib.goals())
        try:
            goal = parse_step(args.goal, set(goals))
        except ValueError:
            return usage(f"unknown goal {args.goal!r}: {suggest(args.goal, goals)} "
                         "(or give page:/event:/click: SPEC)")
        res = clicks_conversion(lib, seg, args.page, goal, min_clicks=args.min_clicks)
        if res["sessions"] == 0:
            paths = [c.path for c in page_choices(lib, seg, limit=50)]
            return usage(f"no selected session showed page {args.page!r}: {suggest(args.page, paths)}")
    finally:
        lib.close()
    if args.json:
        emit_json(res)
        return 0
    lo, hi = res["conversion_ci95"]
    print(f"{res['page']}: {res['sessions']:,} sessions showed it, {res['converted']:,} reached {res['goal']} "
          f"({pct(res['conversion'])} [{pct(lo)} – {pct(hi)}])")
    if not res["elements"]:
        print(f"  no element was clicked by {args.min_clicks} or more of them")
    for r in sorted(res["elements"], key=lambda r: -r["clicked"]):
        c_lo, c_hi = r["conversion_clickers_ci95"]
        star = " *" if r["significant"] else ""
        print(f"  {r['label'][:40]:<40} clicked by {r['clicked']:>6,} ({pct(r['share_clicked'])})  converted "
              f"{pct(r['conversion_clickers'])} [{pct(c_lo)} – {pct(c_hi)}] vs {pct(r['conversion_non_clickers'])}"
              f"  p = {r['p_adjusted']:.2g}{star}")
        print(f"    {r['quadrant']}")
    print("  * differs after Benjamini–Hochberg (q = 0.05); click rate high = at or above the median element's share")
    return 0
