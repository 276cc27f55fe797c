"""Annotation editing and exports for the viewer: ``attach(viewer) -> AnnotationController``.

``viewer`` (a ``Viewer``) names what the editor works with: the ``ViewerState``, the replay canvas, the undo stack,
the window (parent of the toolbar, the dock and dialogs) and the File ▸ Export menu. Call once after the window has
built its canvas, menus and undo stack. Adds the Annotate toolbar, the Annotations dock (right), the File ▸ Export
submenu, registers the canvas overlay and follows ``state.session_changed``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from replaylens.ui.annotations.controller import AnnotationController, Viewer
from replaylens.ui.annotations.dock import AnnotationsDock
from replaylens.ui.annotations.export_actions import ExportActions
from replaylens.ui.annotations.toolbar import AnnotationToolbar

__all__ = ["AnnotationController", "Viewer", "attach"]


def attach(viewer: Viewer) -> AnnotationController:
    ctl = AnnotationController(viewer)
    ctl.toolbar = AnnotationToolbar(ctl)
    viewer.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, ctl.toolbar)
    ctl.dock = AnnotationsDock(ctl)
    viewer.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, ctl.dock)
    ctl.exports = ExportActions(ctl)
    # a fresh note: put the cursor in the dock's note field so the user just types
    ctl.note_requested.connect(ctl.dock.focus_note)
    return ctl
