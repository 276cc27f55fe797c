"""Analyse ▸ Sampling bias…: the current selection's segment shares against a population's (a CSV of
``attribute,value,share`` rows chosen with **Population file…**), each with n and its interval, the segments
under-represented after Benjamini–Hochberg, the post-stratification weights, and every goal's conversion and
friction kind's rate raw and reweighted to the population, with intervals.

The file is read and validated (``io.population``) and the report computed (``analysis.bias``, the ``bias``
command's JSON) in a worker; a bad file or an unknown attribute or value is said in the view, which keeps
running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from replaylens.model.segment import Segment
from replaylens.ui.compare.common import PLAIN, AnalysisWindow
from replaylens.ui.geometry import fit_to_screen

SEGMENT_COLUMNS = ("Attribute", "Value", "Sessions (n)", "Library share [95 %]", "Population share", "Weight",
                   "p (BH)", "Verdict")
RATE_COLUMNS = ("Reweighted by", "Rate", "Sessions (n)", "Raw [95 %]", "Reweighted [95 %]")


def compute(library: Any, segment: Segment, path: str) -> dict[str, Any]:
    from replaylens.analysis.bias import bias_report
    from replaylens.io.population import read_population

    return bias_report(library, segment, read_population(path))


def _ci(v: float | None, ci: list[float] | None) -> str:
    return "n/a" if v is None or ci is None else f"{v:.1%} [{ci[0]:.1%} – {ci[1]:.1%}]"


def _table(columns: tuple[str, ...], name: str, stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(list(columns))
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    t.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for j, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if j >= 2:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(i, j, item)
    t.resizeColumnsToContents()


class BiasView(AnalysisWindow):
    def __init__(self, library: Any, segment: Segment, segment_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(library, segment, segment_name, "Sampling bias", parent)
        self.setObjectName("bias_view")
        self.result: dict[str, Any] | None = None
        self.path = QLineEdit()
        self.path.setObjectName("population_path")
        self.path.setPlaceholderText("A CSV of attribute,value,share rows, e.g. user_type,new,0.5")
        self.path.editingFinished.connect(self.request)
        browse = QPushButton("Population file…")
        browse.setObjectName("population_browse")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(QLabel("Population shares"))
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.root.addLayout(row)
        self.root.addWidget(self.jobs)
        self.root.addWidget(self.error)
        self.summary = QLabel("Choose the population's shares to compare this selection with.")
        self.summary.setObjectName("bias_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(PLAIN)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.root.addWidget(self.summary)
        self.segments = _table(SEGMENT_COLUMNS, "bias_segments", len(SEGMENT_COLUMNS) - 1)
        self.rates = _table(RATE_COLUMNS, "bias_rates", 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.segments)
        split.addWidget(self.rates)
        self.root.addWidget(split, 1)
        note = QLabel("Each segment's library share is tested against the population's (exact binomial test, "
                      "Benjamini–Hochberg over all segments). Reweighted rates give each segment its population "
                      "share (post-stratification, one attribute at a time); intervals are 95 %.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #4b5563;")
        self.root.addWidget(note)
        fit_to_screen(self, 1200, 780)

    def choose_file(self) -> None:
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Population shares", docs, "CSV files (*.csv);;All files (*)")
        if path:
            self.path.setText(path)
            self.request()

    def request(self) -> None:
        path = self.path.text().strip()
        if not path:
            return
        self.clear_error()
        lib, seg = self.library, self.segment
        self.jobs.run(f"Comparing with {Path(path).name}…", lambda: compute(lib, seg, path), self._shown,
                      library=lib)

    def show_error(self, message: str) -> None:
        super().show_error(message.split(": ", 1)[1] if message.startswith("UnknownNameError") else message)

    def _shown(self, res: dict[str, Any]) -> None:
        self.result = res
        under = ", ".join(res["under_represented"]) or "none"
        over = ", ".join(res["over_represented"]) or "none"
        self.summary.setText(f"{res['sessions']:,} sessions. Under-represented: <b>{under}</b>; over-represented: "
                             f"{over} ({res['correction']}).")
        seg_rows, rate_rows = [], []
        for a in res["attributes"]:
            for s in a["segments"]:
                verdict = "UNDER-represented" if s["under_represented"] else \
                    "over-represented" if s["over_represented"] else "as in the population"
                seg_rows.append([a["attribute"], s["value"], f"{s['sessions']:,}", _ci(s["share"], s["share_ci95"]),
                                 f"{s['population_share']:.1%}", f"{s['weight']:.2f}", f"{s['p_adjusted']:.2g}",
                                 verdict])
            for kind, rows in (("conversion", a["conversion"]), ("friction", a["friction"])):
                for r in rows:
                    name = r["name"] if kind == "conversion" else f"{r['name'].replace('_', ' ')} (sessions with)"
                    rate_rows.append([a["attribute"], name, f"{r['sessions']:,}", _ci(r["raw"], r["raw_ci95"]),
                                      _ci(r["reweighted"], r["ci95"]) if r["reweighted"] is not None
                                      else r.get("note", "n/a")])
        _fill(self.segments, seg_rows)
        _fill(self.rates, rate_rows)
