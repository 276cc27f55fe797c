"""Open a library session for replay: the original file when it is still there unchanged, else a Session built
from the library's own Parquet events and stored screenshots (so a library outlives its source files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from replaylens.model.imported import ImportedSession
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import open_imported

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def source_path(library: LibraryStore, session_id: str) -> Path | None:
    """The recorded source file when it still exists with the same size and mtime, else None."""
    src = library.source_of(session_id)
    if src is None or not src.path:
        return None
    p = Path(src.path)
    try:
        st = p.stat()
    except OSError:
        return None
    return p if st.st_size == src.size and st.st_mtime_ns == src.mtime_ns else None


class _ScreenLoader:
    def __init__(self, library: LibraryStore) -> None:
        self._library = library

    def __call__(self, name: str) -> bytes | None:
        path = self._library.screenshot_path(name)
        try:
            return path.read_bytes() if path is not None else None
        except OSError:
            return None


def from_library(library: LibraryStore, session_id: str) -> Session:
    """Build a Session from the library alone (events from Parquet, screenshots from ``screens/``)."""
    detail = library.session(session_id)
    if detail is None:
        raise KeyError(session_id)
    s = detail["summary"]
    pages = [Page(url=str(p["url"] or ""), title=str(p["title"] or ""), screenshot=p["screen"],
                  width=int(p["width"] or 0), height=int(p["height"] or 0)) for p in detail["pages"]]
    manifest = Manifest(session_id=session_id, start_epoch_ms=int(s["start_epoch_ms"]), pages=pages,
                        viewport_width=int(s["viewport_width"] or 0), viewport_height=int(s["viewport_height"] or 0),
                        site=str(s["site"] or ""), attributes={k: str(v) for k, v in detail["attributes"].items()},
                        source={"format": "replaylens-library", "library": str(library.root),
                                "original": json.dumps(str(s.get("source_path") or ""))},
                        duration_ms=int(s["duration_ms"] or 0))
    report = ImportReport(source=f"{library.root} / {session_id}")
    events = library.events(session_id)
    if "i" in events.column_names:  # the library's row index; the one-session store numbers rows itself
        events = events.drop_columns(["i"])
    return open_imported(ImportedSession(path=library.root / f"{session_id}.library", manifest=manifest,
                                         events=events, report=report, load_image=_ScreenLoader(library)))


def open_library_session(library: LibraryStore, session_id: str, *, prefer_source: bool = True) -> Session:
    """A ``Session`` the viewer can load. ``prefer_source``: reopen the ingested file when its size and mtime
    still match (screenshots, extra columns and rrweb snapshots come with it; through the opener, ``io.opening``,
    so a converted copy in the cache is used); otherwise, or when it has moved or no longer opens, build the
    session from the library. Raises KeyError for an unknown id."""
    if library.source_of(session_id) is None:
        raise KeyError(session_id)
    if not prefer_source:
        return from_library(library, session_id)
    from replaylens.io.opening import open_library

    return open_library(library, session_id).session
