"""The one opener: a session file or a library session -> the session, its replay index and what its page
pictures still need. Qt-free, for a worker thread; the viewer wraps it once (``ui.loader``), the CLI can call it.

Opening a recording that converts (rrweb) goes one way: hash the file once, look in the conversion cache
(``io.cache``) and open the converted copy when it is there — the recording is then never parsed — else parse the
recording and say where its page pictures are to be rendered (``Opened.render_to``). When they arrive
(the early bundle with the first screenshots, then the full one), ``open_converted`` swaps them in without parsing
or hashing again. A library session opens from its source file when that is unchanged (the library's stored
digest stands in for the hash), else from the library's own events and pictures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from replaylens.core.replay import ReplayIndex
from replaylens.errors import BadInputError, CancelledError
from replaylens.io import cache, registry
from replaylens.model.replay import DEFAULT_INACTIVITY_MS, replay_index
from replaylens.model.session import Session

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

Progress = registry.Progress


@dataclass
class Opened:
    """One open's result. ``render_to``: the cache entry the page pictures are to be rendered into (None: the
    session has its pictures, or is not a recording that converts). ``sha256``: the source file's digest."""

    session: Session
    index: ReplayIndex
    source: Path
    render_to: Path | None = None
    sha256: str | None = None

    def close(self) -> None:
        self.session.close()


def open_file(path: str | Path, *, inactivity_ms: int = DEFAULT_INACTIVITY_MS, progress: Progress | None = None,
              sha256: str | None = None) -> Opened:
    """Open a session file (``sha256``: its digest when the caller knows it, e.g. from a library). ``progress``
    may raise CancelledError. Raises BadInputError with one message naming the file and the problem."""
    path = Path(path)
    return _guarded(path, lambda: _open_file(path, inactivity_ms, progress, sha256))


def open_converted(source: str | Path, bundle: str | Path, *, sha256: str | None,
                   inactivity_ms: int = DEFAULT_INACTIVITY_MS, progress: Progress | None = None) -> Opened:
    """The page pictures of ``source`` arrived in ``bundle`` (the early or the full converted copy): open it as
    the recording the user opened, without parsing or hashing the recording again."""
    source, bundle = Path(source), Path(bundle)

    def work() -> Opened:
        full = cache.cached_bundle_path(source, sha256)
        return _finish(_converted(source, bundle, progress), source, sha256, inactivity_ms, progress,
                       render_to=None if bundle == full else full)

    return _guarded(source, work)


def open_library(library: LibraryStore, session_id: str, *, inactivity_ms: int = DEFAULT_INACTIVITY_MS,
                 progress: Progress | None = None) -> Opened:
    """A library session: its source file when still there unchanged (through the cache like any file, with the
    library's digest, so nothing is hashed), else built from the library. Raises KeyError for an unknown id."""
    from replaylens.io.library.open import from_library, source_path

    src = library.source_of(session_id)
    if src is None:
        raise KeyError(session_id)
    path = source_path(library, session_id)
    if path is not None:
        try:
            return open_file(path, inactivity_ms=inactivity_ms, progress=progress, sha256=src.sha256 or None)
        except BadInputError:  # moved in between, or no longer opens: the library's own copy
            pass
    root = library.root / f"{session_id}.library"
    return _guarded(root, lambda: _finish(from_library(library, session_id), root, src.sha256 or None,
                                          inactivity_ms, progress))


# -- the steps --------------------------------------------------------------------------------------------------
def _open_file(path: Path, inactivity_ms: int, progress: Progress | None, sha256: str | None) -> Opened:
    _say(progress, 0.05, f"Reading {path.name}…")
    reader = registry.reader_for(path)
    if reader is None or not reader.converts:  # a bundle (or nothing we read: open_session says what is wrong)
        session = registry.open_session(path, progress=progress)
        try:
            sha = sha256 if sha256 is not None else cache.source_sha256(path)
        except BaseException:
            session.close()
            raise
        return _finish(session, path, sha, inactivity_ms, progress)
    sha = sha256 if sha256 is not None else cache.source_sha256(path)
    full = cache.cached_bundle_path(path, sha)
    for use in (full, cache.first_bundle_path(full)):
        if cache.valid_bundle(use):
            try:
                session = _converted(path, use, progress)
            except BadInputError:  # a damaged cache entry: parse the recording and render it again
                break
            return _finish(session, path, sha, inactivity_ms, progress, render_to=None if use == full else full)
    session = registry.open_session(path, progress=progress)
    return _finish(session, path, sha, inactivity_ms, progress, render_to=full)


def _converted(source: Path, bundle: Path, progress: Progress | None) -> Session:
    session = registry.open_session(bundle, progress=progress)
    session.path = source  # the user opened the recording; the pictures come from the converted copy
    session.report.note(f"page screenshots from the converted copy {bundle}")
    return session


def _finish(session: Session, source: Path, sha256: str | None, inactivity_ms: int, progress: Progress | None,
            render_to: Path | None = None) -> Opened:
    try:
        session.content_sha256 = sha256
        _say(progress, 0.85, "Indexing…")
        index = replay_index(session, inactivity_ms)
        _say(progress, 1.0, "Opened")
    except BaseException:
        session.close()
        raise
    return Opened(session, index, source, render_to, sha256)


def _say(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)  # may raise CancelledError


def _guarded(path: Path, work: Callable[[], Opened]) -> Opened:
    """One clear message for every failure: bad input as it is, a bug as "could not be opened (...)"."""
    try:
        return work()
    except (CancelledError, BadInputError):
        raise
    except MemoryError:
        raise BadInputError(path, "not enough memory to open this file") from None
    except Exception as exc:  # a bug, not bad input: still one clear message, the app keeps running
        raise BadInputError(path, f"could not be opened ({type(exc).__name__}: {exc})") from exc

