"""One background thread per Library window that runs library queries in order, off the UI thread.

``submit(key, fn)`` queues ``fn``; its result comes back on the UI thread as ``done(key, result)`` (or
``failed(key, message)``). Callers tag keys with a generation number and drop answers to questions no longer
asked (a filter changed while a page was being fetched). The thread owns its own DuckDB cursor (the store gives
each thread one), so queries never block the window.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

_STOP = object()


class _Thread(QThread):
    done = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.jobs: queue.Queue[Any] = queue.Queue()

    def run(self) -> None:
        while True:
            item = self.jobs.get()
            if item is _STOP:
                return
            key, fn = item
            try:
                self.done.emit(key, fn())
            except Exception as exc:  # reported to the window, never raised into Qt
                self.failed.emit(key, f"{type(exc).__name__}: {exc}")


class QueryWorker(QObject):
    done = Signal(object, object)  # (key, result)
    failed = Signal(object, str)  # (key, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _Thread()
        self._thread.done.connect(self.done)
        self._thread.failed.connect(self.failed)
        self._pending = 0
        self._thread.done.connect(self._finished)
        self._thread.failed.connect(self._finished)
        self._thread.start()

    def submit(self, key: Hashable, fn: Callable[[], Any]) -> None:
        self._pending += 1
        self._thread.jobs.put((key, fn))

    def _finished(self, *_: object) -> None:
        self._pending -= 1

    @property
    def busy(self) -> bool:
        """Jobs submitted whose answer has not reached the UI thread yet."""
        return self._pending > 0

    def stop(self, wait_ms: int = 10_000) -> None:
        self._thread.jobs.put(_STOP)
        self._thread.wait(wait_ms)
