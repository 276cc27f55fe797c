"""A fixed annotated scene of the committed demo, shared by the export tests (fixed ids: deterministic output)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from replaylens.model.annotations import Annotation, AnnotationSet

T_RAGE = 67_463  # landing page, scrolled to the top, during the rage clicks on the festival banner
SOLID = (955, 10, 1195, 55)  # "Log in / Sign up" buttons, page px
BLUR = (84, 120, 1068, 188)  # the hero headline, page px
RECT = (80, 250, 1200, 530)


def _mk(i: int, kind: str, box: tuple[float, float, float, float], **kw: object) -> Annotation:
    x1, y1, x2, y2 = box
    return Annotation(kind=kind, page=0, x1=x1, y1=y1, x2=x2, y2=y2, t_start_ms=T_RAGE - 2000,
                      t_end_ms=T_RAGE + 5000, at_ms=T_RAGE, id=f"fixed{i:02d}", **kw)  # type: ignore[arg-type]


def scene() -> AnnotationSet:
    return AnnotationSet([
        _mk(1, "rect", RECT, color="#2d7ff9", width=3.0),
        _mk(2, "arrow", (760, 640, 600, 470), color="#14171f", width=4.0),
        _mk(3, "text", (1000, 320, 980, 620), text="Customers rage-click the festival banner: it is not a link",
            color="#e5484d"),
        _mk(4, "step", (50, 700, 50, 700), step=1, text="Landing", color="#8e4ec6"),
        _mk(5, "highlight", (88, 195, 850, 226), color="#ffd60a"),
        _mk(6, "redact_solid", SOLID),
        _mk(7, "redact_blur", BLUR),
        _mk(8, "ellipse", (80, 545, 320, 615), color="#30a46c"),
    ])


def to_array(img: QImage) -> np.ndarray:
    """(h, w, 3) uint8 RGB."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    return np.frombuffer(img.constBits(), np.uint8, count=h * bpl).reshape(h, bpl)[:, : w * 3].reshape(h, w, 3).copy()
