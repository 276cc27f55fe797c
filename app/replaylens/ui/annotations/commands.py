"""Undoable edits of an AnnotationSet, pushed on the main window's QUndoStack (Edit ▸ Undo/Redo).

Each command holds immutable ``Annotation`` values, so redo/undo just put the right value back. A drag is one
command (the before and after values), not one per mouse move.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from replaylens.model.annotations import Annotation, AnnotationSet

KIND_NAMES = {"arrow": "arrow", "rect": "rectangle", "ellipse": "ellipse", "text": "note", "step": "step marker",
              "highlight": "highlight", "redact_solid": "redaction", "redact_blur": "pixelation"}


class AddAnnotation(QUndoCommand):
    def __init__(self, aset: AnnotationSet, a: Annotation) -> None:
        super().__init__(f"Add {KIND_NAMES.get(a.kind, a.kind)}")
        self.aset, self.a = aset, a

    def redo(self) -> None:
        self.aset.add(self.a)

    def undo(self) -> None:
        self.aset.remove(self.a.id)


class RemoveAnnotation(QUndoCommand):
    def __init__(self, aset: AnnotationSet, a: Annotation) -> None:
        super().__init__(f"Delete {KIND_NAMES.get(a.kind, a.kind)}")
        self.aset, self.a = aset, a
        self.index = aset.index(a.id) if a.id in aset else None

    def redo(self) -> None:
        self.aset.remove(self.a.id)

    def undo(self) -> None:
        self.aset.add(self.a, self.index)  # back at its place in the stacking order


class UpdateAnnotation(QUndoCommand):
    """Replace ``before`` by ``after`` (same id): move, resize, restyle, new note or time range."""

    def __init__(self, aset: AnnotationSet, before: Annotation, after: Annotation,
                 text: str = "Edit annotation") -> None:
        super().__init__(text)
        self.aset, self.before, self.after = aset, before, after

    def redo(self) -> None:
        if self.after.id in self.aset:
            self.aset.put(self.after)

    def undo(self) -> None:
        if self.before.id in self.aset:
            self.aset.put(self.before)


class ReplaceAnnotations(QUndoCommand):
    """Import: the whole set at once."""

    def __init__(self, aset: AnnotationSet, items: list[Annotation], text: str = "Import annotations") -> None:
        super().__init__(text)
        self.aset, self.new, self.old = aset, list(items), list(aset)

    def redo(self) -> None:
        self.aset.replace_all(self.new)

    def undo(self) -> None:
        self.aset.replace_all(self.old)
