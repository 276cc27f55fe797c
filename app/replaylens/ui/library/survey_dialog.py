"""Import survey answers from the Library window: pick a file; a CSV no survey tool is recognised in gets the
column-mapping dialog (the CLI's ``--map``); the import runs in the window's worker and the columns, facets and
table refresh when it is done. Also where a library session's answers sit on the replay timeline."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from replaylens.core.timefmt import fmt_ms
from replaylens.errors import BadInputError

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore
    from replaylens.ui.library.window import LibraryWindow

FIELDS: tuple[tuple[str, str], ...] = (
    ("session_id", "Session id"), ("user_id", "User id"), ("submitted_at", "Submitted at"),
    ("url", "Page URL"), ("question", "Question"), ("answer", "Answer"), ("response_id", "Response id"))
_GUESS = {"session_id": ("session_id", "session", "sessionid"), "user_id": ("user_id", "user", "customer_id"),
          "submitted_at": ("submitted_at", "submitted", "when", "date", "time", "timestamp", "created_at"),
          "url": ("url", "page", "page_url"), "question": ("question",), "answer": ("answer", "response", "value"),
          "response_id": ("response_id", "id")}
NONE = "(not in this file)"


def csv_header(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.read(64_000).splitlines()[:1]
    return next(csv.reader(io.StringIO(first[0]))) if first else []


class MappingDialog(QDialog):
    """Which column holds what. Unmapped columns are questions when no Question/Answer column is chosen."""

    def __init__(self, path: Path, header: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("survey_mapping_dialog")
        self.setWindowTitle("Which column is which?")
        intro = QLabel(f"<b>{path.name}</b> is not an export Replay Lens recognises. Say which column holds what; "
                       "at least a session id, a user id or the time it was submitted is needed to find the "
                       "session. If there is no Question and Answer column, every other column is a question.")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        low = [h.strip().lower() for h in header]
        for key, label in FIELDS:
            box = QComboBox()
            box.setObjectName(f"map_{key}")
            box.addItem(NONE, None)
            for h in header:
                box.addItem(h, h)
            guess = next((header[low.index(g)] for g in _GUESS[key] if g in low), None)
            if guess is not None:
                box.setCurrentIndex(box.findData(guess))
            box.currentIndexChanged.connect(lambda _i: self._check())
            self.combos[key] = box
            form.addRow(label, box)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b91c1c;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.resize(560, 380)
        self._check()

    def mapping(self) -> dict[str, str]:
        return {k: str(b.currentData()) for k, b in self.combos.items() if b.currentData() is not None}

    def _check(self) -> None:
        m = self.mapping()
        why = ""
        if not {"session_id", "user_id", "submitted_at"} & set(m):
            why = "Choose a session id, user id or submitted-at column: without one no session can be found."
        elif "question" in m and "answer" not in m:
            why = "A Question column needs an Answer column."
        self.problem.setText(why)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not why)


def import_surveys_dialog(w: LibraryWindow, path: str | None = None, mapping: dict[str, str] | None = None) -> None:
    """Ask for a file (unless given), recognise it (or ask for the mapping), then import it in the worker."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(w, "Import survey answers", str(Path.home()),
                                              "Survey exports (*.json *.jsonl *.csv *.txt);;All files (*)")
        if not path:
            return
    from replaylens.io.surveys import detect

    p = Path(path)
    if mapping is None:
        try:
            detect(p)
        except BadInputError as exc:
            header = csv_header(p) if "CSV" in exc.problem else []
            if len(header) < 2:
                QMessageBox.warning(w, "Cannot import these answers", str(exc))
                return
            dlg = MappingDialog(p, header, w)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return
            mapping = dlg.mapping()
    start_import(w, p, mapping)


def start_import(w: LibraryWindow, path: Path, mapping: dict[str, str] | None) -> None:
    from replaylens.io.surveys import import_file

    lib = w.library
    w.statusBar().showMessage(f"Importing survey answers from {path.name}…")
    w.worker.submit(("action", "survey", path.name), lambda: import_file(lib, path, None, mapping).to_json())


def survey_done(w: LibraryWindow, name: str, result: dict[str, Any]) -> None:
    m = result["matches"]
    joined = m["session_id"] + m["user_id"] + m["time_page"]
    w.statusBar().showMessage(
        f"{name}: {result['added']} new answers ({result['already_in_library']} were already here); {joined} "
        f"matched to a session ({m['session_id']} by session id, {m['user_id']} by user id, {m['time_page']} by "
        f"time and page), {m['none']} unmatched", 20_000)
    w.reload_meta()


_SOURCES = {"typeform": "Typeform", "surveymonkey": "SurveyMonkey", "posthog": "PostHog", "zigpoll": "Zigpoll",
            "qualaroo": "Qualaroo", "hotjar": "Hotjar", "csv": "CSV"}


_HOW = {"session_id": "matched by session id", "user_id": "matched by user id",
        "time_page": "matched by time and page"}


def _after(ms: int) -> str:
    m = ms // 60_000
    if m < 1:
        return f"{ms // 1000} s"
    if m < 120:
        return f"{m} min"
    h = m // 60
    return f"{h} h" if h < 48 else f"{h // 24} days"


def answer_marks(library: LibraryStore, session_id: str) -> tuple[np.ndarray, list[str], list[str]]:
    """(times in ms from the session start, tooltips, captions): one mark per response at the moment it was
    submitted (clamped to the recording; a later answer sits at the end and says how much later)."""
    rows = library.session_answers(session_id)
    groups: dict[tuple[int | None, str], list[str]] = {}
    short: dict[tuple[int | None, str], list[str]] = {}
    how: dict[tuple[int | None, str], str] = {}
    duration = 0
    for t, d, src, q, a, match, conf in rows:
        duration = d
        how[(t, src)] = _HOW.get(match, match) + ("" if match == "session_id" else f", {conf:.0%} sure")
        groups.setdefault((t, src), []).append(f"{q} → {a}")
        short.setdefault((t, src), []).append(a if len(a) <= 40 else a[:39] + "…")
    times, labels, captions = [], [], []
    for (t, src), lines in groups.items():
        where = _SOURCES.get(src, src)
        if t is None:
            pos, when = duration, "time not given"
        elif t > duration:
            pos, when = duration, f"{_after(t - duration)} after the recording ended"
        else:
            pos, when = max(0, t), f"at {fmt_ms(max(0, t))[:-4]}"
        times.append(float(pos))
        labels.append(f"{where} survey ({when}; {how[(t, src)]}): " + " · ".join(lines))
        later = f" ({_after(t - duration)} later)" if t is not None and t > duration else ""
        captions.append(f"“{short[(t, src)][0]}”{later}")
    return np.asarray(times, float), labels, captions
