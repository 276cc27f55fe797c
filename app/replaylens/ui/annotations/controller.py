"""The annotation editor of the viewer: state (annotations, selection, style, drag preview), undoable edits,
persistence, and the overlay that paints it all on the replay canvas.

What it works with (``Viewer``, given by ``attach``): the ``ViewerState`` (the open session, the clock's time,
settings, seek, status messages, ``session_changed``), the replay canvas it draws on (``set_tool``,
``add_overlay``, ``update``, ``geometry_now``), the window's ``QUndoStack`` and the window itself only as the
parent of its toolbar, dock and dialogs. Every change is saved to the session's sidecar (``AnnotationStore``),
debounced by ``SAVE_DELAY_MS`` and flushed when the session changes or the window closes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from replaylens.model.annotations import Annotation, AnnotationSet, AnnotationStore
from replaylens.render.annotations_paint import paint_annotations
from replaylens.render.frame import FrameGeometry
from replaylens.ui.annotations.commands import AddAnnotation, RemoveAnnotation, ReplaceAnnotations, UpdateAnnotation
from replaylens.ui.annotations.tools import AnnotationTool
from replaylens.ui.state import ViewerState

if TYPE_CHECKING:
    from replaylens.model.session import Session
    from replaylens.ui.annotations.dock import AnnotationsDock
    from replaylens.ui.annotations.export_actions import ExportActions
    from replaylens.ui.annotations.inline_editor import CalloutEditor
    from replaylens.ui.annotations.toolbar import AnnotationToolbar
    from replaylens.ui.canvas import ReplayCanvas

SAVE_DELAY_MS = 400


@dataclass(frozen=True)
class Viewer:
    """What the annotation editor works with: the viewer state, the canvas it draws on, the undo stack, the window
    (parent of its toolbar, dock and dialogs) and the menu its exports go into (None: a File menu of its own)."""

    window: QMainWindow
    state: ViewerState
    canvas: ReplayCanvas
    undo_stack: QUndoStack
    export_menu: QMenu | None = None


class AnnotationController(QObject):
    """Owns the AnnotationSet of the open session. ``changed`` fires after every edit, ``selection_changed(id)``
    when the selection moves, ``warning(str)`` for problems to show (corrupt sidecar, failed save)."""

    changed = Signal()
    selection_changed = Signal(object)
    warning = Signal(str)
    note_requested = Signal()  # a text annotation was just drawn: the dock focuses its note field

    toolbar: AnnotationToolbar
    dock: AnnotationsDock
    exports: ExportActions

    def __init__(self, viewer: Viewer) -> None:
        super().__init__(viewer.window)
        self.viewer = viewer
        self.window, self.state, self.canvas = viewer.window, viewer.state, viewer.canvas
        self.aset = AnnotationSet()
        self.aset.listeners.append(self._on_set_changed)
        self.store: AnnotationStore | None = None
        self.session: Session | None = None
        self.selected: str | None = None
        self.preview: Annotation | None = None  # value being drawn or dragged (not in the set yet)
        self.color = "#e5484d"
        self.stroke = 3.0
        self.tool = AnnotationTool(self)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_now)
        self._dirty = False
        self.warning.connect(self._show_warning)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.save_now)
        self.canvas.add_overlay(self.paint_overlay)
        self.inline_editor: CalloutEditor | None = None  # the open in-place callout editor, if any
        handlers = getattr(self.canvas, "double_click_handlers", None)
        if handlers is not None:
            handlers.append(self._double_click)
        self.state.session_changed.connect(self.set_session)
        if self.state.session is not None:
            self.set_session(self.state.session)

    # -- session and persistence ----------------------------------------------------------------------------
    def set_session(self, session: Session | None) -> None:
        """Flush the old session's notes, then load the new one's (never fails: problems become warnings)."""
        if self.inline_editor is not None:
            self.inline_editor.finish(keep=True)
        self.save_now()
        self.store, self.session = None, session  # no store while swapping: replace_all must not save
        self.select(None)
        self.preview = None
        loaded, warn = AnnotationSet(), None
        if session is not None:
            try:
                store = AnnotationStore.for_session(session)
                loaded, warn = store.load()
                self.store = store
            except OSError as exc:
                warn = f"Annotations cannot be saved for this session: {exc}"
        self.aset.replace_all(list(loaded))
        self._save_timer.stop()
        self._dirty = False
        if warn:
            self.warning.emit(warn)

    def _on_set_changed(self, _aset: AnnotationSet) -> None:
        if self.selected is not None and self.selected not in self.aset:
            self.select(None)
        if self.store is not None:
            self._dirty = True
            self._save_timer.start()
        self.changed.emit()
        self.canvas.update()

    def save_now(self) -> None:
        """Write pending changes now (the debounce timer calls this; so do session changes and closing)."""
        self._save_timer.stop()
        if not self._dirty or self.store is None:
            return
        self._dirty = False
        try:
            self.store.save(self.aset)
        except OSError as exc:
            self.warning.emit(f"Could not save annotations to {self.store.path}: {exc.strerror or exc}")

    def _show_warning(self, text: str) -> None:
        self.state.message.emit(text, 15000)

    # -- edits (each one undoable) --------------------------------------------------------------------------
    def push(self, cmd: QUndoCommand) -> None:
        self.viewer.undo_stack.push(cmd)

    def add(self, a: Annotation) -> None:
        self.push(AddAnnotation(self.aset, a))
        self.select(a.id)
        if a.kind in ("text", "step"):
            self.note_requested.emit()

    def delete(self, ident: str) -> None:
        a = self.aset.find(ident)
        if a is not None:
            self.push(RemoveAnnotation(self.aset, a))

    def update(self, before: Annotation, after: Annotation, text: str = "Edit annotation") -> None:
        if before != after:
            self.push(UpdateAnnotation(self.aset, before, after, text))

    def edit(self, ident: str, label: str = "Edit annotation", **changes: Any) -> None:
        """Change fields of one annotation (``label`` names the undo step)."""
        a = self.aset.find(ident)
        if a is not None:
            self.update(a, replace(a, **changes), label)

    def replace_all(self, items: list[Annotation], text: str = "Import annotations") -> None:
        self.push(ReplaceAnnotations(self.aset, items, text))

    def restyle_selected(self, color: str | None = None, width: float | None = None) -> None:
        a = self.aset.find(self.selected)
        if a is not None:
            self.edit(a.id, "Restyle annotation", color=color or a.color, width=width if width else a.width)

    # -- selection, tool, time ------------------------------------------------------------------------------
    def select(self, ident: str | None) -> None:
        if ident != self.selected:
            self.selected = ident
            self.selection_changed.emit(ident)
            self.canvas.update()

    def set_tool(self, kind: str | None) -> None:
        """"select", an annotation kind, or None (no tool: the canvas pans)."""
        if kind is None:
            self.tool.cancel()
            self.canvas.set_tool(None)
        else:
            self.tool.set_kind(kind)
            self.canvas.set_tool(self.tool)
        self.canvas.update()

    def time_ms(self) -> float:
        return self.state.time_ms

    def seek_to(self, ident: str) -> None:
        a = self.aset.find(ident)
        if a is not None:
            self.select(ident)
            self.state.seek(float(a.export_time()))

    def _double_click(self, x: float, y: float) -> bool:
        """A double-click on a note or a step label edits its text in place."""
        from replaylens.ui.annotations.inline_editor import editable_at, open_editor

        a = editable_at(self, x, y)
        if a is None:
            return False
        self.tool.cancel()
        return open_editor(self, a.id) is not None

    # -- painting -------------------------------------------------------------------------------------------
    def items_for_paint(self) -> list[Annotation]:
        items = list(self.aset)
        if self.preview is not None:
            ids = [a.id for a in items]
            if self.preview.id in ids:
                items[ids.index(self.preview.id)] = self.preview
            else:
                items.append(self.preview)
        return items

    def paint_overlay(self, p: QPainter, g: FrameGeometry, t: float) -> None:
        """The canvas overlay. On a widget the pixelation reads a backdrop render of the frame (see paint module)."""
        items = self.items_for_paint()
        if not items:
            return
        sel = self.preview.id if self.preview is not None and self.preview.id == self.selected else self.selected
        memo: list[QImage | None] = []

        def backdrop() -> QImage | None:  # rendered at most once per frame, only if a pixelation is visible
            if not memo:
                memo.append(self._backdrop(t))
            return memo[0]

        paint_annotations(p, g, t, items, selected_id=sel, backdrop=backdrop)

    def _backdrop(self, t: float) -> QImage | None:
        canvas = self.canvas
        renderer = getattr(canvas, "renderer", None)
        if renderer is None:
            return None
        dpr = canvas.devicePixelRatioF()
        img = QImage(max(1, round(canvas.width() * dpr)), max(1, round(canvas.height() * dpr)),
                     QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(Qt.GlobalColor.black)
        opts = copy.copy(canvas.options)
        opts.overlays = []
        p = QPainter(img)
        renderer.paint(p, QRectF(0, 0, canvas.width(), canvas.height()), t, opts)
        p.end()
        return img

    def confirm_discard(self) -> bool:
        """Closing: flush pending saves. Annotations are always saved, so nothing to ask."""
        self.save_now()
        return True

    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self.window, title, text) == QMessageBox.StandardButton.Yes
