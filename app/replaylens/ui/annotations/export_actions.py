"""File-menu exports: view/full-page PNG, clipboard, PDF report, batch PNGs, and clips.

Long exports (clip, report, batch) run on the exports' job runner (``ui.jobs``) on a snapshot of the
annotations with their own ``FrameRenderer`` (the viewer's renderer stays the GUI thread's), report progress
to a non-modal status-bar ``JobProgress`` (one per job, closed on every outcome) whose Cancel sets the job's
cancel token (checked before every frame), so the viewer never blocks and a cancelled clip leaves no partial
file.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from replaylens.core.timefmt import fmt_ms, parse_time
from replaylens.errors import ReplayLensError
from replaylens.model.annotations import AnnotationSet
from replaylens.ui.jobs import CancelToken, Progress, QtJobRunner, describe_plain
from replaylens.ui.progress import JobProgress

if TYPE_CHECKING:
    from replaylens.ui.annotations.controller import AnnotationController

Job = Callable[[Callable[[float], None], CancelToken], Any]  # fn(progress fraction, cancel token)


class ExportJob(QObject):
    """Runs ``fn(progress, cancel)`` on the exports' job runner; ``progressed(int permille)``, then ``done(result)``
    or ``failed(message)`` (``failed("")`` when cancelled), then ``finished()``. ``cancel`` is the job's token (a
    ``threading.Event``): the exporters check it before every frame."""

    progressed = Signal(int)
    done = Signal(object)
    failed = Signal(str)
    finished = Signal()

    def __init__(self, runner: QtJobRunner, fn: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)

        def work(token: CancelToken, progress: Progress) -> Any:
            return fn(lambda f: None if token.cancelled else progress(f, ""), token)

        self.job = runner.submit(("export", id(self)), work)
        self.cancel: CancelToken = self.job.token
        self.job.progressed.connect(lambda f, _m: self.progressed.emit(int(f * 1000)))
        self.job.done.connect(self.done)
        self.job.failed.connect(self.failed)
        self.job.cancelled.connect(lambda: self.failed.emit(""))
        self.job.finished.connect(self.finished)

    def wait(self, ms: int = 10_000) -> bool:
        return self.job.wait(ms)


class ClipDialog(QDialog):
    """Range (defaults: the loop range, else t-5 s .. t+10 s), speed, format and size of a clip."""

    def __init__(self, parent: QWidget, start_ms: float, end_ms: float, duration_ms: int) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export clip")
        self.duration_ms = duration_ms
        form = QFormLayout(self)
        self.start = QLineEdit(fmt_ms(start_ms))
        self.end = QLineEdit(fmt_ms(end_ms))
        self.speed = QComboBox()
        for s in (1, 2, 4, 8):
            self.speed.addItem(f"{s}×", float(s))
        self.fmt = QComboBox()
        self.fmt.addItem("MP4 (H.264) — plays everywhere", ".mp4")
        self.fmt.addItem("WebM (VP9)", ".webm")
        self.frame_size = QComboBox()  # (not ``size``: that is QWidget.size())
        for w, h in ((1280, 720), (1920, 1080), (854, 480)):
            self.frame_size.addItem(f"{w} × {h}", (w, h))
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        form.addRow("Speed", self.speed)
        form.addRow("Format", self.fmt)
        form.addRow("Size", self.frame_size)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[int, int, float, str, tuple[int, int]]:
        """(start ms, end ms, speed, extension, size); ValueError with a readable message."""
        t0, t1 = parse_time(self.start.text()), parse_time(self.end.text())
        if t1 <= t0:
            raise ValueError("the end must be after the start")
        if t0 >= self.duration_ms:
            raise ValueError(f"the start is past the end of the session ({fmt_ms(self.duration_ms)})")
        w, h = self.frame_size.currentData()
        return t0, min(t1, self.duration_ms), float(self.speed.currentData()), str(self.fmt.currentData()), \
            (int(w), int(h))

    def _accept(self) -> None:
        try:
            self.values()
        except ValueError as exc:
            QMessageBox.warning(self, "Export clip", str(exc))
            return
        self.accept()


class ExportActions:
    """Adds the export actions to the File ▸ Export menu the viewer names (else a File menu of its own)."""

    def __init__(self, ctl: AnnotationController) -> None:
        self.ctl = ctl
        self.window, self.state = ctl.window, ctl.state
        self.jobs: list[ExportJob] = []
        self.runner = QtJobRunner(self.window, max_workers=2, name="replaylens-export", describe=describe_plain)
        menu = ctl.viewer.export_menu or self.window.menuBar().addMenu("&File")
        menu.addSeparator()
        sub = menu.addMenu("&Export")
        self.menu = sub
        self.actions = {
            "view_png": sub.addAction("Export view as PNG…", self.export_view),
            "page_png": sub.addAction("Export full page as PNG…", self.export_page),
            "copy": sub.addAction("Copy view to clipboard", self.copy_view),
            "batch": sub.addAction("Export findings and annotations as PNGs…", self.export_batch),
            "pdf": sub.addAction("Export report (PDF)…", self.export_pdf),
            "clip": sub.addAction("Export clip…", self.export_clip),
        }
        self.actions["copy"].setShortcut("Ctrl+Shift+C")
        sub.aboutToShow.connect(self._enable)

    def _enable(self) -> None:
        for act in self.actions.values():
            act.setEnabled(self.ctl.session is not None)

    # -- pictures (fast: GUI thread) ------------------------------------------------------------------------
    def view_image(self) -> QImage | None:
        """The current view as exported: the recorded viewport at 1:1 when the canvas is fitted, else the canvas
        size with its zoom and pan; annotations burned in, caption strip below."""
        from replaylens.export.png import render_view

        s, canvas = self.ctl.session, self.ctl.canvas
        renderer = getattr(canvas, "renderer", None)
        if s is None:
            return None
        opts = copy.copy(getattr(canvas, "options", None)) if hasattr(canvas, "options") else None
        size: tuple[int | None, int | None] = (None, None)
        if opts is not None:
            opts.overlays = []
            if opts.zoom != 1.0 or opts.pan != (0.0, 0.0) or opts.mode != "follow":
                size = (canvas.width(), canvas.height())
        return render_view(s, self.ctl.time_ms(), width=size[0], height=size[1], annotations=self._snapshot(),
                           options=opts, renderer=renderer)

    def _snapshot(self) -> AnnotationSet:
        return AnnotationSet(list(self.ctl.aset))

    def start_folder(self, pictures: bool = True) -> Path:
        """Where export dialogs open: the last export folder, else the user's Pictures (PNG, clip) or Documents
        (PDF) folder, else home; never the working folder."""
        last = str(self.state.settings.value("last_export_dir", "") or "")
        if last and Path(last).is_dir():
            return Path(last)
        kinds = (QStandardPaths.StandardLocation.PicturesLocation if pictures
                 else QStandardPaths.StandardLocation.DocumentsLocation, QStandardPaths.StandardLocation.HomeLocation)
        for kind in kinds:
            folder = QStandardPaths.writableLocation(kind)
            if folder and Path(folder).is_dir():
                return Path(folder)
        return Path.home()

    def _remember_folder(self, path: str) -> None:
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        self.state.settings.setValue("last_export_dir", str(folder))

    def _save_path(self, title: str, name: str, filt: str, pictures: bool = True) -> str:
        path, _ = QFileDialog.getSaveFileName(self.window, title, str(self.start_folder(pictures) / name), filt)
        if path:
            self._remember_folder(path)
        return path

    def _friction_settings(self) -> Any:
        """The user's friction preset and overrides (what the Findings dock shows), for every export."""
        if self.state.friction is not None:
            return self.state.friction
        from replaylens.model.friction_settings import (
            DEFAULT_PRESET,
            SAVED_OVERRIDES_KEY,
            SAVED_PRESET_KEY,
            saved_settings,
        )

        store = self.state.settings  # no Findings dock (yet): what it would analyse with
        return saved_settings(store.value(SAVED_PRESET_KEY, DEFAULT_PRESET), store.value(SAVED_OVERRIDES_KEY, {}))[0]

    def _stem(self) -> str:
        s = self.ctl.session
        return f"{s.path.stem}-{fmt_ms(self.ctl.time_ms()).replace(':', '-')}" if s is not None else "replay"

    def export_view(self) -> None:
        from replaylens.export.output import save_image

        img = self.view_image()
        path = img is not None and self._save_path("Export view as PNG", f"{self._stem()}.png", "PNG image (*.png)")
        if img is not None and path:
            self._guard(lambda: save_image(img, path), f"Saved {path}")

    def export_page(self) -> None:
        from replaylens.export.output import save_image
        from replaylens.export.png import render_full_page

        s, g = self.ctl.session, self.ctl.canvas.geometry_now()
        if s is None:
            return
        page = g.page if g is not None else 0
        path = self._save_path("Export full page as PNG", f"{s.path.stem}-page{page + 1}.png", "PNG image (*.png)")
        if path:
            self._guard(lambda: save_image(render_full_page(s, page, annotations=self._snapshot()), path),
                        f"Saved {path}")

    def copy_view(self) -> None:
        img = self.view_image()
        if img is not None:
            QGuiApplication.clipboard().setImage(img)
            self.state.message.emit("View copied to the clipboard", 4000)

    def _guard(self, fn: Callable[[], Any], ok: str) -> None:
        try:
            fn()
        except ReplayLensError as exc:
            QMessageBox.warning(self.window, "Export", str(exc))
            return
        self.state.message.emit(ok, 6000)

    # -- long jobs (threaded) -------------------------------------------------------------------------------
    def export_pdf(self) -> None:
        from replaylens.export.pdf import export_report

        s = self.ctl.session
        path = s is not None and self._save_path("Export report", f"{s.path.stem}-report.pdf", "PDF (*.pdf)",
                                                pictures=False)
        if s is None or not path:
            return
        snap, settings = self._snapshot(), self._friction_settings()
        survey, lib = None, self.state.library
        if lib is not None and self.state.library_session == s.manifest.session_id:
            survey = lib.survey_responses([s.manifest.session_id])
        self.run_job("Writing the report…", lambda prog, cancel: export_report(
            s, path, annotations=snap, progress=prog, settings=settings, survey=survey), f"Saved {path}")

    def export_batch(self) -> None:
        from replaylens.export.png import export_batch

        s = self.ctl.session
        folder = s is not None and QFileDialog.getExistingDirectory(self.window, "Export pictures into folder",
                                                                    str(self.start_folder()))
        if s is None or not folder:
            return
        self._remember_folder(folder)
        snap, settings = self._snapshot(), self._friction_settings()
        self.run_job("Exporting pictures…", lambda prog, cancel: export_batch(
            s, folder, annotations=snap, progress=prog, settings=settings), f"Saved into {folder}")

    def export_clip(self) -> None:
        from replaylens.export.video import export_clip

        s = self.ctl.session
        if s is None:
            return
        t = self.ctl.time_ms()
        loop = self.state.clock.loop
        start, end = loop if loop else (max(0.0, t - 5000), min(float(s.duration_ms), t + 10_000))
        dlg = ClipDialog(self.window, start, end, s.duration_ms)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        t0, t1, speed, ext, size = dlg.values()
        path = self._save_path("Export clip", f"{self._stem()}{ext}", f"Video (*{ext})")
        if not path:
            return
        if Path(path).suffix.lower() != ext:
            path += ext
        snap = self._snapshot()
        found = list(getattr(self.ctl.canvas.options, "findings", []))  # as the viewer analysed them
        self.run_job("Encoding the clip…", lambda prog, cancel: export_clip(
            s, path, t0, t1, speed=speed, size=size, annotations=snap, progress=prog, cancel=cancel,
            findings=found if found else None, settings=self._friction_settings()),
            f"Saved {path}")

    def run_job(self, label: str, fn: Job, ok: str) -> ExportJob:
        """Start ``fn`` in a thread with a progress surface of its own (closed on every outcome); returns the job
        (tests wait on it)."""
        prog = JobProgress(self.window, label)
        prog.setObjectName("export_progress")
        job = ExportJob(self.runner, fn, self.window)
        job.progressed.connect(prog.set_permille)
        prog.cancel_requested.connect(job.cancel.set)

        def finished_ok(_result: object) -> None:
            prog.close()
            self.state.message.emit(ok, 8000)

        def finished_bad(message: str) -> None:
            prog.close()
            if message:
                QMessageBox.warning(self.window, "Export failed", message)
            else:
                self.state.message.emit("Export cancelled", 5000)

        job.done.connect(finished_ok)
        job.failed.connect(finished_bad)
        job.finished.connect(prog.close)
        job.finished.connect(lambda: self.jobs.remove(job) if job in self.jobs else None)
        job.finished.connect(job.deleteLater)
        self.jobs.append(job)
        return job

    def shutdown(self, ms: int = 10_000) -> None:
        """Cancel every running export and wait for its thread (the window is closing)."""
        for job in list(self.jobs):
            job.cancel.set()
        self.runner.shutdown(ms)
