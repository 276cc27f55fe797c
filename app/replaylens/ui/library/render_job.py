"""The Library window's render stage (io/library/render_stage.py) in the background: after a drop / folder ingest,
or from Library ▸ Render page pictures, a strip in the status bar (``ui/progress.py``) says how many sessions are
done, how many pages were rendered and the time left, with a Cancel that stops the renderer at once (what is done
stays; the next run does the rest). Open comparison maps are redrawn when new pictures arrive."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from replaylens.ui.jobs import CancelToken, Progress, QtJob, QtJobRunner
from replaylens.ui.progress import JobProgress

if TYPE_CHECKING:
    from replaylens.ui.library.window import LibraryWindow


def _secs(s: float) -> str:
    s = int(round(s))
    return f"{s} s" if s < 90 else f"{s // 60} min {s % 60:02d} s"


def progress_text(p: Any) -> str:
    if not p.done and not p.rendered:
        return f"Page pictures: reading the recordings, {min(p.read, p.total):,} of {p.total:,}…"
    left = f" · about {_secs(p.eta_s)} left" if p.eta_s is not None and p.done < p.total else ""
    return (f"Page pictures: {p.done:,} of {p.total:,} sessions · {p.rendered:,} page"
            f"{'s' if p.rendered != 1 else ''} rendered{left}")


def summary_text(s: Any) -> str:
    if s.cancelled:
        return (f"Page pictures stopped: {s.done:,} of {s.sessions:,} sessions done (Library ▸ Render page "
                "pictures goes on from there)")
    notes = f"; {s.failed + s.partial:,} with notes (replaylens library info)" if s.failed + s.partial else ""
    return f"Page pictures ready: {s.done:,} sessions, {s.renders:,} pages rendered{notes}"


class RenderStageJob(QObject):
    """One run of the stage for the window's library. ``pictures_arrived`` fires (GUI thread) whenever pictures
    reached the catalogue; ``finished_all(summary or None)`` at the end, whatever the outcome."""

    pictures_arrived = Signal()
    finished_all = Signal(object)
    _news = Signal(object)  # a RenderProgress from the worker thread

    def __init__(self, window: LibraryWindow) -> None:
        super().__init__(window)
        self.window = window
        self.jobs = QtJobRunner(self, max_workers=1, name="replaylens-render")
        self.job: QtJob | None = None
        self.strip = JobProgress(window, "Page pictures: looking at the recordings…")
        self.strip.widget.setObjectName("render_progress")
        self.strip.label.setMinimumWidth(380)
        self.strip.cancel_requested.connect(self.cancel)
        self._news.connect(self._progress)
        self.result: Any = None

    def start(self) -> None:
        from replaylens.io.library.render_stage import render_library

        lib = self.window.library

        def work(token: CancelToken, _progress: Progress) -> Any:
            return render_library(lib, progress=self._post, cancel=token, workers=1)

        self.job = self.jobs.submit("render", work, discard=self._done)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(lambda: self._failed(None))

    def _post(self, p: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone
            self._news.emit(p)

    def _progress(self, p: Any) -> None:
        if p.total:
            self.strip.update((p.done + min(p.read, p.total)) / (2 * p.total), progress_text(p))
        if p.changed:
            self.pictures_arrived.emit()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.token.cancel()  # the stage stops its child processes and returns what it finished
        self.strip.close()

    @property
    def running(self) -> bool:
        return self.job is not None and self.job.running

    def wait(self, ms: int = 30_000) -> None:
        self.jobs.runner.wait(ms / 1000)
        self.jobs.shutdown(ms)

    def _release(self) -> None:
        """The worker thread is done: let it go (the next run makes its own)."""
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: self.jobs.shutdown(5_000))

    def _done(self, summary: Any) -> None:
        self.result = summary
        self._release()
        self.strip.close()
        if summary.sessions:
            self.window.statusBar().showMessage(summary_text(summary), 15_000)
        if summary.renders or summary.representative:
            self.pictures_arrived.emit()
        self.finished_all.emit(summary)

    def _failed(self, message: str | None) -> None:
        self._release()
        self.strip.close()
        if message:
            self.window.statusBar().showMessage(f"Page pictures could not be made: {message}", 15_000)
        self.finished_all.emit(None)


def refresh_maps(w: LibraryWindow) -> None:
    """Redraw the open comparison maps (they look their page picture up again)."""
    from replaylens.ui.compare.compare_view import CompareView

    for view in list(w.analysis_views):
        if isinstance(view, CompareView):
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                view.request()


def start(w: LibraryWindow, *, quiet: bool = True) -> RenderStageJob | None:
    """Run the stage for the window's library unless it is running, the library is read-only or has nothing to
    render (``quiet``: say nothing then)."""
    from replaylens.io.library.render_stage import pending_count

    job: RenderStageJob | None = getattr(w, "render_stage", None)
    if job is not None and job.running:
        return job
    if getattr(w.library, "read_only", False) or not pending_count(w.library):
        if not quiet:
            w.statusBar().showMessage("Every rrweb session of this library has its page pictures", 8000)
        return None
    job = RenderStageJob(w)
    w.render_stage = job
    job.pictures_arrived.connect(lambda: refresh_maps(w))
    job.finished_all.connect(lambda _s: setattr(w, "render_stage", None) if w.render_stage is job else None)
    job.start()
    return job


def stop(w: LibraryWindow) -> None:
    """Cancel a running stage and wait for it (before an ingest, and when the window shuts)."""
    job: RenderStageJob | None = getattr(w, "render_stage", None)
    if job is not None:
        job.cancel()
        job.wait()
        w.render_stage = None


def attach(w: LibraryWindow) -> None:
    """Library ▸ Render page pictures of rrweb sessions."""
    menu = w.menuBar().addMenu("&Library")
    menu.setObjectName("library_menu")
    act = QAction("Render page pictures of rrweb sessions", w)
    act.setObjectName("act_render_pictures")
    act.setToolTip("Screenshots and element boxes for the maps of rrweb/PostHog sessions (resumes where it stopped)")
    act.triggered.connect(lambda: start(w, quiet=False))
    menu.addAction(act)
