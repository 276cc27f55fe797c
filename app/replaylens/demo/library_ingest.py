"""Import the generated bundles into the library (adapter over the library core's ingest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def ingest_recordings(root: Path, recordings: Path) -> dict[str, Any]:
    raise NotImplementedError("the library core is not merged yet")
