"""``replaylens comparison-report --library DIR [--filter …|--segment S] --out FILE.pdf`` with any of:
the comparison (``--by ATTR --a V --b V --page PATTERN [--kind K] [--device D]``), the funnel (``--step SPEC``
repeated, ``[--funnel-by ATTR] [--within 30m]``) and the A/B test (``--goal SPEC [--ab-by ATTR] [--control V]
[--split 50/50] [--mde 0.1]``). One PDF: a cover with the library, segment and date, then a page per part given,
the same content as the Compare, Funnel and A/B views' "Export PDF…" (docs/analysis.md)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from replaylens.cli._analysis_common import DEVICES, add_selection
from replaylens.cli.abtest import _mde, _split

NAME = "comparison-report"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="a PDF comparison report: two groups' heatmaps, a funnel and an A/B test",
                       description=__doc__)
    add_selection(p)
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    c = p.add_argument_group("comparison page (give --by, --a, --b and --page)")
    c.add_argument("--by", metavar="ATTR", help="attribute that splits the two groups")
    c.add_argument("--a", metavar="V", help="value of --by for group A")
    c.add_argument("--b", metavar="V", help="value of --by for group B")
    c.add_argument("--page", metavar="PATTERN", help="page URL or /path glob; several separated by |")
    c.add_argument("--kind", choices=("click", "move", "scroll"), default="click")
    c.add_argument("--device", choices=DEVICES, help="one device class (recommended)")
    f = p.add_argument_group("funnel page (give --step at least once)")
    f.add_argument("--step", action="append", default=[], metavar="SPEC",
                   help="page:PATTERN | event:NAME | click:LABEL | goal:NAME (repeat, in order)")
    f.add_argument("--funnel-by", metavar="ATTR", help="one funnel per value of this attribute, side by side")
    f.add_argument("--within", metavar="DURATION", help="every step within this time of the first (30m, 2h)")
    a = p.add_argument_group("A/B page (give --goal)")
    a.add_argument("--goal", metavar="SPEC", help="a goal's name, or page:/event:/click:/goal: SPEC")
    a.add_argument("--ab-by", metavar="ATTR", default="variant", help="the variant attribute (default: variant)")
    a.add_argument("--control", metavar="V", help="the control group's value (default: the first in order)")
    a.add_argument("--split", type=_split, metavar="A/B", help="intended split (enables the sample-ratio check)")
    a.add_argument("--mde", type=_mde, default=0.1, help="minimum detectable effect, relative (default 0.1)")
    p.set_defaults(run=run)


def _comparison_args(args: argparse.Namespace) -> bool | None:
    """True when the comparison was asked for, False when not, None when half of it was given."""
    given = [args.by, args.a, args.b, args.page]
    if all(v is None for v in given):
        return False
    return True if all(v is not None for v in given) else None


def run(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from replaylens.analysis.experiments import abtest, funnel, parse_duration, parse_step
    from replaylens.analysis.heatmaps.library import compare
    from replaylens.analysis.segments import describe_segment
    from replaylens.cli._analysis_common import bad, open_selection, screenshot
    from replaylens.errors import UnknownNameError
    from replaylens.export.compare_pdf import ReportParts, page_titles, write_comparison_report

    want_cmp = _comparison_args(args)
    if want_cmp is None:
        print("replaylens comparison-report: the comparison needs --by, --a, --b and --page together",
              file=sys.stderr)
        return 2
    if not want_cmp and not args.step and not args.goal:
        print("replaylens comparison-report: give a comparison (--by/--a/--b/--page), funnel steps (--step) or a "
              "goal (--goal)", file=sys.stderr)
        return 2
    lib, seg = open_selection(args)
    try:
        parts = ReportParts(lib.root.name, describe_segment(seg, args.segment), lib.count(seg), device=args.device)
        try:
            goals = {g.name for g in lib.goals()}
            if want_cmp:
                parts.comparison = compare(lib, seg, args.by, args.a, args.b, args.page, args.kind,
                                           device=args.device)
                parts.screenshot = screenshot(lib, parts.comparison.map_a.extra.get("screen"))
            if args.step:
                within = parse_duration(args.within) if args.within else None
                parts.funnel = funnel(lib, seg, [parse_step(s, goals) for s in args.step], by=args.funnel_by,
                                      within_ms=within)
            if args.goal:
                parts.abtest = abtest(lib, seg, args.ab_by, parse_step(args.goal, goals), control=args.control,
                                      split=args.split, mde=args.mde)
        except UnknownNameError:
            raise  # a key, value or goal the library does not have: exit 2 with the nearest match
        except ValueError as exc:
            raise bad(lib, str(exc)) from None
        out = write_comparison_report(parts, args.out)
    finally:
        lib.close()
    titles = page_titles(parts)
    print(f"{out}  {1 + len(titles)} pages: cover, " + ", ".join(titles))
    return 0
