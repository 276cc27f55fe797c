"""The heatmap layer of the viewer: kind, scope (whole session or the time around the playhead), opacity,
colour map, and a legend that always says how many sessions and points the map is built from. Maps are computed
off the UI thread; the latest request wins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSlider, QWidget

from replaylens.analysis.heatmaps.legend import EXPLAIN, marks, scale_labels
from replaylens.core.colormaps import CMAP_NAMES, colour_table
from replaylens.render.image import to_qimage
from replaylens.ui.jobs import LatestJob

if TYPE_CHECKING:
    from replaylens.ui.canvas import ReplayCanvas
    from replaylens.ui.state import ViewerState

KINDS = (("Clicks", "click"), ("Movement (dwell-weighted)", "move"), ("Scroll reach", "scroll"),
         ("Attention", "attention"))
SCOPES = (("Whole session", 0), ("Last 10 s", 10_000), ("Last 30 s", 30_000), ("Last 2 min", 120_000))
RECOMPUTE_STEP_MS = 500  # a windowed map follows the playhead in steps of this


class HeatmapPanel(QWidget):
    """Reads the open session and time from the viewer state; draws through the canvas it is given."""

    def __init__(self, state: ViewerState, canvas: ReplayCanvas) -> None:
        super().__init__()
        self.state = state
        self.canvas = canvas
        self.show_box = QCheckBox("Show heatmap (Ctrl+H)")
        self.kind = QComboBox()
        for label, key in KINDS:
            self.kind.addItem(label, key)
        self.scope = QComboBox()
        for label, ms in SCOPES:
            self.scope.addItem(label, ms)
        self.cmap = QComboBox()
        for name in CMAP_NAMES:
            self.cmap.addItem(name, name)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(10, 100)
        self.opacity.setValue(75)
        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setObjectName("heatmap_explain")
        self.legend = QLabel()
        self.legend.setMinimumHeight(14)
        self.scale_low = QLabel("fewer")
        self.scale_high = QLabel("more")
        self.scale_high.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.scale_high.setWordWrap(True)
        scale_row = QWidget()
        row = QHBoxLayout(scale_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.scale_low)
        row.addStretch(1)
        row.addWidget(self.scale_high, 3)
        self.counts = QLabel("Off")
        self.counts.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.show_box)
        form.addRow("Kind", self.kind)
        form.addRow("Events from", self.scope)
        form.addRow("Colours", self.cmap)
        form.addRow("Opacity", self.opacity)
        form.addRow(self.explain)
        form.addRow(self.legend)
        form.addRow(scale_row)
        form.addRow(self.counts)
        self.job = LatestJob(self)
        self.job.result.connect(self._computed)
        self.job.error.connect(lambda m: self.counts.setText(f"Could not compute: {m}"))
        self._key: tuple[Any, ...] | None = None
        for w in (self.show_box,):
            w.toggled.connect(lambda _=False: self.request(force=True))
        for c in (self.kind, self.scope):
            c.currentIndexChanged.connect(lambda _=0: self.request(force=True))
        self.cmap.currentIndexChanged.connect(self._recolour)  # colours are applied at paint: nothing recomputed
        self._result: Any = None
        self.opacity.valueChanged.connect(self._opacity)
        state.time_changed.connect(lambda _t: self.request())
        state.session_changed.connect(lambda _s: self.request(force=True))
        self._legend()

    def _opacity(self, v: int) -> None:
        self.canvas.options.heatmap_opacity = v / 100.0
        self.canvas.update()

    def _legend(self) -> None:
        table = colour_table(str(self.cmap.currentData() or "classic"), max_alpha=1.0)
        bar = np.repeat(table[None, 1:, :], 12, axis=0)
        self.legend.setPixmap(QPixmap.fromImage(to_qimage(bar)).scaled(300, 12))
        kind = str(self.kind.currentData() or "click")
        self.explain.setText(EXPLAIN.get(kind, ""))
        lo, hi = {"click": ("fewer clicks", "more clicks"), "move": ("less time", "more time"),
                  "scroll": ("fewer sessions", "all sessions reach here (100 %)")}.get(kind, ("less time", "more"))
        self.scale_low.setText(f"{lo} →")
        self.scale_high.setText(hi)
        self.legend.setToolTip(f"{lo} → {hi}")

    def request(self, force: bool = False) -> None:
        """Recompute when what the map depends on changed (kind, page, scope, time step)."""
        w = self.state
        if not self.show_box.isChecked() or w.session is None or w.index is None:
            self._key = self._result = None
            self.canvas.options.heatmap = None
            self.canvas.options.heatmap_marks = []
            self.canvas.update()
            if not self.show_box.isChecked():
                self.counts.setText("Off")
            return
        session = w.session
        page = w.index.page_at(w.clock.time_ms)
        kind = str(self.kind.currentData())
        span = int(self.scope.currentData())
        t_range = None
        if span:
            t1 = (int(w.clock.time_ms) // RECOMPUTE_STEP_MS + 1) * RECOMPUTE_STEP_MS
            t_range = (max(0, t1 - span), t1)
        key = (id(session), page, kind, t_range)
        if key == self._key and not force:
            return
        self._key = key
        self._legend()

        def compute() -> tuple[tuple[Any, ...], Any]:
            from replaylens.analysis.heatmaps.session import compute_heatmap

            return key, compute_heatmap([session], kind, page=page, t_range=t_range)

        self.job.submit(compute)

    def _recolour(self) -> None:
        """A new colour map: the legend and the shown map are painted again from the computed values."""
        self._legend()
        opts = self.canvas.options
        if self._result is not None and opts.heatmap is not None:
            opts.heatmap = self._paint(self._result)
            self.canvas.update()
        elif self.show_box.isChecked():
            self.request(force=True)

    def _paint(self, res: Any) -> QImage:
        return to_qimage(res.colours(str(self.cmap.currentData())))

    def _computed(self, out: tuple[tuple[Any, ...], Any]) -> None:
        key, res = out
        if key != self._key:
            return
        self._result = res
        opts = self.canvas.options
        opts.heatmap, opts.heatmap_cell = self._paint(res), float(res.cell)
        opts.heatmap_opacity = self.opacity.value() / 100.0
        opts.heatmap_marks = marks(res)  # fold line and reach marks, drawn by the frame renderer
        lo, hi = scale_labels(res)
        self.scale_low.setText(f"{lo} →")
        self.scale_high.setText(hi)
        self.legend.setToolTip(f"{lo} → {hi}")
        fold = f" · average fold at {res.fold_y:.0f} px" if res.fold_y else ""
        fold += " (dashed line)" if fold and opts.heatmap_marks else ""
        stops = [label.split(" % ")[0] for _y, label in opts.heatmap_marks if label.endswith("reach here")]
        reach = f" · dashed lines where {' / '.join(stops)} % of sessions stop" if stops else \
            " · at least 75 % of sessions reach the bottom" if res.kind == "scroll" and res.points else ""
        points = "" if res.kind in ("click", "move") else \
            f" · {res.points:,} event{'s' if res.points != 1 else ''}"  # click/move: the summary counts them
        self.counts.setText(f"<b>{res.summary()}{points}</b> on this page{fold}{reach}"
                            + ("" if res.points else "<br>Nothing to show in this range."))
        self.canvas.update()

    def toggle(self) -> None:
        self.show_box.setChecked(not self.show_box.isChecked())
