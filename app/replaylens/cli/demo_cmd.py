"""``replaylens demo [--path]``: open the bundled demo session in the viewer (or print where it is)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

NAME = "demo"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="open the bundled demo session in the viewer")
    p.add_argument("--path", action="store_true", help="print the demo session's path instead of opening it")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from replaylens.assets import AssetMissingError, demo_session

    try:
        path = demo_session()
    except AssetMissingError as exc:
        print(f"replaylens demo: {exc}", file=sys.stderr)
        return 3
    if args.path:
        print(path)
        return 0
    from replaylens.ui.app import run_app

    return run_app([str(path)])
