"""The Library window's Privacy menu: run the audit, show the verdict in the status bar (docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction

from replaylens.ui.library.audit_job import AuditJob, audit_then, verdict_text


def show_verdict(w: Any) -> None:
    text = verdict_text(w.library.root)
    w.privacy_label.setText(text)
    w.privacy_label.setStyleSheet("color: #b91c1c; font-weight: 600;" if "FOUND" in text else "")


def run_audit(w: Any) -> AuditJob | None:
    """Start the audit of the window's library (one at a time)."""
    if w.audit_job is not None:
        return None
    job = AuditJob(w, w.library)
    w.audit_job = job

    def ended(_report: Any) -> None:
        w.audit_job = None
        show_verdict(w)

    job.finished_all.connect(ended)
    job.start()
    return job


def audit_before(w: Any, proceed: Callable[[], None]) -> AuditJob | None:
    """An export from this library: the audit runs first (``audit_job.audit_then``)."""
    if w.audit_job is not None:
        return None

    def ended() -> None:
        w.audit_job = None
        show_verdict(w)

    w.audit_job = audit_then(w, w.library, proceed, on_verdict=ended)
    return w.audit_job


def privacy_menu(w: Any) -> None:
    menu = w.menuBar().addMenu("&Privacy")
    menu.setObjectName("privacy_menu")
    act = QAction("Run Privacy &Audit…", w)
    act.setObjectName("act_privacy_audit")
    act.setToolTip("Look for card numbers and personal data in every file of this library (never shows a value)")
    act.triggered.connect(lambda _c=False: run_audit(w))
    menu.addAction(act)
    show_verdict(w)
