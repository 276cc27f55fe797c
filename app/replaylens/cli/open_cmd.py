"""``replaylens open FILE``: start the viewer (Qt is imported only here, when it runs)."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "open"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="open sessions in the viewer (also: replaylens FILE)")
    p.add_argument("files", nargs="*", help="session files (.rlsession or rrweb .json)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from replaylens.ui.app import run_app

    return run_app([str(f) for f in args.files])
