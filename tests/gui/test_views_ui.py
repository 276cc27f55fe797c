"""Views that do what they say (issue 11): whole page, heatmap legend, Session dock facts, skip messages, the
status bar, export dialogs' folder, the View menu's docks, in-place callout editing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from PySide6.QtCore import QPoint, QStandardPaths, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QStatusTipEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QLabel

from replaylens.io.bundle import write_bundle
from replaylens.model.annotations import Annotation
from replaylens.model.manifest import Manifest, Page


def _open(qtbot, w, path: Path) -> None:
    w.open_file(path)
    qtbot.waitUntil(lambda: w.session is not None and w.session.path == Path(path), timeout=15_000)


def _png(w: int, h: int, bands: list[tuple[int, int, str]]) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    for y0, y1, color in bands:
        p.fillRect(0, y0, w, y1 - y0, QColor(color))
    p.end()
    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(dev, "PNG")
    return bytes(buf.data())


def test_whole_page_shows_the_top_and_the_last_row(window, qtbot, tmp_path: Path) -> None:
    h = 3000  # a normal landing page: taller than the canvas, far from a 40 000 px feed
    png = _png(800, h, [(0, 40, "#3344ff"), (h - 40, h, "#ff0000")])
    m = Manifest(session_id="t", start_epoch_ms=0, viewport_width=800, viewport_height=600,
                 pages=[Page("https://t.test/", "T", "pages/0.png", 800, h)])
    cols = {"t": pa.array([0, 100, 200], pa.int64()), "kind": ["move", "scroll", "move"], "x": [10.0, np.nan, 10.0],
            "y": [10.0, np.nan, 10.0], "scroll_y": [0.0, 1200.0, 1200.0]}
    path = write_bundle(tmp_path / "page.rlsession", m, pa.table(cols), {"pages/0.png": png})
    _open(qtbot, window, path)
    window.seek(300)  # scrolled to the middle: the old layout centred the viewport and cut the page
    for key in (Qt.Key.Key_V, Qt.Key.Key_F):
        if key == Qt.Key.Key_V:
            window.transport.mode.setCurrentIndex(window.transport.mode.findData("overview"))
        else:
            window.canvas.zoom_by(2.0)
            window.canvas.fit()
        window.canvas.repaint()
        img = window.canvas.grab().toImage()
        g = window.canvas.geometry_now()
        assert g.dst.top() >= -0.5 and g.dst.bottom() <= window.canvas.height() + 0.5, (key, g.dst)
        bottom = g.to_device(400, h - 10)
        top = g.to_device(400, 10)
        assert img.pixelColor(int(bottom.x()), int(bottom.y())) == QColor("#ff0000")
        assert img.pixelColor(int(top.x()), int(top.y())) == QColor("#3344ff")


def test_heatmap_legend_says_what_it_shows(window, qtbot, demo_path: Path) -> None:
    _open(qtbot, window, demo_path)
    panel = window.heatmap_panel
    panel.kind.setCurrentIndex(panel.kind.findData("click"))
    panel.show_box.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.options.heatmap is not None and "session" in panel.counts.text(),
                    timeout=10_000)
    assert panel.scale_low.text().startswith("fewer clicks")
    assert "more · up to" in panel.scale_high.text() and "clicks in one spot" in panel.scale_high.text()
    assert "1 session" in panel.counts.text() and "clicks" in panel.counts.text()
    assert window.canvas.options.heatmap_marks == []  # click maps draw no lines
    panel.kind.setCurrentIndex(panel.kind.findData("scroll"))
    qtbot.waitUntil(lambda: panel._key is not None and panel._key[2] == "scroll"
                    and bool(window.canvas.options.heatmap_marks), timeout=10_000)
    labels = [label for _y, label in window.canvas.options.heatmap_marks]
    assert labels[0].startswith("average fold")
    assert "reach" in panel.scale_high.text() or "100 %" in panel.scale_high.text()
    assert "fold" in panel.counts.text() and "events" in panel.counts.text()
    panel.kind.setCurrentIndex(panel.kind.findData("attention"))
    qtbot.waitUntil(lambda: panel._key is not None and panel._key[2] == "attention"
                    and "per session" in panel.scale_high.text(), timeout=10_000)
    assert "on screen" in panel.explain.text()
    panel.show_box.setChecked(False)
    assert window.canvas.options.heatmap_marks == []


def _info(window) -> dict[str, str]:
    labels = [lab.text() for lab in window.info_dock.findChildren(QLabel)]
    return {labels[i].replace("<b>", "").replace("</b>", ""): labels[i + 1] for i in range(0, len(labels) - 1, 2)}


def test_session_dock_active_time_and_pages_match_analyze(window, qtbot, demo_path: Path) -> None:
    from replaylens.analysis.findings.analyze import analyze_session
    from replaylens.core.timefmt import fmt_ms

    _open(qtbot, window, demo_path)
    info = _info(window)
    m = analyze_session(window.session, window.findings.settings).metrics
    assert info["Active time"].startswith(fmt_ms(m["active_ms"]))
    visits = info["Pages visited"]
    assert visits.startswith(f"{m['page_visits']} visits to {m['pages']} pages")
    assert "Lantern Festival → Create account → Verify identity → Wallet → Staking → Wallet → Staking" in visits
    assert "Page 1" in info and "Page 0" not in info


def test_skipping_says_how_long_it_skipped(window, qtbot, demo_path: Path) -> None:
    from replaylens.core.timefmt import fmt_duration

    _open(qtbot, window, demo_path)
    gs, ge = window.clock.gap_start, window.clock.gap_end
    assert len(gs)
    window.transport.skip.setChecked(False)
    window.transport.skip.setChecked(True)
    assert "Skipping inactivity" in window.statusBar().currentMessage()
    assert fmt_duration(int(np.sum(ge - gs))) in window.statusBar().currentMessage()
    window.seek(float(gs[0]) - 50)
    window.clock.play()
    window.clock.advance(0.1)
    msg = window.statusBar().currentMessage()
    assert msg.startswith("Skipped ") and msg.endswith(" of inactivity")
    assert fmt_duration(float(ge[0] - gs[0]) - 50) in msg
    window.pause()


def test_status_bar_survives_toggling_the_heatmap(window, qtbot, demo_path: Path) -> None:
    _open(qtbot, window, demo_path)
    msg = window.statusBar().currentMessage()
    assert "events" in msg
    QApplication.sendEvent(window, QStatusTipEvent(""))  # what hovering View ▸ Show heatmap sends
    act = next(a for a in window.view_menu.actions() if a.text().startswith("Show &heatmap"))
    act.trigger()
    qtbot.waitUntil(lambda: window.canvas.options.heatmap is not None, timeout=10_000)
    act.trigger()
    assert window.statusBar().currentMessage() == msg


def test_export_dialogs_start_in_the_last_export_folder(window, qtbot, demo_path: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _open(qtbot, window, demo_path)
    monkeypatch.chdir(tmp_path)  # the working folder must never be offered
    seen: list[str] = []

    def fake_save(_parent, _title, start, _filter):
        seen.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    exports = window.annotations_ctl.exports
    exports.export_view()
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    first = Path(seen[-1]).parent
    assert first != tmp_path and first != Path(".").resolve()
    if pictures and Path(pictures).is_dir():
        assert first == Path(pictures)
    else:
        assert first == Path.home()
    chosen = tmp_path / "exports"
    chosen.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a: (str(chosen / "v.png"), "")))
    exports.export_view()
    assert (chosen / "v.png").exists()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_save))
    exports.export_pdf()
    assert Path(seen[-1]).parent == chosen and seen[-1].endswith("-report.pdf")


def test_view_menu_brings_back_every_dock(window, qtbot) -> None:
    docks = window.findChildren(QDockWidget)
    assert {d.windowTitle() for d in docks} >= {"Events", "Session", "Findings", "Heatmap", "Annotations"}
    actions = window.view_menu.actions()
    for d in docks:
        assert d.toggleViewAction() in actions, d.windowTitle()
        d.close()
        assert not d.isVisible()
        d.toggleViewAction().trigger()
        assert d.isVisible()


def test_exported_view_uses_the_users_preset(window, qtbot, demo_path: Path, monkeypatch) -> None:
    from replaylens.model.friction_settings import FrictionSettings

    _open(qtbot, window, demo_path)
    user = FrictionSettings().with_overrides(["dead.not_interactive=false", "dead.no_response=false"])
    window.findings.set_settings(user)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    assert not any(f.kind == "dead_click" for f in window.canvas.options.findings)
    seen: dict[str, object] = {}
    import replaylens.export.pdf as pdf

    monkeypatch.setattr(pdf, "export_report", lambda *_a, **kw: seen.update(kw))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a: ("/nonexistent/r.pdf", "")))
    job = window.annotations_ctl.exports
    job.export_pdf()
    for j in list(job.jobs):
        j.wait(10_000)
    assert seen.get("settings") is user


def test_callout_text_edits_in_place_and_undoes(window, qtbot, demo_path: Path) -> None:
    _open(qtbot, window, demo_path)
    t = 67_463
    window.seek(t)
    ctl = window.annotations_ctl
    note = Annotation(kind="text", page=0, x1=600, y1=300, x2=700, y2=200, t_start_ms=t - 2000, t_end_ms=t + 5000,
                      text="Banner is not a link", at_ms=t)
    ctl.add(note)
    window.canvas.repaint()
    g = window.canvas.geometry_now()
    centre = g.to_device(700, 200)
    QTest.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      QPoint(int(centre.x()), int(centre.y())))
    editor = ctl.inline_editor
    assert editor is not None and editor.isVisible() and editor.toPlainText() == "Banner is not a link"
    assert editor.geometry().contains(int(centre.x()), int(centre.y()))
    editor.selectAll()
    QTest.keyClicks(editor, "Looks like a button")
    QTest.keyClick(editor, Qt.Key.Key_Return)  # Enter: a second line
    QTest.keyClicks(editor, "but does nothing")
    assert editor.height() >= 2 * editor.fontMetrics().lineSpacing()  # both lines in view, none scrolled away
    assert editor.verticalScrollBar().value() == 0
    QTest.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Enter: done
    assert ctl.inline_editor is None
    assert ctl.aset.find(note.id).text == "Looks like a button\nbut does nothing"
    assert window.undo_stack.undoText() == "Edit note text"
    window.undo_stack.undo()
    assert ctl.aset.find(note.id).text == "Banner is not a link"
    window.undo_stack.redo()
    assert ctl.aset.find(note.id).text == "Looks like a button\nbut does nothing"
    # Escape drops an edit
    QTest.mouseDClick(window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      QPoint(int(centre.x()), int(centre.y())))
    editor = ctl.inline_editor
    assert editor is not None
    QTest.keyClicks(editor, "scrap")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert ctl.inline_editor is None and ctl.aset.find(note.id).text == "Looks like a button\nbut does nothing"


def test_exported_view_has_the_finding_highlight(window, qtbot, demo_path: Path) -> None:
    """File ▸ Export view: the picture carries the highlight the canvas shows (painted by the frame renderer)."""
    from PySide6.QtCore import QRectF

    from replaylens.render.findings_paint import FINDING_COLORS, RING_PX
    from replaylens.render.frame import FrameOptions

    _open(qtbot, window, demo_path)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    f = next(x for x in window.canvas.options.findings if x.kind == "dead_click")
    t = f.start_ms + 300
    window.seek(t)
    img = window.annotations_ctl.exports.view_image()
    g = window.canvas.renderer.geometry(t, QRectF(0, 0, 1280, 800), FrameOptions())
    at = g.to_device(float(f.x), float(f.y))
    c = img.pixelColor(int(at.x() + RING_PX + 9), int(at.y() - RING_PX + 7))
    ref = QColor(FINDING_COLORS["dead_click"])
    assert max(abs(c.red() - ref.red()), abs(c.green() - ref.green()), abs(c.blue() - ref.blue())) <= 12


def test_session_dock_follows_the_inactivity_setting(window, qtbot, demo_path: Path) -> None:
    from replaylens.analysis.activity import session_active_ms
    from replaylens.core.timefmt import fmt_ms
    from replaylens.ui.preferences import PreferencesDialog

    _open(qtbot, window, demo_path)
    dlg = PreferencesDialog(window)
    ed = dlg.editors["inactivity.gap_ms"]
    ed.setValue(5000)
    dlg.accept()
    s = window.session
    assert _info(window)["Active time"].startswith(fmt_ms(session_active_ms(s.arrays, s.duration_ms, 5000)))
    assert "over 5 s" in _info(window)["Active time"]
