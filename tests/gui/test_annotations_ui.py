"""The annotation UI against a small fake main window (the attach contract): drawing, select/move/resize,
delete, undo/redo through the window's QUndoStack, the dock, debounced persistence and threaded clip export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtGui import QImage, QPainter, QUndoStack
from PySide6.QtWidgets import QMainWindow, QWidget

from replaylens.io.registry import open_session
from replaylens.model.annotations import AnnotationStore
from replaylens.model.clock import PlaybackClock
from replaylens.render.context import make_renderer
from replaylens.render.frame import FrameOptions
from replaylens.ui.annotations import Viewer, attach
from replaylens.ui.state import ViewerState

T = 67_463.0


class FakeCanvas(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.resize(640, 400)
        self.renderer = None
        self.options = FrameOptions()
        self.overlays: list = []
        self.tool = None
        self.time_ms = T

    def set_tool(self, tool) -> None:
        self.tool = tool

    def add_overlay(self, fn) -> None:
        self.overlays.append(fn)

    def geometry_now(self):
        if self.renderer is None:
            return None
        return self.renderer.geometry(self.time_ms, QRectF(self.rect()), self.options)

    def paintEvent(self, _e) -> None:
        if self.renderer is None:
            return
        p = QPainter(self)
        self.options.overlays = list(self.overlays)
        self.renderer.paint(p, QRectF(self.rect()), self.time_ms, self.options)
        p.end()


class FakeWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.canvas = FakeCanvas()
        self.setCentralWidget(self.canvas)
        self.clock = PlaybackClock(duration_ms=400_000, time_ms=T)
        self.state = ViewerState(self.clock, QSettings(), self)
        self.state.seek_requested.connect(self.seek)
        self.session = None
        self.undo_stack = QUndoStack(self)

    def seek(self, t_ms: float) -> None:
        self.clock.seek(t_ms)
        self.canvas.time_ms = self.clock.time_ms

    def open(self, session) -> None:
        self.session = session
        self.canvas.renderer = make_renderer(session) if session is not None else None
        self.undo_stack.clear()
        self.state.set_session(session, None)
        self.state.announce_session()

    def closeEvent(self, event) -> None:
        """As MainWindow.shutdown: pending notes saved, exports ended (threads waited for), status timers stopped."""
        ctl = getattr(self, "ctl", None)
        if ctl is not None:
            ctl.save_now()
            ctl.exports.shutdown()
        self.statusBar().clearMessage()
        super().closeEvent(event)


@pytest.fixture
def win(qtbot, demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    w = FakeWindow()
    qtbot.addWidget(w)
    ctl = attach(Viewer(w, w.state, w.canvas, w.undo_stack))
    w.ctl = ctl
    s = open_session(demo_path)
    w.open(s)
    yield w, ctl
    w.open(None)
    s.close()


def _drag(tool, a: tuple[float, float], b: tuple[float, float]) -> None:
    assert tool.press(*a, Qt.KeyboardModifier.NoModifier)
    tool.move(*b, Qt.MouseButton.LeftButton)
    assert tool.release(*b)


def test_draw_move_resize_delete_with_undo(win) -> None:
    w, ctl = win
    ctl.toolbar.choose("rect")
    assert w.canvas.tool is ctl.tool and ctl.tool.kind == "rect"
    _drag(ctl.tool, (100, 100), (300, 200))
    (a,) = list(ctl.aset)
    assert (a.kind, a.page, a.x1, a.y1, a.x2, a.y2) == ("rect", 0, 100, 100, 300, 200)
    assert (a.t_start_ms, a.t_end_ms) == (T - 2000, T + 5000)
    assert w.undo_stack.count() == 1 and ctl.selected == a.id
    ctl.toolbar.choose("select")
    _drag(ctl.tool, (200, 150), (250, 170))  # move by (50, 20)
    moved = ctl.aset.find(a.id)
    assert (moved.x1, moved.y1, moved.x2, moved.y2) == (150, 120, 350, 220)
    _drag(ctl.tool, (350, 220), (400, 260))  # bottom-right handle
    assert ctl.aset.find(a.id).rect == (150, 120, 400, 260)
    assert ctl.tool.key(Qt.Key.Key_Delete) and len(ctl.aset) == 0
    assert w.undo_stack.count() == 4
    w.undo_stack.undo()
    assert ctl.aset.find(a.id).rect == (150, 120, 400, 260)
    w.undo_stack.undo()
    w.undo_stack.undo()
    assert ctl.aset.find(a.id).rect == (100, 100, 300, 200)
    w.undo_stack.undo()
    assert len(ctl.aset) == 0
    w.undo_stack.redo()
    w.undo_stack.redo()
    assert ctl.aset.find(a.id).rect == (150, 120, 350, 220)


def test_click_in_empty_space_pans_and_deselects(win) -> None:
    _w, ctl = win
    ctl.toolbar.choose("step")
    assert ctl.tool.press(500, 300) and ctl.tool.release(500, 300)
    ctl.toolbar.choose("step")
    assert ctl.tool.press(520, 300) and ctl.tool.release(520, 300)
    assert [a.step for a in ctl.aset] == [1, 2]
    ctl.toolbar.choose("select")
    assert not ctl.tool.press(1000, 700)  # nothing there: the canvas pans
    assert ctl.selected is None


def test_dock_lists_seeks_and_edits(win, qtbot) -> None:
    w, ctl = win
    ctl.toolbar.choose("text")
    _drag(ctl.tool, (600, 400), (700, 500))
    (a,) = list(ctl.aset)
    assert a.text == "Note" and ctl.dock.list.count() == 1
    ctl.dock.note.setText("Banner is not a link")
    ctl.dock.note.editingFinished.emit()
    assert ctl.aset.find(a.id).text == "Banner is not a link"
    ctl.dock.start.setText("1:00")
    ctl.dock.end.setText("1:20.5")
    ctl.dock.end.editingFinished.emit()
    assert (ctl.aset.find(a.id).t_start_ms, ctl.aset.find(a.id).t_end_ms) == (60_000, 80_500)
    w.seek(0)
    ctl.dock._on_clicked(ctl.dock.list.item(0))
    assert w.clock.time_ms == T  # drawn at T, still inside the edited range
    w.undo_stack.undo()
    w.undo_stack.undo()
    assert ctl.aset.find(a.id).text == "Note"


def test_redaction_covers_the_whole_session_until_narrowed_in_the_dock(win, qtbot) -> None:
    w, ctl = win
    ctl.toolbar.choose("redact_solid")
    _drag(ctl.tool, (100, 100), (300, 200))
    (a,) = list(ctl.aset)
    assert a.always and a.visible_at(0, 0) and a.visible_at(0, T + 60_000)
    assert ctl.dock.time_only.isEnabled() and not ctl.dock.time_only.isChecked()
    assert not ctl.dock.start.isEnabled()  # no time range to edit while it covers the whole session
    assert ctl.dock.list.item(0).text().startswith("whole session")
    ctl.dock.time_only.setChecked(True)  # the explicit choice
    b = ctl.aset.find(a.id)
    assert not b.whole_session and not b.visible_at(0, T + 60_000) and b.visible_at(0, T)
    assert ctl.dock.start.isEnabled()
    w.undo_stack.undo()
    assert ctl.aset.find(a.id).always and not ctl.dock.time_only.isChecked()
    ctl.toolbar.choose("rect")
    _drag(ctl.tool, (400, 100), (500, 200))
    assert not ctl.dock.time_only.isEnabled()  # only redactions have the choice


def test_persistence_debounced_and_reloaded(win, qtbot) -> None:
    w, ctl = win
    ctl.toolbar.choose("arrow")
    _drag(ctl.tool, (100, 100), (200, 150))
    ctl.toolbar.choose("redact_blur")
    _drag(ctl.tool, (90, 120), (600, 190))
    store = ctl.store
    assert isinstance(store, AnnotationStore)
    qtbot.waitUntil(lambda: store.path.exists(), timeout=3000)
    assert [a.kind for a in store.load()[0]] == ["arrow", "redact_blur"]
    s = w.session
    w.open(None)
    assert len(ctl.aset) == 0
    w.open(s)
    assert [a.kind for a in ctl.aset] == ["arrow", "redact_blur"]
    assert w.session.path.parent not in store.path.parents


def _rgb(img: QImage) -> np.ndarray:
    """A copy of the pixels: the buffer ``constBits()`` exposes does not keep the converted QImage alive, so a view
    into it would read freed memory once this function returns (which made the comparisons below flaky)."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.height() * img.bytesPerLine())
    return arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3].reshape(img.height(), -1, 3).copy()


def test_canvas_shows_pixelation_on_screen(win, qtbot) -> None:
    w, ctl = win
    from replaylens.model.annotations import new_annotation

    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    g = w.canvas.geometry_now()
    ctl.add(new_annotation("redact_blur", g.page, 84, 120, 1068, 188, T))
    ctl.select(None)
    assert w.canvas.mapTo(w, w.canvas.rect().topLeft()).y() > 0  # below the toolbar: offsets must not leak in
    shown = w.canvas.grab().toImage()
    expected = QImage(shown.size(), QImage.Format.Format_ARGB32_Premultiplied)  # same frame painted on a QImage
    p = QPainter(expected)
    w.canvas.options.overlays = list(w.canvas.overlays)
    w.canvas.renderer.paint(p, QRectF(w.canvas.rect()), w.canvas.time_ms, w.canvas.options)
    p.end()
    r = g.rect_to_device(QRectF(84, 120, 984, 68)).toAlignedRect().adjusted(-6, -6, 6, 6)
    got, want = _rgb(shown.copy(r)), _rgb(expected.copy(r))
    assert len({tuple(v) for v in got.reshape(-1, 3)}) > 3  # a real pixelation (via the backdrop), not grey
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 2  # at the same place as in an export


def test_threaded_clip_export_and_cancel(win, qtbot, tmp_path: Path) -> None:
    w, ctl = win
    from replaylens.export.video import export_clip

    s = w.session
    out = tmp_path / "c.mp4"
    job = ctl.exports.run_job("clip", lambda prog, cancel: export_clip(
        s, out, 60_000, 61_000, size=(320, 180), fps=10, progress=prog, cancel=cancel), "ok")
    with qtbot.waitSignal(job.done, timeout=20_000):
        pass
    assert out.exists()
    out2 = tmp_path / "d.mp4"
    job = ctl.exports.run_job("clip", lambda prog, cancel: (cancel.set(), export_clip(
        s, out2, 60_000, 65_000, size=(320, 180), fps=10, progress=prog, cancel=cancel)), "ok")
    with qtbot.waitSignal(job.failed, timeout=20_000) as blocker:
        pass
    assert blocker.args == [""] and not out2.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == ["c.mp4"]
    job.wait(5000)
    img = ctl.exports.view_image()
    assert img is not None and img.width() == 1280
