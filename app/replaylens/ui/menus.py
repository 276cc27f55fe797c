"""The main window's named actions (in the ``ActionRegistry``) and the menus built from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMenu, QMessageBox, QWidget

from replaylens import __version__
from replaylens.assets import doc
from replaylens.ui.actions import SEPARATOR, ActionRegistry

if TYPE_CHECKING:
    from replaylens.core.replay import ReplayIndex
    from replaylens.model.clock import PlaybackClock
    from replaylens.model.session import Session
    from replaylens.ui.canvas import ReplayCanvas
    from replaylens.ui.heatmap_panel import HeatmapPanel
    from replaylens.ui.transport import TransportBar

T = TypeVar("T")

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


class Viewer(Protocol):
    """What the menus drive: the main window's commands and the widgets the View menu acts on."""

    settings: QSettings
    clock: PlaybackClock
    canvas: ReplayCanvas
    transport: TransportBar
    heatmap_panel: HeatmapPanel
    undo_stack: QUndoStack

    def open_dialog(self) -> None: ...
    def open_file(self, path: str | Path) -> None: ...
    def recent_files(self) -> list[str]: ...
    def set_session(self, session: Session | None, index: ReplayIndex | None,
                    keep_time: float | None = None) -> None: ...
    def show_preferences(self) -> None: ...
    def toggle_play(self) -> None: ...
    def clock_faster(self) -> None: ...
    def clock_slower(self) -> None: ...
    def step(self, delta_ms: float) -> None: ...
    def jump(self, direction: int) -> None: ...
    def seek(self, t_ms: float) -> None: ...


def register_actions(reg: ActionRegistry, w: QMainWindow, v: Viewer) -> None:
    """The viewer's own named actions (panels add theirs)."""
    Std = QKeySequence.StandardKey
    reg.add("file.open", "&Open…", v.open_dialog, Std.Open, object_name="act_open")
    reg.add("file.close", "&Close session", lambda: v.set_session(None, None), Std.Close)
    reg.add("file.quit", "&Quit", w.close, Std.Quit)
    undo = v.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence(Std.Undo))
    redo = v.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcut(QKeySequence(Std.Redo))
    reg.adopt("edit.undo", undo)
    reg.adopt("edit.redo", redo)
    reg.add("edit.preferences", "&Preferences…", v.show_preferences, Std.Preferences, object_name="act_prefs")
    reg.add("view.mode", "Follow viewport / whole page",
            lambda: v.transport.mode.setCurrentIndex(1 - v.transport.mode.currentIndex()), "V")
    reg.add("view.fit", "&Fit", v.canvas.fit, "F")
    reg.add("view.heatmap", "Show &heatmap", v.heatmap_panel.toggle, "Ctrl+H")
    reg.add("view.fit_width", "Fit page &width", v.canvas.fit_width, "Shift+F")
    reg.add("view.zoom_in", "Zoom &in", lambda: v.canvas.zoom_by(1.25), Std.ZoomIn)
    reg.add("view.zoom_out", "Zoom &out", lambda: v.canvas.zoom_by(0.8), Std.ZoomOut)
    reg.add("play.toggle", "Play / pause", v.toggle_play, ["Space", "K"], object_name="act_play")
    reg.add("play.faster_or_play", "Play / faster", lambda: _play_faster(v), "L")
    reg.add("play.back10", "Back 10 s", lambda: v.step(-10_000), "J")
    reg.add("play.back5", "Back 5 s", lambda: v.step(-5000), "Left")
    reg.add("play.forward5", "Forward 5 s", lambda: v.step(5000), "Right")
    reg.add("play.prev_event", "Previous event", lambda: v.jump(-1), "Shift+Left")
    reg.add("play.next_event", "Next event", lambda: v.jump(1), "Shift+Right")
    reg.add("play.start", "Start", lambda: v.seek(0), "Home")
    reg.add("play.end", "End", lambda: v.seek(v.clock.duration_ms), "End")
    reg.add("play.slower", "Slower", v.clock_slower, "[")
    reg.add("play.faster", "Faster", v.clock_faster, "]")
    reg.add("help.shortcuts", "Keyboard shortcuts",
            lambda: QMessageBox.information(w, "Keyboard shortcuts", SHORTCUTS_HELP), Std.HelpContents)
    reg.add("help.format", "Session file format", lambda: _open_doc(w, "format.md"))
    reg.add("help.about", "About Replay Lens", lambda: QMessageBox.about(
        w, "About Replay Lens", f"<b>Replay Lens {__version__}</b><br>Session replay, heatmaps and friction "
        "signals for recorded web sessions.<br>Works offline; never sends data anywhere."))
    reg.add("help.about_qt", "About Qt", QApplication.aboutQt)


def build_menus(reg: ActionRegistry, w: QMainWindow, v: Viewer,
                library: Callable[[QMenu], T]) -> tuple[Callable[[], None], T]:
    """The menu bar from the registry; names the menus ``file``, ``file.export``, ``edit``, ``view``.
    ``library(file_menu)`` adds the library entries. Returns the function that refreshes Open Recent and what
    ``library`` returned."""
    mb = w.menuBar()
    f = reg.add_menu("file", mb.addMenu("&File"))
    reg.fill(f, ["file.open"])
    recent = f.addMenu("Open &Recent")
    recent.setObjectName("menu_recent")

    def refresh_recent() -> None:
        recent.clear()
        files = v.recent_files()
        for p in files:
            a = recent.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: v.open_file(Path(p)))
        recent.setEnabled(bool(files))
        if files:
            recent.addSeparator()
            recent.addAction("Clear list", clear_recent)

    def clear_recent() -> None:
        v.settings.setValue("recent", [])
        refresh_recent()

    refresh_recent()
    f.addSeparator()
    lib = library(f)  # Open Library…, next / previous session in the segment
    f.addSeparator()
    reg.add_menu("file.export", f)  # export actions are added by the annotations package
    reg.fill(f, ["file.close", "file.quit"])
    e = reg.add_menu("edit", mb.addMenu("&Edit"))
    reg.fill(e, ["edit.undo", "edit.redo", SEPARATOR, "edit.preferences"])
    vm = reg.add_menu("view", mb.addMenu("&View"))
    reg.fill(vm, ["view.mode", "view.fit", "view.heatmap", "view.fit_width", "view.zoom_in", "view.zoom_out",
                  SEPARATOR])
    trail = vm.addMenu("Cursor &trail")
    for secs in (0, 1, 3, 5, 10):
        a = trail.addAction("Off" if secs == 0 else f"{secs} s")
        a.triggered.connect(lambda _=False, s=secs: _set_trail(v.canvas, float(s)))
    vm.addSeparator()
    sync_dock_actions(w, vm)
    vm.aboutToShow.connect(lambda: sync_dock_actions(w, vm))  # docks added later (annotations) are listed too
    p = reg.add_menu("playback", mb.addMenu("&Playback"))
    reg.fill(p, ["play.toggle", "play.faster_or_play", "play.back10", "play.back5", "play.forward5",
                 "play.prev_event", "play.next_event", "play.start", "play.end", "play.slower", "play.faster"])
    h = reg.add_menu("help", mb.addMenu("&Help"))
    reg.fill(h, ["help.shortcuts", "help.format", "help.about", "help.about_qt"])
    return refresh_recent, lib


def sync_dock_actions(w: QMainWindow, menu: QMenu) -> None:
    """Give every dock of the window a show/hide entry in the View menu (a closed panel comes back from there)."""
    present = set(menu.actions())
    for dock in w.findChildren(QDockWidget):
        act = dock.toggleViewAction()
        if act not in present:
            act.setText(f"{dock.windowTitle()} panel")
            menu.addAction(act)


def _set_trail(canvas: ReplayCanvas, seconds: float) -> None:
    canvas.options.trail_s = seconds
    canvas.update()


def _open_doc(w: QWidget, name: str) -> None:
    path = doc(name)
    if path is None:
        QMessageBox.information(w, "Replay Lens", f"This installation does not include the documentation ({name}).")
        return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _play_faster(w: Viewer) -> None:
    if w.clock.playing:
        w.clock_faster()
    else:
        w.toggle_play()
