"""Columnar numpy view of a session's events: what every hot path reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SessionArrays:
    """One row per event, sorted by time (stable). NaN marks a missing coordinate.

    ``kind`` holds codes into ``kinds`` (the first codes are ``core.kinds.KNOWN_KINDS``); ``target`` holds codes
    into ``targets`` (-1: none); ``interactive`` is 1/0/-1 (unknown).
    """

    t: np.ndarray  # int64 ms from session start
    kind: np.ndarray  # int16
    page: np.ndarray  # int32
    x: np.ndarray  # float64 viewport px
    y: np.ndarray
    scroll_x: np.ndarray  # float64, filled forward
    scroll_y: np.ndarray
    width: np.ndarray  # int32, viewport width in force at the event (filled forward)
    height: np.ndarray
    target: np.ndarray  # int32
    interactive: np.ndarray  # int8
    fixed: np.ndarray  # bool
    value_len: np.ndarray  # int32, -1 none
    kinds: tuple[str, ...]
    targets: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def mask(self, kind: str) -> np.ndarray:
        code = self.kinds.index(kind) if kind in self.kinds else -1
        return self.kind == code

    @property
    def page_x(self) -> np.ndarray:
        """x in page coordinates: viewport x + scroll, except in fixed elements."""
        return np.where(self.fixed, self.x, self.x + self.scroll_x)

    @property
    def page_y(self) -> np.ndarray:
        return np.where(self.fixed, self.y, self.y + self.scroll_y)

    @property
    def duration_ms(self) -> int:
        return int(self.t[-1]) if len(self) else 0

    def counts(self) -> dict[str, int]:
        """Events per kind name (kinds with no event left out)."""
        if not len(self):
            return {}
        n = np.bincount(self.kind.astype(np.int64), minlength=len(self.kinds))
        return {name: int(c) for name, c in zip(self.kinds, n.tolist(), strict=False) if c}

