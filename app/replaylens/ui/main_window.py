"""The main window: wires the canvas, timeline, transport, docks and menus to one PlaybackClock. Thin on purpose:
state lives in the model (clock, session), drawing in render.frame, widgets in their own modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QStatusTipEvent, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QSplitter, QWidget

from replaylens.core.replay import ReplayIndex
from replaylens.core.timefmt import fmt_duration
from replaylens.model.clock import PlaybackClock
from replaylens.model.session import Session
from replaylens.render.frame import FrameRenderer
from replaylens.ui.actions import ActionRegistry
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
from replaylens.ui.progress import JobProgress
from replaylens.ui.render_job import RenderJob
from replaylens.ui.state import ViewerState, setting_int
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
        self.loader = SessionLoader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.loader.progress.connect(self._progress)
        self._open_progress: JobProgress | None = None  # the surface of the open in flight (one owner per job)
        self._render_progress: JobProgress | None = None
        self._keep_time: float | None = None
        self.render_job = RenderJob(self)
        self.render_job.finished.connect(self._rendered)
        self.render_job.failed.connect(self._render_failed)
        self.render_job.first_ready.connect(self._first_rendered)

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
            self.registry, self.state, self, self.timeline, self.set_session, menu))
        self.annotations_ctl = attach_annotations(self)
        self.docks.setdefault("Annotations", self.annotations_ctl.dock)  # type: ignore[attr-defined]
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
        path = Path(path)
        self.render_job.cancel()
        self._close_render_progress()
        self.settings.setValue("last_dir", str(path.parent))
        self.statusBar().showMessage(f"Opening {path.name}…")
        self._start_load(path)

    def _start_load(self, path: Path) -> None:
        """Open ``path`` in the loader with a progress surface of its own; a newer open supersedes this one."""
        self._close_progress()  # superseded: the older job's surface goes now, whatever its thread still does
        prog = JobProgress(self, f"Opening {path.name}…")
        prog.setObjectName("open_progress")
        prog.cancel_requested.connect(self._cancel_open)
        self._open_progress = prog
        worker = self.loader.load(path, setting_int(self.settings, "inactivity_ms", 10_000))
        worker.finished.connect(prog.close)  # the surface cannot outlive its job, whatever the outcome

    def _cancel_open(self) -> None:
        self.loader.cancel()
        self._close_progress()
        self._keep_time = None
        self.statusBar().showMessage("Opening cancelled", 4000)

    def _progress(self, fraction: float, message: str) -> None:
        if self._open_progress is not None:
            self._open_progress.update(fraction, message)

    def _close_progress(self) -> None:
        prog, self._open_progress = self._open_progress, None
        if prog is not None:
            prog.close()

    def _close_render_progress(self) -> None:
        prog, self._render_progress = self._render_progress, None
        if prog is not None:
            prog.close()

    def _failed(self, path: Path, message: str) -> None:
        self._close_progress()
        self._keep_time = None
        self.statusBar().showMessage(f"Could not open {path.name}", 8000)
        box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open session", message, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("open_error")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText("The session that was open stays open." if self.session else "")
        box.open()

    def _loaded(self, path: Path, session: Session, index: ReplayIndex, render_to: Path | None) -> None:
        self._close_progress()
        keep = self._keep_time if self._keep_time is not None and self.session is not None \
            and self.session.path == path else None
        self._keep_time = None
        self.set_session(session, index, keep_time=keep)
        self._remember(path)
        if render_to is not None and not self.render_job.matches(path, render_to):  # (early bundle: job goes on)
            self._close_render_progress()
            self.render_job.start(path, render_to)
            prog = JobProgress(self, "Rendering page screenshots…")
            prog.setObjectName("render_progress")
            prog.set_busy()
            prog.cancel_requested.connect(self._cancel_render)
            self._render_progress = prog
            self.statusBar().showMessage(f"{path.name}: rendering page screenshots in the background "
                                         "(pages show as placeholders until then)…")

    def _cancel_render(self) -> None:
        self.render_job.cancel()
        self._close_render_progress()
        self.statusBar().showMessage("Rendering page screenshots cancelled: pages stay placeholders", 6000)

    def _rendered(self, src: Path, _bundle: Path) -> None:
        self._close_render_progress()
        if self.session is not None and self.session.path == src:
            self._keep_time = self.clock.time_ms
            self._start_load(src)

    def _first_rendered(self, src: Path, _bundle: Path) -> None:
        """The first screenshots are ready (the DOM keyframes still render): show them now, keeping the time."""
        if self.session is not None and self.session.path == src:
            self._keep_time = self.clock.time_ms
            self._start_load(src)

    def _render_failed(self, src: Path, message: str) -> None:
        self._close_render_progress()
        self.statusBar().showMessage(f"{src.name}: page screenshots could not be rendered: {message}", 15_000)

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
        self._close_progress()
        self._close_render_progress()
        self.loader.cancel()
        self.render_job.cancel()
        self.findings.job.cancel()
        self.heatmap_panel.job.cancel()
        exports = getattr(self.annotations_ctl, "exports", None)
        if exports is not None:
            exports.shutdown()
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

