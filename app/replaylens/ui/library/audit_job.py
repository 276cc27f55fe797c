"""The privacy audit of the library shown in the Library window, off the UI thread (docs/privacy.md).

Privacy ▸ Run Privacy Audit scans the library's events, heat cells and catalogue (``io.privacy.audit``) in a worker
thread, with a progress dialog whose Cancel stops between files; the verdict (kinds and counts, never a value) is
remembered in the library and shown in the window's status bar (``verdict_text``). An export of a report from the
library runs it first (``audit_then``): a clean library exports at once, one with findings asks.
The window's catalogue stays open (the audit reads through it), so fixing is left to ``replaylens audit --fix``
with the library closed.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from replaylens.ui.jobs import CancelToken, Progress, QtJob, QtJobRunner


def verdict_text(root: Any) -> str:
    """The status-bar line of the library's last audit."""
    from replaylens.io.privacy.library_policy import read_policy

    audit = read_policy(root).last_audit
    if audit is None:
        return "Privacy audit: never run"
    when = time.strftime("%d %b %H:%M", time.localtime(int(audit.get("at_ms", 0)) / 1000))
    if audit.get("clean"):
        return f"Privacy audit: clean · {when}"
    kinds = ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in (audit.get("kinds") or {}).items())
    return f"Privacy audit: FOUND {kinds or 'unreadable files'} · {when}"


def describe_report(report: Any) -> tuple[str, str]:
    """(headline, details) of an audit report in plain words (no values)."""
    if report.clean and not report.unreadable:
        return f"No card data or personal data found ({report.files:,} files scanned).", ""
    kinds = ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in report.kinds().items())
    head = f"Found {kinds}." if kinds else "Some files could not be read."
    lines = [f"{f.kind.replace('_', ' ')}: {f.count:,} in {f.where} ({Path(f.file).name})"
             for f in report.findings[:40]]
    lines += [f"cannot read {Path(f).name}: {r}" for f, r in report.unreadable[:10]]
    lines += ["", "Close Replay Lens and run `replaylens audit --fix LIBRARY` to rewrite the library clean."]
    return head, "\n".join(lines)


class AuditJob(QObject):
    finished_all = Signal(object)  # the AuditReport, or None (failed or cancelled)
    _news = Signal(int, int, str)

    def __init__(self, parent: QWidget, library: Any, *, quiet_when_clean: bool = False) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.library = library
        self.quiet = quiet_when_clean
        self.jobs = QtJobRunner(self, max_workers=1, name="replaylens-audit")
        self.job: QtJob | None = None
        self.report: Any = None
        self.message: QMessageBox | None = None
        self._news.connect(self._progress)
        self.dialog = QProgressDialog("Looking for card numbers and personal data…", "Cancel", 0, 0, parent)
        self.dialog.setObjectName("audit_progress")
        self.dialog.setWindowTitle("Privacy audit")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        from replaylens.io.privacy.audit import audit

        root = self.library.root

        def work(token: CancelToken, _progress: Progress) -> Any:
            return audit([root], library=self.library, progress=self._post, cancel=lambda: token.cancelled)

        self.job = self.jobs.submit("audit", work)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)

    def _post(self, done: int, total: int, name: str) -> None:
        with contextlib.suppress(RuntimeError):
            self._news.emit(done, total, name)

    def _progress(self, done: int, total: int, name: str) -> None:
        self.dialog.setMaximum(max(1, total))
        self.dialog.setValue(min(done, total))
        self.dialog.setLabelText(f"Scanning {name} ({done + 1:,} of {max(total, 1):,} files)…")

    def cancel(self) -> None:
        if self.job is not None:
            self.job.token.cancel()

    def wait(self, ms: int = 30_000) -> None:
        self.jobs.runner.wait(ms / 1000)
        self.jobs.shutdown(ms)

    def _close_dialog(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):
            self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()

    def _finish(self, report: Any) -> None:
        """Every outcome: tell the listeners, then let the worker thread and this object go."""
        self.finished_all.emit(report)
        self.jobs.shutdown(2_000)
        self.deleteLater()

    def _done(self, report: Any) -> None:
        self._close_dialog()
        cancelled = self.job is not None and self.job.token.cancelled
        self.report = None if cancelled else report
        if self.report is not None and not (self.quiet and report.clean and not report.unreadable):
            head, details = describe_report(report)
            clean = report.clean and not report.unreadable
            box = QMessageBox(QMessageBox.Icon.Information if clean else QMessageBox.Icon.Warning,
                              "Privacy audit", head, QMessageBox.StandardButton.Ok, self.parent_widget)
            box.setObjectName("audit_summary")
            if details:
                box.setInformativeText("\n".join(details.splitlines()[:8]))
                box.setDetailedText(details)
            box.open()
            self.message = box
        self._finish(self.report)

    def _failed(self, message: str) -> None:
        self._close_dialog()
        box = QMessageBox(QMessageBox.Icon.Critical, "Privacy audit failed", message, QMessageBox.StandardButton.Ok,
                          self.parent_widget)
        box.setObjectName("audit_summary")
        box.open()
        self.message = box
        self._finish(None)

    def _cancelled(self) -> None:
        self._close_dialog()
        self._finish(None)


def audit_then(parent: QWidget, library: Any, proceed: Callable[[], None],
               on_verdict: Callable[[], None] | None = None) -> AuditJob:
    """Run the audit first; a clean library goes on to ``proceed`` at once, findings ask whether to go on."""
    job = AuditJob(parent, library, quiet_when_clean=True)

    def after(report: Any) -> None:
        if on_verdict is not None:
            on_verdict()
        if report is None:
            return
        if report.clean and not report.unreadable:
            proceed()
            return
        head, _details = describe_report(report)
        box = QMessageBox(QMessageBox.Icon.Warning, "Export", f"{head}\n\nExport the report anyway?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
        box.setObjectName("audit_before_export")
        box.buttonClicked.connect(
            lambda b: proceed() if box.standardButton(b) == QMessageBox.StandardButton.Yes else None)
        box.open()

    job.finished_all.connect(after)
    job.start()
    return job
