"""The job runner (``replaylens.jobs``) wrapped once for Qt: every outcome arrives on the GUI thread.

``QtJobRunner.submit(key, work)`` returns a ``QtJob`` whose signals fire on the GUI thread: ``progressed`` while
it runs, then exactly one of ``done(result)``, ``failed(message)`` or ``cancelled()``, then ``finished()`` on
every outcome (the place to close a progress strip). A newer submission with the same key cancels the older
job's token (the work stops at its next check) and the older job ends ``cancelled``; a result that still
arrives for it goes to ``discard`` (to close it), never to ``done``. ``LatestJob`` keeps the small
one-key interface the panels use.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable
from concurrent.futures import wait as wait_futures
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from replaylens.errors import ReplayLensError
from replaylens.jobs import CancelToken, Job, JobRunner, Progress, outcome

__all__ = ["CancelToken", "LatestJob", "Progress", "QtJob", "QtJobRunner", "describe", "describe_plain"]


def describe(exc: BaseException) -> str:
    """The failure as one line: what it was and what it said."""
    return f"{type(exc).__name__}: {exc}"


def describe_plain(exc: BaseException) -> str:
    """For jobs whose own errors speak plain words (opening, exports): those as they are, anything else as
    ``describe`` says it."""
    return str(exc) if isinstance(exc, ReplayLensError) else describe(exc)


class QtJob(QObject):
    """The GUI-thread face of one job."""

    progressed = Signal(float, str)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, key: Hashable, discard: Callable[[Any], None] | None, parent: QObject) -> None:
        super().__init__(parent)
        self.key = key
        self.discard = discard
        self.job: Job[Any] | None = None
        self.error: BaseException | None = None
        self.ended = False

    @property
    def token(self) -> CancelToken:
        assert self.job is not None
        return self.job.token

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    @property
    def running(self) -> bool:
        return not self.ended

    def wait(self, ms: int = 10_000) -> bool:
        """Wait for the work on its thread (the outcome arrives with the event loop); False on time-out."""
        if self.job is None:
            return True
        done, _pending = wait_futures([self.job.future], timeout=ms / 1000)
        return bool(done)


class QtJobRunner(QObject):
    """One pool of worker threads for a window; ``shutdown()`` (from ``closeEvent``) cancels and joins them."""

    _relay = Signal(object, str, object)  # (QtJob, what, payload), queued onto the GUI thread

    def __init__(self, parent: QObject | None = None, max_workers: int = 2, name: str = "replaylens-job",
                 describe: Callable[[BaseException], str] = describe) -> None:
        super().__init__(parent)
        self._pool_args = (max_workers, name)
        self.runner = JobRunner(max_workers=max_workers, name=name)
        self.describe = describe
        self._jobs: set[QtJob] = set()
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def submit(self, key: Hashable, work: Callable[[CancelToken, Progress], Any],
               discard: Callable[[Any], None] | None = None) -> QtJob:
        self._cancel_undelivered(key)
        qjob = QtJob(key, discard, self)
        self._jobs.add(qjob)

        qjob.job = self.runner.submit(key, work, progress=lambda f, m: self._post(qjob, "progress", (f, m)),
                                      on_finished=lambda _job: self._post(qjob, "end", None))
        return qjob

    def _post(self, qjob: QtJob, what: str, payload: Any) -> None:
        """From a worker thread: hand the news to the GUI thread (dropped if the window is already gone)."""
        with contextlib.suppress(RuntimeError):  # the runner's Qt object went with its window: nobody listens
            self._relay.emit(qjob, what, payload)

    def _deliver(self, qjob: QtJob, what: str, payload: Any) -> None:
        if qjob.ended or qjob.job is None:
            return
        if what == "progress":
            if not qjob.job.token.cancelled:
                qjob.progressed.emit(*payload)
            return
        qjob.ended = True
        self._jobs.discard(qjob)
        kind, value = outcome(qjob.job)
        if kind == "done":
            qjob.done.emit(value)
        elif kind == "failed":
            qjob.error = value
            qjob.failed.emit(self.describe(value))
        else:
            if value is not None and qjob.discard is not None:
                qjob.discard(value)
            qjob.cancelled.emit()
        qjob.finished.emit()
        qjob.deleteLater()

    def _cancel_undelivered(self, key: Hashable) -> None:
        """Cancel the older jobs of ``key`` whose outcome has not reached the GUI thread yet, finished ones too:
        the worker's runner forgets a job as it finishes, but its result is still on its way here and must end
        ``cancelled`` (to ``discard``), never ``done``, once a newer request or a cancel came after it."""
        for older in [j.job for j in self._jobs if j.key == key]:
            if older is not None:
                older.token.cancel()

    def cancel(self, key: Hashable) -> None:
        self._cancel_undelivered(key)
        self.runner.cancel(key)

    def cancel_all(self) -> None:
        for j in list(self._jobs):
            if j.job is not None:
                j.job.token.cancel()
        self.runner.cancel_all()

    def running(self, key: Hashable | None = None) -> bool:
        """A job (of ``key``, or any) has not delivered its outcome yet."""
        return any(key is None or j.key == key for j in self._jobs)

    def wait(self, ms: int = 10_000) -> bool:
        """Wait for the worker threads (not for the outcomes, which arrive with the event loop)."""
        return self.runner.wait(ms / 1000)

    def shutdown(self, ms: int = 10_000) -> bool:
        """Cancel every job and join the worker threads; a later ``submit`` starts a fresh pool (its threads
        start only when work arrives), so a reopened view still works."""
        old = self.runner
        old.cancel_all()
        ok = old.wait(ms / 1000)
        old.shutdown(wait=ok)
        self.runner = JobRunner(*self._pool_args)
        return ok


class LatestJob(QObject):
    """``submit(fn)`` runs ``fn()`` (``run(work)``: ``work(token, progress)``, which checks the token) off the
    GUI thread; ``result`` fires only for the newest submission that was not cancelled."""

    result = Signal(object)
    error = Signal(str)

    def __init__(self, parent: QObject | None = None, runner: QtJobRunner | None = None) -> None:
        super().__init__(parent)
        self._runner = runner if runner is not None else QtJobRunner(self, max_workers=1)
        self._key = ("latest", id(self))
        self.current: QtJob | None = None

    def submit(self, fn: Callable[[], Any]) -> QtJob:
        return self.run(lambda _token, _progress: fn())

    def run(self, work: Callable[[CancelToken, Progress], Any]) -> QtJob:
        job = self._runner.submit(self._key, work)
        job.done.connect(self.result)
        job.failed.connect(self.error)
        self.current = job
        return job

    def cancel(self) -> None:
        self._runner.cancel(self._key)

    @property
    def busy(self) -> bool:
        return self._runner.running(self._key)

    def wait(self, ms: int = 10_000) -> None:
        self._runner.wait(ms)

    def shutdown(self, ms: int = 10_000) -> None:
        """Cancel and join the worker threads (the owner is closing)."""
        self._runner.shutdown(ms)
