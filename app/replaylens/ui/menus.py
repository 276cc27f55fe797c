"""Menus and keyboard shortcuts of the main window."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

from replaylens import __version__
from replaylens.assets import doc
from replaylens.ui.library import attach as attach_library

if TYPE_CHECKING:
    from replaylens.ui.main_window import MainWindow

SHORTCUTS_HELP = """<table cellpadding=3>
<tr><td><b>Space</b>, <b>K</b></td><td>play / pause</td></tr>
<tr><td><b>L</b></td><td>play; press again to go faster</td></tr>
<tr><td><b>J</b></td><td>back 10 s</td></tr>
<tr><td><b>← / →</b></td><td>back / forward 5 s</td></tr>
<tr><td><b>Shift+← / Shift+→</b></td><td>previous / next event of the kind chosen in the transport bar</td></tr>
<tr><td><b>Home / End</b></td><td>start / end of the session</td></tr>
<tr><td><b>[ / ]</b></td><td>slower / faster (0.25× – 16×)</td></tr>
<tr><td><b>V</b></td><td>follow the viewport / whole page</td></tr>
<tr><td><b>Ctrl+] / Ctrl+[</b></td><td>next / previous session of the Library window's segment</td></tr>
<tr><td><b>F</b></td><td>fit; <b>Ctrl+wheel</b> zoom, drag to pan</td></tr>
</table>"""


def _act(w: MainWindow, menu: object, text: str, slot: object, keys: object = None, name: str = "") -> QAction:
    act = QAction(text, w)
    if keys is not None:
        seqs = keys if isinstance(keys, list) else [keys]
        act.setShortcuts([QKeySequence(k) for k in seqs])  # type: ignore[arg-type]
    act.triggered.connect(slot)  # type: ignore[arg-type]
    if name:
        act.setObjectName(name)
    menu.addAction(act)  # type: ignore[attr-defined]
    w.addAction(act)  # shortcuts work wherever focus is in the window
    return act


def build_menus(w: MainWindow) -> None:
    mb = w.menuBar()
    f = mb.addMenu("&File")
    _act(w, f, "&Open…", w.open_dialog, QKeySequence.StandardKey.Open, "act_open")
    recent = f.addMenu("Open &Recent")
    recent.setObjectName("menu_recent")

    def refresh_recent() -> None:
        recent.clear()
        files = w.recent_files()
        for p in files:
            a = recent.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: w.open_file(Path(p)))
        recent.setEnabled(bool(files))
        if files:
            recent.addSeparator()
            recent.addAction("Clear list", lambda: (w.settings.setValue("recent", []), refresh_recent()))

    w.recent_changed = refresh_recent  # type: ignore[method-assign]
    refresh_recent()
    f.addSeparator()
    w.library_ctl = attach_library(w, f)  # Open Library…, next / previous session in the segment
    f.addSeparator()
    w.file_export_menu = f  # export actions are added by the annotations package
    _act(w, f, "&Close session", lambda: w.set_session(None, None), QKeySequence.StandardKey.Close)
    _act(w, f, "&Quit", w.close, QKeySequence.StandardKey.Quit)

    e = mb.addMenu("&Edit")
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    e.addAction(undo)
    e.addAction(redo)
    e.addSeparator()
    _act(w, e, "&Preferences…", w.show_preferences, QKeySequence.StandardKey.Preferences, "act_prefs")
    w.edit_menu = e

    v = mb.addMenu("&View")
    _act(w, v, "Follow viewport / whole page", lambda: w.transport.mode.setCurrentIndex(
        1 - w.transport.mode.currentIndex()), "V")
    _act(w, v, "&Fit", w.canvas.fit, "F")
    _act(w, v, "Show &heatmap", w.heatmap_panel.toggle, "Ctrl+H")
    _act(w, v, "Fit page &width", w.canvas.fit_width, "Shift+F")
    _act(w, v, "Zoom &in", lambda: w.canvas.zoom_by(1.25), QKeySequence.StandardKey.ZoomIn)
    _act(w, v, "Zoom &out", lambda: w.canvas.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut)
    v.addSeparator()
    trail = v.addMenu("Cursor &trail")
    for secs in (0, 1, 3, 5, 10):
        a = trail.addAction("Off" if secs == 0 else f"{secs} s")
        a.triggered.connect(lambda _=False, s=secs: (setattr(w.canvas.options, "trail_s", float(s)),
                                                     w.canvas.update()))
    v.addSeparator()
    w.view_menu = v
    sync_dock_actions(w)
    v.aboutToShow.connect(lambda: sync_dock_actions(w))  # docks added later (annotations) are listed too

    p = mb.addMenu("&Playback")
    _act(w, p, "Play / pause", w.toggle_play, ["Space", "K"], "act_play")
    _act(w, p, "Play / faster", lambda: _play_faster(w), "L")
    _act(w, p, "Back 10 s", lambda: w.step(-10_000), "J")
    _act(w, p, "Back 5 s", lambda: w.step(-5000), "Left")
    _act(w, p, "Forward 5 s", lambda: w.step(5000), "Right")
    _act(w, p, "Previous event", lambda: w.jump(-1), "Shift+Left")
    _act(w, p, "Next event", lambda: w.jump(1), "Shift+Right")
    _act(w, p, "Start", lambda: w.seek(0), "Home")
    _act(w, p, "End", lambda: w.seek(w.clock.duration_ms), "End")
    _act(w, p, "Slower", w.clock_slower, "[")
    _act(w, p, "Faster", w.clock_faster, "]")

    h = mb.addMenu("&Help")
    _act(w, h, "Keyboard shortcuts", lambda: QMessageBox.information(w, "Keyboard shortcuts", SHORTCUTS_HELP),
         QKeySequence.StandardKey.HelpContents)
    _act(w, h, "Session file format", lambda: _open_doc(w, "format.md"))
    _act(w, h, "About Replay Lens", lambda: QMessageBox.about(
        w, "About Replay Lens", f"<b>Replay Lens {__version__}</b><br>Session replay, heatmaps and friction "
        "signals for recorded web sessions.<br>Works offline; never sends data anywhere."))
    _act(w, h, "About Qt", QApplication.aboutQt)


def sync_dock_actions(w: MainWindow) -> None:
    """Give every dock of the window a show/hide entry in the View menu (a closed panel comes back from there)."""
    menu = w.view_menu
    present = set(menu.actions())
    for dock in w.findChildren(QDockWidget):
        act = dock.toggleViewAction()
        if act not in present:
            act.setText(f"{dock.windowTitle()} panel")
            menu.addAction(act)


def _open_doc(w: MainWindow, name: str) -> None:
    path = doc(name)
    if path is None:
        QMessageBox.information(w, "Replay Lens", f"This installation does not include the documentation ({name}).")
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _play_faster(w: MainWindow) -> None:
    if w.clock.playing:
        w.clock_faster()
    else:
        w.toggle_play()
