"""What a heatmap counts, as a value that adds up: ``HeatCounts``.

A heatmap is built in three steps: gather the counts of each session (``analysis.heatmaps.gather.gather_session``) → sum
them (``a + b``, ``sum(parts)``: shards of a library and the two sides of a comparison are just sums) → finish
(``analysis.heatmaps.session.finish_heatmap``: blur and normalise to float32). The colours come last, at paint time
(``core.heatmap.colourise``). Sums are exact: weights are kept in float64 until the finish step, so the map of
A ∪ B is the finish of gather(A) + gather(B), whatever the order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _plus(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise sum where an empty array stands for zeros (a session that added nothing allocates nothing)."""
    if a.size == 0:
        return b
    if b.size == 0:
        return a
    if a.shape != b.shape:
        raise ValueError(f"cannot add heat grids of shapes {a.shape} and {b.shape} (different page geometry)")
    return a + b


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float64)


@dataclass(frozen=True)
class HeatCounts:
    """The summable part of one heatmap of ``kind`` on one page grid.

    ``grid``: click/move the weight per cell (rows, cols: clicks, dwell ms); attention the ms per page row (rows,);
    scroll unused. ``spots``: click/move the weight per ``SPOT_PX`` square on four half-square-shifted grids (the
    legend's busiest spot). ``bottoms``: scroll, each session's deepest viewport bottom. ``folds``: each
    contributing session's first viewport height on the page. An empty array means zeros / none."""

    kind: str
    grid: np.ndarray = field(default_factory=_empty)
    spots: np.ndarray = field(default_factory=_empty)
    bottoms: np.ndarray = field(default_factory=_empty)
    folds: np.ndarray = field(default_factory=_empty)
    sessions_total: int = 0  # sessions gathered
    sessions_used: int = 0  # that contributed at least one event
    sessions_without_page: int = 0  # never visited the page (or not in the time window)
    sessions_outside_width: int = 0  # visited it, but never at a viewport width in the range
    points: int = 0  # events counted
    points_outside_page: int = 0  # of those, outside the page box (dropped)
    total_weight: float = 0.0  # clicks; move: dwell ms; attention: ms on the page; scroll: sessions

    def __add__(self, other: HeatCounts) -> HeatCounts:
        if not isinstance(other, HeatCounts):
            return NotImplemented
        if other.kind != self.kind:
            raise ValueError(f"cannot add a {other.kind!r} heatmap to a {self.kind!r} one")
        return HeatCounts(
            kind=self.kind, grid=_plus(self.grid, other.grid), spots=_plus(self.spots, other.spots),
            bottoms=np.concatenate([self.bottoms, other.bottoms]), folds=np.concatenate([self.folds, other.folds]),
            sessions_total=self.sessions_total + other.sessions_total,
            sessions_used=self.sessions_used + other.sessions_used,
            sessions_without_page=self.sessions_without_page + other.sessions_without_page,
            sessions_outside_width=self.sessions_outside_width + other.sessions_outside_width,
            points=self.points + other.points, points_outside_page=self.points_outside_page + other.points_outside_page,
            total_weight=self.total_weight + other.total_weight)

    def __radd__(self, other: object) -> HeatCounts:
        if other == 0:  # builtin sum() starts from 0
            return self
        return NotImplemented
