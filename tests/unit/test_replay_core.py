"""Replay state at t by binary search, and the playback clock."""

from __future__ import annotations

import numpy as np

from replaylens.core import kinds as K
from replaylens.core.replay import ReplayIndex, inactivity_gaps, rage_flags
from replaylens.model.clock import PlaybackClock


def _index(t, kind, x, y, page=None, sy=None, inactivity_ms=10_000) -> ReplayIndex:
    n = len(t)
    t = np.asarray(t, np.int64)
    page = np.zeros(n, np.int32) if page is None else np.asarray(page, np.int32)
    sy = np.zeros(n) if sy is None else np.asarray(sy, float)
    return ReplayIndex.build(t, np.asarray(kind, np.int16), page, np.asarray(x, float), np.asarray(y, float),
                             np.zeros(n), sy, np.full(n, 800), np.full(n, 600), inactivity_ms=inactivity_ms)


def test_cursor_interpolates_between_samples() -> None:
    idx = _index([0, 100, 200], [K.MOVE] * 3, [0, 100, 100], [0, 0, 50])
    c = idx.cursor_at(50)
    assert (c.x, c.y, c.visible) == (50.0, 0.0, True)
    assert (idx.cursor_at(150).x, idx.cursor_at(150).y) == (100.0, 25.0)
    assert not idx.cursor_at(-1).visible
    assert idx.cursor_at(10_000).x == 100.0  # holds after the last sample


def test_cursor_holds_across_long_gap_and_page_change() -> None:
    idx = _index([0, 1000, 1100, 1200], [K.MOVE, K.MOVE, K.NAVIGATE, K.MOVE], [0, 100, np.nan, 500],
                 [0, 0, np.nan, 500], page=[0, 0, 1, 1])
    assert idx.cursor_at(500).x == 0.0  # 1 s apart: no glide
    c = idx.cursor_at(1150)
    assert c.page == 1 and not c.visible  # new page, no sample yet
    assert idx.cursor_at(1200).visible


def test_trail_only_current_page() -> None:
    idx = _index([0, 100, 200, 300], [K.MOVE] * 4, [0, 1, 2, 3], [0, 0, 0, 0], page=[0, 0, 1, 1])
    _, xx, _ = idx.trail(300, 5)
    assert list(xx) == [2, 3, 3]  # samples of page 1 + head


def test_rage_flags_posthog_rule() -> None:
    ct = np.array([0, 300, 600, 5000, 5300, 9000, 9400, 9800])
    cx = np.array([0, 5, 10, 0, 0, 0, 40, 80], float)
    flags = rage_flags(ct, cx, np.zeros(8))
    assert list(flags) == [1, 1, 1, 0, 0, 0, 0, 0]  # 2 fast clicks is not rage; 40 px apart is not rage


def test_inactivity_gaps() -> None:
    gs, ge = inactivity_gaps(np.array([0, 1000, 30_000, 31_000]), 10_000)
    assert list(gs) == [2000] and list(ge) == [29_000]


def test_clock_advance_clamps_and_skips() -> None:
    clock = PlaybackClock(duration_ms=100_000)
    clock.set_gaps(np.array([2000]), np.array([90_000]))
    clock.play()
    clock.advance(5.0)  # a 5 s stall counts as 0.1 s
    assert clock.time_ms == 100.0
    clock.seek(1950)
    clock.advance(0.1)  # crosses into the gap -> jumps to its end
    assert clock.time_ms == 90_000
    clock.skip_inactivity = False
    clock.seek(3000)
    clock.advance(0.1)
    assert clock.time_ms == 3100
    clock.set_speed(16)
    clock.advance(0.05)
    assert clock.time_ms == 3900
    clock.seek(99_990)
    clock.advance(0.1)
    assert clock.time_ms == 100_000 and not clock.playing


def test_clock_loop_and_speeds() -> None:
    clock = PlaybackClock(duration_ms=10_000)
    clock.set_loop(1000, 2000)
    clock.seek(1950)
    clock.play()
    clock.advance(0.1)
    assert clock.time_ms == 1000
    clock.set_speed(1.0)
    clock.faster()
    assert clock.speed == 1.5
    clock.slower()
    clock.slower()
    assert clock.speed == 0.5
    clock.set_speed(100)
    assert clock.speed == 16


def test_skip_24h_gap_instantly() -> None:
    day = 24 * 3600 * 1000
    t = np.array([0, 500, 1000, day + 1000, day + 1500])
    idx = _index(t, [K.MOVE] * 5, [0, 1, 2, 3, 4], [0] * 5)
    clock = PlaybackClock(duration_ms=int(t[-1]))
    clock.set_gaps(idx.gap_start, idx.gap_end)
    clock.seek(1000)  # the last activity; the gap starts 1 s later
    clock.play()
    ticks = 0
    while clock.time_ms < day and ticks < 100:
        clock.advance(1 / 60)
        ticks += 1
    assert clock.time_ms >= day
    assert ticks <= 61  # one second of playback reaches the gap, then one tick jumps the 24 hours
