"""``replaylens report FILE --out FILE.pdf``: a PDF report (cover, findings, annotations) for reviews and audits."""

from __future__ import annotations

import argparse
from typing import Any

from replaylens.cli._export_common import (
    StderrProgress,
    add_annotation_args,
    add_friction_args,
    friction_settings,
    opened_for_export,
)

NAME = "report"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="write a PDF report: session facts, one page per finding and annotation")
    p.add_argument("file", help="a session file")
    p.add_argument("--out", required=True, metavar="PDF", help="the PDF to write")
    p.add_argument("--title", default="", help="report title (default: the site)")
    p.add_argument("--no-findings", action="store_true", help="annotations only, no automatic findings")
    add_annotation_args(p)
    add_friction_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = friction_settings(args)
    if settings is None:
        return 2
    with opened_for_export(args) as (session, aset):
        from replaylens.export.pdf import export_report

        out = export_report(session, args.out, settings=settings, annotations=aset, title=args.title,
                            include_findings=not args.no_findings, progress=StderrProgress("report"))
    print(out)
    return 0
