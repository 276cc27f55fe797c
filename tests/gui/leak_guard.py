"""What a GUI test left running: the search behind the ``no_leaked_threads_or_timers`` fixture (conftest)."""

from __future__ import annotations

import weakref

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QTimer
from PySide6.QtWidgets import QApplication


def alive(obj: object) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _describe(obj: QThread | QTimer) -> str:
    name = f" {obj.objectName()!r}" if obj.objectName() else ""
    parent = obj.parent()
    owner = f" (child of {type(parent).__name__})" if parent is not None else ""
    extra = f", interval {obj.interval()} ms" if isinstance(obj, QTimer) else ""
    return f"{type(obj).__module__}.{type(obj).__name__}{name}{owner}{extra}"


def leaked_threads_and_timers(started: list[weakref.ref]) -> list[str]:
    """What is still running: threads/timers started during the test, and those under any live top-level widget."""
    found: dict[int, str] = {}
    objs = [o for o in (r() for r in started) if alive(o)]
    for top in QApplication.topLevelWidgets():
        if alive(top):
            objs += top.findChildren(QThread) + top.findChildren(QTimer)
    for o in objs:
        if isinstance(o, QThread) and o.isRunning():
            found[id(o)] = f"QThread still running: {_describe(o)}"
        elif isinstance(o, QTimer) and o.isActive():
            found[id(o)] = f"QTimer still active: {_describe(o)}"
    return sorted(found.values())


def delete_later_now() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
