"""``replaylens clip FILE --from TIME --to TIME --out FILE.mp4|.webm``: a video of a stretch of the replay."""

from __future__ import annotations

import argparse
from typing import Any

from replaylens.cli._export_common import (
    StderrProgress,
    add_annotation_args,
    add_friction_args,
    friction_settings,
    opened_for_export,
    parse_size,
    parse_time_arg,
)

NAME = "clip"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="export a time range as an MP4 (H.264) or WebM (VP9) clip")
    p.add_argument("file", help="a session file")
    p.add_argument("--from", dest="start", type=parse_time_arg, required=True, metavar="TIME",
                   help="start: seconds or mm:ss.mmm")
    p.add_argument("--to", dest="end", type=parse_time_arg, required=True, metavar="TIME", help="end")
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.mp4 or FILE.webm")
    p.add_argument("--speed", type=float, default=1.0, metavar="N", help="playback speed 1..8 (default 1)")
    p.add_argument("--size", type=parse_size, default=(1280, 720), metavar="WxH", help="frame size (default 1280x720)")
    p.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    p.add_argument("--trail", type=float, default=3.0, metavar="SECONDS", help="cursor trail length (default 3)")
    p.add_argument("--no-caption", action="store_true", help="no caption strip")
    add_annotation_args(p)
    add_friction_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = friction_settings(args)
    if settings is None:
        return 2
    with opened_for_export(args) as (session, aset):
        from replaylens.export.video import export_clip

        res = export_clip(session, args.out, args.start, args.end, speed=args.speed, size=args.size, fps=args.fps,
                          annotations=aset, trail_s=max(args.trail, 0.0), caption=not args.no_caption,
                          progress=StderrProgress("clip"), settings=settings)
    print(f"{res.path}  {res.width}×{res.height}  {res.frames} frames ({res.duration_s:.1f} s)  {res.codec}  "
          f"{res.bytes / 1e6:.1f} MB  in {res.seconds:.1f} s")
    return 0
