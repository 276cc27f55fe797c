"""Active time: the one definition the Session dock, ``replaylens analyze`` and the reports share.

Active time is the session's duration minus its inactivity gaps; an inactivity gap is a stretch longer than
``gap_ms`` (rrweb's 10 s by default; PostHog uses 5 s) without a user-interaction event (pointer, click, scroll,
input, touch, resize, selection), counted in full, and the start and the end of the recording are boundaries
(a quiet first or last stretch is inactive too). See docs/friction.md, "Metrics".

Playback's "skip inactivity" jumps over the same pauses, less a second at each end so the moment the customer
stops and comes back stays visible; that second is playback comfort, not activity.
"""

from __future__ import annotations

from replaylens.core.friction import active_ms
from replaylens.model.arrays import SessionArrays

#: rrweb's published inactivity threshold (the friction settings' ``inactivity.gap_ms`` default).
DEFAULT_GAP_MS = 10_000.0


def session_active_ms(arrays: SessionArrays, duration_ms: int, gap_ms: float = DEFAULT_GAP_MS) -> int:
    """Milliseconds of ``duration_ms`` outside inactivity gaps longer than ``gap_ms`` (see the module docstring)."""
    return active_ms(arrays.t, arrays.kind, gap_ms=gap_ms, end_ms=int(duration_ms))


__all__ = ["DEFAULT_GAP_MS", "session_active_ms"]
