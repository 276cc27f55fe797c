"""Friction findings in the viewer: computed off the UI thread, listed in a dock (click → seek to a second
before), drawn on the timeline and highlighted on the canvas while they play."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from replaylens.core.timefmt import fmt_ms
from replaylens.export.findings_paint import FINDING_COLORS, LEAD_MS  # LEAD_MS: seek this long before a finding
from replaylens.model.findings import SessionAnalysis, analyze_session
from replaylens.model.friction_settings import FrictionSettings
from replaylens.ui.jobs import LatestJob

if TYPE_CHECKING:
    from replaylens.ui.main_window import MainWindow

COLORS = FINDING_COLORS
LABELS = {"rage_click": "Rage click", "dead_click": "Dead click", "error_click": "Error click",
          "hesitation": "Hesitation", "form_abandonment": "Form abandoned", "quick_back": "Quick back",
          "excessive_scroll": "Excessive scrolling", "thrashed_cursor": "Thrashed cursor"}


def describe(f: Any) -> str:
    if f.kind == "hesitation":
        return f"Hesitation {f.count / 1000:.1f} s"  # count is the rest in ms
    if f.kind == "quick_back":
        return f"Quick back after {f.count / 1000:.1f} s"
    extra = f" ×{f.count}" if getattr(f, "count", 1) and f.count > 1 else ""
    return f"{LABELS.get(f.kind, f.kind)}{extra}"


class FindingsDock(QWidget):
    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.summary = QLabel("No session open")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Time", "Finding", "Page", "Where"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.tree.itemActivated.connect(self._seek)
        self.tree.itemClicked.connect(self._seek)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree)

    def show_analysis(self, analysis: SessionAnalysis | None) -> None:
        self.tree.clear()
        if analysis is None:
            self.summary.setText("No session open")
            return
        m = analysis.metrics
        n = len(analysis.findings)
        self.summary.setText(f"<b>{n} finding{'s' if n != 1 else ''}</b> · friction score "
                             f"<b>{m.get('friction_score', '–')}</b>/100 · preset {m.get('preset', 'posthog')}")
        for f in analysis.findings:
            item = QTreeWidgetItem([fmt_ms(f.start_ms), describe(f), str(f.page), f.target or f.rule or ""])
            item.setData(0, Qt.ItemDataRole.UserRole, f.start_ms)
            item.setForeground(1, QColor(COLORS.get(f.kind, "#888888")))
            item.setToolTip(3, f"{f.url}\n{f.target or ''}\nrule: {f.rule}")
            self.tree.addTopLevelItem(item)
        for c in (0, 1, 2):
            self.tree.resizeColumnToContents(c)

    def _seek(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        t = int(item.data(0, Qt.ItemDataRole.UserRole))
        self.window.seek(max(0.0, t - LEAD_MS))


class FindingsController:
    """Owns the analysis of the open session and keeps dock, timeline and canvas in step with it."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = FrictionSettings.preset(str(window.settings.value("friction_preset", "posthog")))
        overrides = window.settings.value("friction_overrides", {})
        if isinstance(overrides, dict) and overrides:
            try:
                self.settings = self.settings.with_overrides({str(k): v for k, v in overrides.items()})
            except ValueError:
                window.settings.remove("friction_overrides")  # a stale or hand-edited value: back to defaults
        self.analysis: SessionAnalysis | None = None
        self.job = LatestJob(window)
        self.job.result.connect(self._analysed)
        self.job.error.connect(lambda m: window.statusBar().showMessage(f"Friction analysis failed: {m}", 8000))
        self.dock = FindingsDock(window)
        window.session_changed.connect(self.refresh)

    def set_settings(self, settings: FrictionSettings) -> None:
        self.settings = settings
        self.refresh(self.window.session)

    def refresh(self, session: Any) -> None:
        self.analysis = None
        self.dock.show_analysis(None)
        self.window.timeline.set_findings(np.zeros(0), np.zeros(0), [], [])
        self.window.finding_times = np.zeros(0, np.int64)
        self.window.canvas.options.findings = []
        if session is None:
            self.job.cancel()
            return
        settings = self.settings
        self.job.submit(lambda: (session, analyze_session(session, settings)))

    def _analysed(self, result: tuple[Any, SessionAnalysis]) -> None:
        session, analysis = result
        if session is not self.window.session:
            return
        self.analysis = analysis
        fs = analysis.findings
        self.dock.show_analysis(analysis)
        self.window.finding_times = np.array([f.start_ms for f in fs], np.int64)
        self.window.timeline.set_findings(np.array([f.start_ms for f in fs], float),
                                          np.array([f.end_ms for f in fs], float),
                                          [f"{describe(f)} — {f.target or f.url}" for f in fs],
                                          [COLORS.get(f.kind, "#888888") for f in fs])
        self.window.canvas.options.findings = list(fs)  # the shared frame renderer paints the highlights
        self.window.canvas.update()
