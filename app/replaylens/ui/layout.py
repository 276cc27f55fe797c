"""The main window's dock layout: the default arrangement and the saved geometry and state restored over it."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow

from replaylens.ui.geometry import restore_if_fits


def restore_layout(w: QMainWindow, settings: QSettings, docks: dict[str, QDockWidget], state_version: int) -> None:
    """The default layout, then the saved geometry (only when it fits the screen the window opens on) and dock
    state (a state saved by another version is ignored)."""
    geo = settings.value("geometry")
    state = settings.value("window_state")
    restore_if_fits(w, geo)
    default_layout(w, docks)
    if isinstance(state, QByteArray | bytes):
        w.restoreState(state, state_version)


def default_layout(w: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Two tab groups on the right: what happened (findings, events) above, the tools below. ``docks`` by title;
    the annotations dock is found by its object name (and added to ``docks``)."""
    ann = w.findChild(QDockWidget, "dock_annotations") or docks["Annotations"]
    if ann.objectName() not in docks:
        docks["Annotations"] = ann
    top = [docks["Findings"], docks["Events"]]
    bottom = [docks["Heatmap"], ann, docks["Session"]]
    for d in top + bottom:
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d)
    w.splitDockWidget(top[0], bottom[0], Qt.Orientation.Vertical)
    for group in (top, bottom):
        for d in group[1:]:
            w.tabifyDockWidget(group[0], d)
        group[0].raise_()
    # once the window is laid out; the window is the context, so a window deleted first cancels it
    def sizes() -> None:
        w.resizeDocks([top[0]], [470], Qt.Orientation.Horizontal)
        w.resizeDocks([top[0], bottom[0]], [520, 400], Qt.Orientation.Vertical)

    QTimer.singleShot(0, w, sizes)
