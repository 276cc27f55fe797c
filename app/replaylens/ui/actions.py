"""Named actions of the viewer: text, shortcut, enabled state and handler in one registry; menus and toolbars
are built from it by name, and panels add their own actions (and named menus) here instead of reaching into the
window. Every action is added to the owner widget too, so its shortcut works wherever the focus is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar, QWidget

Keys = str | QKeySequence | QKeySequence.StandardKey
SEPARATOR = "-"


class ActionRegistry(QObject):
    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self.owner = owner
        self._actions: dict[str, QAction] = {}
        self._menus: dict[str, QMenu] = {}

    def add(self, name: str, text: str, handler: Callable[..., Any], keys: Keys | Sequence[Keys] | None = None,
            *, tip: str = "", enabled: bool = True, object_name: str = "") -> QAction:
        """Register (once) the action ``name``; returns it."""
        if name in self._actions:
            raise ValueError(f"action {name!r} is registered already")
        act = QAction(text, self.owner)
        if keys is not None:
            seqs: list[Any] = list(keys) if isinstance(keys, list | tuple) else [keys]
            act.setShortcuts([QKeySequence(k) for k in seqs])
        act.triggered.connect(lambda _checked=False: handler())
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        if object_name:
            act.setObjectName(object_name)
        act.setEnabled(enabled)
        self.owner.addAction(act)
        self._actions[name] = act
        return act

    def adopt(self, name: str, act: QAction) -> QAction:
        """Register an action made elsewhere (the undo stack's Undo / Redo)."""
        self._actions[name] = act
        return act

    def action(self, name: str) -> QAction:
        return self._actions[name]

    def __contains__(self, name: str) -> bool:
        return name in self._actions

    def names(self) -> list[str]:
        return list(self._actions)

    def set_enabled(self, name: str, enabled: bool) -> None:
        self._actions[name].setEnabled(enabled)

    def trigger(self, name: str) -> None:
        self._actions[name].trigger()

    # -- menus and toolbars ----------------------------------------------------------------------------------
    def fill(self, target: QMenu | QToolBar, names: Iterable[str]) -> None:
        """Add the named actions in order; ``SEPARATOR`` adds a separator."""
        for name in names:
            if name == SEPARATOR:
                target.addSeparator()
            else:
                target.addAction(self._actions[name])

    def add_menu(self, name: str, menu: QMenu) -> QMenu:
        """Name a menu (``file``, ``file.export``, ``view``…) so panels can put their actions in it."""
        self._menus[name] = menu
        return menu

    def menu(self, name: str) -> QMenu | None:
        return self._menus.get(name)
