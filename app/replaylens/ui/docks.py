"""Event list and session info docks. The event list is a virtual table over the numpy columns (fast for
hundreds of thousands of rows); filtering is a numpy mask, following playback a binary search."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from replaylens.analysis.activity import DEFAULT_GAP_MS, session_active_ms
from replaylens.core.replay import ReplayIndex, count_le
from replaylens.core.timefmt import fmt_ms
from replaylens.model.session import Session

_Index = QModelIndex | QPersistentModelIndex


class EventsModel(QAbstractTableModel):
    HEADERS = ("Time", "Kind", "Page", "Target")

    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self.rows = np.zeros(0, np.int64)
        self.times = np.zeros(0, np.int64)
        self._targets: tuple[str, ...] = ()

    def set_session(self, session: Session | None, mask: np.ndarray | None) -> None:
        self.beginResetModel()
        self.session = session
        self.rows = np.nonzero(mask)[0] if session is not None and mask is not None else np.zeros(0, np.int64)
        self.times = session.arrays.t[self.rows] if session is not None else np.zeros(0, np.int64)
        self._targets = session.arrays.targets if session is not None else ()
        self._labels: dict[int, str] = {}
        if session is not None:  # one query: the visible label of every event that has one
            rows = session.store.target_labels()
            self._labels = {int(i): str(txt) for i, txt in rows}
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = 0) -> Any:
        if self.session is None or not index.isValid():
            return None
        i = int(self.rows[index.row()])
        a = self.session.arrays
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return fmt_ms(int(a.t[i]))
            if col == 1:
                kind = a.kinds[int(a.kind[i])]
                if kind == "input" and a.value_len[i] >= 0:
                    return f"input · {int(a.value_len[i])} chars"
                return kind
            if col == 2:
                return str(int(a.page[i]))
            if col == 3:
                code = int(a.target[i])
                label = self._labels.get(i)
                sel = self._targets[code] if code >= 0 else ""
                return f"“{label}”  {sel}" if label else sel
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            p = int(a.page[i])
            url = self.session.pages[p].url if p < len(self.session.pages) else ""
            return f"{url}\n{self.data(index, Qt.ItemDataRole.DisplayRole)}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def event_index(self, row: int) -> int:
        return int(self.rows[row])


class EventsDock(QWidget):
    """Time, kind, page, target; selecting a row seeks; the current row follows playback; filter by kind."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QComboBox()
        self.filter.setToolTip("Which events to list")
        self.model = EventsModel()
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.view.horizontalHeader().setMinimumSectionSize(40)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.filter)
        lay.addWidget(self.view)
        self.session: Session | None = None
        self._following = False
        self.filter.currentIndexChanged.connect(self._apply_filter)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

    def set_session(self, session: Session | None) -> None:
        self.session = session
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("Interactions (no pointer moves)", "interactions")
        self.filter.addItem("All events", "all")
        if session is not None:
            for kind, n in sorted(session.arrays.counts().items(), key=lambda kv: -kv[1]):
                self.filter.addItem(f"{kind} ({n:,})", kind)
        self.filter.blockSignals(False)
        self._apply_filter()

    def _apply_filter(self) -> None:
        s = self.session
        if s is None:
            self.model.set_session(None, None)
            return
        key = self.filter.currentData()
        a = s.arrays
        if key == "all":
            mask = np.ones(len(a), bool)
        elif key == "interactions":
            mask = ~(a.mask("move") | a.mask("touch_move") | a.mask("mutation"))
        else:
            mask = a.mask(str(key))
        self.model.set_session(s, mask)
        self.view.setColumnWidth(0, 86)
        self.view.setColumnWidth(1, 110)
        self.view.setColumnWidth(2, 44)

    def _row_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if self._following or not current.isValid() or self.session is None:
            return
        i = self.model.event_index(current.row())
        self.seek_requested.emit(float(self.session.arrays.t[i]))

    def follow(self, t_ms: float) -> None:
        """Select the row of the last listed event at or before t, without seeking."""
        if self.session is None or not len(self.model.rows):
            return
        row = count_le(self.model.times, t_ms) - 1
        if row < 0 or row == self.view.currentIndex().row():
            return
        self._following = True
        try:
            idx = self.model.index(row, 0)
            self.view.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._following = False


class InfoDock(QScrollArea):
    """Segment attributes, viewport, duration, active time, pages visited, import warnings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        self.form = QFormLayout(body)
        self.form.setContentsMargins(8, 8, 8, 8)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.setWidget(body)

    def set_session(self, session: Session | None, index: ReplayIndex | None,
                    gap_ms: float = DEFAULT_GAP_MS) -> None:
        """Show ``session``; active time counts pauses longer than ``gap_ms`` as inactive (as ``analyze``)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        if session is None or index is None:
            self.form.addRow(QLabel("No session open"))
            return
        m = session.manifest
        a = session.arrays

        def row(label: str, value: str) -> None:
            v = QLabel(value)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            self.form.addRow(f"<b>{label}</b>", v)

        row("Session", m.session_id)
        row("Site", m.site or "—")
        row("File", session.path.name)
        row("Duration", fmt_ms(session.duration_ms))
        row("Active time", f"{fmt_ms(session_active_ms(a, session.duration_ms, gap_ms))} "
                           f"(pauses over {gap_ms / 1000:g} s without interaction excluded)")
        row("Viewport", f"{m.viewport_width}×{m.viewport_height} @ {m.device_pixel_ratio:g}x")
        for k, v in sorted(m.attributes.items()):
            row(k.replace("_", " ").capitalize(), v)
        visited = page_visits(a.page)
        names = [page_name(session, p) for p in visited]
        distinct = len(set(visited))
        row("Pages visited", f"{len(visited)} visit{'s' if len(visited) != 1 else ''} to {distinct} "
                             f"page{'s' if distinct != 1 else ''}: {' → '.join(names)}" if visited else "none")
        for i, p in enumerate(session.pages):
            row(f"Page {i + 1}", f"{p.title or '(untitled)'}\n{p.url}")
        row("Events", ", ".join(f"{k} {n:,}" for k, n in sorted(a.counts().items(), key=lambda kv: -kv[1])))
        if session.report.warnings:
            row("Import notes", "\n".join(f"• {w}" for w in session.report.warnings))


def page_visits(page: np.ndarray) -> list[int]:
    """The pages in the order they were on screen: one entry per visit (consecutive events on one page)."""
    if page.shape[0] == 0:
        return []
    starts = np.flatnonzero(np.r_[True, page[1:] != page[:-1]])
    return [int(p) for p in page[starts] if p >= 0]


def page_name(session: Session, page: int) -> str:
    """A page as a person reads it: its title without the site name (the longest part around ' · ', ' — ' or
    ' | '), else its path."""
    if not 0 <= page < len(session.pages):
        return f"page {page + 1}"
    p = session.pages[page]
    title = (p.title or "").strip()
    for sep in (" · ", " — ", " | "):
        if sep in title:
            title = max(title.split(sep), key=len)  # first of the longest: "Wallet · Nimbus" → "Wallet"
            break
    if title:
        return title
    path = p.url.split("://", 1)[-1]
    return path[path.find("/"):] if "/" in path else path or f"page {page + 1}"
