"""The job runner's Qt wrapper: outcomes arrive on the GUI thread, ``finished`` fires on every outcome, a newer
request cancels the older one's work, and the registry builds menus from named actions."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMainWindow

from replaylens.ui.actions import SEPARATOR, ActionRegistry
from replaylens.ui.jobs import CancelToken, Progress, QtJobRunner


def test_outcomes_arrive_on_the_gui_thread_and_finished_fires_every_time(qtbot) -> None:
    runner = QtJobRunner(max_workers=2, name="t-qt")
    gui = QThread.currentThread()
    seen: list[tuple[str, object, bool]] = []

    def work(token: CancelToken, progress: Progress) -> int:
        progress(0.5, "half")
        return threading.get_ident()

    ok = runner.submit("a", work)
    ok.progressed.connect(lambda f, m: seen.append(("progress", (f, m), QThread.currentThread() is gui)))
    ok.done.connect(lambda r: seen.append(("done", r != threading.get_ident(), QThread.currentThread() is gui)))
    with qtbot.waitSignal(ok.finished, timeout=5000):
        pass
    bad = runner.submit("b", lambda tok, p: 1 / 0)
    bad.failed.connect(lambda m: seen.append(("failed", m, QThread.currentThread() is gui)))
    with qtbot.waitSignal(bad.finished, timeout=5000):
        pass
    assert ("done", True, True) in seen  # computed on a worker thread, reported on the GUI thread
    assert ("failed", "ZeroDivisionError: division by zero", True) in seen
    assert all(on_gui for _k, _v, on_gui in seen)
    assert not runner.running()
    assert runner.shutdown()


def test_a_newer_request_stops_the_older_work_and_the_older_ends_cancelled(qtbot) -> None:
    runner = QtJobRunner(max_workers=2, name="t-qt-latest")
    steps: list[int] = []
    discarded: list[object] = []

    def slow(token: CancelToken, progress: Progress) -> str:
        for i in range(2000):
            token.raise_if_cancelled()
            steps.append(i)
            time.sleep(0.002)
        return "old"

    old = runner.submit("heatmap", slow, discard=discarded.append)
    outcomes: list[str] = []
    old.done.connect(lambda _r: outcomes.append("old done"))
    old.cancelled.connect(lambda: outcomes.append("old cancelled"))
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=5000)
    new = runner.submit("heatmap", lambda tok, p: "new")
    new.done.connect(lambda r: outcomes.append(f"new {r}"))
    with qtbot.waitSignals([old.finished, new.finished], timeout=5000):
        pass
    assert sorted(outcomes) == ["new new", "old cancelled"]
    assert len(steps) < 2000 and discarded == []  # the old work stopped part-way: nothing to close
    assert runner.shutdown()


def test_a_result_still_on_its_way_is_discarded_once_a_newer_request_came(qtbot) -> None:
    """The older job finished on its worker, but its outcome has not reached the GUI thread when the newer request
    (or a cancel) arrives: it must end cancelled, its result to ``discard``, never ``done`` (it used to slip
    through as done: the viewer then showed findings of the settings the user had just changed)."""
    from replaylens.ui.jobs import LatestJob

    runner = QtJobRunner(max_workers=1, name="t-qt-undelivered")
    discarded: list[object] = []
    outcomes: list[str] = []
    old = runner.submit("findings", lambda tok, p: "old", discard=discarded.append)
    old.done.connect(lambda r: outcomes.append(f"done {r}"))
    old.cancelled.connect(lambda: outcomes.append("old cancelled"))
    assert old.job is not None
    old.job.future.result(timeout=5)  # finished on the worker; no event loop ran, so nothing was delivered
    qtbot.waitUntil(lambda: runner.runner.latest("findings") is None, timeout=5000)  # the worker forgot it
    new = runner.submit("findings", lambda tok, p: "new")
    new.done.connect(lambda r: outcomes.append(f"done {r}"))
    with qtbot.waitSignals([old.finished, new.finished], timeout=5000):
        pass
    assert sorted(outcomes) == ["done new", "old cancelled"] and discarded == ["old"]
    gone = runner.submit("other", lambda tok, p: "late", discard=discarded.append)
    assert gone.job is not None
    gone.job.future.result(timeout=5)
    runner.cancel("other")
    with qtbot.waitSignal(gone.finished, timeout=5000):
        pass
    assert discarded == ["old", "late"]
    assert runner.shutdown()

    latest = LatestJob(runner=QtJobRunner(max_workers=1, name="t-latest"))
    got: list[object] = []
    latest.result.connect(got.append)
    first = latest.submit(lambda: "first")
    assert first.job is not None
    first.job.future.result(timeout=5)
    latest.submit(lambda: "second")
    qtbot.waitUntil(lambda: not latest.busy, timeout=5000)
    assert got == ["second"]
    latest.shutdown()


def test_menus_are_built_from_the_registry(qtbot) -> None:
    w = QMainWindow()
    qtbot.addWidget(w)
    reg = ActionRegistry(w)
    hits: list[str] = []
    reg.add("a.one", "&One", lambda: hits.append("one"), "Ctrl+1", object_name="act_one")
    reg.add("a.two", "&Two", lambda: hits.append("two"), enabled=False)
    menu = reg.add_menu("test", w.menuBar().addMenu("&Test"))
    reg.fill(menu, ["a.one", SEPARATOR, "a.two"])
    assert [a.text() for a in menu.actions()] == ["&One", "", "&Two"]
    assert reg.action("a.one").shortcut().toString() == "Ctrl+1" and reg.action("a.one") in w.actions()
    reg.trigger("a.one")
    reg.trigger("a.two")  # disabled: nothing happens
    reg.set_enabled("a.two", True)
    reg.trigger("a.two")
    assert hits == ["one", "two"] and reg.menu("test") is menu


def _job_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("replaylens-")]


def test_closing_the_viewer_leaves_no_worker_thread(window, qtbot, demo_path) -> None:
    from pathlib import Path

    window.open_file(demo_path)
    qtbot.waitUntil(lambda: window.session is not None and window.session.path == Path(demo_path), timeout=15_000)
    window.heatmap_panel.toggle()  # a heatmap job too
    qtbot.waitUntil(lambda: window.findings.analysis is not None and not window.heatmap_panel.job.busy,
                    timeout=15_000)
    window.open_file(demo_path)  # an open in flight when the window closes
    assert _job_threads()  # the pools are in use, so the check below is not vacuous
    window.close()
    assert _job_threads() == []
