"""Start the GUI: a QApplication that also takes macOS file-open events, and the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtGui import QFileOpenEvent, QIcon
from PySide6.QtWidgets import QApplication

from replaylens import __version__
from replaylens.assets import icon_svg


class ReplayLensApp(QApplication):
    """Queues files delivered by the OS (macOS Finder double-click) until a window can take them."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.pending: list[str] = []
        self.window: object | None = None

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.FileOpen and isinstance(e, QFileOpenEvent):
            path = e.file()
            if self.window is not None:
                self.window.open_file(path)  # type: ignore[attr-defined]
            else:
                self.pending.append(path)
            return True
        return super().event(e)


def configure_app(app: QObject) -> None:
    QCoreApplication.setOrganizationName("ReplayLens")
    QCoreApplication.setOrganizationDomain("replaylens.app")
    QCoreApplication.setApplicationName("Replay Lens")
    QCoreApplication.setApplicationVersion(__version__)
    if isinstance(app, QApplication):
        app.setDesktopFileName("replaylens")  # Wayland/X11 docks match the window to replaylens.desktop
    icon = icon_svg()
    if icon.is_file() and isinstance(app, QApplication):
        app.setWindowIcon(QIcon(str(icon)))


def create_window(files: list[str]) -> object:
    """The main window, opening ``files[0]`` (what a double-click passes on Linux and Windows)."""
    from replaylens.ui.main_window import MainWindow
    from replaylens.ui.preferences import apply_privacy_settings

    w = MainWindow()
    apply_privacy_settings(w.settings)
    if files and Path(files[0]).is_dir():  # a library folder: the Library window, over the viewer once it shows
        QTimer.singleShot(0, lambda: w.library_ctl.open_library(Path(files[0])))
    elif files:
        w.open_file(Path(files[0]))
        if len(files) > 1:
            w.statusBar().showMessage(f"Opened {Path(files[0]).name}; one session per window for now", 8000)
    return w


def run_app(files: list[str]) -> int:
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
            and not os.environ.get("QT_QPA_PLATFORM"):
        print("replaylens: no display found (set DISPLAY, or run under xvfb-run)", file=sys.stderr)
        return 1
    app = QApplication.instance() or ReplayLensApp(sys.argv[:1])
    configure_app(app)
    window = create_window(files)
    if isinstance(app, ReplayLensApp):
        app.window = window
        for path in app.pending:
            QTimer.singleShot(0, lambda p=path: window.open_file(p))  # type: ignore[attr-defined]
    window.show()  # type: ignore[attr-defined]
    if os.environ.get("REPLAYLENS_EXIT_AFTER_LOAD"):  # smoke tests and packaging checks: open, report, quit
        def done(session: object) -> None:
            if session is not None:
                print(f"loaded {len(session.arrays)} events", flush=True)  # type: ignore[attr-defined]
                app.exit(0)

        window.session_changed.connect(done)  # type: ignore[attr-defined]
        window.loader.failed.connect(lambda _p, msg: (print(msg, file=sys.stderr), app.exit(3)))  # type: ignore
    code = int(app.exec())
    window.shutdown()  # type: ignore[attr-defined]
    return code
