"""The playback clock: a plain state machine the UI drives (rerun's TimeControl idea).

Commands in (play, pause, seek, speed, loop, skip-inactivity); ``advance(dt_s)`` once per UI tick moves time by
``dt × speed`` with dt clamped to 0.1 s, so a stalled frame never makes the playhead jump. No timers, no Qt.
Inactive stretches are jumped over instantly when skipping is on (rrweb fast-forwards at up to 360×; a 24-hour
gap then still takes minutes — jumping is what users want).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from replaylens.core.replay import count_le

SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0, 16.0)
MAX_DT_S = 0.1


@dataclass
class PlaybackClock:
    duration_ms: int
    time_ms: float = 0.0
    playing: bool = False
    speed: float = 1.0
    skip_inactivity: bool = True
    loop: tuple[float, float] | None = None
    gap_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    gap_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    on_change: Callable[[PlaybackClock], None] | None = None
    #: (from, to) ms of the inactivity jump the last tick made, None if it made none; read it in ``on_change``
    last_skip: tuple[float, float] | None = None

    # -- commands -----------------------------------------------------------------------------------------
    def reset(self, duration_ms: int, gap_start: np.ndarray | None = None, gap_end: np.ndarray | None = None,
              time_ms: float = 0.0) -> None:
        """A new session: paused at ``time_ms``, no loop, its idle gaps; speed and skipping stay as chosen."""
        self.duration_ms = int(duration_ms)
        self.playing = False
        self.loop = None
        self.set_gaps(np.zeros(0, np.int64) if gap_start is None else gap_start,
                      np.zeros(0, np.int64) if gap_end is None else gap_end)
        self.time_ms = float(min(max(time_ms, 0.0), self.duration_ms))
        self._changed()

    def play(self) -> None:
        if self.time_ms >= self.duration_ms and self.loop is None:
            self.time_ms = 0.0
        self.playing = True
        self._skip()
        self._changed()

    def pause(self) -> None:
        self.playing = False
        self._changed()

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, t_ms: float) -> None:
        """Jump to t (clamped to the session). A seek never skips: the user asked for that moment."""
        self.time_ms = float(min(max(t_ms, 0.0), self.duration_ms))
        self._changed()

    def step(self, delta_ms: float) -> None:
        self.seek(self.time_ms + delta_ms)

    def set_speed(self, speed: float) -> None:
        self.speed = float(min(max(speed, SPEEDS[0]), SPEEDS[-1]))
        self._changed()

    def faster(self) -> None:
        self.set_speed(next((s for s in SPEEDS if s > self.speed), SPEEDS[-1]))

    def slower(self) -> None:
        self.set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0]))

    def set_loop(self, start_ms: float | None, end_ms: float | None = None) -> None:
        if start_ms is None or end_ms is None or end_ms - start_ms < 1:
            self.loop = None
        else:
            self.loop = (max(0.0, float(start_ms)), min(float(end_ms), float(self.duration_ms)))
        self._changed()

    def set_gaps(self, start: np.ndarray, end: np.ndarray) -> None:
        self.gap_start, self.gap_end = np.asarray(start, np.int64), np.asarray(end, np.int64)

    # -- ticking --------------------------------------------------------------------------------------------
    def advance(self, dt_s: float) -> float:
        """Move time forward by one tick of ``dt_s`` wall seconds; returns the new time (ms)."""
        if not self.playing:
            return self.time_ms
        dt = min(max(dt_s, 0.0), MAX_DT_S)
        t = self.time_ms + dt * 1000.0 * self.speed
        end = self.loop[1] if self.loop else float(self.duration_ms)
        if t >= end:
            if self.loop:
                t = self.loop[0]
            else:
                t = float(self.duration_ms)
                self.playing = False
        self.time_ms = t
        self._skip()
        self._changed()
        return self.time_ms

    def next_gap_skip(self) -> tuple[float, float] | None:
        """(from, to) of the jump skipping would make at the current time, if any."""
        i = count_le(self.gap_start, self.time_ms) - 1
        if i >= 0 and self.time_ms < self.gap_end[i]:
            return float(self.gap_start[i]), float(self.gap_end[i])
        return None

    def _skip(self) -> None:
        self.last_skip = None
        if self.playing and self.skip_inactivity:
            gap = self.next_gap_skip()
            if gap is not None:
                to = min(gap[1], float(self.duration_ms))
                self.last_skip = (self.time_ms, to)
                self.time_ms = to

    def skippable_ms(self) -> int:
        """Total time skipping inactivity jumps over in this session."""
        return int(np.sum(self.gap_end - self.gap_start))

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)
