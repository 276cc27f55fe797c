"""A progress surface cannot outlive its job: after a failed, a superseded or a cancelled open, once the show delay
has long passed, no modal and no progress is left on screen and the keys still drive the player."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from replaylens.errors import CancelledError
from replaylens.ui.progress import SHOW_DELAY_MS

#: Long past the show delay of the progress surface (and of the QProgressDialog it replaced, which popped up
#: 0.4–4 s after the job had ended).
PAST_SHOW_DELAY_MS = max(10 * SHOW_DELAY_MS, 4500)


def _open_and_wait(qtbot, w, path: Path) -> None:
    w.open_file(path)
    qtbot.waitUntil(lambda: w.session is not None and w.session.path == Path(path), timeout=15_000)


def _progress_visible() -> list[QWidget]:
    return [x for x in QApplication.allWidgets()
            if x.isVisible() and (isinstance(x, QProgressDialog) or x.objectName() == "job_progress")]


def _error_box() -> QMessageBox | None:
    return next((b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()), None)


def _assert_answers_keys(qtbot, w) -> None:
    """Nothing modal, no progress anywhere, and → still seeks +5 s."""
    assert QApplication.activeModalWidget() is None
    assert _progress_visible() == []
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=3000)
    w.canvas.setFocus()
    w.seek(20_000)
    QTest.keyClick(w, Qt.Key.Key_Right)
    assert w.clock.time_ms == 25_000


@pytest.fixture(params=["truncated", "random"])
def bad_file(request: pytest.FixtureRequest, tmp_path: Path, demo_path: Path) -> Path:
    if request.param == "truncated":  # head -c 5000 of the demo
        p = tmp_path / "cut.rlsession"
        p.write_bytes(demo_path.read_bytes()[:5000])
    else:
        p = tmp_path / "noise.json"
        p.write_bytes(os.urandom(64 * 1024))
    return p


def test_failed_open_leaves_no_progress_and_keys_seek(window, qtbot, demo_path: Path, bad_file: Path) -> None:
    _open_and_wait(qtbot, window, demo_path)
    before = window.session
    window.open_file(bad_file)
    qtbot.waitUntil(lambda: _error_box() is not None, timeout=10_000)
    qtbot.wait(PAST_SHOW_DELAY_MS)
    box = _error_box()
    assert box is not None and bad_file.name in box.text()
    assert QApplication.activeModalWidget() is box  # the error, and nothing popped up over it
    assert _progress_visible() == []
    box.button(QMessageBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: _error_box() is None, timeout=3000)
    assert window.session is before
    _assert_answers_keys(qtbot, window)


def test_superseded_open_leaves_no_progress_and_keys_seek(window, qtbot, demo_path: Path, tmp_path: Path) -> None:
    _open_and_wait(qtbot, window, demo_path)
    a = tmp_path / "a.rlsession"
    a.write_bytes(demo_path.read_bytes())
    window.open_file(a)
    window.open_file(demo_path)  # at once: A is superseded
    assert window.loader.busy
    qtbot.waitUntil(lambda: not window.loader.busy and window.loader.wait(), timeout=15_000)
    qtbot.wait(PAST_SHOW_DELAY_MS)
    assert window.session.path == demo_path
    assert _error_box() is None
    _assert_answers_keys(qtbot, window)


def test_slow_open_shows_progress_and_cancel_really_cancels(window, qtbot, demo_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An open that never ends by itself: its progress appears after the delay, non-modal; Cancel removes it at
    once, ends the job's thread and leaves the open session as it was."""
    import replaylens.io.registry as registry

    _open_and_wait(qtbot, window, demo_path)
    before = window.session
    stuck = tmp_path / "slow.rlsession"
    stuck.write_bytes(b"x")
    released = threading.Event()
    real_open = registry.open_session

    def slow_open(path, progress=None):
        if Path(path) != stuck:
            return real_open(path, progress)
        while not released.wait(0.01):  # reports progress until the loader says it was cancelled
            progress(0.3, "Reading slow.rlsession…")
        raise CancelledError()

    monkeypatch.setattr(registry, "open_session", slow_open)
    try:
        window.open_file(stuck)
        qtbot.waitUntil(lambda: len(_progress_visible()) == 1, timeout=10_000)
        (strip,) = _progress_visible()
        assert QApplication.activeModalWidget() is None  # the player stays usable while it runs
        assert window.loader.busy
        button = next(b for b in strip.findChildren(QWidget) if getattr(b, "text", lambda: "")() == "Cancel")
        button.click()
        assert _progress_visible() == []
        qtbot.waitUntil(lambda: not window.loader.busy and window.loader.wait(), timeout=10_000)
    finally:
        released.set()
    qtbot.wait(PAST_SHOW_DELAY_MS)
    assert window.session is before
    assert _error_box() is None
    _assert_answers_keys(qtbot, window)


def test_job_progress_shows_after_the_delay_and_never_after_close(window, qtbot) -> None:
    from replaylens.ui.progress import JobProgress

    quick = JobProgress(window, "Quick job", delay_ms=50)
    quick.close()  # the job ended before the delay: nothing may appear later
    slow = JobProgress(window, "Slow job", delay_ms=50)
    cancelled: list[bool] = []
    slow.cancel_requested.connect(lambda: cancelled.append(True))
    qtbot.waitUntil(lambda: slow.shown, timeout=5000)
    slow.update(0.5, "Half way")
    assert slow.label.text() == "Half way" and slow.bar.value() == 50
    assert not quick.shown and QApplication.activeModalWidget() is None
    slow.cancel_button.click()
    assert cancelled == [True] and slow.closed and not slow.shown
    slow.close()  # idempotent: a second outcome after Cancel changes nothing
    qtbot.wait(10 * 50)
    assert _progress_visible() == [] and cancelled == [True]


def test_render_progress_cancel_stops_the_renderer(window, qtbot, demo_path: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The background screenshot render of a recording has its own surface; its Cancel ends the child process."""
    import sys

    import replaylens.ui.render_job as rj

    monkeypatch.setattr(rj, "convert_command", lambda src, out: [sys.executable, "-c", "import time; time.sleep(60)"])
    _open_and_wait(qtbot, window, demo_path)
    window.loader.show(demo_path, window.session, window.index, tmp_path / "cache" / "y.rlsession")  # as a recording
    assert window.render_job.running
    qtbot.waitUntil(lambda: len(_progress_visible()) == 1, timeout=10_000)
    (strip,) = _progress_visible()
    proc = window.render_job.proc
    next(b for b in strip.findChildren(QWidget) if getattr(b, "text", lambda: "")() == "Cancel").click()
    assert not window.render_job.running and proc.state() == proc.ProcessState.NotRunning
    assert _progress_visible() == []
    _assert_answers_keys(qtbot, window)
