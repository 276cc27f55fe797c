"""Edit a callout's text where it is: double-click a note (or a step's label) on the canvas and type in place.

A multi-line editor opens over the note box, at the canvas's zoom. Enter starts a new line; Ctrl+Enter, a click
elsewhere or leaving the editor keeps the text; Escape drops the edit. The change is one undoable step
(``AnnotationController.edit`` → ``UpdateAnnotation`` on the window's QUndoStack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QWidget

from replaylens.model.annotations import MAX_TEXT
from replaylens.render.annotations_paint import FONT_PX, hit_test, text_box

if TYPE_CHECKING:
    from replaylens.ui.annotations.controller import AnnotationController

EDITABLE_KINDS = ("text", "step")


class CalloutEditor(QPlainTextEdit):
    """The in-place editor of one annotation's text; commits once (finish) and then deletes itself."""

    def __init__(self, ctl: AnnotationController, ident: str, rect: QRectF, scale: float, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("callout_editor")
        self.ctl, self.ident = ctl, ident
        self._done = False
        a = ctl.aset.find(ident)
        self.setPlainText(a.text if a is not None else "")
        f = QFont()
        f.setPixelSize(max(9, round(FONT_PX * max(scale, 0.6))))
        self.setFont(f)
        self.setFrameShape(QFrame.Shape.NoFrame)
        colour = a.color if a is not None else "#e5484d"
        self.setStyleSheet(f"QPlainTextEdit {{ background: #ffffff; color: #14171f; border: 2px solid {colour};"
                           " border-radius: 6px; padding: 3px 6px; }")
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # the box grows with the text instead
        self.setToolTip("Enter: new line · Ctrl+Enter or click elsewhere: done · Esc: cancel")
        self._min = QRectF(rect)
        self.textChanged.connect(self._fit)
        self._fit()
        self.show()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.selectAll()

    def _fit(self) -> None:
        """Grow with the text: at least the note box, as wide as the longest line, as tall as the lines."""
        fm = self.fontMetrics()
        lines = self.toPlainText().split("\n") or [""]
        w = max(self._min.width(), max(fm.horizontalAdvance(s) for s in lines) + 2 * 5 + 24, 120)
        frame = 2 * self.document().documentMargin() + 2 * (3 + 2) + 6  # document margin, padding, border, slack
        h = max(self._min.height(), fm.lineSpacing() * len(lines) + frame)
        parent = self.parentWidget()
        c = self._min.center()  # the note box grows around its centre: so does its editor
        left, top = c.x() - w / 2, c.y() - h / 2
        if parent is not None:
            w = min(w, parent.width() - 8)
            left = max(4.0, min(left, parent.width() - w - 4))
            top = max(4.0, min(top, parent.height() - h - 4))
        self.setGeometry(int(left), int(top), int(w), int(h))

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Escape:
            self.finish(keep=False)
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and e.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.finish(keep=True)
            return
        super().keyPressEvent(e)

    def focusOutEvent(self, e: QFocusEvent) -> None:
        super().focusOutEvent(e)
        self.finish(keep=True)

    def finish(self, keep: bool = True) -> None:
        """Keep (one undo step, only if the text changed) or drop the edit, then close the editor."""
        if self._done:
            return
        self._done = True
        text = self.toPlainText()[:MAX_TEXT]
        a = self.ctl.aset.find(self.ident)
        if keep and a is not None and text != a.text:
            self.ctl.edit(a.id, "Edit note text", text=text)
        self.ctl.inline_editor = None
        self.hide()
        self.deleteLater()
        canvas = self.parentWidget()
        if canvas is not None:
            canvas.setFocus()


def editable_at(ctl: AnnotationController, x: float, y: float) -> Any:
    """The note or step under page point (x, y) that is on screen now, or None."""
    g = ctl.canvas.geometry_now()
    if g is None:
        return None
    hit = hit_test(ctl.aset, g.page, x, y, ctl.time_ms(), tolerance=5.0 / max(g.scale, 1e-6))
    return hit if hit is not None and hit.kind in EDITABLE_KINDS else None


def open_editor(ctl: AnnotationController, ident: str) -> CalloutEditor | None:
    """Open the in-place editor over annotation ``ident`` (closing any other one first)."""
    canvas = ctl.canvas
    g = canvas.geometry_now()
    a = ctl.aset.find(ident)
    if g is None or a is None:
        return None
    current = getattr(ctl, "inline_editor", None)
    if current is not None:
        current.finish(keep=True)
    if a.kind == "text":
        box = g.rect_to_device(text_box(a))
    else:  # a step: its label, right of the marker
        at = g.to_device(a.x1, a.y1)
        box = QRectF(at.x() + 18 * g.scale, at.y() - 14 * g.scale, 200 * g.scale, 28 * g.scale)
    ctl.select(a.id)
    editor = CalloutEditor(ctl, a.id, box, g.scale, canvas)
    ctl.inline_editor = editor
    return editor
