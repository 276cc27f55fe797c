"""The funnel's step list: add, remove and reorder steps; a step is a page visited, a custom event, a clicked
label or a goal reached, with its pattern (pages and goals offered from the library). ``changed`` after every
edit; ``specs()`` gives the ``kind:pattern`` strings ``analysis.experiments.parse_step`` reads."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from replaylens.export.compare_pdf import step_label

STEP_KINDS = (("Visited a page", "page"), ("Reached a goal", "goal"), ("Custom event", "event"),
              ("Clicked a label", "click"))


class StepsEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pages: list[str] = []
        self.goals: list[str] = []
        self.list = QListWidget()
        self.list.setObjectName("funnel_steps")
        self.list.setMaximumHeight(96)
        self.kind = QComboBox()
        for label, key in STEP_KINDS:
            self.kind.addItem(label, key)
        self.pattern = QComboBox()
        self.pattern.setEditable(True)
        self.pattern.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # typed text is a pattern, not a new choice
        self.pattern.setMinimumContentsLength(18)
        self.pattern.setToolTip("Pages: a path (/kyc) or a glob (/earn/*); events: the event's name; clicks: text in "
                                "the button's label")
        self.kind.currentIndexChanged.connect(lambda _i: self._offer())
        add = QPushButton("Add step")
        add.clicked.connect(self.add_current)
        edit = self.pattern.lineEdit()
        assert edit is not None  # editable
        edit.returnPressed.connect(self.add_current)
        buttons = [("Remove", self.remove), ("Move up", lambda: self.move_step(-1)),
                   ("Move down", lambda: self.move_step(1))]
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Steps, in order"), 0, 0, 1, 3)
        grid.addWidget(self.list, 1, 0, 1, 3)
        for i, (text, slot) in enumerate(buttons):
            b = QPushButton(text)
            b.clicked.connect(slot)
            grid.addWidget(b, 2, i)
        grid.addWidget(self.kind, 3, 0)
        grid.addWidget(self.pattern, 3, 1)
        grid.addWidget(add, 3, 2)

    def set_choices(self, pages: list[str], goals: list[str]) -> None:
        self.pages, self.goals = pages, goals
        self._offer()

    def _offer(self) -> None:
        kind = self.kind.currentData()
        self.pattern.clear()
        self.pattern.addItems(self.pages if kind == "page" else self.goals if kind == "goal" else [])
        self.pattern.setEditText("" if kind in ("event", "click") else self.pattern.currentText())

    def specs(self) -> list[str]:
        return [str(self.list.item(i).data(256)) for i in range(self.list.count())]

    def set_specs(self, specs: list[str]) -> None:
        self.list.clear()
        for s in specs:
            self._append(s)
        self._renumber()
        self.changed.emit()

    def _append(self, spec: str) -> None:
        item = QListWidgetItem(step_label(spec))
        item.setData(256, spec)
        self.list.addItem(item)

    def _renumber(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(f"{i + 1}. {step_label(str(item.data(256)))}")

    def add_current(self) -> None:
        text = self.pattern.currentText().strip()
        if not text:
            return
        self._append(f"{self.kind.currentData()}:{text}")
        self._renumber()
        self.changed.emit()

    def remove(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._renumber()
            self.changed.emit()

    def move_step(self, delta: int) -> None:
        row = self.list.currentRow()
        new = row + delta
        if row < 0 or not 0 <= new < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(new, item)
        self.list.setCurrentRow(new)
        self._renumber()
        self.changed.emit()
