"""The funnel bars: one cluster per step, one bar per group. A bar's solid part is the share of the group's sessions
that went on at that step (rate from the start); the hatched part above it is the share that reached the step
and dropped there, and is clickable (``dropoff_clicked(group, step)``). Each bar is labelled with the step rate,
"converted of entered" and the Wilson 95 % interval; the whisker is that interval drawn on the bar's scale."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

GROUP_COLOURS = ("#3b5bdb", "#e8590c", "#2b8a3e", "#862e9c", "#c92a2a", "#0b7285", "#5c940d", "#a61e4d")
DROP_COLOUR = QColor("#e03131")
INK, MUTED, GRID = QColor("#111827"), QColor("#4b5563"), QColor("#e5e7eb")
HEAD_PX = 64  # room above a full bar for its three label lines


def _pct(v: float) -> str:
    return f"{v * 100:.1f} %"


class FunnelChart(QWidget):
    dropoff_clicked = Signal(int, int)  # group index, step index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("funnel_chart")
        self.result: dict[str, Any] | None = None
        self.selected: tuple[int, int] | None = None
        self.step_labels: list[str] = []  # what to write under each cluster (default: the step specs)
        self.setMouseTracking(True)
        self.setMinimumSize(520, 320)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_result(self, result: dict[str, Any] | None) -> None:
        self.result = result
        self.selected = None
        self.update()

    # -- geometry ---------------------------------------------------------------------------------------------
    def _plot(self) -> QRectF:
        return QRectF(56, 34 + HEAD_PX, max(self.width() - 72, 10), max(self.height() - 34 - HEAD_PX - 56, 10))

    def bars(self) -> list[tuple[int, int, QRectF, QRectF]]:
        """(group, step, went-on rect, dropped rect) for every bar, in widget coordinates."""
        r = self.result
        if not r or not r["groups"] or not r["steps"]:
            return []
        plot = self._plot()
        n_steps, n_groups = len(r["steps"]), len(r["groups"])
        cluster = plot.width() / n_steps
        bar_w = min(110.0, cluster * 0.82 / n_groups)
        out = []
        for k in range(n_steps):
            x0 = plot.left() + k * cluster + (cluster - bar_w * n_groups) / 2
            for g, group in enumerate(r["groups"]):
                st = group["steps"][k]
                n = max(group["sessions"], 1)
                y_conv = plot.bottom() - plot.height() * st["converted"] / n
                y_ent = plot.bottom() - plot.height() * st["entered"] / n
                x = x0 + g * bar_w
                out.append((g, k, QRectF(x + 2, y_conv, bar_w - 4, plot.bottom() - y_conv),
                            QRectF(x + 2, y_ent, bar_w - 4, y_conv - y_ent)))
        return out

    def dropoff_at(self, pos: QPointF) -> tuple[int, int] | None:
        for g, k, _conv, drop in self.bars():
            hit = drop.adjusted(0, -4, 0, 0) if drop.height() < 6 else drop
            if hit.contains(pos):
                return g, k
        return None

    def bar_centre(self, group: int, step: int) -> QPointF:
        """The middle of a bar's dropped part (tests click there)."""
        for g, k, _conv, drop in self.bars():
            if (g, k) == (group, step):
                return drop.center() if drop.height() >= 2 else QPointF(drop.center().x(), drop.top() - 2)
        raise KeyError((group, step))

    # -- events -----------------------------------------------------------------------------------------------
    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        hit = self.dropoff_at(e.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if hit else Qt.CursorShape.ArrowCursor)
        if hit and self.result:
            g, k = hit
            st = self.result["groups"][g]["steps"][k]
            grp = self.result["groups"][g]
            self.setToolTip(f"{len(st['dropped']):,} sessions of {grp.get('label', grp['name'])} dropped at "
                            f"{st['step']}: click to list them")
        else:
            self.setToolTip("")

    def mousePressEvent(self, e: QMouseEvent) -> None:
        hit = self.dropoff_at(e.position())
        if hit is not None and e.button() == Qt.MouseButton.LeftButton:
            self.selected = hit
            self.update()
            self.dropoff_clicked.emit(*hit)

    # -- painting ---------------------------------------------------------------------------------------------
    def paintEvent(self, _e: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), QColor("white"))
            r = self.result
            if not r or not r["groups"]:
                p.setPen(MUTED)
                p.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter),
                           "Add at least one step to see the funnel" if not r else "No sessions in this selection")
                return
            self._axes(p, r)
            self._legend(p, r)
            for g, k, conv, drop in self.bars():
                self._bar(p, r, g, k, conv, drop)
        finally:
            p.end()

    def _axes(self, p: QPainter, r: dict[str, Any]) -> None:
        plot = self._plot()
        font = QFont()
        font.setPointSizeF(8.5)
        p.setFont(font)
        for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
            y = plot.bottom() - plot.height() * frac
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(MUTED)
            p.drawText(QRectF(0, y - 8, plot.left() - 6, 16),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{frac:.0%}")
        cluster = plot.width() / len(r["steps"])
        font.setPointSizeF(9.5)
        font.setBold(True)
        p.setFont(font)
        p.setPen(INK)
        names = self.step_labels if len(self.step_labels) == len(r["steps"]) else r["steps"]
        for k, name in enumerate(names):
            box = QRectF(plot.left() + k * cluster + 4, plot.bottom() + 6, cluster - 8, 46)
            p.drawText(box, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                       f"{k + 1}. {name}")

    def _legend(self, p: QPainter, r: dict[str, Any]) -> None:
        font = QFont()
        font.setPointSizeF(9.5)
        p.setFont(font)
        x = 56.0
        fm = p.fontMetrics()
        for g, group in enumerate(r["groups"]):
            p.fillRect(QRectF(x, 10, 14, 14), QColor(GROUP_COLOURS[g % len(GROUP_COLOURS)]))
            text = f"{group.get('label', group['name'])} (n = {group['sessions']:,})"
            p.setPen(INK)
            p.drawText(QPointF(x + 20, 22), text)
            x += 34 + fm.horizontalAdvance(text)
        p.setBrush(QBrush(DROP_COLOUR, Qt.BrushStyle.BDiagPattern))
        p.setPen(QPen(DROP_COLOUR, 1))
        p.drawRect(QRectF(x, 10, 14, 14))
        p.setPen(INK)
        p.drawText(QPointF(x + 20, 22), "dropped at this step (click for the sessions)")

    def _bar(self, p: QPainter, r: dict[str, Any], g: int, k: int, conv: QRectF, drop: QRectF) -> None:
        colour = QColor(GROUP_COLOURS[g % len(GROUP_COLOURS)])
        st = r["groups"][g]["steps"][k]
        n = max(r["groups"][g]["sessions"], 1)
        p.fillRect(conv, colour)
        if drop.height() > 0:
            pale = QColor(DROP_COLOUR)
            pale.setAlpha(40 if self.selected != (g, k) else 110)
            p.fillRect(drop, pale)
            p.setBrush(QBrush(DROP_COLOUR, Qt.BrushStyle.BDiagPattern))
            p.setPen(QPen(DROP_COLOUR, 2 if self.selected == (g, k) else 1))
            p.drawRect(drop)
        lo, hi = st["ci95"]
        scale = st["entered"] / n
        plot = self._plot()
        y_lo, y_hi = (plot.bottom() - plot.height() * lo * scale, plot.bottom() - plot.height() * hi * scale)
        cx = conv.center().x()
        p.setPen(QPen(INK, 1.5))
        p.drawLine(QPointF(cx, y_lo), QPointF(cx, y_hi))
        for y in (y_lo, y_hi):
            p.drawLine(QPointF(cx - 5, y), QPointF(cx + 5, y))
        font = QFont()
        font.setPointSizeF(9)
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        w = max(conv.width() + 8, 80)
        lines = [_pct(st["rate"]), f"{st['converted']:,} of {st['entered']:,}",
                 f"{_pct(lo)}–{_pct(hi)}".replace(" %–", "–")]
        top = drop.top() - 6 - fm.height() * 3
        for i, text in enumerate(lines):
            font.setBold(i == 0)
            p.setFont(font)
            p.setPen(INK if i == 0 else MUTED)
            box = QRectF(cx - w / 2, top + i * fm.height(), w, fm.height())
            p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), fm.elidedText(text, Qt.TextElideMode.ElideRight, int(w)))
        dropped = len(st["dropped"])
        if dropped and drop.height() >= fm.height() + 4:
            p.setPen(QColor("#9b1c1c"))
            p.drawText(drop, int(Qt.AlignmentFlag.AlignCenter), f"−{dropped:,}")
