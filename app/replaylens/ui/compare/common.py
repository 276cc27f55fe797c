"""What the Compare, Funnel and A/B views share: the window frame naming the segment they work on, a job strip
(busy bar, what is being computed, Cancel) over the project's ``LatestJob`` (the newest request wins; Cancel drops
the running answer so it is never shown), a zoomable image view, and the "Export PDF…" file dialog."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QImage, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from replaylens.analysis.segments import describe_segment
from replaylens.model.segment import Segment
from replaylens.ui.jobs import LatestJob

PLAIN = "font-size: 15px; color: #111827;"
MUTED = "color: #4b5563;"
WARN = "color: #92400e; background: #fef3c7; padding: 4px 8px; border-radius: 4px;"


class JobStrip(QWidget):
    """Runs one computation at a time off the UI thread; ``run(what, fn, on_done)`` calls ``on_done(result)`` (or
    emits ``failed(message)``) only for the newest request that was not cancelled."""

    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = LatestJob(self)
        self.job.result.connect(self._done)
        self.job.error.connect(self._error)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy: the store's queries do not report fractions
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.label = QLabel("")
        self.label.setStyleSheet(MUTED)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.cancel_button)
        self.running = False
        self._on_done: Callable[[Any], None] | None = None
        self._holder: dict[str, Any] = {}
        self._idle("")

    def run(self, what: str, fn: Callable[[], Any], on_done: Callable[[Any], None], library: Any = None) -> None:
        """``library``: the store the job queries; Cancel then also interrupts the query running for it."""
        self._interrupt()
        self._on_done = on_done
        self.running = True
        self.bar.show()
        self.cancel_button.show()
        self.label.setText(what)
        holder: dict[str, Any] = {}
        self._holder = holder

        def job() -> Any:
            if library is not None:
                holder["interrupt"] = library.interrupter()  # stops this worker thread's query
            return fn()

        self.job.submit(job)

    def _interrupt(self) -> None:
        """Stop the running query of the last job (its answer is dropped anyway): the CPU goes to the next one."""
        stop = self._holder.get("interrupt")
        if stop is not None:
            with contextlib.suppress(Exception):  # the query had already finished: nothing to stop
                stop()
        self._holder = {}

    def cancel(self) -> None:
        if self.running:
            self.job.cancel()
            self._interrupt()
            self._idle("Cancelled. Change the choices or press the button again to compute.")

    def _idle(self, text: str) -> None:
        self.running = False
        self.bar.hide()
        self.cancel_button.hide()
        self.label.setText(text)

    def _done(self, result: Any) -> None:
        self._holder = {}
        self._idle("")
        if self._on_done is not None:
            self._on_done(result)

    def say(self, text: str) -> None:
        self.label.setText(text)

    def _error(self, message: str) -> None:
        self._idle("")
        self.failed.emit(message)

    def wait(self) -> None:
        self.job.cancel()
        self.job.shutdown()


class ImageView(QGraphicsView):
    """An image that fits the view until the user zooms (Ctrl + wheel, or the +/− buttons); "Fit" returns."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        self.fit = True
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(Qt.GlobalColor.white)

    def set_image(self, img: QImage | None) -> None:
        self.item.setPixmap(QPixmap.fromImage(img) if img is not None else QPixmap())
        self.scene().setSceneRect(self.item.boundingRect())
        self.fit_view()

    def has_image(self) -> bool:
        return not self.item.pixmap().isNull()

    def fit_view(self) -> None:
        self.fit = True
        if self.has_image():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        self.fit = False
        self.scale(factor, factor)

    def wheelEvent(self, e: QWheelEvent) -> None:
        if e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25 if e.angleDelta().y() > 0 else 0.8)
        else:
            super().wheelEvent(e)

    def resizeEvent(self, e: Any) -> None:
        super().resizeEvent(e)
        if self.fit:
            self.fit_view()


def zoom_buttons(view: ImageView) -> QHBoxLayout:
    lay = QHBoxLayout()
    for text, tip, slot in (("Fit", "Show the whole image", view.fit_view),
                            ("−", "Zoom out (Ctrl + wheel)", lambda: view.zoom(0.8)),
                            ("+", "Zoom in (Ctrl + wheel)", lambda: view.zoom(1.25))):
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setMaximumWidth(60)
        b.clicked.connect(slot)
        lay.addWidget(b)
    lay.addStretch(1)
    return lay


def pdf_path_dialog(parent: QWidget, name: str) -> Path | None:
    """Ask where to save a PDF, starting in the user's Documents folder."""
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    path, _ = QFileDialog.getSaveFileName(parent, "Export the comparison report", str(Path(docs) / name),
                                          "PDF documents (*.pdf)")
    if not path:
        return None
    return Path(path if path.lower().endswith(".pdf") else f"{path}.pdf")


def export_pdf_after_audit(view: Any, name: str) -> None:
    """File ▸ Export of a report from a library: the library's privacy audit runs first (off the UI thread;
    ``ui.library.audit_job``), then the save dialog and ``view.write_pdf``; findings ask whether to go on."""
    def go() -> None:
        path = pdf_path_dialog(view, name)
        if path is not None:
            view.write_pdf(path)

    w = view.parentWidget()
    if w is None or not hasattr(w, "audit_job"):
        go()
        return
    from replaylens.ui.library.audit_menu import audit_before

    if audit_before(w, go) is None:
        w.statusBar().showMessage("A privacy audit is running; export again when it is done", 8000)


class AnalysisWindow(QWidget):
    """A top-level window over the Library window's current segment (fixed when the view was opened)."""

    def __init__(self, library: Any, segment: Segment, segment_name: str | None, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.library = library
        self.segment = segment
        self.segment_name = segment_name
        self.segment_text = describe_segment(segment, segment_name)
        self.setWindowTitle(f"{title} — {library.root.name} — Replay Lens")
        self.root = QVBoxLayout(self)
        head = QLabel(f"<b>{title}</b> · {self.segment_text}")
        head.setObjectName("segment_label")
        head.setWordWrap(True)
        head.setStyleSheet("font-size: 14px;")
        head.setToolTip("The sessions this view works on: the Library window's filters when it was opened")
        self.root.addWidget(head)
        self.jobs = JobStrip()
        self.jobs.failed.connect(self.show_error)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(WARN)
        self.error.hide()
        self.written: Any = None  # the last PDF written

    def pdf_written(self, path: Any) -> None:
        self.written = path
        self.jobs.say(f"Saved the report to {path}")

    def show_error(self, message: str) -> None:
        text = message.split(": ", 1)[1] if message.startswith(("ValueError", "KeyError")) else message
        self.error.setText(f"Could not compute this: {text}")
        self.error.show()

    def clear_error(self) -> None:
        self.error.hide()

    def closeEvent(self, e: Any) -> None:
        self.jobs.wait()
        super().closeEvent(e)
