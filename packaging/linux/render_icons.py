"""Render the hicolor PNG icons from the SVG (QtSvg, offscreen): ``python render_icons.py SVG OUT_DIR SIZE...``
writes ``OUT_DIR/SIZExSIZE/apps/replaylens.png`` for each size."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    svg, out = Path(argv[0]), Path(argv[1])
    _app = QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"render_icons: cannot read {svg}", file=sys.stderr)
        return 1
    for size in (int(s) for s in argv[2:]):
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        dest = out / f"{size}x{size}" / "apps" / "replaylens.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not img.save(str(dest), "PNG"):
            print(f"render_icons: cannot write {dest}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
