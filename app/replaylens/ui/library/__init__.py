"""The session library in the GUI: File ▸ Open Library, the Library window, next / previous session.

``attach(registry, state, window, timeline, loader, file_menu)`` registers the actions, adds them to the
File menu and returns the ``LibraryController``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu

from replaylens.ui.actions import ActionRegistry
from replaylens.ui.library.controller import LibraryController
from replaylens.ui.loader import SessionLoader
from replaylens.ui.state import ViewerState
from replaylens.ui.timeline import Timeline

NEXT_KEYS = ("Ctrl+]", "Alt+Right")
PREV_KEYS = ("Ctrl+[", "Alt+Left")


def attach(reg: ActionRegistry, state: ViewerState, window: QMainWindow, timeline: Timeline, loader: SessionLoader,
           file_menu: QMenu) -> LibraryController:
    ctl = LibraryController(state, window, timeline, loader)
    reg.add("library.open", "Open &Library…", ctl.open_dialog, ["Ctrl+Shift+O"], object_name="act_open_library")
    reg.add("library.show", "Show Library &window", ctl.show_window, ["Ctrl+Shift+L"],
            object_name="act_show_library")
    reg.add("library.collect", "&Collect sessions…", ctl.collect_dialog, object_name="act_collect_sessions",
            tip="Run a collector for the open library: the bank's own site sends sessions to it (docs/capture.md)")
    nxt = reg.add("library.next", "&Next session in segment", lambda: ctl.step(1), list(NEXT_KEYS),
                  object_name="act_next_session")
    prv = reg.add("library.prev", "&Previous session in segment", lambda: ctl.step(-1), list(PREV_KEYS),
                  object_name="act_prev_session")
    reg.fill(file_menu, ["library.open", "library.show", "library.collect", "library.next", "library.prev"])
    ctl.nav_actions = [nxt, prv]
    ctl._update_actions()
    return ctl
