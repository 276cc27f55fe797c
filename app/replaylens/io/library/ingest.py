"""Ingest: session files -> library. A pool of worker processes opens and summarises files (``prepare``); this
process is the one writer, committing batches to the catalogue.

Crash safety (a kill -9 at any moment): the writer writes a batch's Parquet file and screenshots under temp names,
renames them into place, and only then commits the catalogue rows in one transaction. A session is therefore
wholly in (its row names a complete file) or absent (its file, if any, is an orphan no read looks at, deleted by
``cleanup_orphans`` at the next ingest).

Incremental: a file whose path, size and mtime match an earlier ingest is skipped unread; otherwise a worker reads
it and the writer skips it when its session id and content digest are already in. A bad file is reported in
``IngestResult.failed`` with its reason and never stops the import. Cancel: ``CancelToken.cancel()`` (checked
between files); what was finished is committed, the rest is left out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class CancelToken:
    """Thread-safe cancel flag; the ingest checks it between files."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class IngestProgress:
    """A progress report: files ``done`` of ``total`` (added + skipped + failed), events so far, time spent and
    the estimated time left (None until a rate is known), and the file just finished."""

    total: int
    done: int
    added: int
    skipped: int
    failed: int
    events: int
    elapsed_s: float
    eta_s: float | None
    current: str = ""


@dataclass
class IngestResult:
    """``to_json()`` is the ``library add --json`` shape: ``{"added", "skipped", "failed": [{"file", "reason"}]}``."""

    added: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    events: int = 0
    elapsed_s: float = 0.0
    cancelled: bool = False
    added_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"added": self.added, "skipped": self.skipped,
                "failed": [{"file": f, "reason": r} for f, r in self.failed]}


#: File names a folder walk picks up (explicitly named files are always tried).
SESSION_SUFFIXES: tuple[str, ...] = (".rlsession", ".json", ".json.gz", ".jsonl", ".ndjson", ".gz")


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files and folders (recursively, hidden entries skipped, sorted) into session files; returns
    (files, missing-or-unreadable paths with their reason)."""
    raise NotImplementedError


def ingest(library: object, paths: Sequence[str | Path], *, attributes_file: str | Path | None = None,
           progress: Callable[[IngestProgress], None] | None = None, cancel: CancelToken | None = None,
           workers: int = 2, batch_size: int = 64) -> IngestResult:
    """Add session files (bundles, rrweb recordings; folders recursively) to ``library`` (a ``LibraryStore``).

    ``workers`` processes read and summarise files (0: in this process, for tests and tiny imports);
    ``progress`` is called from this thread after every file; ``cancel`` stops between files. An
    ``attributes_file`` (CSV or JSON, see ``io.library.attributes``) is applied to the new sessions and to
    matching sessions already in the library.
    """
    raise NotImplementedError
