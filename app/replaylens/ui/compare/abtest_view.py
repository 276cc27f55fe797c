"""The A/B panel: the variant attribute, the goal, the control, an optional intended split and the minimum
detectable effect; per group n, conversions, rate and interval (with a small forest plot of the rates), per variant
the lift with its interval, the adjusted p-value, the chance it beats the control, PostHog's guards, the split
check and the sessions still needed, and the verdict sentence large and plain.

The figures are ``analysis.experiments.abtest``'s JSON, computed in a worker; nothing is recomputed here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replaylens.model.segment import Segment
from replaylens.model.vocabulary import NONE, none_label
from replaylens.ui.compare import meta
from replaylens.ui.compare.common import AnalysisWindow, export_pdf_after_audit
from replaylens.ui.compare.funnel_chart import GROUP_COLOURS, INK, MUTED
from replaylens.ui.geometry import fit_to_screen

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def parse_split(text: str) -> list[float] | None:
    """"50/50", "34:33:33" → shares; empty → None (no split check). Raises ValueError for anything else."""
    text = text.strip()
    if not text:
        return None
    try:
        parts = [float(p) for p in text.replace(":", "/").split("/")]
    except ValueError:
        raise ValueError(f"“{text}” is not a split like 50/50 or 34/33/33") from None
    if len(parts) < 2 or any(p <= 0 for p in parts):
        raise ValueError(f"“{text}”: give two or more positive shares, like 50/50")
    return parts


def compute(library: LibraryStore, segment: Segment, by: str, goal: str, control: str | None, split: list[float] | None,
            mde: float, exclude_none: bool = False) -> dict[str, Any]:
    from replaylens.analysis.experiments import abtest, parse_step

    step = parse_step(goal, {g.name for g in library.goals()})
    return abtest(library, segment, by, step, control=control, split=split, mde=mde, exclude_none=exclude_none)


class ForestPlot(QWidget):
    """Each group's conversion rate (dot) with its 95 % interval (line) and n, on one shared axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("forest_plot")
        self.groups: list[dict[str, Any]] = []
        self.setMinimumHeight(120)

    def set_groups(self, groups: list[dict[str, Any]]) -> None:
        self.groups = groups
        self.setMinimumHeight(60 + 34 * len(groups))
        self.update()

    def paintEvent(self, _e: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), QColor("white"))
            if not self.groups:
                return
            font = QFont()
            font.setPointSizeF(9.5)
            p.setFont(font)
            label_w, right = 230.0, self.width() - 30.0
            top = max(g["ci95"][1] for g in self.groups)
            step = next((s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if top * 1.1 / s <= 6), 0.25)
            ticks = int(min(1.0, top * 1.1) / step) + 1
            scale_max = min(1.0, step * ticks)
            x_of = lambda v: label_w + (right - label_w) * v / scale_max  # noqa: E731
            axis_y = 24 + 34 * len(self.groups)
            for i in range(ticks + 1):
                v = step * i
                p.setPen(QPen(QColor("#d1d5db"), 1))
                p.drawLine(QPointF(x_of(v), 14), QPointF(x_of(v), axis_y))
                p.setPen(MUTED)
                p.drawText(QRectF(x_of(v) - 30, axis_y + 2, 60, 16), int(Qt.AlignmentFlag.AlignCenter), f"{v:.0%}")
            for i, g in enumerate(self.groups):
                y = 30 + 34 * i
                colour = QColor(GROUP_COLOURS[i % len(GROUP_COLOURS)])
                p.setPen(INK)
                p.drawText(QRectF(6, y - 10, label_w - 12, 20),
                           int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                           f"{g.get('label', g['name'])}: {g['rate']:.1%} (n = {g['sessions']:,})")
                lo, hi = g["ci95"]
                p.setPen(QPen(colour, 3))
                p.drawLine(QPointF(x_of(lo), y), QPointF(x_of(hi), y))
                for x in (x_of(lo), x_of(hi)):
                    p.drawLine(QPointF(x, y - 6), QPointF(x, y + 6))
                p.setBrush(colour)
                p.drawEllipse(QPointF(x_of(g["rate"]), y), 6, 6)
            p.setPen(MUTED)
            p.drawText(QRectF(label_w, axis_y + 18, right - label_w, 16), int(Qt.AlignmentFlag.AlignCenter),
                       "conversion rate with its 95 % interval")
        finally:
            p.end()


def _signed(v: float | None, unit: str = "%") -> str:
    return "n/a" if v is None else f"{v * 100:+.1f} {unit}"


def comparison_rows(c: dict[str, Any], mde: float, labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """What one variant-vs-control comparison says, in words (the table's rows); ``labels`` name the groups
    ("no campaign" for ``(none)``)."""
    names = labels or {}
    variant, control = names.get(c["variant"], c["variant"]), names.get(c["control"], c["control"])
    lo, hi = c["ci95_abs"]
    rel = c["ci95_rel"]
    srm = c["srm_p"]
    needed = c["sessions_needed_per_group"]
    return [
        ("Lift (absolute)", f"{_signed(c['lift_abs'], 'points')} (95 %: {_signed(lo, 'points')} to "
         f"{_signed(hi, 'points')})"),
        ("Lift (relative)",
         _signed(c["lift_rel"]) + (f" (95 %: {_signed(rel[0])} to {_signed(rel[1])})" if rel else "")),
        ("p-value", f"{c['p_value']:.3g}, {c['p_adjusted']:.3g} after Holm's correction"),
        ("Chance it is better", f"{c['prob_better']:.1%} that {variant} beats {control}"),
        ("Enough sessions?", "yes (≥ 50 sessions and ≥ 5 conversions per group)" if c["guards_met"] else
         "not yet (each group needs ≥ 50 sessions and ≥ 5 conversions)"),
        ("Split as intended?", "not checked: give the intended split" if srm is None else
         f"{'NO' if srm < 0.001 else 'yes'} (χ² p = {srm:.2g})"),
        ("Sessions needed", "n/a" if needed is None else
         f"{needed:,} per group for a {mde:.0%} lift; {c['more_sessions_needed']:,} more"),
        ("Called significant?", "yes" if c["significant"] else "no"),
    ]


def _table_height(t: QTableWidget) -> int:
    """Tall enough for every row, no taller (the panel has no empty boxes)."""
    rows = sum(t.rowHeight(i) for i in range(t.rowCount()))
    return rows + t.horizontalHeader().height() + 2 * t.frameWidth() + 2


class ABTestView(AnalysisWindow):
    def __init__(self, library: LibraryStore, segment: Segment, segment_name: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(library, segment, segment_name, "A/B test", parent)
        self.setObjectName("abtest_view")
        self.result: dict[str, Any] | None = None
        self.facets: dict[str, list[tuple[str, int]]] = {}
        self.by, self.goal, self.control = QComboBox(), QComboBox(), QComboBox()
        self.goal.setEditable(True)
        self.goal.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # typed text is a pattern, not a new choice
        self.goal.setToolTip("A goal's name, or page:/path, event:NAME, click:LABEL")
        self.split = QLineEdit()
        self.split.setPlaceholderText("e.g. 50/50 (optional: checks the groups are split as planned)")
        self.mde = QDoubleSpinBox()
        self.mde.setRange(1, 500)
        self.mde.setValue(10)
        self.mde.setSuffix(" % relative")
        self.mde.setToolTip("The smallest lift worth detecting; sets how many sessions the test needs")
        self.pdf = QPushButton("Export PDF…")
        self.pdf.setEnabled(False)
        self.pdf.clicked.connect(self.export_pdf)
        f1, f2 = QFormLayout(), QFormLayout()
        f1.addRow("Variant attribute", self.by)
        f1.addRow("Goal (conversion)", self.goal)
        f1.addRow("Control group", self.control)
        self.include_none = QCheckBox("Include the sessions without it as a group")
        self.include_none.setObjectName("include_none")
        self.include_none.setChecked(True)
        self.include_none.setToolTip("Sessions that lack the attribute (no campaign, no variant) form the group "
                                     "“(none)”; untick to leave them out")
        f1.addRow("", self.include_none)
        f2.addRow("Intended split", self.split)
        f2.addRow("Minimum effect", self.mde)
        f2.addRow(self.pdf)
        top = QHBoxLayout()
        top.addLayout(f1, 1)
        top.addLayout(f2, 1)
        self.root.addLayout(top)
        self.root.addWidget(self.jobs)
        self.root.addWidget(self.error)
        self.verdict = QLabel("Pick the variant attribute and a goal.")
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-size: 22px; font-weight: 600; color: #1e3a8a; padding: 8px 0;")
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.root.addWidget(self.verdict)
        self.forest = ForestPlot()
        self.groups = QTableWidget(0, 5)
        self.groups.setObjectName("ab_groups")
        self.groups.setHorizontalHeaderLabels(["Group", "Sessions (n)", "Converted", "Rate", "95 % interval"])
        self.details = QTableWidget(0, 0)
        self.details.setObjectName("ab_details")
        for t in (self.groups, self.details):
            t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.verticalHeader().hide()
        self.help = QLabel(
            "How to read this: the <b>lift</b> is how much the variant's conversion rate differs from the "
            "control's, with the range the true lift probably lies in (95 %). The <b>p-value</b> is how surprising "
            "the difference would be if the variants converted equally; it is corrected when several variants are "
            "compared. A difference is only called real when every group has enough sessions and conversions, the "
            "split is as intended, and the corrected p-value is below 0.05.")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("color: #4b5563; padding-top: 8px;")
        lay = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self.forest)
        left.addWidget(self.groups)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.details)
        right.addWidget(self.help)
        right.addStretch(1)
        lay.addLayout(left, 1)
        lay.addLayout(right, 1)
        self.root.addLayout(lay, 1)

        self._timer = QTimer(self, singleShot=True, interval=400)
        self._timer.timeout.connect(self.request)
        self.by.currentIndexChanged.connect(lambda _i: self._fill_control())
        self.control.currentIndexChanged.connect(lambda _i: self._timer.start())
        self.goal.currentIndexChanged.connect(lambda _i: self._timer.start())
        edit = self.goal.lineEdit()
        assert edit is not None  # editable
        edit.editingFinished.connect(self._timer.start)
        self.split.editingFinished.connect(self._timer.start)
        self.mde.valueChanged.connect(lambda _v: self._timer.start())
        self.include_none.toggled.connect(lambda _v: self._fill_control())
        self.meta = meta.MetaLoader(library, segment, self)
        self.meta.loaded.connect(self._meta)
        self.meta.failed.connect(self.show_error)
        fit_to_screen(self, 1300, 820)

    def _meta(self, m: meta.Meta) -> None:
        self.facets = m.facets
        self.sessions = m.sessions
        keys = meta.split_keys(m.facets, m.sessions)
        pref = next((k for k in ("variant", *[k for k in keys if k.startswith("feature/")]) if k in keys), None)
        self.by.blockSignals(True)
        for key in keys:
            self.by.addItem(meta.key_label(key), key)
        self.by.setCurrentIndex(max(0, self.by.findData(pref)) if pref else 0)
        self.by.blockSignals(False)
        reached = dict(m.facets.get("goal", []))
        self.goal.blockSignals(True)
        for g in m.goals:
            self.goal.addItem(f"{g.name} ({reached.get(g.name, 0):,} sessions reached it)", g.name)
        self.goal.blockSignals(False)
        self._fill_control()

    def _fill_control(self) -> None:
        self.control.blockSignals(True)
        self.control.clear()
        key = str(self.by.currentData())
        values = sorted(self.facets.get(key, []))
        for value, n in values:
            self.control.addItem(f"{value} ({n:,} sessions)", value)
        rest = meta.none_count(self.facets, key, getattr(self, "sessions", 0))
        if rest and self.include_none.isChecked():  # the sessions without the attribute are a group too
            self.control.addItem(f"{none_label(key)} ({rest:,} sessions)", NONE)
            if len(values) == 1:  # one value against the rest: the rest is the baseline
                self.control.setCurrentIndex(self.control.count() - 1)
        self.control.blockSignals(False)
        self._timer.start()

    def goal_spec(self) -> str:
        i = self.goal.currentIndex()
        if i >= 0 and self.goal.itemText(i) == self.goal.currentText():
            return str(self.goal.itemData(i))
        return self.goal.currentText().strip()

    def request(self) -> None:
        by, goal, control = self.by.currentData(), self.goal_spec(), self.control.currentData()
        if by is None or not goal:
            return
        try:
            split = parse_split(self.split.text())
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.clear_error()
        lib, seg, mde = self.library, self.segment, self.mde.value() / 100
        exclude = not self.include_none.isChecked()
        self.jobs.run(f"Testing {goal} across {by}…",
                      lambda: compute(lib, seg, str(by), goal, control, split, mde, exclude), self._shown, library=lib)

    def _shown(self, res: dict[str, Any]) -> None:
        self.result = res
        self.verdict.setText(res["verdict"])
        self.forest.set_groups(res["groups"])
        self.groups.setRowCount(len(res["groups"]))
        for i, g in enumerate(res["groups"]):
            lo, hi = g["ci95"]
            cells = [g.get("label", g["name"]), f"{g['sessions']:,}", f"{g['conversions']:,}", f"{g['rate']:.1%}",
                     f"{lo:.1%} – {hi:.1%}"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.groups.setItem(i, j, item)
        self.groups.resizeColumnsToContents()
        comps = res["comparisons"]
        names = {g["name"]: g.get("label", g["name"]) for g in res["groups"]}
        per = [comparison_rows(c, res.get("mde", 0.1), names) for c in comps]
        labels = [k for k, _v in per[0]] if per else []
        self.details.setColumnCount(len(comps))
        self.details.setRowCount(len(labels))
        self.details.setHorizontalHeaderLabels([f"{names.get(c['variant'], c['variant'])} vs "
                                                f"{names.get(c['control'], c['control'])}" for c in comps])
        self.details.setVerticalHeaderLabels(labels)
        for j, rows in enumerate(per):
            for i, (_k, text) in enumerate(rows):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.details.setItem(i, j, item)
        self.details.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for t in (self.groups, self.details):
            t.setFixedHeight(_table_height(t))
        self.pdf.setEnabled(True)

    def export_pdf(self) -> None:
        if self.result is not None:
            export_pdf_after_audit(self, "ab-test-report.pdf")

    def write_pdf(self, path: Any) -> None:
        from replaylens.export.compare_pdf import ReportParts, write_comparison_report

        parts = ReportParts(self.library.root.name, self.segment_text, self.meta.sessions, abtest=self.result)
        self.jobs.run(f"Writing {path}…", lambda: write_comparison_report(parts, path), self.pdf_written)

    def closeEvent(self, e: Any) -> None:
        self.meta.wait()
        super().closeEvent(e)
