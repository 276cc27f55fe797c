"""Analyse ▸ Clicks vs conversion…: per clicked element of a page, how many of the page's sessions clicked it and
how its clickers converted, with n, Wilson intervals, Fisher's test after Benjamini–Hochberg, and the source's
four quadrants (high/low click rate × high/low conversion among clickers) as a 2 × 2 grid above the table.

The figures are ``analysis.experiments.clicks_conversion``'s JSON (the ``clicks`` command's), computed in a
worker; nothing is recomputed here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from replaylens.analysis.clicks import QUADRANTS
from replaylens.model.segment import Segment
from replaylens.ui.compare import meta
from replaylens.ui.compare.common import PLAIN, AnalysisWindow
from replaylens.ui.geometry import fit_to_screen

COLUMNS = ("Element", "Clicked by (n)", "Share of the page's sessions", "Clickers converted", "Others converted",
           "p (BH)", "Quadrant")

ELEMENT_WIDTH = 280


def compute(library: Any, segment: Segment, page: str, goal: str, min_clicks: int) -> dict[str, Any]:
    from replaylens.analysis.experiments import clicks_conversion, parse_step

    step = parse_step(goal, {g.name for g in library.goals()})
    res = clicks_conversion(library, segment, page, step, min_clicks=min_clicks)
    if res["sessions"] == 0:
        raise ValueError(f"no session of this selection showed {page}")
    return res


def _pct(v: float) -> str:
    return f"{v:.1%}"


def _with_ci(v: float, ci: list[float]) -> str:
    return f"{v:.1%} [{ci[0]:.1%} – {ci[1]:.1%}]"


class ClicksView(AnalysisWindow):
    def __init__(self, library: Any, segment: Segment, segment_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(library, segment, segment_name, "Clicks vs conversion", parent)
        self.setObjectName("clicks_view")
        self.result: dict[str, Any] | None = None
        self._closed = False
        self.page, self.goal = QComboBox(), QComboBox()
        for box, tip in ((self.page, "A page path, or a pattern such as /|/songkran"),
                         (self.goal, "A goal's name, or page:/path, event:NAME, click:LABEL")):
            box.setEditable(True)
            box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            box.setToolTip(tip)
        self.min_clicks = QSpinBox()
        self.min_clicks.setRange(1, 10_000)
        self.min_clicks.setValue(5)
        self.min_clicks.setSuffix(" sessions")
        self.min_clicks.setToolTip("Leave out elements clicked by fewer sessions than this")
        form = QFormLayout()
        form.addRow("Page", self.page)
        form.addRow("Goal (conversion)", self.goal)
        form.addRow("Elements clicked by at least", self.min_clicks)
        self.root.addLayout(form)
        self.root.addWidget(self.jobs)
        self.root.addWidget(self.error)
        self.summary = QLabel("Pick a page and a goal.")
        self.summary.setObjectName("clicks_summary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(PLAIN)
        self.root.addWidget(self.summary)
        grid = QGridLayout()
        self.quadrants: dict[tuple[bool, bool], QLabel] = {}
        for (many, high), text in QUADRANTS.items():
            cell = QLabel()
            cell.setObjectName(f"quadrant_{'high' if many else 'low'}_clicks_{'high' if high else 'low'}_conversion")
            cell.setWordWrap(True)
            cell.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            cell.setStyleSheet("border: 1px solid #d1d5db; padding: 6px; background: #f9fafb;")
            cell.setToolTip(text)
            self.quadrants[(many, high)] = cell
            grid.addWidget(cell, 0 if many else 1, 1 if high else 0)
        grid.addWidget(QLabel("<b>low conversion among clickers</b>"), 2, 0, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(QLabel("<b>high conversion among clickers</b>"), 2, 1, Qt.AlignmentFlag.AlignHCenter)
        self.root.addLayout(grid)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("clicks_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.root.addWidget(self.table, 1)
        note = QLabel("High click rate = clicked by at least as many of the page's sessions as the median element; "
                      "high conversion = its clickers converted more often than the page's sessions overall. Intervals "
                      "are 95 % Wilson intervals; p is Fisher's exact test after Benjamini–Hochberg.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #4b5563;")
        self.root.addWidget(note)

        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.request)
        for box in (self.page, self.goal):
            box.currentIndexChanged.connect(lambda _i: self._later())
            edit = box.lineEdit()
            assert edit is not None  # editable
            edit.editingFinished.connect(self._later)  # also on closing with the focus in it
        self.min_clicks.valueChanged.connect(lambda _v: self._later())
        self.meta = meta.MetaLoader(library, segment, self)
        self.meta.loaded.connect(self._meta)
        self.meta.failed.connect(self.show_error)
        fit_to_screen(self, 1200, 780)

    def _meta(self, m: meta.Meta) -> None:
        if self._closed:  # the choices arrived after the window closed
            return
        reached = dict(m.facets.get("goal", []))
        for box, items in ((self.page, [(meta.page_label(p), p.path) for p in m.pages]),
                           (self.goal, [(f"{g.name} ({reached.get(g.name, 0):,} sessions reached it)", g.name)
                                        for g in m.goals])):
            box.blockSignals(True)
            for text, data in items:
                box.addItem(text, data)
            box.blockSignals(False)
        self._later()

    def _later(self) -> None:
        """Compute once the choices settle (not after the window closed)."""
        if not self._closed:
            self._timer.start()

    @staticmethod
    def _spec(box: QComboBox) -> str:
        i = box.currentIndex()
        if i >= 0 and box.itemText(i) == box.currentText():
            return str(box.itemData(i))
        return box.currentText().strip()

    def request(self) -> None:
        page, goal = self._spec(self.page), self._spec(self.goal)
        if not page or not goal:
            return
        self.clear_error()
        lib, seg, k = self.library, self.segment, self.min_clicks.value()
        self.jobs.run(f"Clicks on {page} vs {goal}…", lambda: compute(lib, seg, page, goal, k), self._shown,
                      library=lib)

    def _shown(self, res: dict[str, Any]) -> None:
        self.result = res
        rows = sorted(res["elements"], key=lambda r: -r["clicked"])
        self.summary.setText(
            f"{res['sessions']:,} sessions showed {res['page']}; {res['converted']:,} of them reached "
            f"{res['goal']} ({_with_ci(res['conversion'], res['conversion_ci95'])}). "
            + (f"{len(rows)} elements were clicked by at least {self.min_clicks.value()} of them."
               if rows else f"No element was clicked by {self.min_clicks.value()} or more of them."))
        for (many, high), cell in self.quadrants.items():
            names = [r["label"] for r in rows if r["conversion_level"] != "same" and (r["click_rate"] == "high") == many
                     and (r["conversion_level"] == "high") == high]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            cell.setText(f"<b>{QUADRANTS[(many, high)]}</b><br>{shown or '—'}")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r["label"], f"{r['clicked']:,}", _with_ci(r["share_clicked"], r["share_clicked_ci95"]),
                     _with_ci(r["conversion_clickers"], r["conversion_clickers_ci95"]),
                     _with_ci(r["conversion_non_clickers"], r["conversion_non_clickers_ci95"]),
                     f"{r['p_adjusted']:.2g}" + (" (differs)" if r["significant"] else ""), r["quadrant"]]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if 0 < j < 6:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if self.table.columnWidth(0) > ELEMENT_WIDTH:  # long banner texts: elided, whole in the tooltip
            self.table.setColumnWidth(0, ELEMENT_WIDTH)

    def closeEvent(self, e: Any) -> None:
        self._closed = True
        self._timer.stop()
        self.meta.wait()
        super().closeEvent(e)
