"""Import the generated bundles into the library and define the demo's goals (over the library core's API)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from replaylens.demo.library_build import GOALS


def create_library(root: Path) -> None:
    """Create the (empty) library first: the library core only makes new libraries in empty folders."""
    from replaylens.store.library import open_library

    with open_library(root):
        pass


def ingest_recordings(root: Path, recordings: Path, workers: int = 2) -> dict[str, Any]:
    """``library add recordings`` into the library at ``root``, then the goals of the planted truth."""
    from replaylens.io.library import IngestProgress, ingest
    from replaylens.model.library import Goal
    from replaylens.store.library import open_library

    def progress(p: IngestProgress) -> None:
        if p.done % 250 == 0 or p.done == p.total:
            left = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
            print(f"  imported {p.done:,} / {p.total:,}{left}", file=sys.stderr, flush=True)

    with open_library(root) as lib:
        for g in GOALS:  # goals first: new sessions get them computed at ingest
            lib.add_goal(Goal(str(g["name"]), "event", str(g["value"])))
        result = ingest(lib, [recordings], progress=progress, workers=workers)
        out: dict[str, Any] = result.to_json()
        out["events"] = result.events
        out["sessions_in_library"] = lib.count()
    return out
