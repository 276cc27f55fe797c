"""The Annotations dock: every annotation of the session (time · kind · note), click to jump there; an editor for
the selected one (note, shown from/to, colour swatch comes from the toolbar); delete; import/export of the set.
A redaction hides its area for the whole session unless "Only during its time range" is ticked (then, and only
then, the from/until fields apply to it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from replaylens.core.timefmt import fmt_ms, parse_time
from replaylens.errors import BadInputError
from replaylens.model.annotations import Annotation, export_annotations, import_annotations
from replaylens.ui.annotations.commands import KIND_NAMES

if TYPE_CHECKING:
    from replaylens.ui.annotations.controller import AnnotationController


def _swatch(color: str) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(QColor(color))
    return QIcon(pm)


def describe(a: Annotation) -> str:
    kind = f"step {a.step}" if a.kind == "step" else KIND_NAMES.get(a.kind, a.kind)
    note = f" — {a.text}" if a.text else ""
    when = "whole session" if a.always else fmt_ms(a.t_start_ms)
    return f"{when}  ·  {kind}{note}"


def shown_when(a: Annotation) -> str:
    return "hidden for the whole session" if a.always else f"shown {fmt_ms(a.t_start_ms)} – {fmt_ms(a.t_end_ms)}"


class AnnotationsDock(QDockWidget):
    def __init__(self, ctl: AnnotationController) -> None:
        super().__init__("Annotations")
        self.setObjectName("annotations-dock")
        self.ctl = ctl
        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        self.empty = QLabel("No annotations yet. Pick a tool in the Annotate toolbar and draw on the replay.")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(mid);")
        lay.addWidget(self.empty)
        self.list = QListWidget(body)
        self.list.setAlternatingRowColors(True)
        self.list.itemClicked.connect(self._on_clicked)
        self.list.currentItemChanged.connect(lambda cur, _prev: self._on_current(cur))
        lay.addWidget(self.list, 1)
        form = QFormLayout()
        self.note = QLineEdit(body)
        self.note.setPlaceholderText("Note shown in notes, steps and exports")
        self.note.editingFinished.connect(self._commit_note)
        self.start = QLineEdit(body)
        self.end = QLineEdit(body)
        for w in (self.start, self.end):
            w.setPlaceholderText("mm:ss.mmm")
            w.editingFinished.connect(self._commit_times)
        self.time_only = QCheckBox("Only during its time range", body)
        self.time_only.setObjectName("redact_time_only")
        self.time_only.setToolTip("Off (default): the redaction covers its area at every moment of the session, in "
                                  "the replay and in every export. On: only from the start to the end time below.")
        self.time_only.toggled.connect(self._commit_time_only)
        form.addRow("Note", self.note)
        form.addRow("Redaction", self.time_only)
        form.addRow("Shown from", self.start)
        form.addRow("until", self.end)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.go = QPushButton("Go to", body)
        self.go.clicked.connect(self._go)
        self.delete = QPushButton("Delete", body)
        self.delete.clicked.connect(self._delete)
        row.addWidget(self.go)
        row.addWidget(self.delete)
        row.addStretch(1)
        self.import_btn = QPushButton("Import…", body)
        self.import_btn.clicked.connect(self.import_dialog)
        self.export_btn = QPushButton("Export…", body)
        self.export_btn.clicked.connect(self.export_dialog)
        row.addWidget(self.import_btn)
        row.addWidget(self.export_btn)
        lay.addLayout(row)
        self.setWidget(body)
        ctl.changed.connect(self.refresh)
        ctl.selection_changed.connect(self._on_selection)
        self.refresh()

    # -- model → view ---------------------------------------------------------------------------------------
    def _go(self) -> None:
        if self.ctl.selected:
            self.ctl.seek_to(self.ctl.selected)

    def _delete(self) -> None:
        if self.ctl.selected:
            self.ctl.delete(self.ctl.selected)

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for a in sorted(self.ctl.aset, key=lambda a: (a.t_start_ms, a.page)):
            item = QListWidgetItem(_swatch(a.color), describe(a))
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            item.setToolTip(f"{self._page_url(a.page)}\n{shown_when(a)}")
            self.list.addItem(item)
            if a.id == self.ctl.selected:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        self.empty.setVisible(len(self.ctl.aset) == 0)
        self.export_btn.setEnabled(len(self.ctl.aset) > 0)
        self.import_btn.setEnabled(self.ctl.session is not None)
        self._load_editor()

    def _page_url(self, page: int) -> str:
        s = self.ctl.session
        return s.pages[page].url if s is not None and 0 <= page < len(s.pages) else ""

    def _on_selection(self, ident: object) -> None:
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == ident:
                self.list.setCurrentItem(item)
                break
        else:
            self.list.clearSelection()
            self.list.setCurrentItem(None)  # type: ignore[call-overload]  # Qt takes None; the stubs do not say so
        self.list.blockSignals(False)
        self._load_editor()

    def _load_editor(self) -> None:
        a = self.ctl.aset.find(self.ctl.selected)
        for w in (self.note, self.start, self.end, self.go, self.delete):
            w.setEnabled(a is not None)
        self.note.setText(a.text if a else "")
        self.start.setText(fmt_ms(a.t_start_ms) if a else "")
        self.end.setText(fmt_ms(a.t_end_ms) if a else "")
        redaction = a is not None and a.is_redaction
        self.time_only.blockSignals(True)
        self.time_only.setChecked(redaction and a is not None and not a.whole_session)
        self.time_only.blockSignals(False)
        self.time_only.setEnabled(redaction)
        for w in (self.start, self.end):  # a whole-session redaction has no time range to edit
            w.setEnabled(a is not None and not a.always)

    def focus_note(self) -> None:
        self.note.setFocus()
        self.note.selectAll()

    # -- view → model ---------------------------------------------------------------------------------------
    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.ctl.seek_to(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_current(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.ctl.select(str(item.data(Qt.ItemDataRole.UserRole)))

    def _commit_note(self) -> None:
        a = self.ctl.aset.find(self.ctl.selected)
        if a is not None and self.note.text() != a.text:
            self.ctl.edit(a.id, "Edit note", text=self.note.text()[:4000])

    def _commit_time_only(self, checked: bool) -> None:
        a = self.ctl.aset.find(self.ctl.selected)
        if a is not None and a.is_redaction and a.whole_session == checked:
            label = "Redact only during its time range" if checked else "Redact for the whole session"
            self.ctl.edit(a.id, label, whole_session=not checked)

    def _commit_times(self) -> None:
        a = self.ctl.aset.find(self.ctl.selected)
        if a is None:
            return
        try:
            t0, t1 = parse_time(self.start.text()), parse_time(self.end.text())
            if t1 < t0:
                raise ValueError("the end is before the start")
        except ValueError as exc:
            self.ctl.warning.emit(f"Time range not changed: {exc}")
            self._load_editor()
            return
        if (t0, t1) != (a.t_start_ms, a.t_end_ms):
            self.ctl.edit(a.id, "Change time range", t_start_ms=t0, t_end_ms=t1)

    def export_dialog(self) -> None:
        s = self.ctl.session
        if s is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export annotations", f"{s.path.stem}.annotations.json",
                                              "Replay Lens annotations (*.json)")
        if path:
            try:
                store = self.ctl.store
                export_annotations(self.ctl.aset, path, s.manifest.session_id, store.input_sha256 if store else "")
            except BadInputError as exc:
                self.ctl.warning.emit(str(exc))

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import annotations", "", "Replay Lens annotations (*.json)")
        if path:
            try:
                items = list(import_annotations(path))
            except BadInputError as exc:
                self.ctl.warning.emit(str(exc))
                return
            pages = len(self.ctl.session.pages) if self.ctl.session is not None else 0
            fits = [a for a in items if a.page < pages and a.id not in self.ctl.aset]
            if len(fits) < len(items):
                self.ctl.warning.emit(f"{len(items) - len(fits)} imported annotation(s) skipped: already present "
                                      "or on a page this session does not have")
            self.ctl.replace_all([*self.ctl.aset, *fits])
