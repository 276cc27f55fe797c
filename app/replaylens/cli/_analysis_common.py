"""Options and helpers shared by the library analysis commands (heatmap --library, compare, funnel, abtest)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replaylens.model.segment import Segment
    from replaylens.store.library import LibraryStore

DEVICES = ("desktop", "tablet", "mobile")


def add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="DIR",
                   help="the library folder (default: $REPLAYLENS_LIBRARY or the user-data folder)")
    p.add_argument("--filter", action="append", default=[], metavar="EXPR",
                   help="restrict to sessions matching KEY=V1,V2 | KEY!=V | KEY>=N … (repeatable, AND)")
    p.add_argument("--segment", metavar="NAME", help="start from a saved segment")
    add_engine(p)


ENGINE_HELP = ("run the library's queries on duckdb (default) or Apache Spark: spark (local[*]), spark=local[N], "
               "spark=spark://HOST:7077 or spark=sc://HOST:15002 (Spark Connect); default $REPLAYLENS_ENGINE or "
               "the Preferences choice (docs/scale.md)")


def add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", metavar="ENGINE", default=None, help=ENGINE_HELP)


def open_selection(args: argparse.Namespace) -> tuple[LibraryStore, Segment]:
    from replaylens.cli.library_cmds import _open, _segment

    lib = _open(args)
    try:
        return lib, _segment(lib, args)
    except Exception:
        lib.close()
        raise


def bad(lib: LibraryStore, message: str) -> Exception:
    from replaylens.errors import BadInputError

    return BadInputError(lib.root, message)


def _clean(obj: Any) -> Any:
    """JSON has no NaN or infinity: write null for them."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):  # numpy scalars
        return _clean(obj.item())
    return obj


def emit_json(obj: Any) -> None:
    json.dump(_clean(obj), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.1f} %"


def screenshot(lib: LibraryStore, screen: str | None) -> bytes | None:
    if not screen:
        return None
    path = lib.screenshot_path(screen)
    return path.read_bytes() if path is not None and path.is_file() else None
