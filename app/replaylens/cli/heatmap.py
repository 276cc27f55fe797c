"""``replaylens heatmap FILE... --kind click|move|scroll|attention --out PNG``: a heatmap of one page over one or
many sessions, composited on the page screenshot with a legend (or the bare RGBA overlay with ``--raw``)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from replaylens.cli._analysis_common import add_engine

NAME = "heatmap"
_KINDS = ("click", "move", "scroll", "attention")
_DEVICES = ("desktop", "tablet", "mobile")


def _range(text: str, example: str) -> tuple[float, float]:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)?\s*-\s*(\d+(?:\.\d+)?)?\s*", text)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise argparse.ArgumentTypeError(f"{text!r} is not a range like {example}")
    lo = float(m.group(1)) if m.group(1) else 0.0
    hi = float(m.group(2)) if m.group(2) else float("inf")
    if hi < lo:
        raise argparse.ArgumentTypeError(f"{text!r}: the maximum is below the minimum")
    return lo, hi


def _width(text: str) -> tuple[float, float]:
    lo, hi = _range(text, "1024-1920, 600- or -599")
    return lo, hi + 1  # inclusive on the command line: 600-1023 keeps 1023


def _seconds(text: str) -> tuple[float, float]:
    lo, hi = _range(text, "30-90 (seconds from the start)")
    return lo * 1000, hi * 1000


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not v >= 0 or v > 10_000:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 10000")
    return v


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="render a click/movement/scroll/attention heatmap of one page to PNG",
                       description=__doc__)
    p.add_argument("files", nargs="*", metavar="FILE", help="session files (all must show the page)")
    p.add_argument("--library", metavar="DIR", help="a library instead of files: the map over its sessions "
                                                   "(--filter/--segment restrict them; --page is a URL or /path glob)")
    p.add_argument("--filter", action="append", default=[], metavar="EXPR", help="with --library: KEY=V …")
    p.add_argument("--segment", metavar="NAME", help="with --library: a saved segment")
    add_engine(p)
    p.add_argument("--count", choices=("events", "sessions"), default="events",
                   help="with --library: weigh cells by events (default) or by distinct sessions")
    p.add_argument("--kind", choices=_KINDS, default="click", help="what to map (default: click)")
    p.add_argument("--page", default="0",
                   help="page URL (query and fragment ignored), path such as /kyc, or index in the first file "
                        "(default: 0)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--width", type=_width, metavar="MIN-MAX", help="only viewport widths MIN..MAX px (inclusive)")
    g.add_argument("--device", choices=_DEVICES,
                   help="viewport-width preset: mobile < 600 px, tablet 600-1023, desktop >= 1024")
    p.add_argument("--relative-x", action="store_true", help="x as a share of the viewport width (mixed widths)")
    p.add_argument("--anchor", choices=("element",), help="with --library, click maps: re-project each click onto "
                   "its element's box at the reference width (sessions at any width land on the same element)")
    p.add_argument("--time", type=_seconds, metavar="T0-T1", help="only events in this window, seconds from start")
    p.add_argument("--sigma", type=_positive, default=None, metavar="PX", help="blur sigma in CSS px (default 16)")
    p.add_argument("--cell", type=_positive, default=None, metavar="PX", help="grid cell in CSS px (default 4)")
    p.add_argument("--norm", choices=("max", "p99", "log"), default="max", help="normalisation (default: max)")
    p.add_argument("--cmap", default="classic", help="classic, viridis, inferno (append _r to reverse)")
    p.add_argument("--out", required=True, metavar="PNG", help="output PNG")
    p.add_argument("--raw", action="store_true", help="write only the RGBA overlay (no screenshot, no legend)")
    p.add_argument("--no-legend", action="store_true", help="leave the legend out of the composite")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports QtGui
    from replaylens.analysis.heatmaps.session import compute_heatmap
    from replaylens.core.colormaps import CMAP_NAMES
    from replaylens.export.heatmap_png import write_heatmap_png
    from replaylens.io.registry import open_session

    if args.cmap.removesuffix("_r") not in CMAP_NAMES:
        print(f"replaylens heatmap: unknown --cmap {args.cmap!r} (known: {', '.join(CMAP_NAMES)})", file=sys.stderr)
        return 2
    if args.library is not None or (not args.files and (args.filter or args.segment)):
        return _run_library(args)
    if not args.files:
        print("replaylens heatmap: give session FILEs or --library DIR", file=sys.stderr)
        return 2
    if args.anchor:
        print("replaylens heatmap: --anchor element is for library maps (--library DIR)", file=sys.stderr)
        return 2
    sessions = []
    try:
        for f in args.files:
            sessions.append(open_session(f))
        kw: dict[str, Any] = {}
        if args.sigma is not None:
            kw["sigma"] = args.sigma
        if args.cell is not None:
            if args.cell < 1:
                print("replaylens heatmap: --cell must be at least 1 px", file=sys.stderr)
                return 2
            kw["cell"] = args.cell
        try:
            result = compute_heatmap(sessions, args.kind, page=args.page, width_range=args.width,
                                     device=args.device, relative_x=args.relative_x, t_range=args.time,
                                     norm=args.norm, cmap=args.cmap, **kw)
        except ValueError as exc:
            print(f"replaylens heatmap: {exc}", file=sys.stderr)
            return 2
        si, pi = result.reference
        shot = sessions[si].screenshot(pi)
        w, h = write_heatmap_png(result, shot, args.out, raw=args.raw, legend=not args.no_legend)
    finally:
        for s in sessions:
            s.close()
    print(f"{args.out}  {w}×{h}  {result.kind} map of {result.page_url}")
    print(f"  sessions   {result.sessions_used} used of {result.sessions_total}"
          f"  ({result.sessions_without_page} without the page, {result.sessions_outside_width} outside the width)")
    unit = {"click": "clicks", "move": "pointer samples", "scroll": "page events", "attention": "page events"}
    print(f"  points     {result.points:,} {unit[result.kind]}"
          + (f"  ({result.points_outside_page:,} outside the page, dropped)" if result.points_outside_page else ""))
    if result.kind == "move":
        print(f"  dwell      {result.total_weight / 1000:.1f} s (each sample capped at 2 s)")
    if result.fold_y is not None:
        print(f"  fold       {result.fold_y:.0f} px (mean viewport height)")
    if result.kind == "scroll" and result.profile is not None and result.sessions_used:
        for level in (0.75, 0.5, 0.25):
            below = (result.profile < level).nonzero()[0]
            depth = f"{below[0] * result.cell:.0f} px" if below.size else "the bottom"
            print(f"  {level:.0%} of sessions reach {depth}")
    if shot is None and not args.raw:
        print("  note       no screenshot of this page: drawn on a blank page", file=sys.stderr)
    return 0


def _run_library(args: argparse.Namespace) -> int:
    from replaylens.analysis.heatmaps.library import aggregate_heatmap
    from replaylens.cli._analysis_common import bad, open_selection, screenshot
    from replaylens.export.heatmap_png import write_heatmap_png

    if args.files:
        print("replaylens heatmap: give FILEs or --library, not both", file=sys.stderr)
        return 2
    if args.width or args.time:
        print("replaylens heatmap: with --library, widths go by --device and there is no --time window",
              file=sys.stderr)
        return 2
    page = "/" if args.page == "0" else args.page
    lib, seg = open_selection(args)
    try:
        kw: dict[str, Any] = {}
        if args.sigma is not None:
            kw["sigma"] = args.sigma
        if args.cell is not None and args.cell >= 1:
            kw["cell"] = args.cell
        try:
            result = aggregate_heatmap(lib, seg, page, args.kind, device=args.device, unique=args.count == "sessions",
                                       relative_x=args.relative_x, norm=args.norm, cmap=args.cmap,
                                       anchor=args.anchor, **kw)
        except ValueError as exc:
            raise bad(lib, str(exc)) from None
        w, h = write_heatmap_png(result, screenshot(lib, result.extra.get("screen")), args.out, raw=args.raw,
                                 legend=not args.no_legend)
        urls = lib.page_urls(page)  # a URL template holds every customer's copy of the page
    finally:
        lib.close()
    print(f"{args.out}  {w}×{h}  {result.kind} map of {result.page_url}")
    print(f"  page       {page} ({urls:,} URL{'s' if urls != 1 else ''})")
    print(f"  sessions   {result.sessions_used:,} showed the page of {result.sessions_total:,} selected")
    print(f"  points     {result.points:,}")
    if result.extra.get("anchor"):
        x = result.extra
        print(f"  anchored   {result.points:,} clicks on {x['anchor_elements']:,} element"
              f"{'s' if x['anchor_elements'] != 1 else ''} (reference width {x['anchor_reference_width']} px)")
        if x.get("anchor_note"):
            print(f"  left out   {x['anchor_note']}")
    if result.extra.get("warning"):
        print(f"  warning    {result.extra['warning']}", file=sys.stderr)
    return 0
