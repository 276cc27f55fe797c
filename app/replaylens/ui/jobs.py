"""Run a function off the UI thread; the latest request wins (older results are dropped, never shown)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal


class _Thread(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> None:
        try:
            self.done.emit(self.fn())
        except Exception as exc:  # reported, never raised into Qt
            self.failed.emit(f"{type(exc).__name__}: {exc}")


class LatestJob(QObject):
    """``submit(fn)`` runs fn in a thread; ``result`` fires only for the newest submission."""

    result = Signal(object)
    error = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gen = 0
        self._threads: set[_Thread] = set()

    def submit(self, fn: Callable[[], Any]) -> None:
        self._gen += 1
        gen = self._gen
        th = _Thread(fn)
        th.done.connect(lambda r, g=gen: g == self._gen and self.result.emit(r))
        th.failed.connect(lambda m, g=gen: g == self._gen and self.error.emit(m))
        th.finished.connect(lambda th=th: self._threads.discard(th))
        self._threads.add(th)
        th.start()

    def cancel(self) -> None:
        self._gen += 1

    @property
    def busy(self) -> bool:
        return any(t.isRunning() for t in self._threads)

    def wait(self, ms: int = 10_000) -> None:
        for t in list(self._threads):
            t.wait(ms)
