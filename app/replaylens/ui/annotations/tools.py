"""The canvas tool: draws new annotations of the chosen kind, or selects, moves and resizes existing ones.

The canvas calls ``press/move/release/key`` with page CSS px and repaints after a True return; a False return
from ``press`` lets the canvas pan instead (a press on empty space in select mode). While a drag runs the edited
value is a *preview* painted by the controller's overlay; the AnnotationSet changes once, on release, through one
undo command.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from replaylens.model.annotations import Annotation, handles, new_annotation, resized
from replaylens.render.annotations_paint import hit_test

if TYPE_CHECKING:
    from replaylens.ui.annotations.controller import AnnotationController

MIN_DRAG_PX = 4.0  # device px: a shorter drag is a click
HANDLE_GRAB_PX = 8.0  # device px around a handle that grabs it
BOX_KINDS = {"rect", "ellipse", "highlight", "redact_solid", "redact_blur"}
DEFAULT_BOX = (180.0, 60.0)  # a click with a box tool makes a box this size (page px)


class AnnotationTool:
    """``kind`` is "select" or an annotation kind (arrow, rect, …)."""

    def __init__(self, ctl: AnnotationController) -> None:
        self.ctl = ctl
        self.kind = "select"
        self.cursor = Qt.CursorShape.ArrowCursor
        self._mode: str | None = None  # "move", "resize", "create"
        self._handle = ""
        self._origin = (0.0, 0.0)
        self._before: Annotation | None = None

    def set_kind(self, kind: str) -> None:
        self.cancel()
        self.kind = kind
        self.cursor = Qt.CursorShape.ArrowCursor if kind == "select" else Qt.CursorShape.CrossCursor

    def _scale(self) -> float:
        g = self.ctl.canvas.geometry_now()
        return g.scale if g is not None else 1.0

    def _page(self) -> int | None:
        g = self.ctl.canvas.geometry_now()
        return g.page if g is not None else None

    # -- canvas protocol -----------------------------------------------------------------------------------
    def press(self, x: float, y: float, modifiers: Any = None) -> bool:
        page = self._page()
        if page is None or self.ctl.session is None:
            return False
        self._origin = (x, y)
        t = self.ctl.time_ms()
        if self.kind == "select":
            return self._press_select(page, x, y, t)
        extra: dict[str, Any] = {"color": self.ctl.color, "width": self.ctl.stroke}
        if self.kind == "step":
            extra["step"] = self.ctl.aset.next_step()
        if self.kind == "text":
            extra["text"] = "Note"
        self._before = None
        self.ctl.preview = new_annotation(self.kind, page, x, y, x, y, t, self.ctl.session.duration_ms, **extra)
        self._mode = "create"
        return True

    def _press_select(self, page: int, x: float, y: float, t: float) -> bool:
        s = self._scale()
        sel = self.ctl.aset.find(self.ctl.selected)
        if sel is not None and sel.visible_at(page, t):
            grab = HANDLE_GRAB_PX / s
            for name, hx, hy in handles(sel):
                if abs(hx - x) <= grab and abs(hy - y) <= grab:
                    self._mode, self._handle, self._before = "resize", name, sel
                    self.ctl.preview = sel
                    return True
        hit = hit_test(self.ctl.aset, page, x, y, t, tolerance=5.0 / s)
        self.ctl.select(hit.id if hit else None)
        if hit is None:
            self.ctl.canvas.update()
            return False  # empty space: let the canvas pan
        self._mode, self._before = "move", hit
        self.ctl.preview = hit
        return True

    def move(self, x: float, y: float, buttons: Any = None) -> bool:
        if self._mode is None or self.ctl.preview is None:
            return False
        a = self.ctl.preview
        if self._mode == "move" and self._before is not None:
            self.ctl.preview = self._before.moved(x - self._origin[0], y - self._origin[1])
        elif self._mode == "resize" and self._before is not None:
            self.ctl.preview = resized(self._before, self._handle, x, y)
        elif self._mode == "create":
            if a.kind == "step":
                return False
            self.ctl.preview = replace(a, x2=x, y2=y)
        return True

    def release(self, x: float, y: float) -> bool:
        if self._mode is None:
            return False
        self.move(x, y)
        a, before, mode = self.ctl.preview, self._before, self._mode
        self.cancel()
        if a is None:
            return True
        dragged = max(abs(x - self._origin[0]), abs(y - self._origin[1])) * self._scale() >= MIN_DRAG_PX
        if mode == "create":
            a = self._finish_new(a, dragged)
            if a is not None:
                self.ctl.add(a)
        elif before is not None and dragged and a != before:
            self.ctl.update(before, a, "Move annotation" if mode == "move" else "Resize annotation")
        return True

    def _finish_new(self, a: Annotation, dragged: bool) -> Annotation | None:
        """Normalise a drawn annotation; a click (no drag) gives sensible defaults or nothing."""
        if a.kind == "step":
            return a
        if a.kind == "text":
            return a if dragged else replace(a, x2=a.x1 + 90, y2=a.y1 - 60)
        if a.kind == "arrow":
            return a if dragged else None
        if not dragged:
            w, h = DEFAULT_BOX
            return replace(a, x1=a.x1 - w / 2, y1=a.y1 - h / 2, x2=a.x1 + w / 2, y2=a.y1 + h / 2)
        left, top, right, bottom = a.rect
        return replace(a, x1=left, y1=top, x2=right, y2=bottom)

    def key(self, qt_key: int) -> bool:
        k = Qt.Key(qt_key) if not isinstance(qt_key, Qt.Key) else qt_key
        if k == Qt.Key.Key_Escape:
            if self._mode is not None:
                self.cancel()
            else:
                self.ctl.select(None)
            return True
        if k in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.ctl.selected:
            self.ctl.delete(self.ctl.selected)
            return True
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        sel = self.ctl.aset.find(self.ctl.selected)
        if k in steps and sel is not None:
            dx, dy = steps[k]
            self.ctl.update(sel, sel.moved(dx * 2, dy * 2), "Nudge annotation")
            return True
        return False

    def cancel(self) -> None:
        self._mode, self._handle, self._before = None, "", None
        self.ctl.preview = None
