"""Add dropped folders to the library off the UI thread: a progress dialog with counts and time left, a Cancel
that works (the ingest stops between files and keeps what it finished), and one message at the end that lists
the files that could not be added and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

MAX_LISTED = 30  # bad files named in the message; the rest are counted


class _Thread(QThread):
    progress = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, library: Any, paths: list[str], token: Any) -> None:
        super().__init__()
        self.library, self.paths, self.token = library, paths, token

    def run(self) -> None:
        from replaylens.io.library import ingest

        try:
            self.done.emit(ingest(self.library, self.paths, progress=self.progress.emit, cancel=self.token))
        except Exception as exc:  # one clear message; the window keeps running
            self.failed.emit(f"{type(exc).__name__}: {exc}")


def summary(result: Any) -> tuple[str, str]:
    """(headline, details) of an ingest result in plain words."""
    parts = [f"Added {result.added:,} session{'s' if result.added != 1 else ''}"]
    if result.skipped:
        parts.append(f"{result.skipped:,} already in the library")
    if result.failed:
        parts.append(f"{len(result.failed):,} file{'s' if len(result.failed) != 1 else ''} could not be added")
    head = ", ".join(parts) + (" (cancelled: the rest were not added)" if result.cancelled else "") + "."
    lines = [r if r.startswith(Path(f).name) else f"{Path(f).name}: {r}" for f, r in result.failed[:MAX_LISTED]]
    if len(result.failed) > MAX_LISTED:
        lines.append(f"… and {len(result.failed) - MAX_LISTED:,} more")
    return head, "\n".join(lines)


class IngestJob(QObject):
    finished_all = Signal(object)  # the IngestResult (or None after an error)

    def __init__(self, parent: QWidget, library: Any, paths: list[str]) -> None:
        super().__init__(parent)
        from replaylens.io.library import CancelToken

        self.parent_widget = parent
        self.token = CancelToken()
        self.worker_thread = _Thread(library, paths, self.token)
        self.worker_thread.progress.connect(self._progress)
        self.worker_thread.done.connect(self._done)
        self.worker_thread.failed.connect(self._failed)
        names = ", ".join(Path(p).name for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        self.dialog = QProgressDialog(f"Looking for recordings in {names}…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("ingest_progress")
        self.dialog.setWindowTitle("Adding recordings")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)
        self.result: Any = None
        self.message: QMessageBox | None = None

    def start(self) -> None:
        self.worker_thread.start()

    def cancel(self) -> None:
        self.token.cancel()
        self.dialog.setLabelText("Stopping after the file being read… (what was added stays)")

    def wait(self, ms: int = 30_000) -> None:
        self.worker_thread.wait(ms)

    def _progress(self, p: Any) -> None:
        if self.token.cancelled:
            return
        self.dialog.setMaximum(max(1, p.total))
        self.dialog.setValue(min(p.done, p.total))
        left = f" · about {_secs(p.eta_s)} left" if p.eta_s is not None else ""
        self.dialog.setLabelText(f"{p.done:,} of {p.total:,} files · {p.added:,} added, {p.skipped:,} already "
                                 f"in, {p.failed:,} could not be read{left}")

    def _done(self, result: Any) -> None:
        self.result = result
        self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        head, details = summary(result)
        icon = QMessageBox.Icon.Warning if result.failed else QMessageBox.Icon.Information
        box = QMessageBox(icon, "Recordings added", head, QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("ingest_summary")
        if details:
            shown = details.splitlines()
            more = f"\n… and {len(shown) - 8:,} more (Show Details)" if len(shown) > 8 else ""
            box.setInformativeText("These files were skipped:\n" + "\n".join(shown[:8]) + more)
            box.setDetailedText(details)
        box.open()
        self.message = box
        self.finished_all.emit(result)

    def _failed(self, message: str) -> None:
        self.dialog.close()
        box = QMessageBox(QMessageBox.Icon.Critical, "Adding recordings failed", message,
                          QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("ingest_summary")
        box.open()
        self.message = box
        self.finished_all.emit(None)


def _secs(s: float) -> str:
    s = int(round(s))
    return f"{s} s" if s < 90 else f"{s // 60} min {s % 60:02d} s"
