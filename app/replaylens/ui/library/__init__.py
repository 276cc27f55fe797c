"""The session library in the GUI: File ▸ Open Library, the Library window, next / previous session.

``attach(main_window, file_menu)`` adds the menu entries and returns the ``LibraryController``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence

from replaylens.ui.library.controller import LibraryController

if TYPE_CHECKING:
    from replaylens.ui.main_window import MainWindow

NEXT_KEYS = ("Ctrl+]", "Alt+Right")
PREV_KEYS = ("Ctrl+[", "Alt+Left")


def _action(w: MainWindow, menu: Any, text: str, slot: Any, keys: tuple[str, ...] = (), name: str = "") -> QAction:
    act = QAction(text, w)
    act.setShortcuts([QKeySequence(k) for k in keys])
    act.triggered.connect(slot)
    act.setObjectName(name)
    menu.addAction(act)
    w.addAction(act)  # the keys work wherever the focus is in the viewer
    return act


def attach(w: MainWindow, file_menu: Any) -> LibraryController:
    ctl = LibraryController(w)
    _action(w, file_menu, "Open &Library…", ctl.open_dialog, ("Ctrl+Shift+O",), "act_open_library")
    _action(w, file_menu, "Show Library &window", ctl.show_window, ("Ctrl+Shift+L",), "act_show_library")
    nxt = _action(w, file_menu, "&Next session in segment", lambda: ctl.step(1), NEXT_KEYS, "act_next_session")
    prv = _action(w, file_menu, "&Previous session in segment", lambda: ctl.step(-1), PREV_KEYS,
                  "act_prev_session")
    ctl.nav_actions = [nxt, prv]
    ctl._update_actions()
    return ctl
