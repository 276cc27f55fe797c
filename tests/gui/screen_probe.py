"""Run in a subprocess on an offscreen screen of a given size (``QT_QPA_PLATFORM=offscreen:configfile=…``): open
the viewer, the Library window and every Analyse view, and print, per window, its geometry, the screen's available
geometry, its minimum size and the buttons that are not fully inside it (JSON on stdout).

    python screen_probe.py LIBRARY_DIR SETTINGS_DIR [SAVED_X,Y,W,H]
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QRect, QSettings
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget, QMainWindow, QWidget


def _rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def probe(w: QWidget) -> dict[str, Any]:
    w.show()
    for _ in range(20):
        QApplication.processEvents()
    inside = w.rect()
    screen = w.screen()
    avail = screen.availableGeometry()
    hidden = []
    for b in w.findChildren(QAbstractButton):
        if not b.isVisibleTo(w) or b.window() is not w or b.objectName().startswith("qt_"):
            continue  # Qt's own dock and table-corner buttons
        dock = b.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and dock.visibleRegion().isEmpty():
            continue  # in a dock tab behind another one: a click on its tab shows it
        r = QRect(b.mapTo(w, b.rect().topLeft()), b.size())
        on_screen = QRect(b.mapToGlobal(b.rect().topLeft()), b.size())
        if not inside.contains(r) or not avail.contains(on_screen) or b.visibleRegion().isEmpty():
            hidden.append(b.text() or b.objectName() or type(b).__name__)
    return {"geometry": _rect(w.geometry()), "frame": _rect(w.frameGeometry()),
            "available": _rect(avail), "minimum": [w.minimumSizeHint().width(),
                                                                          w.minimumSizeHint().height()],
            "buttons": sum(1 for b in w.findChildren(QAbstractButton) if b.isVisibleTo(w)), "hidden": hidden}


def main() -> int:
    library_dir, settings_dir = sys.argv[1], sys.argv[2]
    app = QApplication([])
    QCoreApplication.setOrganizationName("ReplayLensProbe")
    QCoreApplication.setApplicationName("Replay Lens Probe")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    if len(sys.argv) > 3:  # geometry the viewer saved earlier (x,y,w,h), perhaps on a bigger screen
        old = QMainWindow()
        old.setGeometry(QRect(*[int(v) for v in sys.argv[3].split(",")]))
        QSettings().setValue("geometry", old.saveGeometry())
        old.deleteLater()
    from replaylens.store.library import open_library
    from replaylens.ui.compare import open_view
    from replaylens.ui.main_window import MainWindow

    out: dict[str, Any] = {}
    viewer = MainWindow()
    out["viewer"] = probe(viewer)
    lib = open_library(library_dir, read_only=True)
    from replaylens.ui.library.window import LibraryWindow

    w = LibraryWindow(lib)
    out["library"] = probe(w)
    for which in ("compare", "funnel", "abtest", "clicks", "bias"):
        view = open_view(w, which)
        out[which] = probe(view)
        view.close()
        view.jobs.wait()
    w.shutdown()
    w.close()
    viewer.close()
    lib.close()
    print(json.dumps(out))
    app.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
