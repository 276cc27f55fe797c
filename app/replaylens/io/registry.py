"""Which reader opens a file: each registers a content sniff and a priority (the glue pattern).

A reader hands over an ``ImportedSession`` (``import_file``); ``open_session`` is the one entry point the CLI and
the UI use: the imported session loaded by the store's sink (``store.session.open_imported``) into the ``Session``
the viewer reads. Files are recognised by their content, not their name, so a renamed export still opens; the
message for an unknown file names what was found.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from replaylens.errors import BadInputError
from replaylens.io import bundle
from replaylens.io.regular import open_regular
from replaylens.model.imported import ImportedSession
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import open_imported

#: progress(fraction 0..1, message) -> None; raise errors.CancelledError inside to cancel.
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Reader:
    name: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[Path, ImportReport, Progress | None], ImportedSession]
    priority: int = 0
    #: its recordings are converted to bundles with page pictures (``io.cache``); the opener looks there first
    converts: bool = False


_READERS: list[Reader] = []


def register(reader: Reader) -> None:
    _READERS.append(reader)
    _READERS.sort(key=lambda r: -r.priority)


def readers() -> list[Reader]:
    _load_builtin()
    return list(_READERS)


_BUILTIN_LOADED = False


def _load_builtin() -> None:
    global _BUILTIN_LOADED
    if _BUILTIN_LOADED:
        return
    _BUILTIN_LOADED = True
    register(Reader("Replay Lens bundle", bundle.is_bundle,
                    lambda p, rep, prog: bundle.import_bundle(p, rep), priority=100))
    with contextlib.suppress(ImportError):  # the rrweb importer registers itself when present
        importlib.import_module("replaylens.io.rrweb")


def sniff_head(path: Path, n: int = 4096) -> bytes:
    try:
        with open_regular(path) as fh:  # never a device, a FIFO or a folder
            return fh.read(n)
    except OSError as exc:
        raise BadInputError(path, f"the file cannot be read ({exc.strerror})") from None


def open_session(path: str | Path, progress: Progress | None = None) -> Session:
    """Open any supported session file. Raises BadInputError with one message naming the file and the problem."""
    session = open_imported(import_file(path, progress))
    if progress is not None:
        try:
            progress(1.0, "done")  # may raise CancelledError
        except BaseException:
            session.close()
            raise
    return session


def reader_for(path: str | Path) -> Reader | None:
    """The reader whose sniff accepts the file's first bytes, or None (then ``import_file`` says what is wrong)."""
    path = Path(path)
    head = sniff_head(path)
    return next((r for r in readers() if head and r.sniff(path, head)), None)


def import_file(path: str | Path, progress: Progress | None = None) -> ImportedSession:
    """Read any supported session file with the reader its content names (events not yet in a store)."""
    path = Path(path)
    head = sniff_head(path)
    if not head:
        raise BadInputError(path, "the file is empty")
    report = ImportReport(source=str(path))
    for reader in readers():
        if reader.sniff(path, head):
            return reader.read(path, report, progress)
    kinds = ", ".join(r.name for r in readers())
    raise BadInputError(path, f"not a session file Replay Lens can open (looked for: {kinds})")
