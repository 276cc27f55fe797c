"""Open a library session for replay: the original file when it is still there unchanged, else a Session built
from the library's own Parquet events and stored screenshots (so a library outlives its source files)."""

from __future__ import annotations

from pathlib import Path

from replaylens.model.session import Session


def open_library_session(library: object, session_id: str, *, prefer_source: bool = True) -> Session:
    """A ``Session`` the viewer can load. ``prefer_source``: reopen the ingested file when its size and mtime
    still match (screenshots, extra columns and rrweb snapshots come with it); otherwise, or when it has moved,
    build the session from the library. Raises KeyError for an unknown id."""
    raise NotImplementedError


def source_path(library: object, session_id: str) -> Path | None:
    """The recorded source file when it still exists with the same size and mtime, else None."""
    raise NotImplementedError
