"""Build the replay index of a session (the arrays the playback hot path reads)."""

from __future__ import annotations

from replaylens.core.replay import ReplayIndex
from replaylens.model.session import Session

#: rrweb's published inactivity threshold; PostHog uses 5 s. A setting in the viewer.
DEFAULT_INACTIVITY_MS = 10_000


def replay_index(session: Session, inactivity_ms: int = DEFAULT_INACTIVITY_MS) -> ReplayIndex:
    a = session.arrays
    return ReplayIndex.build(a.t, a.kind, a.page, a.x, a.y, a.scroll_x, a.scroll_y, a.width, a.height,
                             inactivity_ms=inactivity_ms, duration=session.duration_ms)
