"""Finding highlights on a replay frame: a dashed outline of the element's box (or, when no box is known, a dashed
ring at the spot) and a coloured label beside it, from a second before the finding until 1.5 s after it. Painted by
``FrameRenderer`` (``FrameOptions.findings``), so the viewer's canvas, PNGs, clips and PDF pages show the same
highlights.

The box is the one measured when the page or keyframe in force at the event was rendered (the events' columns
``target_box_x/y/w/h``, document CSS px; io/rrweb/boxes.py): the first of the finding's events that has one.

Findings are duck-typed (``analysis.findings.analyze.Finding`` or anything with ``kind``, ``start_ms``, ``end_ms``,
``page``, ``x``, ``y``, ``count``): export/ does not depend on the analysis package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from replaylens.model.finding_text import FINDING_NAMES, finding_label

if TYPE_CHECKING:
    from replaylens.render.frame import FrameGeometry

__all__ = ["BOX_COLUMNS", "FINDING_COLORS", "FINDING_NAMES", "LEAD_MS", "RING_PX", "TAIL_MS", "event_boxes",
           "finding_box", "finding_color", "finding_label", "paint_findings", "showing"]

FINDING_COLORS: dict[str, str] = {
    "rage_click": "#e5383b", "dead_click": "#f77f00", "error_click": "#d00000", "hesitation": "#f4a300",
    "form_abandonment": "#9b5de5", "quick_back": "#00bbf9", "excessive_scroll": "#06d6a0",
    "thrashed_cursor": "#f15bb5"}
#: A highlight shows from this long before a finding starts ...
LEAD_MS = 1000
#: ... until this long after it ends.
TAIL_MS = 1500
RING_PX = 26.0
_DARK_TEXT_KINDS = frozenset({"hesitation", "excessive_scroll", "quick_back"})  # light fills: dark text
#: The events' element-box columns (document CSS px; written by the rrweb converter, io/rrweb/boxes.py).
BOX_COLUMNS = ("target_box_x", "target_box_y", "target_box_w", "target_box_h")
#: A box larger than this (CSS px, either side) is a page-wide container: the ring at the spot says more.
MAX_BOX_PX = 4000.0


def event_boxes(table: pa.Table) -> np.ndarray | None:
    """(n, 4) float64 boxes by event index ``i`` (NaN unknown), or None when the events carry no box at all."""
    if not all(c in table.column_names for c in (*BOX_COLUMNS, "i")) or not table.num_rows:
        return None
    idx = table["i"].to_numpy(zero_copy_only=False).astype(np.int64)
    cols = [np.asarray(table[c].to_numpy(zero_copy_only=False), dtype=np.float64) for c in BOX_COLUMNS]
    if not np.isfinite(cols[0]).any():
        return None
    out = np.full((int(idx.max()) + 1, 4), np.nan)
    out[idx] = np.stack(cols, axis=1)
    return out


def finding_box(f: Any, boxes: np.ndarray | None) -> QRectF | None:
    """The element box (page CSS px) of the first of ``f``'s events that has one, else None."""
    if boxes is None:
        return None
    for e in getattr(f, "events", ()) or ():
        if 0 <= int(e) < boxes.shape[0]:
            x, y, w, h = boxes[int(e)]
            if np.isfinite(x) and np.isfinite(y) and 0 < w <= MAX_BOX_PX and 0 < h <= MAX_BOX_PX:
                return QRectF(float(x), float(y), float(w), float(h))
    return None


def finding_color(kind: str) -> QColor:
    return QColor(FINDING_COLORS.get(kind, "#888888"))


def showing(f: Any, page: int, t: float) -> bool:
    """True when ``f`` is highlighted on ``page`` at time ``t``."""
    return (getattr(f, "page", -1) == page and getattr(f, "x", None) is not None and getattr(f, "y", None) is not None
            and f.start_ms - LEAD_MS <= t <= f.end_ms + TAIL_MS)


def paint_findings(p: QPainter, g: FrameGeometry, t: float, findings: Iterable[Any],
                   boxes: np.ndarray | None = None) -> None:
    """Highlight the findings of this page around the moment they happen (page coordinates → device); ``boxes``
    (``event_boxes``) outlines the element of a finding whose events have a measured box."""
    font = QFont()
    font.setPixelSize(13)
    font.setBold(True)
    stacked: dict[tuple[int, int], int] = {}  # findings at the same spot get their labels one under another
    p.save()
    for f in findings:
        if not showing(f, g.page, t):
            continue
        c = finding_color(str(f.kind))
        at = g.to_device(float(f.x), float(f.y))
        r = RING_PX
        p.setBrush(Qt.BrushStyle.NoBrush)
        elem = finding_box(f, boxes)
        if elem is not None:  # the element's box; the label goes by its top-right corner
            rect = g.rect_to_device(elem).adjusted(-2, -2, 2, 2)
            p.setPen(QPen(QColor(255, 255, 255, 210), 6))
            p.drawRect(rect)
            p.setPen(QPen(c, 3, Qt.PenStyle.DashLine))
            p.drawRect(rect)
            r = min(RING_PX, rect.height() / 2)
            at = QPointF(rect.right() - r, rect.top() + r + 2)
        else:
            p.setPen(QPen(QColor(255, 255, 255, 210), 6))  # a light halo under the ring: visible on dark pages too
            p.drawEllipse(at, r, r)
            p.setPen(QPen(c, 3, Qt.PenStyle.DashLine))
            p.drawEllipse(at, r, r)
        label = finding_label(f)
        p.setFont(font)
        w = p.fontMetrics().horizontalAdvance(label) + 14
        spot = (int(at.x()) // 20, int(at.y()) // 20)
        dy = 26 * stacked.get(spot, 0)
        stacked[spot] = stacked.get(spot, 0) + 1
        box = QRectF(at + QPointF(r + 6, -r - 4 + dy), at + QPointF(r + 6 + w, -r + 18 + dy))
        p.setPen(QPen(QColor(255, 255, 255, 230), 1.5))
        p.setBrush(c)
        p.drawRoundedRect(box, 5, 5)
        p.setPen(QColor("#1f232b") if f.kind in _DARK_TEXT_KINDS else QColor("#ffffff"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    p.restore()
