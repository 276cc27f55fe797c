"""Windows sized to the screen they open on (issue 29: at 1500–1600 px the viewer, Library and Compare windows hid
their buttons on a 1280×800 laptop).

``fit_to_screen(window, width, height)`` gives a window its preferred size, shrunk to the available geometry of
its screen (the screen of the window it opens from, else the primary one) less room for the window manager's
frame, and centres it there. ``restore_if_fits(window, saved)`` restores saved geometry only when the restored
window lies inside that screen's available geometry; otherwise the fitted size stays.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

#: Room left for a window manager's borders (both sides) and title bar, which ``resize`` does not include.
FRAME_W, FRAME_H = 16, 48


def screen_of(w: QWidget) -> QScreen | None:
    """The screen ``w`` opens on: the one of the window it belongs to or opens from, else its own, else the
    primary screen."""
    parent = w.parentWidget()
    for candidate in (parent.window() if parent is not None else None, w):
        if candidate is not None:
            handle = candidate.windowHandle()
            if handle is not None and handle.screen() is not None:
                return handle.screen()
    return w.screen() or QGuiApplication.primaryScreen()


def available_geometry(w: QWidget) -> QRect:
    screen = screen_of(w)
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)


def fitted_rect(width: int, height: int, avail: QRect) -> QRect:
    """The window rectangle (without the frame) for a preferred ``width`` × ``height`` on ``avail``: never larger
    than the available area less the frame, centred in it."""
    wd = max(1, min(width, avail.width() - FRAME_W))
    ht = max(1, min(height, avail.height() - FRAME_H))
    x = avail.x() + max(0, (avail.width() - wd - FRAME_W) // 2) + FRAME_W // 2
    y = avail.y() + max(0, (avail.height() - ht - FRAME_H) // 2) + FRAME_H - FRAME_W // 2
    return QRect(x, y, wd, ht)


def fit_to_screen(w: QWidget, width: int, height: int) -> QRect:
    """Resize and place ``w`` (see ``fitted_rect``); returns the rectangle given."""
    r = fitted_rect(width, height, available_geometry(w))
    w.setGeometry(r)  # the client area (``move`` would place the frame there, pushing the bottom off screen)
    return r


def framed(rect: QRect) -> QRect:
    """A window rectangle (without the frame) with room for the frame: borders at the sides and the bottom, the
    title bar on top."""
    return rect.adjusted(-FRAME_W // 2, -(FRAME_H - FRAME_W // 2), FRAME_W // 2, FRAME_W // 2)


def fits(rect: QRect, avail: QRect) -> bool:
    """Whether a window rectangle (without the frame) lies, with its frame, inside ``avail``. (Qt itself shrinks a
    restored window to the screen's size without its frame: that does not fit.)"""
    return avail.contains(framed(rect))


def restore_if_fits(w: QWidget, saved: object) -> bool:
    """Restore ``saved`` (``saveGeometry()`` bytes) when the window it gives fits the screen; else keep the
    current geometry. Returns whether it was restored."""
    if not isinstance(saved, QByteArray | bytes) or not saved:
        return False
    before = w.geometry()
    if not w.restoreGeometry(QByteArray(saved) if isinstance(saved, bytes) else saved):
        w.setGeometry(before)
        return False
    if w.isMaximized() or w.isFullScreen() or fits(w.geometry(), available_geometry(w)):
        return True
    w.setWindowState(Qt.WindowState.WindowNoState)  # a normal window, at the fitted size
    w.setGeometry(before)
    return False
