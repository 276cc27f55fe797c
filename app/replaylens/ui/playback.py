"""Playback decisions of the viewer that need no widget: where a jump lands, which times a jump kind uses, what
skipping inactivity says, and the loop range around the playhead."""

from __future__ import annotations

import numpy as np

from replaylens.core import kinds as K
from replaylens.core.replay import count_le
from replaylens.core.timefmt import fmt_duration
from replaylens.model.clock import PlaybackClock
from replaylens.model.session import Session

JUMP_GRACE_MS = 301  # a second press within 300 ms of an event goes further back
LOOP_HALF_MS = 5000


def jump_times(session: Session | None, finding_times: np.ndarray, key: str) -> np.ndarray:
    """The times a jump of kind ``key`` (an event kind, "interaction" or "finding") can land on."""
    a = session.arrays if session is not None else None
    if a is None:
        return np.zeros(0, np.int64)
    if key == "interaction":
        mask = np.isin(a.kind, [K.CLICK, K.DBLCLICK, K.INPUT, K.NAVIGATE, K.SUBMIT, K.ERROR, K.CUSTOM])
    elif key == "finding":
        return np.asarray(finding_times)
    else:
        mask = a.mask(key)
    return np.asarray(a.t[mask])


def jump_target(times: np.ndarray, t: float, direction: int) -> float | None:
    """The previous (direction < 0) or next event time from ``t``; None when there is none."""
    if direction > 0:
        i = count_le(times, t)
        return float(times[i]) if i < len(times) else None
    i = count_le(times, t - JUMP_GRACE_MS) - 1
    return float(times[i]) if i >= 0 else None


def skip_message(clock: PlaybackClock, on: bool) -> str:
    n, total = len(clock.gap_start), clock.skippable_ms()
    if on and n:
        return f"Skipping inactivity: {n} pause{'s' if n != 1 else ''}, {fmt_duration(total)} in all"
    if on:
        return "Skipping inactivity: this session has no long pauses"
    return "Playing pauses in real time"


def loop_range(t: float, duration_ms: float) -> tuple[float, float]:
    return max(0.0, t - LOOP_HALF_MS), min(float(duration_ms), t + LOOP_HALF_MS)
