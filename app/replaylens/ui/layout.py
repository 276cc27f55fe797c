"""The main window's dock layout: the default arrangement and the saved geometry and state restored over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from replaylens.ui.main_window import MainWindow


def restore_layout(w: MainWindow, state_version: int) -> None:
    """The default layout, then the saved geometry and dock state (a state saved by another version is ignored)."""
    geo = w.settings.value("geometry")
    state = w.settings.value("window_state")
    if geo is not None:
        w.restoreGeometry(geo)  # type: ignore[arg-type]
    default_layout(w)
    if state is not None:
        w.restoreState(state, state_version)  # type: ignore[arg-type]


def default_layout(w: MainWindow) -> None:
    """Two tab groups on the right: what happened (findings, events) above, the tools below."""
    ann = w.findChild(QDockWidget, "dock_annotations") or w.annotations_ctl.dock
    if ann.objectName() not in w.docks:
        w.docks["Annotations"] = ann
    top = [w.docks["Findings"], w.docks["Events"]]
    bottom = [w.docks["Heatmap"], ann, w.docks["Session"]]
    for d in top + bottom:
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d)
    w.splitDockWidget(top[0], bottom[0], Qt.Orientation.Vertical)
    for group in (top, bottom):
        for d in group[1:]:
            w.tabifyDockWidget(group[0], d)
        group[0].raise_()
    # once the window is laid out; the window is the context, so a window deleted first cancels it
    QTimer.singleShot(0, w, lambda: (w.resizeDocks([top[0]], [470], Qt.Orientation.Horizontal),
                                     w.resizeDocks([top[0], bottom[0]], [520, 400], Qt.Orientation.Vertical)))
