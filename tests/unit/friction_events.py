"""A tiny builder of event columns for the friction detector tests (not a test module itself)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from replaylens.core.kinds import KIND_CODE


@dataclass
class Events:
    """Add events in any order; ``cols()`` sorts them by time (stable) and returns the columns."""

    rows: list[tuple[float, int, float, float, int, int, int, float, bool, bool]] = field(default_factory=list)

    def add(self, t: float, kind: str, x: float = math.nan, y: float = math.nan, *, page: int = 0,
            target: int = -1, interactive: int = -1, scroll_y: float = 0.0, is_field: bool = False,
            link: bool = False) -> Events:
        self.rows.append((t, KIND_CODE[kind], x, y, page, target, interactive, scroll_y, is_field, link))
        return self

    def click(self, t: float, x: float = 100.0, y: float = 100.0, **kw: object) -> Events:
        return self.add(t, "click", x, y, **kw)  # type: ignore[arg-type]

    def cols(self) -> Cols:
        order = sorted(range(len(self.rows)), key=lambda i: self.rows[i][0])
        r = [self.rows[i] for i in order]

        def col(k: int, dtype: type) -> np.ndarray:
            return np.array([row[k] for row in r], dtype=dtype)

        kind = col(1, np.int16)
        return Cols(t=col(0, np.int64), kind=kind, x=col(2, np.float64), y=col(3, np.float64),
                    page=col(4, np.int32), target=col(5, np.int32), interactive=col(6, np.int8),
                    scroll_y=col(7, np.float64), is_field=col(8, bool), is_link=col(9, bool),
                    clicks=np.flatnonzero(kind == KIND_CODE["click"]).astype(np.int64))


@dataclass
class Cols:
    t: np.ndarray
    kind: np.ndarray
    x: np.ndarray
    y: np.ndarray
    page: np.ndarray
    target: np.ndarray
    interactive: np.ndarray
    scroll_y: np.ndarray
    is_field: np.ndarray
    is_link: np.ndarray
    clicks: np.ndarray
