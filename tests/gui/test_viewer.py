"""The replay viewer, driven as a user would: open, play, seek, shortcuts, skipping, errors, tall pages."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from replaylens.io.bundle import write_bundle
from replaylens.model.manifest import Manifest, Page


def open_and_wait(qtbot, w, path: Path) -> None:
    w.open_file(path)
    qtbot.waitUntil(lambda: w.session is not None and w.session.path == Path(path), timeout=15_000)

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def _png(w: int, h: int, bands: list[tuple[int, int, str]]) -> bytes:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    from PySide6.QtGui import QPainter

    p = QPainter(img)
    for y0, y1, color in bands:
        p.fillRect(0, y0, w, y1 - y0, QColor(color))
    p.end()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")
    return bytes(buf.data())


def _bundle(path: Path, t: list[int], kinds: list[str], x: list[float], y: list[float], sy: list[float],
            page_h: int = 2000, png: bytes | None = None) -> Path:
    m = Manifest(session_id="t", start_epoch_ms=0, viewport_width=800, viewport_height=600,
                 pages=[Page("https://t.test/", "T", "pages/0.png" if png else None, 800, page_h)])
    cols = {"t": pa.array(t, pa.int64()), "kind": kinds, "x": x, "y": y, "scroll_y": sy}
    return write_bundle(path, m, pa.table(cols), {"pages/0.png": png} if png else {})


def test_open_by_argv(qtbot, isolated_settings, demo_path: Path) -> None:
    from replaylens.ui.app import create_window

    w = create_window([str(demo_path)])
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.session is not None, timeout=15_000)
    assert w.clock.duration_ms == w.session.duration_ms > 5 * 60_000
    assert w.events_dock.model.rowCount() > 100
    assert w.windowTitle().startswith("nimbus-demo.rlsession")
    assert str(demo_path.resolve()) in w.recent_files()
    w.loader.wait()


def test_open_by_drop(window, qtbot, demo_path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo_path))])
    ev = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)


def test_open_action(window, qtbot, demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(demo_path), ""))
    act = next(a for a in window.actions() if a.objectName() == "act_open")
    act.trigger()
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)


def test_play_advances_time(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    window.seek(10_000)
    started = time.monotonic()
    window.toggle_play()
    # it advances (on a loaded machine the event loop may be slow to tick, so wait for it rather than a fixed time)
    qtbot.waitUntil(lambda: window.clock.time_ms > 10_150, timeout=15_000)
    elapsed_ms = (time.monotonic() - started) * 1000
    assert window.clock.playing
    assert window.clock.time_ms <= 10_000 + elapsed_ms + 150  # and never faster than real time at 1×
    window.toggle_play()
    assert not window.clock.playing


def test_seek_puts_cursor_at_recorded_position(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    a = window.session.arrays
    i = int(np.nonzero(a.mask("move"))[0][500])
    t = int(a.t[i])
    window.seek(t)
    img_on = window.canvas.grab().toImage()
    g = window.canvas.geometry_now()
    tip = g.to_device(a.x[i] + a.scroll_x[i], a.y[i] + a.scroll_y[i])
    window.canvas.options.show_cursor = False
    window.canvas.options.trail_s = 0
    window.canvas.repaint()
    img_off = window.canvas.grab().toImage()
    dpr = img_on.devicePixelRatio()
    inside = QPoint(int((tip.x() + 3) * dpr), int((tip.y() + 8) * dpr))  # inside the arrow's white body
    assert img_on.pixelColor(inside).lightness() > 240
    changed = [(dx, dy) for dx in range(-2, 12) for dy in range(-2, 22)
               if img_on.pixelColor(inside.x() + dx - 3, inside.y() + dy - 8)
               != img_off.pixelColor(inside.x() + dx - 3, inside.y() + dy - 8)]
    assert len(changed) > 40, "the cursor is not drawn where the recording puts it"
    far = QPoint(int((tip.x() + 200) % (img_on.width() - 1)), int((tip.y() + 150) % (img_on.height() - 1)))
    assert img_on.pixelColor(far) == img_off.pixelColor(far)


def test_shortcuts(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    window.canvas.setFocus()
    window.seek(20_000)
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.clock.time_ms == 25_000
    QTest.keyClick(window, Qt.Key.Key_Left)
    QTest.keyClick(window, Qt.Key.Key_Left)
    assert window.clock.time_ms == 15_000
    QTest.keyClick(window, Qt.Key.Key_End)
    assert window.clock.time_ms == window.clock.duration_ms
    QTest.keyClick(window, Qt.Key.Key_Home)
    assert window.clock.time_ms == 0
    QTest.keyClick(window, Qt.Key.Key_BracketRight)
    assert window.clock.speed == 1.5
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    QTest.keyClick(window, Qt.Key.Key_BracketLeft)
    assert window.clock.speed == 0.5
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.clock.playing
    QTest.keyClick(window, Qt.Key.Key_K)
    assert not window.clock.playing
    QTest.keyClick(window, Qt.Key.Key_L)
    assert window.clock.playing
    QTest.keyClick(window, Qt.Key.Key_K)
    window.seek(30_000)
    QTest.keyClick(window, Qt.Key.Key_J)
    assert window.clock.time_ms == 20_000
    # Shift+→ jumps to the next interaction (a click, input, page, ...)
    a = window.session.arrays
    window.transport.jump_kind.setCurrentIndex(window.transport.jump_kind.findData("click"))
    clicks = a.t[a.mask("click")]
    window.seek(float(clicks[3]) + 1)
    QTest.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.clock.time_ms == clicks[4]
    QTest.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert window.clock.time_ms == clicks[3]


def test_skip_inactivity_jumps_the_gap(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    idx = window.index
    long = int(np.argmax(idx.gap_end - idx.gap_start))
    gs, ge = int(idx.gap_start[long]), int(idx.gap_end[long])
    assert ge - gs > 60_000  # the demo's customer leaves the tab for ~95 s
    window.seek(gs - 100)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.clock.time_ms >= ge, timeout=2000)
    window.toggle_play()
    # with skipping off, playback walks into the gap
    window.transport.skip.setChecked(False)
    window.seek(gs - 100)
    started = time.monotonic()
    window.toggle_play()
    qtbot.waitUntil(lambda: window.clock.time_ms > gs, timeout=15_000)
    window.toggle_play()
    assert gs < window.clock.time_ms <= gs - 100 + (time.monotonic() - started) * 1000 + 150  # walked, not jumped


def test_24_hour_gap_is_skipped_instantly(window, qtbot, tmp_path: Path) -> None:
    day = 24 * 3600 * 1000
    t = [0, 100, 200, 300, day + 300, day + 400, day + 500]
    path = _bundle(tmp_path / "day.rlsession", t, ["move"] * 7, [10, 20, 30, 40, 50, 60, 70], [10] * 7, [0] * 7)
    open_and_wait(qtbot, window, path)
    window.seek(300)
    window.toggle_play()
    qtbot.waitUntil(lambda: window.clock.time_ms >= day, timeout=2500)  # 1 s to the gap start, then one tick


def test_bad_file_shows_error_and_keeps_session(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    before = window.session
    window.seek(42_000)
    window.open_file(BAD / "truncated.rlsession")
    qtbot.waitUntil(lambda: any(isinstance(b, QMessageBox) and b.isVisible()
                                for b in QApplication.topLevelWidgets()), timeout=10_000)
    box = next(b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible())
    assert "truncated.rlsession" in box.text() and "corrupt or truncated" in box.text()
    box.close()
    assert window.session is before and window.clock.time_ms == 42_000


def test_tall_page_displays(window, qtbot, tmp_path: Path) -> None:
    h = 40_000
    png = _png(800, h, [(0, 64, "#3344ff"), (38_900, 39_500, "#ff0000")])
    path = _bundle(tmp_path / "tall.rlsession", [0, 100, 200], ["move", "scroll", "move"], [10, np.nan, 10],
                   [10, np.nan, 10], [0, 38_800, 38_800], page_h=h, png=png)
    open_and_wait(qtbot, window, path)
    window.seek(50)
    top = window.canvas.grab().toImage()
    g = window.canvas.geometry_now()
    p = g.to_device(400, 30)
    assert top.pixelColor(int(p.x()), int(p.y())) == QColor("#3344ff")
    window.seek(300)
    img = window.canvas.grab().toImage()
    g = window.canvas.geometry_now()
    p = g.to_device(400, 39_200)
    assert g.src.top() == 38_800
    assert img.pixelColor(int(p.x()), int(p.y())) == QColor("#ff0000")
    window.transport.mode.setCurrentIndex(1)  # whole page: must still draw, with the viewport box on screen
    img = window.canvas.grab().toImage()
    assert img.pixelColor(int(window.canvas.geometry_now().to_device(400, 39_200).x()),
                          int(window.canvas.geometry_now().to_device(400, 39_200).y())) == QColor("#ff0000")


def test_events_list_seeks_and_follows(window, qtbot, demo_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    view = window.events_dock.view
    view.selectRow(10)
    t = window.session.arrays.t[window.events_dock.model.event_index(10)]
    assert window.clock.time_ms == t
    window.seek(200_000)
    row = view.currentIndex().row()
    assert window.session.arrays.t[window.events_dock.model.event_index(row)] <= 200_000


def test_geometry_and_docks_persist(qtbot, isolated_settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing saves geometry and dock layout; the next window restores both. (Offscreen, the 800×600 virtual
    screen clamps restored sizes, so the geometry check is on what is handed to Qt, not on the final size.)"""
    from replaylens.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.docks["Session"].hide()
    w.removeDockWidget(w.docks["Heatmap"])  # a dock moved elsewhere
    w.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, w.docks["Heatmap"])
    w.docks["Heatmap"].show()
    saved = bytes(w.saveGeometry().data())
    w.close()
    restored: list[bytes] = []
    orig = MainWindow.restoreGeometry
    monkeypatch.setattr(MainWindow, "restoreGeometry", lambda self, g: (restored.append(bytes(g.data())),
                                                                       orig(self, g))[1])
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    assert restored == [saved]
    assert w2.docks["Session"].isHidden() and not w2.docks["Events"].isHidden()
    assert w2.dockWidgetArea(w2.docks["Heatmap"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    w2.close()


def test_speed_box_drives_the_clock_of_every_opened_session(window, qtbot, demo_path: Path, tmp_path: Path) -> None:
    open_and_wait(qtbot, window, demo_path)
    window.transport.speed.setCurrentIndex(window.transport.speed.findData(4.0))
    assert window.clock.speed == 4.0
    other = _bundle(tmp_path / "o.rlsession", [0, 100, 20_000], ["move"] * 3, [1, 2, 3], [1, 2, 3], [0, 0, 0])
    open_and_wait(qtbot, window, other)
    window.transport.speed.setCurrentIndex(window.transport.speed.findData(0.5))
    assert window.clock.speed == 0.5 and window.clock.duration_ms == 20_000 and window.clock.time_ms == 0
    window.seek(100)
    started = time.monotonic()
    window.toggle_play()
    qtbot.waitUntil(lambda: window.clock.time_ms > 150, timeout=15_000)
    window.toggle_play()
    elapsed_ms = (time.monotonic() - started) * 1000
    assert 150 < window.clock.time_ms <= 100 + 0.5 * elapsed_ms + 100  # half speed: never faster
