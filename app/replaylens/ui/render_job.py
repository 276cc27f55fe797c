"""Render the page screenshots of an opened rrweb recording in the background.

Runs ``replaylens convert`` in a child process (QProcess): QtWebEngine then never shares the viewer's process,
a crash of the renderer cannot take the viewer down, and Cancel simply ends the child. The result is the cached
bundle in the user's data folder (``io.cache``), never beside the recording; the viewer reopens from it, keeping
the playback time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal


def convert_command(src: Path, out: Path) -> list[str]:
    """The child command; carries the input-values preference (``io.cache.show_input_values``)."""
    from replaylens.io.cache import show_input_values

    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "replaylens"]
    return [*base, "convert", str(src), "-o", str(out), *(["--show-values"] if show_input_values() else [])]


class RenderJob(QObject):
    finished = Signal(object, object)  # (source path, cached bundle path)
    failed = Signal(object, str)  # (source path, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.proc: QProcess | None = None
        self.src: Path | None = None
        self.out: Path | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning

    def start(self, src: Path, out: Path) -> None:
        self.cancel()
        out.parent.mkdir(parents=True, exist_ok=True)
        self.src, self.out = src, out
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("QT_QPA_PLATFORM", "offscreen")  # no window of the renderer ever appears
        if os.geteuid() == 0 if hasattr(os, "geteuid") else False:
            env.insert("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to start as root otherwise
        proc.setProcessEnvironment(env)
        cmd = convert_command(src, out)
        proc.finished.connect(lambda code, _status, p=proc: self._done(p, code))
        self.proc = proc
        proc.start(cmd[0], cmd[1:])

    def _done(self, proc: QProcess, code: int) -> None:
        if proc is not self.proc:
            return
        self.proc = None
        src, out = self.src, self.out
        if code == 0 and out is not None and out.is_file():
            self.finished.emit(src, out)
        else:
            err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip().splitlines()
            self.failed.emit(src, err[-1] if err else f"the renderer stopped (exit code {code})")

    def cancel(self) -> None:
        if self.proc is not None:
            p, self.proc = self.proc, None
            p.kill()
            p.waitForFinished(3000)
