"""The Funnel view: ordered steps (page / goal / event / click), an optional time window and split; bars per step
per group with rate, n and interval; the step-by-step comparison of the groups in plain words (Holm-corrected);
what the drop-offs met. Click a drop-off bar (or a "dropped" count in the table) for the sessions that dropped
there; opening one plays it in the viewer from the moment it was last seen in the funnel.

The figures are ``analysis.experiments.funnel``'s JSON, computed in a worker; nothing is recomputed here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replaylens.core.timefmt import fmt_ms
from replaylens.model.segment import Segment
from replaylens.ui.compare import meta
from replaylens.ui.compare.common import PLAIN, AnalysisWindow, export_pdf_after_audit
from replaylens.ui.compare.funnel_chart import FunnelChart
from replaylens.ui.compare.funnel_steps import StepsEditor, step_label
from replaylens.ui.geometry import fit_to_screen

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

WINDOWS = (("Any time in the session", None), ("Within 5 minutes", "5m"), ("Within 30 minutes", "30m"),
           ("Within 2 hours", "2h"), ("Within 1 day", "1d"))
MAX_LISTED = 2000
COLUMNS = ("Step", "Group", "Entered", "Went on", "Step rate", "95 % interval", "From start", "Median time to step",
           "Dropped")
DROPPED_COL = COLUMNS.index("Dropped")


def compute(library: LibraryStore, segment: Segment, specs: list[str], by: str | None, within: str | None,
            exclude_none: bool = False) -> dict[str, Any]:
    from replaylens.analysis.experiments import funnel, parse_duration, parse_step

    goals = {g.name for g in library.goals()}
    steps = [parse_step(s, goals) for s in specs]
    return funnel(library, segment, steps, by=by, within_ms=parse_duration(within) if within else None,
                  exclude_none=exclude_none)


def duration_words(ms: float) -> str:
    """13,632 ms → "14 s"; 95,000 → "1 min 35 s"; 7,500,000 → "2 h 5 min" (median times between steps)."""
    s = int(round(ms / 1000))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"


def default_steps(m: meta.Meta) -> list[str]:
    """A first guess a PM can edit: the most visited page, then the goals from the most to the least reached."""
    reached = dict(m.facets.get("goal", []))
    goals = sorted((g.name for g in m.goals), key=lambda name: -reached.get(name, 0))
    return ([f"page:{m.pages[0].path}"] if m.pages else []) + [f"goal:{g}" for g in goals[:3]]


class FunnelView(AnalysisWindow):
    open_session_at = Signal(str, float)  # session id, ms from its start

    def __init__(self, library: LibraryStore, segment: Segment, segment_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(library, segment, segment_name, "Funnel", parent)
        self.setObjectName("funnel_view")
        self.result: dict[str, Any] | None = None
        self.steps = StepsEditor()
        self.within, self.by = QComboBox(), QComboBox()
        for label, value in WINDOWS:
            self.within.addItem(label, value)
        self.within.setEditable(True)
        self.within.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # typed text is a pattern, not a new choice
        self.within.setToolTip("Every step within this time of the first: pick one or type 45m, 3h, 2d")
        edit = self.within.lineEdit()
        assert edit is not None  # editable
        edit.returnPressed.connect(self._timer_start)
        self.by.addItem("No split (all sessions together)", None)
        self.pdf = QPushButton("Export PDF…")
        self.pdf.setEnabled(False)
        self.pdf.clicked.connect(self.export_pdf)
        opts = QFormLayout()
        opts.addRow("Time window", self.within)
        opts.addRow("Split by", self.by)
        self.include_none = QCheckBox("Include the sessions without it as a group")
        self.include_none.setObjectName("include_none")
        self.include_none.setChecked(True)
        self.include_none.setToolTip("Sessions that lack the attribute (no campaign, no variant) form the group "
                                     "“(none)”; untick to leave them out")
        opts.addRow("", self.include_none)
        opts.addRow(self.pdf)
        top = QHBoxLayout()
        top.addWidget(self.steps, 2)
        top.addLayout(opts, 1)
        self.root.addLayout(top)
        self.root.addWidget(self.jobs)
        self.root.addWidget(self.error)

        self.chart = FunnelChart()
        self.chart.dropoff_clicked.connect(self.show_dropped)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("funnel_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.cellClicked.connect(self._cell_clicked)
        self.verdicts = QLabel("")
        self.verdicts.setObjectName("verdicts")
        self.verdicts.setWordWrap(True)
        self.verdicts.setStyleSheet(PLAIN)
        self.verdicts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.chart)
        words = QScrollArea()
        words.setWidget(self.verdicts)
        words.setWidgetResizable(True)
        words.setFrameShape(QFrame.Shape.NoFrame)
        left.addWidget(words)
        left.addWidget(self.table)
        left.setSizes([480, 150, 260])

        self.dropped_title = QLabel("Click a drop-off (hatched) bar to list the sessions that dropped there.")
        self.dropped_title.setObjectName("dropped_title")
        self.dropped_title.setWordWrap(True)
        self.dropped = QListWidget()
        self.dropped.setObjectName("dropped_sessions")
        self.dropped.itemActivated.connect(self._open_item)
        self.watch = QPushButton("Watch from the drop-off")
        self.watch.setEnabled(False)
        self.watch.clicked.connect(lambda: self._open_item(self.dropped.currentItem()))
        self.dropped.currentItemChanged.connect(lambda cur, _prev: self.watch.setEnabled(cur is not None))
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.dropped_title)
        sl.addWidget(self.dropped, 1)
        sl.addWidget(self.watch)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(side)
        body.setStretchFactor(0, 4)
        body.setStretchFactor(1, 1)
        self.root.addWidget(body, 1)

        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.request)
        self.steps.changed.connect(self._timer.start)
        self.within.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.within.activated.connect(lambda _i: self._timer.start())  # the same choice again, after typing
        self.by.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.include_none.toggled.connect(lambda _v: self._timer.start())
        self.meta = meta.MetaLoader(library, segment, self)
        self.meta.loaded.connect(self._meta)
        self.meta.failed.connect(self.show_error)
        fit_to_screen(self, 1500, 950)

    def _timer_start(self) -> None:
        self._timer.start()

    def within_value(self) -> str | None:
        """The window as text for ``parse_duration`` (None: any time), from a listed choice or typed."""
        i, text = self.within.currentIndex(), self.within.currentText().strip()
        if i >= 0 and self.within.itemText(i) == text:
            return self.within.itemData(i)
        return text or None

    def _meta(self, m: meta.Meta) -> None:
        self.by.blockSignals(True)
        for key in meta.split_keys(m.facets, m.sessions):
            self.by.addItem(meta.key_label(key), key)
        self.by.blockSignals(False)
        self.steps.set_choices([p.path for p in m.pages], [g.name for g in m.goals])
        if not self.steps.specs():
            self.steps.set_specs(default_steps(m))

    # -- computing ----------------------------------------------------------------------------------------------
    def request(self) -> None:
        specs = self.steps.specs()
        if not specs:
            self.chart.set_result(None)
            return
        self.clear_error()
        lib, seg, by, within = self.library, self.segment, self.by.currentData(), self.within_value()
        exclude = not self.include_none.isChecked()
        self.jobs.run(f"Matching {len(specs)} steps over the segment's sessions…",
                      lambda: compute(lib, seg, specs, by, within, exclude), self._shown, library=lib)

    def _shown(self, res: dict[str, Any]) -> None:
        self.result = res
        self.chart.step_labels = [step_label(s) for s in res["steps"]]
        self.chart.set_result(res)
        self._fill_table(res)
        lines = []
        names = {g["name"]: g.get("label", g["name"]) for g in res["groups"]}
        for c in res["comparisons"]:
            verdict = ("<b>differs reliably</b>" if c["significant"] else "no reliable difference")
            a, b = names.get(c["a"], c["a"]), names.get(c["b"], c["b"])
            lines.append(f"{step_label(c['step'])}: {a} {c['rate_a']:.1%} vs {b} {c['rate_b']:.1%} — "
                         f"{verdict} (p = {c['p_adjusted']:.2g} after Holm's correction over the steps)")
        for g in res["groups"]:
            for st in g["steps"]:
                if st.get("findings_sentence"):
                    said = str(st["findings_sentence"]).replace(f"at {st['step']} ", f"at {step_label(st['step'])} ")
                    lines.append(f"{g.get('label', g['name'])}: {said}")
        self.verdicts.setText("<br>".join(lines) if lines else "Split by an attribute to compare groups step by step.")
        self.dropped.clear()
        self.dropped_title.setText("Click a drop-off (hatched) bar, or a number in the Dropped column, to list the "
                                   "sessions that dropped there.")
        self.pdf.setEnabled(True)

    def _fill_table(self, res: dict[str, Any]) -> None:
        rows = [(g, k, grp, st) for g, grp in enumerate(res["groups"]) for k, st in enumerate(grp["steps"])]
        self.table.setRowCount(len(rows))
        for i, (g, k, grp, st) in enumerate(rows):
            lo, hi = st["ci95"]
            med = st["median_ms_from_previous"]
            gname = grp.get("label", grp["name"])
            cells = [f"{k + 1}. {step_label(st['step'])}", f"{gname} (n = {grp['sessions']:,})",
                     f"{st['entered']:,}", f"{st['converted']:,}", f"{st['rate']:.1%}", f"{lo:.1%} – {hi:.1%}",
                     f"{st['rate_from_start']:.1%}", duration_words(med) if med is not None else "–",
                     f"{len(st['dropped']):,} ▸" if st["dropped"] else "0"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(256, (g, k))
                if j >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if j == DROPPED_COL and st["dropped"]:
                    item.setForeground(Qt.GlobalColor.darkRed)
                    item.setToolTip("Click to list these sessions")
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    # -- drop-offs ----------------------------------------------------------------------------------------------
    def _cell_clicked(self, row: int, col: int) -> None:
        item = self.table.item(row, col)
        if col == DROPPED_COL and item is not None:
            g, k = item.data(256)
            self.show_dropped(int(g), int(k))

    def show_dropped(self, group: int, step: int) -> None:
        if self.result is None:
            return
        grp = self.result["groups"][group]
        st = grp["steps"][step]
        ids, at = st["dropped"], st["dropped_at_ms"]
        self.chart.selected = (group, step)
        self.chart.update()
        prev = f"after {step_label(self.result['steps'][step - 1])}" if step else "before the first step"
        more = f" (the first {MAX_LISTED:,} listed)" if len(ids) > MAX_LISTED else ""
        gname = grp.get("label", grp["name"])
        self.dropped_title.setText(f"<b>{len(ids):,} sessions of {gname} dropped at step {step + 1}</b> "
                                   f"({step_label(st['step'])}){more}. Each opens {prev}, at the moment it was last "
                                   "seen in the funnel. Double-click to watch.")
        self.dropped.clear()
        for sid, ms in list(zip(ids, at, strict=True))[:MAX_LISTED]:
            item = QListWidgetItem(f"{sid} · last seen at {fmt_ms(ms)}" if step else f"{sid} · from the start")
            item.setData(256, (sid, float(ms)))
            self.dropped.addItem(item)

    def _open_item(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            sid, ms = item.data(256)
            self.open_session_at.emit(str(sid), float(ms))

    # -- report -------------------------------------------------------------------------------------------------
    def export_pdf(self) -> None:
        if self.result is not None:
            export_pdf_after_audit(self, "funnel-report.pdf")

    def write_pdf(self, path: Any) -> None:
        from replaylens.export.compare_pdf import ReportParts, write_comparison_report

        parts = ReportParts(self.library.root.name, self.segment_text, self.meta.sessions, funnel=self.result)
        self.jobs.run(f"Writing {path}…", lambda: write_comparison_report(parts, path), self.pdf_written)

    def closeEvent(self, e: Any) -> None:
        self.meta.wait()
        super().closeEvent(e)
