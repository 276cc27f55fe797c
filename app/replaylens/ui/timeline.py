"""The timeline (pyqtgraph): activity density, one row of markers per event kind, inactive stretches shaded,
a draggable playhead, a loop range, zoom/pan of the time axis, hover tooltips and click-to-seek. Time reads
mm:ss.mmm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from replaylens.core.replay import ReplayIndex, activity_density
from replaylens.core.timefmt import fmt_ms
from replaylens.model.session import Session

pg.setConfigOptions(antialias=True, imageAxisOrder="row-major")


@dataclass(frozen=True)
class MarkerRow:
    label: str
    kinds: tuple[str, ...]
    color: str
    symbol: str


ROWS: tuple[MarkerRow, ...] = (
    MarkerRow("clicks", ("click", "dblclick", "contextmenu", "touch_end"), "#2f7bff", "o"),
    MarkerRow("pages", ("navigate",), "#19a974", "t1"),
    MarkerRow("input", ("input", "submit"), "#9b5de5", "s"),
    MarkerRow("scroll", ("scroll",), "#8a94a6", "d"),
    MarkerRow("errors", ("error",), "#e5383b", "x"),
    MarkerRow("custom", ("custom",), "#f4a261", "star"),
)
FINDINGS_ROW = len(ROWS)
ANSWERS_ROW = FINDINGS_ROW + 1  # survey answers of a library session, at the moment they were given
ANSWER_COLOR = "#ff70a6"
TOP = ANSWERS_ROW + 1.6


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [fmt_ms(v)[:-4] if spacing >= 1000 else fmt_ms(v) for v in values]


class Timeline(QWidget):
    seek_requested = Signal(float)
    loop_changed = Signal(object)  # (start, end) or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": TimeAxis(orientation="bottom")}, background="#1f232b")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getAxis("left").setTicks([[(i + 1.0, r.label) for i, r in enumerate(ROWS)]
                                            + [(FINDINGS_ROW + 1.0, "friction"), (ANSWERS_ROW + 1.0, "answers")]])
        self.plot.getAxis("left").setWidth(64)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).setTextPen("#c9cfdd")
            self.plot.getAxis(ax).setPen("#59607a")
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.setYRange(-0.2, TOP, padding=0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self.setMinimumHeight(170)
        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen("#ffd166", width=2),
                                        hoverPen=pg.mkPen("#ffffff", width=3))
        self.playhead.setZValue(100)
        self.playhead.sigDragged.connect(lambda line: self.seek_requested.emit(float(line.value())))
        self.plot.addItem(self.playhead)
        self.loop_region: pg.LinearRegionItem | None = None
        self._items: list[Any] = []
        self._finding_items: list[Any] = []
        self._answer_items: list[Any] = []
        self.answer_labels: list[str] = []
        self.duration = 0
        self.plot.scene().sigMouseClicked.connect(self._clicked)

    # -- data -----------------------------------------------------------------------------------------------
    def set_session(self, session: Session | None, index: ReplayIndex | None) -> None:
        for it in self._items + self._finding_items:
            self.plot.removeItem(it)
        self._items, self._finding_items = [], []
        self.set_answers(np.zeros(0), [])
        self.set_loop(None)
        if session is None or index is None:
            self.duration = 0
            return
        a = session.arrays
        self.duration = max(index.duration, 1)
        bins = int(min(max(self.duration // 1000, 50), 2000))
        edges, counts = activity_density(a.t, self.duration, bins)
        h = 0.8 * counts / max(counts.max(), 1)
        density = pg.PlotCurveItem(np.repeat(edges, 2)[1:-1], np.repeat(h, 2), fillLevel=0,
                                   brush=pg.mkBrush(90, 160, 255, 110), pen=pg.mkPen(120, 180, 255, 180))
        self._add(density)
        if len(index.gap_start):
            gaps = pg.BarGraphItem(x0=index.gap_start, x1=index.gap_end, y0=-0.2, y1=TOP,
                                   brush=pg.mkBrush(255, 255, 255, 22), pen=pg.mkPen(None))
            self._add(gaps)
        urls = [p.url for p in session.pages]
        for i, row in enumerate(ROWS):
            mask = np.zeros(len(a), bool)
            for k in row.kinds:
                mask |= a.mask(k)
            if not mask.any():
                continue
            t = a.t[mask]
            if row.label == "scroll" and len(t) > 4000:  # thin a dense row; the density plot carries the rest
                t = t[:: len(t) // 4000 + 1]
            labels = self._labels(a, mask, row, urls) if mask.sum() <= 20_000 else None
            spots = pg.ScatterPlotItem(x=t, y=np.full(len(t), i + 1.0), size=9 if row.label != "scroll" else 5,
                                       symbol=row.symbol, brush=pg.mkBrush(row.color), pen=pg.mkPen(None),
                                       hoverable=True, hoverSize=13, data=labels,
                                       tip=lambda x, y, data: f"{fmt_ms(x)}  {data}" if data is not None
                                       else fmt_ms(x))
            self._add(spots)
        self.plot.setLimits(xMin=-0.02 * self.duration, xMax=1.02 * self.duration, minXRange=500)
        self.plot.setXRange(0, self.duration, padding=0.01)

    @staticmethod
    def _labels(a: Any, mask: np.ndarray, row: MarkerRow, urls: list[str]) -> list[str]:
        kinds = np.asarray(a.kinds, dtype=object)[a.kind[mask]]
        targets = np.asarray(("", *a.targets), dtype=object)[a.target[mask] + 1]
        if row.label == "pages":
            return [f"page: {urls[p] if 0 <= p < len(urls) else p}" for p in a.page[mask].tolist()]
        return [f"{k} {t}".strip() for k, t in zip(kinds.tolist(), targets.tolist(), strict=True)]

    def set_findings(self, times: np.ndarray, ends: np.ndarray, labels: list[str], colors: list[str]) -> None:
        """Friction findings as markers on their own row (spans drawn as bars)."""
        for it in self._finding_items:
            self.plot.removeItem(it)
        self._finding_items = []
        if len(times) == 0:
            return
        y = FINDINGS_ROW + 1.0
        bars = pg.BarGraphItem(x0=times, x1=np.maximum(ends, times + 200), y0=y - 0.18, y1=y + 0.18,
                               brushes=[pg.mkBrush(c) for c in colors], pen=pg.mkPen(None))
        spots = pg.ScatterPlotItem(x=times, y=np.full(len(times), y), size=12, symbol="o",
                                   brush=[pg.mkBrush(c) for c in colors], pen=pg.mkPen("#ffffff", width=1),
                                   hoverable=True, hoverSize=16, data=labels,
                                   tip=lambda x, y, data: f"{fmt_ms(x)}  {data}")
        for it in (bars, spots):
            self.plot.addItem(it)
            self._finding_items.append(it)

    def set_answers(self, times: np.ndarray, labels: list[str], captions: list[str] | None = None) -> None:
        """Survey answers as pink diamonds on their own row with a short caption beside each, the question and
        answer as the tooltip (an answer given after the recording ended sits at its end and says so)."""
        for it in self._answer_items:
            self.plot.removeItem(it)
        self._answer_items, self.answer_labels = [], list(labels)
        if len(times) == 0:
            return
        y = ANSWERS_ROW + 1.0
        line = pg.PlotCurveItem(np.repeat(np.asarray(times, float), 2),
                                np.tile([-0.2, y - 0.25], len(times)), connect="pairs",
                                pen=pg.mkPen(ANSWER_COLOR, width=1, style=Qt.PenStyle.DashLine))
        spots = pg.ScatterPlotItem(x=times, y=np.full(len(times), y), size=15, symbol="d",
                                   brush=pg.mkBrush(ANSWER_COLOR), pen=pg.mkPen("#ffffff", width=1),
                                   hoverable=True, hoverSize=19, data=labels,
                                   tip=lambda x, y, data: f"{fmt_ms(x)}  {data}")
        items: list[Any] = [line, spots]
        for x, text in zip(np.asarray(times, float).tolist(), captions or [], strict=False):
            right = x > 0.6 * max(self.duration, 1)
            cap = pg.TextItem(text, color=ANSWER_COLOR, anchor=(1.0, 0.5) if right else (0.0, 0.5))
            cap.setPos(x - 0.012 * self.duration if right else x + 0.012 * self.duration, y)
            items.append(cap)
        for it in items:
            self.plot.addItem(it)
            self._answer_items.append(it)

    def _add(self, item: Any) -> None:
        self.plot.addItem(item)
        self._items.append(item)

    # -- time -----------------------------------------------------------------------------------------------
    def set_time(self, t_ms: float) -> None:
        if not self.playhead.moving:
            self.playhead.blockSignals(True)
            self.playhead.setValue(t_ms)
            self.playhead.blockSignals(False)
        lo, hi = self.plot.getViewBox().viewRange()[0]
        if (t_ms > hi or t_ms < lo) and not self.playhead.moving:  # follow the playhead when zoomed in
            w = hi - lo
            self.plot.setXRange(t_ms - 0.1 * w, t_ms + 0.9 * w, padding=0)

    def set_loop(self, rng: tuple[float, float] | None) -> None:
        if rng is None:
            if self.loop_region is not None:
                self.plot.removeItem(self.loop_region)
                self.loop_region = None
            return
        if self.loop_region is None:
            self.loop_region = pg.LinearRegionItem(values=rng, brush=pg.mkBrush(255, 209, 102, 40),
                                                   pen=pg.mkPen("#ffd166"))
            self.loop_region.sigRegionChangeFinished.connect(
                lambda r: self.loop_changed.emit(tuple(float(v) for v in r.getRegion())))
            self.plot.addItem(self.loop_region)
        else:
            self.loop_region.setRegion(rng)

    def _clicked(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.duration == 0:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        x = vb.mapSceneToView(ev.scenePos()).x()
        self.seek_requested.emit(float(min(max(x, 0.0), self.duration)))
