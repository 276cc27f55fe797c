"""Friction findings in the viewer: computed off the UI thread, listed in a dock (click → seek to a second
before), drawn on the timeline and highlighted on the canvas while they play."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from replaylens.analysis.findings.analyze import SessionAnalysis, analyze_session
from replaylens.core.timefmt import fmt_ms
from replaylens.model.finding_text import FINDING_NAMES, finding_label
from replaylens.model.friction_settings import (
    DEFAULT_PRESET,
    SAVED_OVERRIDES_KEY,
    SAVED_PRESET_KEY,
    FrictionSettings,
    saved_settings,
)
from replaylens.render.findings_paint import (  # LEAD_MS: seek this long before a finding
    FINDING_COLORS,
    LEAD_MS,
)
from replaylens.ui.jobs import LatestJob

if TYPE_CHECKING:
    from replaylens.ui.canvas import ReplayCanvas
    from replaylens.ui.state import ViewerState
    from replaylens.ui.timeline import Timeline

COLORS = FINDING_COLORS
LABELS = FINDING_NAMES
#: A short label (kind, count, the other kinds of the same moment): the same text the highlights carry.
describe = finding_label


def details_html(f: Any) -> str:
    """The details view of one finding: the plain facts first, then the technical ones (rules, selector)."""
    from replaylens.model.finding_text import RULE_TEXT

    kinds = getattr(f, "kinds", ()) or (f.kind,)
    counts = getattr(f, "counts", {}) or {f.kind: f.count}
    rules = getattr(f, "rules", {}) or {f.kind: f.rule}
    lines = [f"<b>{escape(f.title or describe(f))}</b>",
             f"{fmt_ms(f.start_ms)} – {fmt_ms(f.end_ms)} on {escape(f.page_name or f.url)}"]
    if f.detail:
        lines.append(f"Error: {escape(f.detail)}")
    for k in kinds:
        n = counts.get(k, f.count)
        what = f"{n / 1000:.1f} s" if k in ("hesitation", "quick_back") else f"×{n}"
        rule = rules.get(k, "")
        lines.append(f"• {LABELS.get(k, k)} {what}: {escape(RULE_TEXT.get(rule, rule))}")
    pts = getattr(f, "points", 0)
    lines.append(f"Adds {pts} point{'s' if pts != 1 else ''} to the friction score (severity {f.severity} of 3)")
    tech = [f"page: {escape(f.url)}"] if f.url else []
    if f.target:
        tech.append(f"element: <code>{escape(f.target)}</code>")
    tech.append("rules: " + ", ".join(f"{k}={escape(rules.get(k, ''))}" for k in kinds))
    return "<br>".join(lines) + "<br><span style='color:#777'>" + "<br>".join(tech) + "</span>"


class _WrapDelegate(QStyledItemDelegate):
    """Row heights that fit the wrapped title at the column's current width (Qt's own size hint ignores the
    width, so wrapped text would be cut to one elided line)."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self.tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        if index.column() != 1:
            return size
        width = max(40, self.tree.columnWidth(1) - 12)
        text = str(index.data() or "")
        rect = option.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap), text)
        return QSize(size.width(), max(size.height(), rect.height() + 6))


def _duration(ms: int) -> str:
    """``3 min 44 s``, ``19 s``: how long, for people."""
    if ms < 1000:
        return f"{ms} ms"
    s = int(round(ms / 1000))
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


class FindingsDock(QWidget):
    def __init__(self, state: ViewerState) -> None:
        super().__init__()
        self.state = state
        self.summary = QLabel("No session open")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Time", "Finding", "Points"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setItemDelegate(_WrapDelegate(self.tree))
        head = self.tree.header()
        head.sectionResized.connect(lambda *_: self.tree.doItemsLayout())
        head.setStretchLastSection(False)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._seek)
        self.tree.itemClicked.connect(self._seek)
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._show_details(cur))
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.details.setMinimumHeight(60)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree, 3)
        lay.addWidget(self.details, 1)
        self._findings: list[Any] = []

    def show_analysis(self, analysis: SessionAnalysis | None) -> None:
        self.tree.clear()
        self.details.setText("")
        self._findings = list(analysis.findings) if analysis is not None else []
        if analysis is None:
            self.summary.setText("No session open")
            return
        m = analysis.metrics
        n = len(analysis.findings)
        self.summary.setText(
            f"<b>{n} finding{'s' if n != 1 else ''}</b> · friction score <b>{m.get('friction_score', '–')}</b>/100"
            f" from {m.get('score_points', 0)} points in {_duration(int(m.get('active_ms', 0)))} of activity"
            f" · preset {m.get('preset', 'posthog')}")
        self.summary.setToolTip("The score counts each finding's points per 5 active minutes (shorter sessions "
                                "count as 5 minutes) on a curve that approaches 100: see docs/friction.md.")
        for i, f in enumerate(analysis.findings):
            item = QTreeWidgetItem([fmt_ms(f.start_ms), f.title or describe(f), str(f.points)])
            item.setData(0, Qt.ItemDataRole.UserRole, f.start_ms)
            item.setData(1, Qt.ItemDataRole.UserRole, i)
            item.setForeground(1, QColor(COLORS.get(f.kind, "#888888")))
            tip = details_html(f)
            for col in range(3):
                item.setToolTip(col, tip)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        if n:
            self.details.setText("<span style='color:#777'>Select a finding to see its details.</span>")

    def _show_details(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        i = item.data(1, Qt.ItemDataRole.UserRole)
        if isinstance(i, int) and 0 <= i < len(self._findings):
            self.details.setText(details_html(self._findings[i]))

    def _seek(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        self._show_details(item)
        t = int(item.data(0, Qt.ItemDataRole.UserRole))
        self.state.seek(max(0.0, t - LEAD_MS))


def show_findings(timeline: Timeline, canvas: ReplayCanvas, fs: list[Any]) -> None:
    """The findings on the timeline row and on the canvas (the viewer calls it on ``findings_changed``)."""
    timeline.set_findings(np.array([f.start_ms for f in fs], float), np.array([f.end_ms for f in fs], float),
                          [f.title or describe(f) for f in fs], [COLORS.get(f.kind, "#888888") for f in fs])
    canvas.options.findings = list(fs)  # the shared frame renderer paints the highlights
    canvas.update()


class FindingsController:
    """Owns the analysis of the open session; what it found goes into the viewer state (``set_findings``), which
    the timeline and canvas follow."""

    def __init__(self, state: ViewerState, parent: QObject) -> None:
        self.state = state
        settings = state.settings
        self.settings, ok = saved_settings(settings.value(SAVED_PRESET_KEY, DEFAULT_PRESET),
                                           settings.value(SAVED_OVERRIDES_KEY, {}))
        if not ok:
            settings.remove(SAVED_OVERRIDES_KEY)  # a stale or hand-edited value: back to defaults
        state.friction = self.settings  # the exports analyse with what the dock shows
        self.analysis: SessionAnalysis | None = None
        self.job = LatestJob(parent)
        self.job.result.connect(self._analysed)
        self.job.error.connect(lambda m: state.message.emit(f"Friction analysis failed: {m}", 8000))
        self.dock = FindingsDock(state)
        state.session_changed.connect(self.refresh)

    def set_settings(self, settings: FrictionSettings) -> None:
        self.settings = self.state.friction = settings
        self.refresh(self.state.session)

    def refresh(self, session: Any) -> None:
        self.analysis = None
        self.dock.show_analysis(None)
        self.state.set_findings([])
        if session is None:
            self.job.cancel()
            return
        settings = self.settings
        self.job.submit(lambda: (session, analyze_session(session, settings)))

    def _analysed(self, result: tuple[Any, SessionAnalysis]) -> None:
        session, analysis = result
        if session is not self.state.session:
            return
        self.analysis = analysis
        self.dock.show_analysis(analysis)
        self.state.set_findings(list(analysis.findings))
