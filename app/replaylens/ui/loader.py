"""Open sessions off the UI thread, with progress and cancel; the latest request wins."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from replaylens.core.replay import ReplayIndex
from replaylens.errors import BadInputError, CancelledError
from replaylens.model.replay import replay_index
from replaylens.model.session import Session
from replaylens.ui.jobs import CancelToken, Progress, QtJob, QtJobRunner, describe_plain

Loaded = tuple[Session, ReplayIndex, Path | None]  # (session, its replay index, bundle to render into or None)


def _load(path: Path, inactivity_ms: int, token: CancelToken, progress: Progress) -> Loaded:
    """The work of one open (on a worker thread); ``progress`` raises once the token is cancelled."""
    from replaylens.io.registry import open_session

    try:
        progress(0.05, f"Reading {path.name}…")
        session = open_session(path, progress=progress)
        render_to = None
        if session.manifest.source.get("format") == "rrweb":
            session, render_to = _converted(path, session, progress)
        from replaylens.model.annotations import file_sha256

        try:
            progress(0.85, "Indexing…")
            session.content_sha256 = file_sha256(path)
            index = replay_index(session, inactivity_ms)
            token.raise_if_cancelled()
        except BaseException:
            session.close()
            raise
        return session, index, render_to
    except (CancelledError, BadInputError):
        raise
    except MemoryError:
        raise BadInputError(path, "not enough memory to open this file") from None
    except Exception as exc:  # a bug, not bad input: still one clear message, the app keeps running
        raise BadInputError(path, f"could not be opened ({type(exc).__name__}: {exc})") from exc


def _converted(path: Path, session: Session, progress: Progress) -> tuple[Session, Path | None]:
    """An rrweb recording: use its converted copy (with screenshots) when the cache has it; else say where to
    render one."""
    from replaylens.io.cache import cached_bundle_path, first_bundle_path
    from replaylens.io.registry import open_session

    cached = cached_bundle_path(path)
    first = first_bundle_path(cached)
    use = cached if cached.is_file() else first if first.is_file() else None
    if use is None:
        return session, cached
    try:
        conv = open_session(use, progress=progress)
    except BadInputError:  # a damaged cache entry: render it again
        return session, cached
    session.close()
    conv.path = path  # the user opened the recording; the screenshots come from the cached copy
    conv.report.note(f"page screenshots from the converted copy {use}")
    return conv, (None if use == cached else cached)  # early bundle: the DOM keyframes are still coming


class SessionLoader(QObject):
    """``load(path)`` starts a job; a newer load cancels the older one (its work stops, its result is closed)."""

    progress = Signal(float, str)
    loaded = Signal(object, object, object, object)  # (path, Session, ReplayIndex, render target or None)
    failed = Signal(object, str)  # (path, message)

    KEY = "open-session"

    def __init__(self, parent: QObject | None = None, runner: QtJobRunner | None = None) -> None:
        super().__init__(parent)
        self._runner = runner if runner is not None else QtJobRunner(self, max_workers=2, name="replaylens-open",
                                                                      describe=describe_plain)
        self._current: QtJob | None = None

    @property
    def busy(self) -> bool:
        return self._runner.running(self.KEY)

    def load(self, path: Path, inactivity_ms: int = 10_000) -> QtJob:
        """Start opening ``path``; returns the job (its ``finished`` fires on every outcome)."""
        self.cancel()
        path = Path(path)
        job = self._runner.submit(self.KEY, lambda token, progress: _load(path, inactivity_ms, token, progress),
                                  discard=_close_loaded)
        job.progressed.connect(self.progress)
        job.done.connect(lambda r, p=path: self.loaded.emit(p, *r))
        job.failed.connect(lambda msg, p=path: self.failed.emit(p, msg))
        self._current = job
        return job

    def cancel(self) -> None:
        self._runner.cancel(self.KEY)
        self._current = None

    def wait(self, ms: int = 5000) -> bool:
        """Wait for every open, the dropped ones included; False if one is still running after ``ms``."""
        return self._runner.wait(ms)

    def shutdown(self, ms: int = 5000) -> bool:
        """Cancel the open in flight and join the worker threads (the window is closing)."""
        self._current = None
        return self._runner.shutdown(ms)


def _close_loaded(result: Loaded) -> None:
    result[0].close()
