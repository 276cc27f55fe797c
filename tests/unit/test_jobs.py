"""The Qt-free job runner: cancel stops the work mid-way, the latest request wins, exceptions propagate, and no
worker thread outlives ``shutdown``."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from replaylens.errors import CancelledError
from replaylens.jobs import CancelToken, JobRunner, Progress, outcome


def _pool_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_cancel_stops_the_work_mid_way() -> None:
    runner = JobRunner(name="t-cancel")
    started, steps = threading.Event(), []

    def work(token: CancelToken, progress: Progress) -> int:
        started.set()
        for i in range(1000):
            token.raise_if_cancelled()
            steps.append(i)
            time.sleep(0.002)
        return len(steps)

    job = runner.submit("k", work)
    assert started.wait(5)
    time.sleep(0.02)
    job.cancel()
    with pytest.raises(CancelledError):
        job.result(timeout=5)
    assert 0 < len(steps) < 1000  # stopped part-way, not run to the end and then hidden
    assert outcome(job) == ("cancelled", None)
    runner.shutdown()


def test_latest_request_wins_and_cancels_the_older_token() -> None:
    runner = JobRunner(name="t-latest")
    gate = threading.Event()

    def slow(token: CancelToken, progress: Progress) -> str:
        while not token.cancelled:
            gate.wait(0.005)
        token.raise_if_cancelled()
        return "old"

    older = runner.submit("heatmap", slow)
    other = runner.submit("findings", lambda tok, p: "other key")
    newer = runner.submit("heatmap", lambda tok, p: "new")
    assert newer.result(timeout=5) == "new"
    assert other.result(timeout=5) == "other key"
    assert older.token.cancelled and not newer.token.cancelled and not other.token.cancelled
    with pytest.raises(CancelledError):
        older.result(timeout=5)
    assert outcome(newer) == ("done", "new")
    assert runner.is_latest(newer) and not runner.is_latest(older)
    runner.shutdown()


def test_exceptions_propagate_to_the_future_and_the_outcome() -> None:
    runner = JobRunner(name="t-fail")

    def broken(token: CancelToken, progress: Progress) -> None:
        raise ValueError("bad input")

    job = runner.submit("k", broken)
    with pytest.raises(ValueError, match="bad input"):
        job.result(timeout=5)
    kind, exc = outcome(job)
    assert kind == "failed" and isinstance(exc, ValueError)
    runner.shutdown()


def test_progress_is_reported_and_stops_after_cancel() -> None:
    runner = JobRunner(name="t-progress")
    seen: list[tuple[float, str]] = []
    finished = threading.Event()

    def work(token: CancelToken, progress: Progress) -> int:
        progress(0.5, "half")
        token.cancel()  # as if the user pressed Cancel now
        progress(0.9, "never shown")
        return 1

    job = runner.submit("k", work, progress=lambda f, m: seen.append((f, m)),
                        on_finished=lambda j: finished.set())
    assert finished.wait(5)
    assert seen == [(0.5, "half")]
    assert outcome(job) == ("cancelled", None)
    runner.shutdown()


def test_a_result_that_arrives_after_cancel_counts_as_cancelled() -> None:
    runner = JobRunner(name="t-late")

    def ignores_token(token: CancelToken, progress: Progress) -> str:
        token.cancel()
        return "late"

    job = runner.submit("k", ignores_token)
    assert job.result(timeout=5) == "late"
    assert outcome(job) == ("cancelled", "late")  # the caller may close it, never shows it
    runner.shutdown()


def test_shutdown_cancels_running_work_and_leaves_no_thread() -> None:
    runner = JobRunner(max_workers=2, name="t-shutdown")
    started = threading.Barrier(3)

    def loop(token: CancelToken, progress: Progress) -> None:
        started.wait(5)
        while True:
            token.raise_if_cancelled()
            time.sleep(0.002)

    jobs = [runner.submit(i, loop) for i in range(2)]
    queued = runner.submit("queued", lambda tok, p: "never")
    started.wait(5)
    assert runner.running()
    runner.shutdown()
    assert all(j.done() and j.cancelled for j in jobs)
    assert queued.future.cancelled()
    assert not runner.running()
    assert _pool_threads("t-shutdown") == []
    with pytest.raises(RuntimeError):
        runner.submit("k", lambda tok, p: None)


def test_wait_reports_a_job_still_running() -> None:
    runner = JobRunner(name="t-wait")
    release = threading.Event()
    runner.submit("k", lambda tok, p: release.wait(5))
    assert runner.wait(timeout=0.05) is False
    release.set()
    assert runner.wait(timeout=5) is True
    runner.shutdown()
    assert _pool_threads("t-wait") == []


def test_the_runner_imports_no_qt() -> None:
    import subprocess

    code = "import sys, replaylens.jobs; print(any(m.startswith('PySide6') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
