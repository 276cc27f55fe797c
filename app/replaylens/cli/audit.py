"""``replaylens audit PATH... [--json] [--fix]``: card numbers and personal data in recordings, bundles, libraries.

Prints each finding's kind, file, column or field and count, never a value (docs/privacy.md). Exit 0 clean, 1 when
anything is found (after ``--fix``: anything left), 3 when an input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

NAME = "audit"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="find card numbers and personal data in recordings, bundles and libraries",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a library folder, a .rlsession bundle, an rrweb "
                                                            "recording, or a folder of them")
    p.add_argument("--json", action="store_true",
                   help='print {"clean", "files", "kinds", "findings": [{"kind", "file", "where", "count"}], '
                        '"unreadable", "fixed", "not_fixable"}')
    p.add_argument("--fix", action="store_true",
                   help="rewrite libraries and bundles in place (each file atomically) so that they are clean; "
                        "recordings are never modified")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from replaylens.io.privacy.audit import audit

    report = audit(args.paths, fix=args.fix)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        fixed = set(report.fixed)
        for f in report.findings:
            state = " (fixed)" if f.file in fixed else ""
            print(f"{f.kind:12} {f.count:8,}  {f.file}  [{f.where}]{state}")
        for file, reason in report.unreadable:
            print(f"replaylens: {file}: {reason}", file=sys.stderr)
        for file in report.not_fixable:
            if args.fix:
                print(f"replaylens: {file}: a recording is an input and is not modified; convert or add it to a "
                      "library (the policy applies there)", file=sys.stderr)
        kinds = ", ".join(f"{k} {n:,}" for k, n in report.kinds().items())
        if report.clean and not report.unreadable:
            n = len(fixed)
            done = f"; fixed {n} file{'s' if n != 1 else ''} ({kinds})" if fixed else ""
            print(f"clean: {report.files:,} files scanned{done}")
        elif kinds and not report.clean:
            print(f"found: {kinds} in {report.files:,} files scanned")
        else:
            print(f"not audited: {len(report.unreadable):,} input(s) could not be read ({report.files:,} files "
                  "scanned)")
    if report.unreadable:
        return 3
    return 0 if report.clean else 1
