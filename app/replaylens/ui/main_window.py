"""The main window: wires the canvas, timeline, transport, docks and menus to one PlaybackClock. Thin on purpose:
state lives in the model (clock, session), drawing in export.frame, widgets in their own modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QProgressDialog, QSplitter, QWidget

from replaylens.core import kinds as K
from replaylens.core.replay import ReplayIndex, count_le
from replaylens.export.frame import FrameRenderer
from replaylens.model.clock import PlaybackClock
from replaylens.model.session import Session
from replaylens.ui.annotations import attach as attach_annotations
from replaylens.ui.canvas import ReplayCanvas
from replaylens.ui.docks import EventsDock, InfoDock
from replaylens.ui.findings import FindingsController
from replaylens.ui.heatmap_panel import HeatmapPanel
from replaylens.ui.loader import SessionLoader
from replaylens.ui.menus import build_menus
from replaylens.ui.render_job import RenderJob
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
        self.session: Session | None = None
        self.index: ReplayIndex | None = None
        self.clock = PlaybackClock(duration_ms=0)  # the only clock; set_session resets it
        self.undo_stack = QUndoStack(self)
        self.loader = SessionLoader(self)
        self.loader.loaded.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.loader.progress.connect(self._progress)
        self._progress_dialog: QProgressDialog | None = None
        self._keep_time: float | None = None
        self.render_job = RenderJob(self)
        self.render_job.finished.connect(self._rendered)
        self.render_job.failed.connect(self._render_failed)

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

        self.finding_times = np.zeros(0, np.int64)
        self.findings = FindingsController(self)
        self._add_dock("Findings", self.findings.dock, Qt.DockWidgetArea.RightDockWidgetArea)
        self.heatmap_panel = HeatmapPanel(self)
        self._add_dock("Heatmap", self.heatmap_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        build_menus(self)
        self.annotations_ctl = attach_annotations(self)
        self.clock.on_change = self._clock_changed
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self._elapsed = QElapsedTimer()
        self.skipped_ticks = 0
        self.statusBar().showMessage("Open a session: File ▸ Open… (Ctrl+O), or drop a file on the window")
        self.resize(1600, 1000)
        self._restore()

    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower()}")
        dock.setWidget(widget)
        widget.setMinimumWidth(380)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        return dock

    # -- opening --------------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        start = str(self.settings.value("last_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open session", start, FILE_FILTER)
        if path:
            self.open_file(Path(path))

    def open_file(self, path: str | Path) -> None:
        path = Path(path)
        self.render_job.cancel()
        self.settings.setValue("last_dir", str(path.parent))
        self.statusBar().showMessage(f"Opening {path.name}…")
        dlg = QProgressDialog(f"Opening {path.name}…", "Cancel", 0, 100, self)
        dlg.setWindowTitle("Replay Lens")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(400)  # only shows for slow opens
        dlg.canceled.connect(self._cancel_open)
        if self._progress_dialog is not None:
            self._progress_dialog.close()
        self._progress_dialog = dlg
        self.loader.load(path, int(self.settings.value("inactivity_ms", 10_000)))

    def _cancel_open(self) -> None:
        self.loader.cancel()
        self.statusBar().showMessage("Opening cancelled", 4000)

    def _progress(self, fraction: float, message: str) -> None:
        if self._progress_dialog is not None:
            self._progress_dialog.setLabelText(message)
            self._progress_dialog.setValue(int(fraction * 100))

    def _close_progress(self) -> None:
        if self._progress_dialog is not None:
            self._progress_dialog.canceled.disconnect()
            self._progress_dialog.close()
            self._progress_dialog = None

    def _failed(self, path: Path, message: str) -> None:
        self._close_progress()
        self.statusBar().showMessage(f"Could not open {path.name}", 8000)
        box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open session", message, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("open_error")
        box.setInformativeText("The session that was open stays open." if self.session else "")
        box.open()

    def _loaded(self, path: Path, session: Session, index: ReplayIndex, render_to: Path | None) -> None:
        self._close_progress()
        keep = self._keep_time if self._keep_time is not None and self.session is not None \
            and self.session.path == path else None
        self._keep_time = None
        self.set_session(session, index, keep_time=keep)
        self._remember(path)
        if render_to is not None:
            self.render_job.start(path, render_to)
            self.statusBar().showMessage(f"{path.name}: rendering page screenshots in the background "
                                         "(pages show as placeholders until then)…")

    def _rendered(self, src: Path, _bundle: Path) -> None:
        if self.session is not None and self.session.path == src:
            self._keep_time = self.clock.time_ms
            self.loader.load(src, int(self.settings.value("inactivity_ms", 10_000)))

    def _render_failed(self, src: Path, message: str) -> None:
        self.statusBar().showMessage(f"{src.name}: page screenshots could not be rendered: {message}", 15_000)

    def set_session(self, session: Session | None, index: ReplayIndex | None, keep_time: float | None = None) -> None:
        self.pause()
        old = self.session
        self.session, self.index = session, index
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
        self.info_dock.set_session(session, index)
        if old is not session:
            self.session_changed.emit(session)
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

    def recent_changed(self) -> None:  # replaced by menus.build_menus
        pass

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

    def _toggle_loop(self, on: bool) -> None:
        if on and self.session is not None:
            t = self.clock.time_ms
            rng = (max(0.0, t - 5000), min(float(self.clock.duration_ms), t + 5000))
            self.clock.set_loop(*rng)
            self.timeline.set_loop(rng)
        else:
            self.clock.set_loop(None)
            self.timeline.set_loop(None)

    def jump(self, direction: int) -> None:
        """Seek to the previous/next event of the kind chosen in the transport bar."""
        if self.session is None:
            return
        times = self.jump_times(str(self.transport.jump_kind.currentData()))
        t = self.clock.time_ms
        if direction > 0:
            i = count_le(times, t)
            if i < len(times):
                self.seek(float(times[i]))
        else:
            i = count_le(times, t - 301) - 1  # 300 ms grace: a second press goes further back
            if i >= 0:
                self.seek(float(times[i]))

    def jump_times(self, key: str) -> np.ndarray:
        a = self.session.arrays if self.session is not None else None
        if a is None:
            return np.zeros(0, np.int64)
        if key == "interaction":
            mask = np.isin(a.kind, [K.CLICK, K.DBLCLICK, K.INPUT, K.NAVIGATE, K.SUBMIT, K.ERROR, K.CUSTOM])
        elif key == "finding":
            return np.asarray(getattr(self, "finding_times", np.zeros(0, np.int64)))
        else:
            mask = a.mask(key)
        return a.t[mask]

    def _clock_changed(self, clock: PlaybackClock) -> None:
        self.canvas.set_time(clock.time_ms)
        self.timeline.set_time(clock.time_ms)
        self.transport.show_clock(clock)
        self.events_dock.follow(clock.time_ms)
        self.time_changed.emit(clock.time_ms)

    # -- window state ---------------------------------------------------------------------------------------
    def _restore(self) -> None:
        geo = self.settings.value("geometry")
        state = self.settings.value("window_state")
        if geo is not None:
            self.restoreGeometry(geo)
        self._default_layout()
        if state is not None:
            self.restoreState(state, STATE_VERSION)  # a layout saved by another version is ignored

    def _default_layout(self) -> None:
        """Two tab groups on the right: what happened (findings, events) above, the tools below."""
        ann = self.findChild(QDockWidget, "dock_annotations") or self.annotations_ctl.dock
        if ann.objectName() not in self.docks:
            self.docks["Annotations"] = ann
        top = [self.docks["Findings"], self.docks["Events"]]
        bottom = [self.docks["Heatmap"], ann, self.docks["Session"]]
        for d in top + bottom:
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d)
        self.splitDockWidget(top[0], bottom[0], Qt.Orientation.Vertical)
        for group in (top, bottom):
            for d in group[1:]:
                self.tabifyDockWidget(group[0], d)
            group[0].raise_()
        QTimer.singleShot(0, lambda: (self.resizeDocks([top[0]], [470], Qt.Orientation.Horizontal),
                                      self.resizeDocks([top[0], bottom[0]], [520, 400], Qt.Orientation.Vertical)))

    def closeEvent(self, event: Any) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState(STATE_VERSION))
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save annotations, stop playback and every background job (and wait for their threads)."""
        self.annotations_ctl.save_now()
        self.timer.stop()
        self.loader.cancel()
        self.loader.wait()
        self.render_job.cancel()
        self.findings.job.cancel()
        self.findings.job.wait()
        self.heatmap_panel.job.cancel()
        self.heatmap_panel.job.wait()
        self.library_ctl.close_library()

    # -- drag and drop --------------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        files = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if files:
            e.acceptProposedAction()
            self.open_file(Path(files[0]))


def shortcut(window: QMainWindow, text: str, keys: str | QKeySequence.StandardKey, slot: Any,
             tip: str = "") -> QAction:
    act = QAction(text, window)
    act.setShortcut(QKeySequence(keys))
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    act.triggered.connect(slot)
    if tip:
        act.setToolTip(tip)
    window.addAction(act)
    return act
