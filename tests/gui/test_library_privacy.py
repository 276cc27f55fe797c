"""The Library window's Privacy menu: the audit runs off the UI thread with a progress dialog, its verdict shows in
the status bar (and is remembered in the library), and an export of a report from the library runs it first."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_privacy_rrweb import recording

from replaylens.cli import main
from replaylens.store.library import open_library
from replaylens.ui.compare import common
from replaylens.ui.library.window import LibraryWindow

EMAIL = "anna.k@bank.co.th"


@pytest.fixture
def win(qtbot: Any, tmp_path: Path) -> Any:
    rec = tmp_path / "checkout.json"
    rec.write_text(json.dumps(recording()))
    root = tmp_path / "lib"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["library", "add", str(rec), "--library", str(root), "--workers", "0"]) == 0
    lib = open_library(root)
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    yield w
    w.shutdown()
    lib.close()


def _plant_email(w: Any) -> None:
    """What an older version could have stored: an e-mail in a note (written past the policy, as SQL)."""
    w.library.add_note([w.model.session_id(0)], "called back")
    w.library.cursor().execute("UPDATE notes SET text = ?", [f"called {EMAIL}"]).fetchall()


def test_menu_runs_the_audit_and_the_status_bar_shows_the_verdict(qtbot: Any, win: Any) -> None:
    assert win.privacy_label.text() == "Privacy audit: never run"
    act = win.findChild(type(win.menuBar().actions()[0]), "act_privacy_audit")
    assert act is not None and act in win.findChild(type(win.menuBar().actions()[0].menu()), "privacy_menu").actions()
    act.trigger()
    assert win.audit_job is not None  # running in its worker thread; the window keeps answering
    qtbot.waitUntil(lambda: win.audit_job is None, timeout=30_000)
    assert win.privacy_label.text().startswith("Privacy audit: clean")
    _plant_email(win)
    act.trigger()
    qtbot.waitUntil(lambda: win.audit_job is None, timeout=30_000)
    assert win.privacy_label.text().startswith("Privacy audit: FOUND email 1")
    box = win.findChildren(QMessageBox, "audit_summary")[-1]  # the second audit's
    assert box is not None and EMAIL not in box.text() + box.informativeText() + box.detailedText()
    assert "notes.text" in box.detailedText()
    box.close()
    # remembered in the library: a new window shows it at once
    again = LibraryWindow(win.library)
    qtbot.addWidget(again)
    assert again.privacy_label.text().startswith("Privacy audit: FOUND email 1")
    again.shutdown()


class _Report(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.written: list[Path] = []

    def write_pdf(self, path: Path) -> None:
        self.written.append(path)


def test_export_of_a_report_runs_the_audit_first(qtbot: Any, win: Any, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "pdf_path_dialog", lambda _parent, name: tmp_path / name)
    view = _Report(win)
    common.export_pdf_after_audit(view, "report.pdf")
    assert view.written == [] and win.audit_job is not None  # the audit first
    qtbot.waitUntil(lambda: view.written == [tmp_path / "report.pdf"], timeout=30_000)  # clean: exported
    _plant_email(win)
    common.export_pdf_after_audit(view, "second.pdf")
    qtbot.waitUntil(lambda: win.findChild(QMessageBox, "audit_before_export") is not None, timeout=30_000)
    ask = win.findChild(QMessageBox, "audit_before_export")
    assert "email" in ask.text() and view.written == [tmp_path / "report.pdf"]
    ask.button(QMessageBox.StandardButton.Yes).click()
    assert view.written[-1] == tmp_path / "second.pdf"
