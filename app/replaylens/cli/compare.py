"""``replaylens compare --library DIR --by ATTR --a V --b V --page PATTERN --kind K --out PNG [--json]``: the two
groups' heatmaps of one page and their difference, tested cell by cell (docs/analysis.md)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from replaylens.cli._analysis_common import DEVICES, add_selection

NAME = "compare"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="compare two groups' heatmaps of a page, with a tested difference map",
                       description=__doc__)
    add_selection(p)
    p.add_argument("--by", required=True, metavar="ATTR", help="attribute that splits the groups (variant, campaign…)")
    p.add_argument("--a", required=True, metavar="V", help="value of --by for group A ((none): sessions without it)")
    p.add_argument("--b", required=True, metavar="V", help="value of --by for group B ((none): sessions without it)")
    p.add_argument("--page", required=True, metavar="PATTERN",
                   help="page URL or /path glob; several separated by |")
    p.add_argument("--kind", choices=("click", "move", "scroll", "attention"), default="click",
                   help="what to compare (attention: the share of sessions with each band on screen >= 1 s)")
    p.add_argument("--device", choices=DEVICES, help="one device class (recommended: widths are never mixed "
                                                     "otherwise the map is misplaced)")
    p.add_argument("--relative-x", action="store_true", help="x as a share of the viewport width (mixed widths)")
    p.add_argument("--cell", type=float, default=None, metavar="PX", help="test cell size in CSS px (default 32)")
    p.add_argument("--out", metavar="PNG", help="write the side-by-side image")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape in docs/analysis.md)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from replaylens.analysis.heatmaps.library import TEST_CELL_PX, compare
    from replaylens.cli._analysis_common import bad, emit_json, open_selection, screenshot
    from replaylens.errors import UnknownNameError

    if not args.out and not args.json:
        print("replaylens compare: give --out PNG, --json or both", file=sys.stderr)
        return 2
    lib, seg = open_selection(args)
    try:
        cell = args.cell if args.cell else TEST_CELL_PX
        if not 4 <= cell <= 1024:
            print("replaylens compare: --cell must be between 4 and 1024 px", file=sys.stderr)
            return 2
        try:
            result = compare(lib, seg, args.by, args.a, args.b, args.page, args.kind, device=args.device,
                             relative_x=args.relative_x, cell=cell)
        except UnknownNameError:
            raise
        except ValueError as exc:
            raise bad(lib, str(exc)) from None
        if args.out:
            from replaylens.export.compare_png import write_comparison_png

            w, h = write_comparison_png(result, screenshot(lib, result.map_a.extra.get("screen")), args.out)
        if args.json:
            emit_json(result.to_json())
        else:
            print(f"{args.out}  {w}×{h}  {args.kind} maps of {result.map_a.page_url}")
            from replaylens.analysis.vocabulary import group_label

            side_a, side_b = (v if v == "(none)" else f"{args.by} = {v}" for v in (args.a, args.b))
            print(f"  {group_label(args.by, side_a)}: {result.diff.n_a:,} sessions · {group_label(args.by, side_b)}: "
                  f"{result.diff.n_b:,} sessions · {result.diff.tested:,} areas compared")
            print(f"  {result.sentence}")
            for warning in result.to_json()["warnings"]:
                print(f"  warning  {warning}", file=sys.stderr)
    finally:
        lib.close()
    return 0
