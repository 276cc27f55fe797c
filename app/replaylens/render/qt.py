"""The one place that starts Qt for off-screen work: a QGuiApplication for painting, a QApplication for pages.

Painting (frames, annotations, heatmaps, PDFs, demo screenshots) needs only QtGui: fonts and ``QPainter`` on a
``QImage`` want a ``QGuiApplication``, and one on the ``offscreen`` platform when a Linux machine has no display.

Page rendering needs a ``QApplication``, and that is the one reason this module imports ``QtWidgets`` (measured
with PySide6 6.11): ``QWebEnginePage`` has no call that hands back pixels (only ``printToPdf``), so a page is
captured through a hidden ``QWebEngineView``, which is a ``QWidget``; constructing one under a ``QGuiApplication``
aborts the process ("QWidget: Cannot create a QWidget without QApplication"). The other route, QtWebEngineQuick in
an off-screen QML scene, would replace the whole capture path. QtWebEngine also needs ``AA_ShareOpenGLContexts``
and its custom URL schemes registered *before* the application exists: ``prepare_qt`` does both.

Qt is imported inside the functions, so importing this module stays cheap and never fails.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

#: The custom scheme the page renderer serves documents over ``setHtml``'s size limit through.
SCHEME = "rl-snapshot"

_STATE: dict[str, Any] = {"app": None, "scheme": False}


class Unavailable(Exception):
    """QtWebEngine cannot be used here (the message is the reason shown in ``RenderResult.error``)."""


def _headless() -> None:
    """Use the offscreen platform on a Linux machine without a display (set before the application exists)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def ensure_gui_app() -> Any:
    """The running Qt application, or a new ``QGuiApplication`` for off-screen painting (fonts need one)."""
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    if app is not None:
        return app
    _headless()
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(["replaylens"])
    _STATE["app"] = app  # keep it alive for the rest of the process
    return app


def prepare_qt() -> None:
    """Call before any QApplication exists (idempotent): shares OpenGL contexts as QtWebEngine requires and
    registers the ``rl-snapshot`` scheme. Later calls, or calls after the application exists, do nothing."""
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is not None:
        return
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    try:
        from PySide6.QtWebEngineCore import QWebEngineUrlScheme
    except ImportError:
        return
    if not _STATE["scheme"]:
        scheme = QWebEngineUrlScheme(SCHEME.encode())
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)  # no flags: no local-file or CORS privileges
        QWebEngineUrlScheme.registerScheme(scheme)
        _STATE["scheme"] = True


def ensure_web_app(*, gui_thread: bool = True) -> Any:
    """The running QApplication, or a new off-screen one when called from a plain script's main thread (see the
    module docstring for why page capture needs widgets). Raises ``Unavailable`` when pages cannot render here."""
    from PySide6.QtCore import QCoreApplication, QThread
    from PySide6.QtWidgets import QApplication

    app = QCoreApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise Unavailable("no QApplication is running and one can only be created on the main thread")
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # nothing is shown; never need a display
        from replaylens.render.fonts import pin_fonts

        pin_fonts()  # page pictures use the pinned faces (render/fonts.py), read when Qt and Chromium start
        os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
        prepare_qt()
        app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "replaylens"])
        _STATE["app"] = app  # keep it alive for the rest of the process
    if not isinstance(app, QApplication):
        raise Unavailable("a QCoreApplication without widgets is running")
    if gui_thread and QThread.currentThread() is not app.thread():
        raise Unavailable("QtWebEngine can only render on the GUI thread")
    return app
