"""From the Library window into the viewer: File ▸ Open Library, double-click a session, next / previous session
of the segment with one key; and adding a dropped folder off the UI thread (progress, cancel, bad files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_synth import build, sid
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from replaylens.ui.library import actions


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    return build(tmp_path / "library", 300)


def _open(qtbot, window, lib_path: Path):
    ctl = window.library_ctl
    lw = ctl.open_library(lib_path, ask_to_create=False)
    assert lw is not None
    qtbot.waitUntil(lambda: lw.model.counted and not lw.busy, timeout=20_000)
    return ctl, lw


def test_file_menu_has_open_library_and_session_keys(window) -> None:
    names = {a.objectName(): a for a in window.actions()}
    assert names["act_open_library"].text() == "Open &Library…"
    nxt, prv = names["act_next_session"], names["act_prev_session"]
    assert nxt.shortcut().toString() == "Ctrl+]" and prv.shortcut().toString() == "Ctrl+["
    assert not nxt.isEnabled()  # nothing to step through before a session is opened from a library
    file_menu = window.menuBar().actions()[0].menu()
    assert {"Open &Library…", "&Next session in segment", "&Previous session in segment"} <= {
        a.text() for a in file_menu.actions()}


def test_double_click_opens_the_session_and_keys_step_through_the_segment(qtbot, window, lib_path: Path) -> None:
    ctl, lw = _open(qtbot, window, lib_path)
    lw.facets.toggle("campaign", "songkran")  # a segment: every fourth session
    qtbot.waitUntil(lambda: lw.model.counted and not lw.busy and lw.model.rowCount() == 75,
                    timeout=20_000)
    first = lw.model.session_id(0)
    assert first == sid(296)
    rect = lw.table.visualRect(lw.model.index(0, 1))
    qtbot.mouseClick(lw.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # a real double-click
    qtbot.mouseDClick(lw.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # starts with a press
    qtbot.waitUntil(lambda: window.session is not None and ctl.current == first, timeout=20_000)
    assert window.session.manifest.session_id == first
    qtbot.waitUntil(lambda: len(ctl.nav) == 75, timeout=20_000)
    assert "Library session 1 of 75" in window.statusBar().currentMessage()
    names = {a.objectName(): a for a in window.actions()}
    assert names["act_next_session"].isEnabled()
    names["act_next_session"].trigger()
    qtbot.waitUntil(lambda: ctl.current == sid(292), timeout=20_000)
    assert window.session.manifest.session_id == sid(292)
    assert lw.selected_rows() == [1]
    names["act_prev_session"].trigger()
    qtbot.waitUntil(lambda: ctl.current == first, timeout=20_000)
    names["act_prev_session"].trigger()  # already the first: stays, says so
    assert "first session of this segment" in window.statusBar().currentMessage()
    assert ctl.current == first


def _bundles(tmp_path: Path, n: int) -> Path:
    from replaylens.demo.library_build import RECORDINGS, build_library

    build_library(tmp_path / "made", n, 5, workers=1, ingest=False)
    folder = tmp_path / "made" / RECORDINGS
    (folder / "broken.rlsession").write_bytes(b"PK\x03\x04 this is not a zip")
    return folder


def test_drop_a_folder_adds_it_and_lists_bad_files(qtbot, window, lib_path: Path, tmp_path: Path) -> None:
    _ctl, lw = _open(qtbot, window, lib_path)
    folder = _bundles(tmp_path, 3)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    drop = QDropEvent(QPointF(QPoint(200, 200)), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    lw.dropEvent(drop)
    job = lw.ingest
    assert job is not None
    qtbot.waitUntil(lambda: lw.ingest is None, timeout=60_000)
    assert job.result.added == 3 and len(job.result.failed) == 1
    box = job.message
    assert isinstance(box, QMessageBox)
    assert box.text().startswith("Added 3 sessions") and "1 file could not be added" in box.text()
    assert "broken.rlsession" in box.detailedText()
    box.close()
    qtbot.waitUntil(lambda: lw.model.counted and not lw.busy and lw.model.rowCount() == 303,
                    timeout=20_000)
    assert lw.facets.value_count("campaign", "songkran") is not None


def test_cancel_stops_the_import(qtbot, window, lib_path: Path, tmp_path: Path) -> None:
    _ctl, lw = _open(qtbot, window, lib_path)
    folder = _bundles(tmp_path, 4)
    actions.start_ingest(lw, [str(folder)])
    job = lw.ingest
    assert job is not None
    job.cancel()  # the user presses Cancel at once: nothing more is read
    qtbot.waitUntil(lambda: lw.ingest is None, timeout=60_000)
    assert job.result.cancelled
    assert job.result.added < 4
    assert "cancelled" in job.message.text()
    job.message.close()


def test_a_demo_library_session_opens_from_its_recording(qtbot, window, tmp_path: Path) -> None:
    """The common case: the recording the session was imported from is still there (screenshots come with it)."""
    from replaylens.demo.library_build import build_library

    build_library(tmp_path / "demo", 6, 8, workers=1)
    ctl, lw = _open(qtbot, window, tmp_path / "demo")
    assert lw.model.rowCount() == 6
    lw.open_row(2)
    want = lw.model.session_id(2)
    qtbot.waitUntil(lambda: ctl.current == want and window.session is not None, timeout=30_000)
    assert window.session.manifest.session_id == want
    assert window.session.screenshot(0) is not None  # the page picture, not a placeholder
    assert window.clock.duration_ms == window.session.duration_ms > 0


def test_closing_the_library_window_hides_it_and_it_comes_back_working(qtbot, window, lib_path: Path) -> None:
    ctl, lw = _open(qtbot, window, lib_path)
    lw.close()
    assert not lw.isVisible() and ctl.window is lw
    names = {a.objectName(): a for a in window.actions()}
    names["act_show_library"].trigger()
    assert lw.isVisible()
    lw.facets.toggle("variant", "B")  # its threads still answer
    qtbot.waitUntil(lambda: lw.model.counted and not lw.busy and lw.model.rowCount() == 150, timeout=20_000)
    ctl.close_library()
    assert ctl.window is None and ctl.library is None
