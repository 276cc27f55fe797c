"""The leak guard itself: it sees a running thread, an active timer started from Python, and a timer Qt owns
under a live window (such as a dialog's delayed-show timer), and it is quiet once they are stopped."""

from __future__ import annotations

import threading
import weakref

from leak_guard import leaked_threads_and_timers
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QMainWindow, QWidget


class _Blocked(QThread):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def run(self) -> None:
        self.release.wait(10)


def test_guard_reports_threads_and_timers_until_stopped(qtbot) -> None:
    th = _Blocked()
    loose = QTimer()
    w = QMainWindow()
    qtbot.addWidget(w)
    child = QTimer(QWidget(w))  # never passed through the tracked start(): found by walking the window
    child.setObjectName("delayed_show")
    started = [weakref.ref(th), weakref.ref(loose)]
    try:
        th.start()
        loose.start(60_000)
        child.start(60_000)
        leaks = leaked_threads_and_timers(started)
        assert any(m.startswith("QThread still running") and "_Blocked" in m for m in leaks)
        assert any("QTimer still active" in m and "delayed_show" in m for m in leaks)
        assert len(leaks) == 3
    finally:
        th.release.set()
        th.wait()
        loose.stop()
        child.stop()
    assert leaked_threads_and_timers(started) == []
