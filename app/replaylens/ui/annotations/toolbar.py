"""The Annotate toolbar: one checkable action per tool (select + the eight kinds), a colour swatch and a stroke
width. Icons are drawn with QPainter (no image files to ship), so they follow the palette and scale crisply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QColorDialog, QSpinBox, QToolBar, QToolButton

if TYPE_CHECKING:
    from replaylens.ui.annotations.controller import AnnotationController

TOOLS: tuple[tuple[str, str, str], ...] = (
    ("select", "Select, move and resize (S)", "S"), ("arrow", "Arrow (A)", "A"), ("rect", "Rectangle (R)", "R"),
    ("ellipse", "Ellipse (E)", "E"), ("text", "Note with pointer (T)", "T"), ("step", "Numbered step (N)", "N"),
    ("highlight", "Highlighter (H)", "H"), ("redact_solid", "Redact: solid box (X)", "X"),
    ("redact_blur", "Redact: pixelate (P)", "P"))
SWATCHES = ("#e5484d", "#f76b15", "#ffd60a", "#30a46c", "#2d7ff9", "#8e4ec6", "#14171f")


def tool_icon(kind: str, color: str = "#e5484d", size: int = 40) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 24.0
    p.scale(s, s)
    ink, c = QColor("#3a4152"), QColor(color)
    p.setPen(QPen(ink, 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    if kind == "select":
        p.setBrush(ink)
        p.drawPolygon(QPolygonF([QPointF(6, 3), QPointF(6, 19), QPointF(10, 15), QPointF(13, 21), QPointF(15.5, 20),
                                 QPointF(12.5, 14), QPointF(18, 14)]))
    elif kind == "arrow":
        p.setPen(QPen(c, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(4, 20), QPointF(17, 7))
        p.setBrush(c)
        p.drawPolygon(QPolygonF([QPointF(20, 4), QPointF(11, 7), QPointF(17, 13)]))
    elif kind == "rect":
        p.setPen(QPen(c, 2.2))
        p.drawRoundedRect(QRectF(3.5, 6, 17, 12), 2, 2)
    elif kind == "ellipse":
        p.setPen(QPen(c, 2.2))
        p.drawEllipse(QRectF(3, 6, 18, 12))
    elif kind == "text":
        p.setPen(QPen(c, 1.8))
        p.drawRoundedRect(QRectF(3, 3, 18, 12), 2, 2)
        p.drawLine(QPointF(8, 15), QPointF(5, 21))
        p.setPen(QPen(ink, 1.6))
        p.drawLine(QPointF(7, 7.5), QPointF(17, 7.5))
        p.drawLine(QPointF(7, 11), QPointF(14, 11))
    elif kind == "step":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(c)
        p.drawEllipse(QRectF(3, 3, 18, 18))
        p.setPen(QColor("white"))
        f = p.font()
        f.setPixelSize(12)
        f.setBold(True)
        p.setFont(f)
        p.drawText(QRectF(3, 3, 18, 18), int(Qt.AlignmentFlag.AlignCenter), "1")
    elif kind == "highlight":
        hl = QColor(color)
        hl.setAlpha(140)
        p.fillRect(QRectF(2, 9, 20, 7), hl)
        p.drawLine(QPointF(5, 12.5), QPointF(19, 12.5))
    elif kind == "redact_solid":
        p.fillRect(QRectF(3, 7, 18, 10), QColor("#16181d"))
    elif kind == "redact_blur":
        for i in range(4):
            for j in range(3):
                shade = ("#8a91a0", "#b9bfca", "#6c7383")[(i + j) % 3]
                p.fillRect(QRectF(3 + i * 4.5, 6 + j * 4, 4.5, 4), QColor(shade))
    p.end()
    return QIcon(pm)


def color_icon(color: str, size: int = 32) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#ffffff"), 2))
    p.setBrush(QColor(color))
    p.drawEllipse(QRectF(3, 3, size - 6, size - 6))
    p.end()
    return QIcon(pm)


class AnnotationToolbar(QToolBar):
    def __init__(self, ctl: AnnotationController) -> None:
        super().__init__("Annotate")
        self.setObjectName("annotate-toolbar")
        self.ctl = ctl
        self.group = QActionGroup(self)
        self.group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.actions_by_kind: dict[str, QAction] = {}
        for kind, tip, key in TOOLS:
            act = QAction(tool_icon(kind), tip.split(" (")[0], self)
            act.setToolTip(tip)
            act.setCheckable(True)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setData(kind)
            self.group.addAction(act)
            self.addAction(act)
            self.actions_by_kind[kind] = act
            if kind == "select":
                self.addSeparator()
        self.group.triggered.connect(self._on_tool)
        self.addSeparator()
        self.color_button = QToolButton(self)
        self.color_button.setToolTip("Colour of new marks (and of the selected one)")
        self.color_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        for sw in SWATCHES:
            a = QAction(color_icon(sw), sw, self.color_button)
            a.triggered.connect(lambda _=False, c=sw: self.set_color(c))
            self.color_button.addAction(a)
        more = QAction("Other colour…", self.color_button)
        more.triggered.connect(self._pick_color)
        self.color_button.addAction(more)
        self.addWidget(self.color_button)
        self.width_spin = QSpinBox(self)
        self.width_spin.setRange(1, 16)
        self.width_spin.setValue(int(ctl.stroke))
        self.width_spin.setSuffix(" px")
        self.width_spin.setToolTip("Stroke width of new marks (and of the selected one)")
        self.width_spin.valueChanged.connect(self._on_width)
        self.addWidget(self.width_spin)
        self.set_color(ctl.color, restyle=False)

    def _on_tool(self, act: QAction) -> None:
        self.ctl.set_tool(str(act.data()) if act.isChecked() else None)

    def set_color(self, color: str, restyle: bool = True) -> None:
        self.ctl.color = color
        self.color_button.setIcon(color_icon(color))
        for kind in ("arrow", "rect", "ellipse", "text", "step", "highlight"):
            self.actions_by_kind[kind].setIcon(tool_icon(kind, color))
        if restyle:
            self.ctl.restyle_selected(color=color)

    def _pick_color(self) -> None:
        c = QColorDialog.getColor(QColor(self.ctl.color), self, "Annotation colour")
        if c.isValid():
            self.set_color(c.name())

    def _on_width(self, value: int) -> None:
        self.ctl.stroke = float(value)
        self.ctl.restyle_selected(width=float(value))

    def choose(self, kind: str | None) -> None:
        """Check the action of ``kind`` (None: no tool) and activate it."""
        for k, act in self.actions_by_kind.items():
            act.setChecked(k == kind)
        self.ctl.set_tool(kind)
