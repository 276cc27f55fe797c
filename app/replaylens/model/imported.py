"""What a reader hands over: an imported session (manifest, events, import report, screenshots), not a store.

Readers parse and check a file; a sink builds what the data is for: ``store.session.open_imported`` the one-session
store and ``Session`` the viewer reads, the library ingest its catalogue record from that.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from replaylens.model.manifest import Manifest
from replaylens.model.report import ImportReport

#: Fetches the encoded bytes (PNG/JPEG/WebP) of a page screenshot by its member name; None if absent.
ImageLoader = Callable[[str], bytes | None]


@dataclass(frozen=True)
class EventsFile:
    """An events table extracted to a temporary file (``parquet`` or ``ndjson``), checked, not yet decoded: the
    store decodes and types it in one pass, straight from the file."""

    path: Path
    fmt: str
    #: checks a Parquet footer (rows, decoded bytes, deepest nesting) and the stored size against the reader's
    #: limits before anything decodes the table; raises the reader's typed error
    check_footer: Callable[[tuple[int, int, int], int], None] | None = field(default=None, compare=False)


@dataclass
class ImportedSession:
    """One session as read from a file: the events as an Arrow table (or a checked events file), unrepaired."""

    path: Path
    manifest: Manifest
    events: pa.Table | EventsFile
    report: ImportReport
    load_image: ImageLoader = field(repr=False, default=lambda name: None)
    #: temporary folders holding ``events`` (removed by ``discard`` once a sink has read them)
    temp_dirs: list[Path] = field(default_factory=list, repr=False)

    def discard(self) -> None:
        """Remove the temporary files; the events are gone afterwards (a sink calls this when done)."""
        for d in self.temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.temp_dirs = []
