"""Add dropped folders to the library off the UI thread: a progress dialog with counts and time left, a Cancel
that works (the ingest stops between files and keeps what it finished), and one message at the end that lists
the files that could not be added and why."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from replaylens.ui.jobs import CancelToken, Progress, QtJob, QtJobRunner

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

MAX_LISTED = 30  # bad files named in the message; the rest are counted


def summary(result: Any) -> tuple[str, str]:
    """(headline, details) of an ingest result in plain words."""
    parts = [f"Added {result.added:,} session{'s' if result.added != 1 else ''}"]
    if result.skipped:
        parts.append(f"{result.skipped:,} already in the library")
    if result.failed:
        parts.append(f"{len(result.failed):,} file{'s' if len(result.failed) != 1 else ''} could not be added")
    conflicts = list(getattr(result, "conflicts", []))
    replaced = list(getattr(result, "replaced", []))
    if conflicts:
        parts.append(f"{len(conflicts):,} kept beside a session with the same id")
    if replaced:
        parts.append(f"{len(replaced):,} replaced")
    head = ", ".join(parts) + (" (cancelled: the rest were not added)" if result.cancelled else "") + "."
    lines = [r if r.startswith(Path(f).name) else f"{Path(f).name}: {r}" for f, r in result.failed[:MAX_LISTED]]
    if len(result.failed) > MAX_LISTED:
        lines.append(f"… and {len(result.failed) - MAX_LISTED:,} more")
    for c in conflicts[:MAX_LISTED]:
        lines.append(f"{Path(c['file']).name}: session {c['id']} is already in the library (from "
                     f"{Path(c['existing_file']).name or 'another file'}) with other content; added as {c['kept_as']}")
    if len(conflicts) > MAX_LISTED:
        lines.append(f"… and {len(conflicts) - MAX_LISTED:,} more sessions kept beside one with the same id")
    for c in replaced[:MAX_LISTED]:
        lines.append(f"{Path(c['file']).name}: replaced session {c['id']}")
    return head, "\n".join(lines)


class IngestJob(QObject):
    finished_all = Signal(object)  # the IngestResult (or None after an error)
    _news = Signal(object)  # an IngestProgress, from the worker thread to this (GUI-thread) object

    def __init__(self, parent: QWidget, library: LibraryStore, paths: list[str]) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.library, self.paths = library, paths
        self.jobs = QtJobRunner(self, max_workers=1, name="replaylens-ingest")
        self.job: QtJob | None = None
        self._news.connect(self._progress)
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
        from replaylens.io.library import ingest

        def work(token: CancelToken, _progress: Progress) -> Any:
            # the ingest checks the token between files and returns what it finished (``cancelled`` set)
            return ingest(self.library, self.paths, progress=self._post, cancel=token)

        # its own key and a result kept even when cancelled: a cancelled ingest still reports what it added
        self.job = self.jobs.submit("ingest", work, discard=self._done)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled_early)

    def _cancelled_early(self) -> None:
        """Cancelled before the ingest could report what it added (it failed after the cancel)."""
        if self.message is None:
            self._failed("The ingest was cancelled.")

    def _post(self, p: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the window is gone: nobody to tell
            self._news.emit(p)

    @property
    def token(self) -> CancelToken | None:
        return self.job.token if self.job is not None else None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.token.cancel()  # the token only: the ingest stops between files and returns its result
        self.dialog.setLabelText("Stopping after the file being read… (what was added stays)")

    def wait(self, ms: int = 30_000) -> None:
        self.jobs.runner.wait(ms / 1000)  # the ingest finishes (or stops at the token) and keeps what it added
        self.jobs.shutdown(ms)

    def _progress(self, p: Any) -> None:
        if self.token is None or self.token.cancelled:
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
        icon = QMessageBox.Icon.Warning if result.failed or getattr(result, "conflicts", None) \
            else QMessageBox.Icon.Information
        box = QMessageBox(icon, "Recordings added", head, QMessageBox.StandardButton.Ok, self.parent_widget)
        box.setObjectName("ingest_summary")
        if details:
            shown = details.splitlines()
            more = f"\n… and {len(shown) - 8:,} more (Show Details)" if len(shown) > 8 else ""
            box.setInformativeText("Details:\n" + "\n".join(shown[:8]) + more)
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
