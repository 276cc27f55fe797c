"""Background jobs without Qt: a thread pool, a cancel token the work checks, progress, latest request wins.

``JobRunner.submit(key, work)`` runs ``work(token, progress)`` on a pool thread and returns a ``Job`` (its
``future`` holds the result or the exception). A newer submission with the same key cancels the older job's
token, so the older work stops at its next ``token.raise_if_cancelled()`` and its result is never reported as
the latest. The token is a ``threading.Event`` (exporters that take an event accept it as is). ``shutdown``
cancels everything and joins the pool threads, so no thread outlives its owner. The Qt wrapper
(``replaylens.ui.jobs``) delivers the outcomes on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError as FutureCancelled
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from replaylens.errors import CancelledError

T = TypeVar("T")
Progress = Callable[[float, str], None]
Work = Callable[["CancelToken", Progress], T]


class CancelToken(threading.Event):
    """Set once, by whoever cancels; the work asks ``cancelled`` or calls ``raise_if_cancelled()``."""

    def cancel(self) -> None:
        self.set()

    @property
    def cancelled(self) -> bool:
        return self.is_set()

    def raise_if_cancelled(self) -> None:
        if self.is_set():
            raise CancelledError("cancelled")


@dataclass(eq=False)
class Job(Generic[T]):
    """One submission: its key, its token and the future of its result."""

    key: Hashable
    token: CancelToken
    future: Future[T] = field(repr=False)

    def cancel(self) -> None:
        self.token.cancel()
        self.future.cancel()  # not started yet: it never runs

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled or self.future.cancelled()

    def done(self) -> bool:
        return self.future.done()

    def result(self, timeout: float | None = None) -> T:
        return self.future.result(timeout)


def outcome(job: Job[Any]) -> tuple[str, Any]:
    """``("done", result)``, ``("cancelled", result or None)`` or ``("failed", exception)`` of a finished job; a
    result that arrives after the token was cancelled counts as cancelled (the caller may need to close it)."""
    try:
        result = job.future.result(timeout=0)
    except (CancelledError, FutureCancelled):
        return "cancelled", None
    except BaseException as exc:  # handed to the caller, who decides how to report it
        return ("cancelled", None) if job.token.cancelled else ("failed", exc)
    return ("cancelled", result) if job.token.cancelled else ("done", result)


class JobRunner:
    """A small pool of worker threads; one latest job per key."""

    def __init__(self, max_workers: int = 2, name: str = "replaylens-job") -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._lock = threading.RLock()  # a cancel inside the lock runs done-callbacks that take it
        self._latest: dict[Hashable, Job[Any]] = {}
        self._all: set[Job[Any]] = set()
        self._closed = False

    def submit(self, key: Hashable, work: Work[T], progress: Progress | None = None,
               on_finished: Callable[[Job[T]], None] | None = None) -> Job[T]:
        """Run ``work(token, progress)``; cancels the job that was latest for ``key``. ``progress`` is called on
        the worker thread, and only while the job is not cancelled; ``on_finished(job)`` runs once it ended (on
        the worker thread, or at once if it was cancelled before it started)."""
        token = CancelToken()

        def report(fraction: float, message: str = "") -> None:
            token.raise_if_cancelled()
            if progress is not None:
                progress(float(fraction), message)

        def run() -> T:
            token.raise_if_cancelled()
            return work(token, report)

        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner was shut down")
            older = self._latest.get(key)
            if older is not None:
                older.cancel()
            job: Job[T] = Job(key, token, self._pool.submit(run))
            self._latest[key] = job
            self._all.add(job)
        job.future.add_done_callback(lambda _f: self._finished(job, on_finished))
        return job

    def _finished(self, job: Job[T], on_finished: Callable[[Job[T]], None] | None) -> None:
        with self._lock:
            self._all.discard(job)
            if self._latest.get(job.key) is job:
                del self._latest[job.key]
        if on_finished is not None:
            on_finished(job)

    def latest(self, key: Hashable) -> Job[Any] | None:
        with self._lock:
            return self._latest.get(key)

    def is_latest(self, job: Job[Any]) -> bool:
        with self._lock:
            return self._latest.get(job.key) is job or (job.key not in self._latest and not job.cancelled)

    def cancel(self, key: Hashable) -> None:
        with self._lock:
            job = self._latest.pop(key, None)
        if job is not None:
            job.cancel()

    def cancel_all(self) -> None:
        with self._lock:
            jobs = list(self._all)
            self._latest.clear()
        for job in jobs:
            job.cancel()

    def running(self, key: Hashable | None = None) -> bool:
        """A job (of ``key``, or any) has not finished yet."""
        with self._lock:
            return any(not j.done() for j in self._all if key is None or j.key == key)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every job submitted so far; False if one is still running after ``timeout`` seconds."""
        with self._lock:
            futures = [j.future for j in self._all]
        _done, pending = wait_futures(futures, timeout=timeout)
        return not pending

    def shutdown(self, wait: bool = True) -> None:
        """Cancel every job and (``wait``) join the worker threads; later submissions are refused."""
        with self._lock:
            self._closed = True
        self.cancel_all()
        self._pool.shutdown(wait=wait, cancel_futures=True)
