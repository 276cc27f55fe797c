"""The main window: wires the canvas, timeline, transport, docks and menus to one PlaybackClock. Thin on purpose:
state lives in the model (clock, session), drawing in render.frame, widgets in their own modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QStatusTipEvent, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QSplitter, QWidget

from replaylens.core.replay import ReplayIndex
from replaylens.core.timefmt import fmt_duration
from replaylens.model.clock import PlaybackClock
from replaylens.model.session import Session
from replaylens.render.frame import FrameRenderer
from replaylens.ui.actions import ActionRegistry
from replaylens.ui.annotations import Viewer
from replaylens.ui.annotations import attach as attach_annotations
from replaylens.ui.canvas import ReplayCanvas
from replaylens.ui.docks import EventsDock, InfoDock
from replaylens.ui.findings import FindingsController, show_findings
from replaylens.ui.geometry import fit_to_screen
from replaylens.ui.heatmap_panel import HeatmapPanel
from replaylens.ui.layout import restore_layout
from replaylens.ui.library import attach as attach_library
from replaylens.ui.loader import SessionLoader
from replaylens.ui.menus import build_menus, register_actions, sync_dock_actions
from replaylens.ui.playback import jump_target, jump_times, loop_range, skip_message
from replaylens.ui.state import ViewerState
from replaylens.ui.timeline import Timeline
from replaylens.ui.transport import TransportBar

FILE_FILTER = "Sessions (*.rlsession *.json *.json.gz *.ndjson *.jsonl);;All files (*)"
MAX_RECENT = 10
TICK_MS = 16
STATE_VERSION = 2  # bump when docks change: saved layouts of older versions are then ignored


class MainWindow(QMainWindow):
    session_changed = Signal(object)
    time_changed = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Replay Lens")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.clock = PlaybackClock(duration_ms=0)  # the only clock; set_session resets it
        self.state = ViewerState(self.clock, self.settings, self)  # what the panels read and follow
        self.state.session_changed.connect(self.session_changed)
        self.state.time_changed.connect(self.time_changed)
        self.state.seek_requested.connect(self.seek)
        self.state.message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.registry = ActionRegistry(self)  # named actions; the menus are built from it
        self.undo_stack = QUndoStack(self)
        self.loader = SessionLoader(self, self.state, self.set_session)  # every open goes through it
        self.loader.loaded.connect(lambda path, _opened: self._remember(path))
        self.render_job = self.loader.render_job  # the page pictures of an opened recording

        self.canvas = ReplayCanvas()
        self.timeline = Timeline()
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.loop_changed.connect(lambda r: self.clock.set_loop(*r))
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("main_split")
        split.addWidget(self.canvas)
        split.addWidget(self.timeline)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.setCentralWidget(split)

        self.transport = TransportBar(self)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.transport)
        self.transport.play_toggled.connect(self.toggle_play)
        self.transport.speed_chosen.connect(self.clock.set_speed)
        self.transport.skip_toggled.connect(self._set_skip)
        self.transport.jump.connect(self.jump)
        self.transport.loop_toggled.connect(self._toggle_loop)
        self.transport.mode_chosen.connect(self.canvas.set_mode)

        self.events_dock = EventsDock()
        self.events_dock.seek_requested.connect(self.seek)
        self.info_dock = InfoDock()
        self.info_dock.set_session(None, None)
        self.docks: dict[str, QDockWidget] = {}
        self._add_dock("Events", self.events_dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("Session", self.info_dock, Qt.DockWidgetArea.RightDockWidgetArea)

        self.findings = FindingsController(self.state, self)
        self.state.findings_changed.connect(lambda fs: show_findings(self.timeline, self.canvas, fs))
        self._add_dock("Findings", self.findings.dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.heatmap_panel = HeatmapPanel(self.state, self.canvas)
        self._add_dock("Heatmap", self.heatmap_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        register_actions(self.registry, self, self)
        self.recent_changed, self.library_ctl = build_menus(self.registry, self, self, lambda menu: attach_library(
            self.registry, self.state, self, self.timeline, self.loader, menu))
        self.annotations_ctl = attach_annotations(Viewer(self, self.state, self.canvas, self.undo_stack,
                                                         self.file_export_menu))
        self.docks.setdefault("Annotations", self.annotations_ctl.dock)
        sync_dock_actions(self, self.view_menu)
        self.clock.on_change = self._clock_changed
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._elapsed = QElapsedTimer()
        self.skipped_ticks = 0
        self.statusBar().showMessage("Open a session: File ▸ Open… (Ctrl+O), or drop a file on the window")
        fit_to_screen(self, 1600, 1000)  # at most the screen it opens on
        restore_layout(self, self.settings, self.docks, STATE_VERSION)

    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        widget.setMinimumWidth(380)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    # -- what the window shows (the state object holds it) and its named menus ------------------------------
    session = property(lambda self: self.state.session)
    index = property(lambda self: self.state.index)
    finding_times = property(lambda self: self.state.finding_times)
    view_menu = property(lambda self: self.registry.menu("view"))
    edit_menu = property(lambda self: self.registry.menu("edit"))
    file_export_menu = property(lambda self: self.registry.menu("file.export"))  # File ▸ Export goes here

    # -- opening --------------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open session", start, FILE_FILTER)
        if path:
            self.open_file(Path(path))

    def open_file(self, path: str | Path) -> None:
        self.loader.open_file(path)

    def set_session(self, session: Session | None, index: ReplayIndex | None, keep_time: float | None = None) -> None:
        self.pause()
        old = self.session
        self.state.set_session(session, index)
        self.undo_stack.clear()
        self.transport.loop.setChecked(False)
        if session is None or index is None:
            self.canvas.set_renderer(None)
            self.clock.reset(0)
        else:
            self.canvas.set_renderer(FrameRenderer(session, index))
            self.setWindowTitle(f"{session.path.name} — Replay Lens")
            warn = f" · {len(session.report.warnings)} import notes (Session dock)" if session.report.warnings else ""
            self.statusBar().showMessage(
                f"{session.path.name}: {len(session.arrays):,} events, {len(session.pages)} pages{warn}")
        self.timeline.set_session(session, index)
        self.events_dock.set_session(session)
        self.info_dock.set_session(session, index, self.findings.settings.inactivity.gap_ms)
        if old is not session:
            self.state.announce_session()  # the panels follow (findings, heatmap, annotations)
        if session is not None and index is not None:  # one clock for the window's life: widgets stay bound to it
            self.clock.reset(session.duration_ms, index.gap_start, index.gap_end, keep_time or 0.0)
        if old is not None and old is not session:
            old.close()

    # -- recent files ---------------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        v = self.settings.value("recent", [])
        return [str(x) for x in (v if isinstance(v, list) else [v] if v else [])]

    def _remember(self, path: Path) -> None:
        items = [str(path.resolve())] + [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self.recent_changed()

    # -- playback -------------------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.session is None:
            return
        self.clock.toggle()
        if self.clock.playing:
            self._elapsed.start()
            self.timer.start(TICK_MS)
        else:
            self.timer.stop()

    def pause(self) -> None:
        self.clock.pause()
        self.timer.stop()

    def _tick(self) -> None:
        dt = self._elapsed.restart() / 1000.0
        if self.canvas.painting:  # still drawing the last frame: skip a tick, keep the rate
            self.skipped_ticks += 1
            return
        self.clock.advance(dt)
        if not self.clock.playing:
            self.timer.stop()

    def seek(self, t_ms: float) -> None:
        self.clock.seek(t_ms)

    def step(self, delta_ms: float) -> None:
        self.clock.step(delta_ms)

    def apply_inactivity(self, inactivity_ms: int) -> None:
        """Recompute the idle gaps with a new threshold (the index is cheap to rebuild) and keep the time."""
        from replaylens.model.replay import replay_index

        if self.session is None:
            return
        t = self.clock.time_ms
        self.set_session(self.session, replay_index(self.session, inactivity_ms), keep_time=t)

    def show_preferences(self) -> None:
        from replaylens.ui.preferences import PreferencesDialog

        PreferencesDialog(self).exec()

    def clock_faster(self) -> None:
        self.clock.faster()

    def clock_slower(self) -> None:
        self.clock.slower()

    def _set_skip(self, on: bool) -> None:
        self.clock.skip_inactivity = on
        if self.session is not None:
            self.statusBar().showMessage(skip_message(self.clock, on), 6000)

    def _toggle_loop(self, on: bool) -> None:
        rng = loop_range(self.clock.time_ms, self.clock.duration_ms) if on and self.session is not None else None
        self.clock.set_loop(*rng) if rng is not None else self.clock.set_loop(None)
        self.timeline.set_loop(rng)

    def jump(self, direction: int) -> None:
        """Seek to the previous/next event of the kind chosen in the transport bar."""
        if self.session is not None:
            t = jump_target(self.jump_times(str(self.transport.jump_kind.currentData())), self.clock.time_ms,
                            direction)
            if t is not None:
                self.seek(t)

    def jump_times(self, key: str) -> np.ndarray:
        return jump_times(self.session, self.state.finding_times, key)

    def _clock_changed(self, clock: PlaybackClock) -> None:
        self.canvas.set_time(clock.time_ms)
        self.timeline.set_time(clock.time_ms)
        self.transport.show_clock(clock)
        self.events_dock.follow(clock.time_ms)
        self.state.notify_time(clock.time_ms)
        if clock.last_skip is not None:
            a, b = clock.last_skip
            clock.last_skip = None
            self.statusBar().showMessage(f"Skipped {fmt_duration(b - a)} of inactivity", 6000)

    def closeEvent(self, event: Any) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState(STATE_VERSION))
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save annotations, stop playback, every timer and background job, and wait for their threads. Called by
        closeEvent; safe to call more than once."""
        self.annotations_ctl.save_now()
        self.timer.stop()
        self.clock.pause()
        self.loader.cancel()
        self.findings.job.cancel()
        self.heatmap_panel.job.cancel()
        self.annotations_ctl.exports.shutdown()
        self.loader.shutdown()
        self.findings.job.shutdown()
        self.heatmap_panel.job.shutdown()
        self.library_ctl.close_library()
        self.statusBar().clearMessage()  # its timeout timer goes with it

    def event(self, e: QEvent) -> bool:
        # Hovering a menu item without a status tip (View ▸ Show heatmap…) sends an empty tip, which would wipe
        # the status bar's message: keep the message unless an item has something to say.
        if e.type() == QEvent.Type.StatusTip and isinstance(e, QStatusTipEvent) and not e.tip():
            return True
        return super().event(e)

    # -- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        files = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if files:
            e.acceptProposedAction()
            self.open_file(Path(files[0]))

