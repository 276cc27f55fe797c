"""GUI tests run offscreen with settings isolated in a temporary folder, and every test must leave no QThread
running and no QTimer active once its windows are closed.

The leak guard (as napari's ``dangling_qthreads`` / ``dangling_qtimers``) finds threads and timers two ways:
``QThread.start`` and ``QTimer.start`` are wrapped to remember (weakly) every thread and timer started from Python
during the test, and every top-level widget still alive is searched for QThread / QTimer children, which also finds
timers Qt starts itself (such as a dialog's delayed-show timer). Windows are closed first (``MainWindow.closeEvent``
runs ``shutdown``: jobs cancelled, threads waited for, timers stopped) and deleted afterwards, so nothing of one
test is still there in the next. Timers started with the static ``QTimer.singleShot`` are not QObjects Python can
see; the app gives those a context object (the window) so they die with it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import pytest
from leak_guard import alive, delete_later_now, leaked_threads_and_timers
from PySide6.QtCore import QCoreApplication, QSettings, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, qapp: object) -> None:
    QCoreApplication.setOrganizationName("ReplayLensTests")
    QCoreApplication.setApplicationName("Replay Lens Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path_factory.mktemp("settings")))


@pytest.fixture(autouse=True)
def no_leaked_threads_or_timers(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if a QThread is still running or a QTimer still active after its windows were closed."""
    delete_later_now()  # whatever an earlier test closed is gone before this one starts
    started: list[weakref.ref] = []
    thread_start, timer_start = QThread.start, QTimer.start

    def tracked_thread_start(self: QThread, *args: object) -> None:
        started.append(weakref.ref(self))
        thread_start(self, *args)  # type: ignore[arg-type]

    def tracked_timer_start(self: QTimer, *args: object) -> None:
        started.append(weakref.ref(self))
        timer_start(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(QThread, "start", tracked_thread_start)
    monkeypatch.setattr(QTimer, "start", tracked_timer_start)
    yield
    for top in QApplication.topLevelWidgets():  # windows a test did not hand to qtbot are closed here too
        if isinstance(top, QMainWindow) and alive(top) and top.isVisible():
            top.close()
    leaks = leaked_threads_and_timers(started)
    for top in QApplication.topLevelWidgets():
        if isinstance(top, QMainWindow) and alive(top) and not top.isVisible():
            top.deleteLater()
    delete_later_now()
    if leaks:
        pytest.fail("left running after the test's windows were closed:\n  " + "\n  ".join(leaks), pytrace=False)


@pytest.fixture
def window(qtbot: object, isolated_settings: None):
    from replaylens.ui.main_window import MainWindow

    w = MainWindow()
    w.resize(1280, 860)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.show()
    yield w
    if alive(w):
        w.close()  # closeEvent -> shutdown: jobs cancelled, their threads waited for, timers stopped
