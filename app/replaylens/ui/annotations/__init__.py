"""Annotation editing and exports for the viewer's main window: ``attach(window) -> AnnotationController``.

Call once after the window has built its canvas, menus and undo stack. Adds the Annotate toolbar, the Annotations
dock (right), the File ▸ Export submenu, registers the canvas overlay and follows ``window.session_changed``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from replaylens.ui.annotations.controller import AnnotationController
from replaylens.ui.annotations.dock import AnnotationsDock
from replaylens.ui.annotations.export_actions import ExportActions
from replaylens.ui.annotations.toolbar import AnnotationToolbar

__all__ = ["AnnotationController", "attach"]


def attach(window: Any) -> AnnotationController:
    ctl = AnnotationController(window)
    ctl.toolbar = AnnotationToolbar(ctl)  # type: ignore[attr-defined]
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, ctl.toolbar)  # type: ignore[attr-defined]
    ctl.dock = AnnotationsDock(ctl)  # type: ignore[attr-defined]
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, ctl.dock)  # type: ignore[attr-defined]
    ctl.exports = ExportActions(ctl)  # type: ignore[attr-defined]
    # a fresh note: put the cursor in the dock's note field so the user just types
    ctl.note_requested.connect(ctl.dock.focus_note)  # type: ignore[attr-defined]
    return ctl
