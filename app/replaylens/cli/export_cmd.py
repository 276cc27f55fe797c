"""``replaylens export FILE --at TIME --out PNG``: a picture of the replay at one moment, or a whole page."""

from __future__ import annotations

import argparse
from typing import Any

from replaylens.cli._export_common import (
    add_annotation_args,
    add_friction_args,
    friction_settings,
    opened_for_export,
    parse_size,
    parse_time_arg,
)

NAME = "export"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="export the replay at a moment (or a whole page) as an annotated PNG")
    p.add_argument("file", help="a session file")
    p.add_argument("--at", type=parse_time_arg, default=0, metavar="TIME",
                   help="moment to show: seconds (12.5) or mm:ss.mmm (default 0)")
    p.add_argument("--out", required=True, metavar="PNG", help="the PNG to write")
    p.add_argument("--heatmap", metavar="KIND", help="overlay this session's heatmap (click, move, scroll, attention)")
    p.add_argument("--trail", type=float, default=3.0, metavar="SECONDS", help="cursor trail length (default 3, 0 off)")
    p.add_argument("--full-page", action="store_true",
                   help="the whole page screenshot with all its annotations instead of the viewport")
    p.add_argument("--page", type=int, metavar="N", help="with --full-page: page index (default: the page at --at)")
    p.add_argument("--size", type=parse_size, metavar="WxH", help="view size (default: the recorded viewport)")
    p.add_argument("--no-caption", action="store_true", help="no caption strip under the picture")
    p.add_argument("--exact", action="store_true",
                   help="rrweb recordings: render the page exactly as it was at --at (rrweb's Replayer paused there) "
                        "instead of the page state in force")
    add_annotation_args(p)
    add_friction_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = friction_settings(args)
    if settings is None:
        return 2
    if args.exact:
        from replaylens.render.exact_state import prepare

        prepare()  # before the export's Qt application: page capture needs a QApplication and the pinned fonts
    with opened_for_export(args) as (session, aset):
        from replaylens.errors import BadInputError
        from replaylens.export.output import save_image
        from replaylens.export.png import render_full_page, render_view
        from replaylens.render.context import analysis_findings, heatmap_image, make_renderer

        if args.trail < 0:
            raise BadInputError(args.file, "--trail must be 0 or more seconds")
        if args.at > session.duration_ms:
            raise BadInputError(args.file, f"--at is past the end of the session ({session.duration_ms / 1000:.1f} s)")
        r = make_renderer(session)
        page = args.page if args.page is not None else r.index.page_at(args.at)
        if args.exact:
            from replaylens.render.exact_state import exact_picture

            r.images.exact[page] = exact_picture(args.file, page, args.at)
        heat = heatmap_image(session, args.heatmap, page) if args.heatmap else None
        if args.full_page:
            img = render_full_page(session, page, annotations=aset, heatmap=heat, caption=not args.no_caption,
                                   renderer=r)
        else:
            w, h = args.size or (None, None)
            img = render_view(session, args.at, width=w, height=h, annotations=aset, heatmap=heat,
                              trail_s=args.trail, caption=not args.no_caption, renderer=r,
                              label=f"{args.heatmap} heatmap" if args.heatmap else "",
                              findings=analysis_findings(session, settings))
        out = save_image(img, args.out)
    print(f"{out}  {img.width()}×{img.height()}")
    return 0
