"""The opener (``io.opening``) wrapped once for the viewer: every open — a file, a library session, the page
pictures of a recording arriving — runs off the UI thread with a progress strip and Cancel, the latest request
wins, and a recording that still needs its page pictures has them rendered in the background (``RenderJob``) and
swapped in at the same playback time. The main window and the library window both open through it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QMessageBox

from replaylens.core.replay import ReplayIndex
from replaylens.io import opening
from replaylens.io.opening import Opened
from replaylens.model.session import Session
from replaylens.ui.jobs import CancelToken, Progress, QtJob, QtJobRunner, describe_plain
from replaylens.ui.progress import JobProgress
from replaylens.ui.render_job import RenderJob
from replaylens.ui.state import ViewerState, setting_int

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: the viewer's call that shows a session: set_session(session, index, keep_time=...)
ShowSession = Callable[..., None]
Work = Callable[[Progress], Opened]


class SessionLoader(QObject):
    """``open_file(path)`` / ``open_library(library, id)`` start a job; a newer open cancels the older one (its
    work stops, its result is closed)."""

    progress = Signal(float, str)
    loaded = Signal(object, object)  # (file path, Opened), once a file's session shows
    failed = Signal(object, str)  # (path, message)

    KEY = "open-session"

    def __init__(self, window: QMainWindow, state: ViewerState, show: ShowSession,
                 runner: QtJobRunner | None = None) -> None:
        super().__init__(window)
        self.window, self.state, self._show = window, state, show
        self._runner = runner if runner is not None else QtJobRunner(self, max_workers=2, name="replaylens-open",
                                                                      describe=describe_plain)
        self._current: QtJob | None = None
        self._open_progress: JobProgress | None = None  # the surface of the open in flight (one owner per job)
        self._render_progress: JobProgress | None = None
        self.render_job = RenderJob(self)
        self.render_job.finished.connect(self._pictures_ready)
        self.render_job.first_ready.connect(self._pictures_ready)
        self.render_job.failed.connect(self._render_failed)

    @property
    def busy(self) -> bool:
        return self._runner.running(self.KEY)

    def _inactivity(self) -> int:
        return setting_int(self.state.settings, "inactivity_ms", 10_000)

    # -- requests ---------------------------------------------------------------------------------------------
    def open_file(self, path: str | Path) -> QtJob:
        """Open a session file (the render of another recording's pictures stops)."""
        path = Path(path)
        self._stop_render()
        self.state.settings.setValue("last_dir", str(path.parent))
        self.state.message.emit(f"Opening {path.name}…", 0)
        inactivity = self._inactivity()
        return self._start(path, path.name, lambda p: opening.open_file(path, inactivity_ms=inactivity, progress=p),
                           file=True)

    def open_library(self, library: LibraryStore, session_id: str, keep_time: float | None = None) -> QtJob:
        """Open a library session, at ``keep_time`` (ms from its start) when given."""
        inactivity = self._inactivity()
        self._stop_render()
        self.state.message.emit("Opening the session from the library…", 0)
        return self._start(library.root / session_id, f"session {session_id}",
                           lambda p: opening.open_library(library, session_id, inactivity_ms=inactivity, progress=p),
                           keep_time=keep_time)

    def _stop_render(self) -> None:
        self.render_job.cancel()
        self._close_render_progress()

    def _pictures_ready(self, src: Path, bundle: Path) -> None:
        """The page pictures of the open recording arrived (the first ones, or all): show them, keeping the time."""
        session = self.state.session
        if not self.render_job.running:  # all of them: the render's surface goes
            self._close_render_progress()
        if session is None or session.path != src:
            return
        sha, inactivity = session.content_sha256, self._inactivity()
        self._start(src, src.name, lambda p: opening.open_converted(src, bundle, sha256=sha, inactivity_ms=inactivity,
                                                                    progress=p),
                    keep_time=self.state.clock.time_ms, file=True, same_source=True)

    def _start(self, source: Path, name: str, work: Work, *, keep_time: float | None = None, file: bool = False,
               same_source: bool = False) -> QtJob:
        self.cancel()  # superseded: the older job's surface goes now, whatever its thread still does
        prog = JobProgress(self.window, f"Opening {name}…")
        prog.setObjectName("open_progress")
        prog.cancel_requested.connect(self._cancel_open)
        self._open_progress = prog

        def run(token: CancelToken, progress: Progress) -> Opened:
            opened = work(progress)
            try:
                token.raise_if_cancelled()
            except BaseException:
                opened.close()
                raise
            return opened

        job = self._runner.submit(self.KEY, run, discard=Opened.close)
        job.progressed.connect(self._progress)
        job.done.connect(lambda o: self._opened(o, keep_time, file, same_source))
        job.failed.connect(lambda msg, p=source: self._failed(p, msg))
        job.finished.connect(prog.close)  # the surface cannot outlive its job, whatever the outcome
        self._current = job
        return job

    # -- outcomes ---------------------------------------------------------------------------------------------
    def _opened(self, opened: Opened, keep_time: float | None, file: bool, same_source: bool) -> None:
        self._close_progress()
        now = self.state.session
        if same_source and (now is None or now.path != opened.source):
            keep_time = None  # another session came in between: start at 0
        self.show(opened.source, opened.session, opened.index, opened.render_to, keep_time)
        if file:
            self.loaded.emit(opened.source, opened)

    def show(self, path: Path, session: Session, index: ReplayIndex, render_to: Path | None,
             keep_time: float | None = None) -> None:
        """Show an opened session; when its page pictures are still to come, render them into ``render_to``."""
        self._show(session, index, keep_time=keep_time)
        if render_to is None or self.render_job.matches(path, render_to):  # (early bundle: the job goes on)
            return
        self._close_render_progress()
        self.render_job.start(path, render_to)
        prog = JobProgress(self.window, "Rendering page screenshots…")
        prog.setObjectName("render_progress")
        prog.set_busy()
        prog.cancel_requested.connect(self._cancel_render)
        self._render_progress = prog
        self.state.message.emit(f"{path.name}: rendering page screenshots in the background "
                                "(pages show as placeholders until then)…", 0)

    def _failed(self, path: Path, message: str) -> None:
        self._close_progress()
        self.state.message.emit(f"Could not open {path.name}", 8000)
        box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open session", message, QMessageBox.StandardButton.Ok,
                          self.window)
        box.setObjectName("open_error")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText("The session that was open stays open." if self.state.session else "")
        box.open()
        self.failed.emit(path, message)

    def _render_failed(self, src: Path, message: str) -> None:
        self._close_render_progress()
        self.state.message.emit(f"{src.name}: page screenshots could not be rendered: {message}", 15_000)

    def _progress(self, fraction: float, message: str) -> None:
        if self._open_progress is not None:
            self._open_progress.update(fraction, message)
        self.progress.emit(fraction, message)

    # -- cancel and close -------------------------------------------------------------------------------------
    def _cancel_open(self) -> None:
        self.cancel()
        self.state.message.emit("Opening cancelled", 4000)

    def _cancel_render(self) -> None:
        self.render_job.cancel()
        self._close_render_progress()
        self.state.message.emit("Rendering page screenshots cancelled: pages stay placeholders", 6000)

    def _close_progress(self) -> None:
        prog, self._open_progress = self._open_progress, None
        if prog is not None:
            prog.close()

    def _close_render_progress(self) -> None:
        prog, self._render_progress = self._render_progress, None
        if prog is not None:
            prog.close()

    def cancel(self) -> None:
        """Cancel the open in flight (its surface goes at once)."""
        self._runner.cancel(self.KEY)
        self._current = None
        self._close_progress()

    def wait(self, ms: int = 5000) -> bool:
        """Wait for every open, the dropped ones included; False if one is still running after ``ms``."""
        return self._runner.wait(ms)

    def shutdown(self, ms: int = 5000) -> bool:
        """Cancel the open and the render in flight and join the worker threads (the window is closing)."""
        self.cancel()
        self._stop_render()
        return self._runner.shutdown(ms)
