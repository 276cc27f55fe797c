"""Open sessions off the UI thread, with progress and cancel; the latest request wins."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from replaylens.errors import BadInputError, CancelledError
from replaylens.model.replay import replay_index
from replaylens.model.session import Session


class _Worker(QThread):
    progress = Signal(float, str)
    loaded = Signal(object, object, object)  # (Session, ReplayIndex, bundle to render into or None)
    failed = Signal(str)

    def __init__(self, path: Path, inactivity_ms: int) -> None:
        super().__init__()
        self.path = path
        self.inactivity_ms = inactivity_ms
        self.cancel = threading.Event()

    def _progress(self, fraction: float, message: str) -> None:
        if self.cancel.is_set():
            raise CancelledError()
        self.progress.emit(float(fraction), message)

    def _converted(self, session: Session) -> tuple[Session, Path | None]:
        """An rrweb recording: use its converted copy (with screenshots) when the cache has it; else say where to
        render one."""
        from replaylens.io.cache import cached_bundle_path
        from replaylens.io.registry import open_session

        cached = cached_bundle_path(self.path)
        if not cached.is_file():
            return session, cached
        try:
            conv = open_session(cached, progress=self._progress)
        except BadInputError:  # a damaged cache entry: render it again
            return session, cached
        session.close()
        conv.path = self.path  # the user opened the recording; the screenshots come from the cached copy
        conv.report.note(f"page screenshots from the converted copy {cached}")
        return conv, None

    def run(self) -> None:
        from replaylens.io.registry import open_session

        try:
            self._progress(0.05, f"Reading {self.path.name}…")
            session = open_session(self.path, progress=self._progress)
            render_to = None
            if session.manifest.source.get("format") == "rrweb":
                session, render_to = self._converted(session)
            from replaylens.model.annotations import file_sha256

            self._progress(0.85, "Indexing…")
            session.content_sha256 = file_sha256(self.path)
            index = replay_index(session, self.inactivity_ms)
            if self.cancel.is_set():
                session.close()
                return
            self.loaded.emit(session, index, render_to)
        except CancelledError:
            return
        except BadInputError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit(f"{self.path.name}: not enough memory to open this file")
        except Exception as exc:  # a bug, not bad input: still one clear message, the app keeps running
            self.failed.emit(f"{self.path.name}: could not be opened ({type(exc).__name__}: {exc})")


class SessionLoader(QObject):
    """``load(path)`` starts a worker; a newer load cancels the older one (its result is dropped)."""

    progress = Signal(float, str)
    loaded = Signal(object, object, object, object)  # (path, Session, ReplayIndex, render target or None)
    failed = Signal(object, str)  # (path, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: _Worker | None = None
        self._old: list[_Worker] = []

    @property
    def busy(self) -> bool:
        return self._current is not None and self._current.isRunning()

    def load(self, path: Path, inactivity_ms: int = 10_000) -> QThread:
        """Start opening ``path``; returns the job's thread (its ``finished`` fires on every outcome)."""
        self.cancel()
        w = _Worker(Path(path), inactivity_ms)
        w.progress.connect(lambda f, m, w=w: self._current is w and self.progress.emit(f, m))
        w.loaded.connect(lambda s, i, r, w=w: self._done(w, s, i, r))
        w.failed.connect(lambda msg, w=w: self._current is w and self.failed.emit(w.path, msg))
        w.finished.connect(lambda w=w: self._reap(w))
        self._current = w
        w.start()
        return w

    def cancel(self) -> None:
        if self._current is not None:
            self._current.cancel.set()
            self._old.append(self._current)
            self._current = None

    def _done(self, w: _Worker, session: object, index: object, render_to: object) -> None:
        if self._current is w:
            self.loaded.emit(w.path, session, index, render_to)
        else:
            session.close()  # type: ignore[attr-defined]

    def _reap(self, w: _Worker) -> None:
        if self._current is w:
            self._current = None
        if w in self._old:
            self._old.remove(w)

    def wait(self, ms: int = 5000) -> bool:
        """Wait for every worker, the dropped ones included; False if one is still running after ``ms`` each."""
        return all([w.wait(ms) for w in [*self._old, *([self._current] if self._current else [])]])
