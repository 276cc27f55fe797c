"""Friction detectors: pure numpy functions over event columns (see docs/friction.md).

Each detector takes plain arrays (sorted by time, as ``SessionArrays`` holds them) and thresholds as keyword
parameters whose defaults name whose definition they follow, and returns ``Hits`` (event indices per finding).
"""

from replaylens.core.friction._runs import Hits, visit_ids
from replaylens.core.friction.clicks import dead_clicks, error_clicks, no_response_mask, rage_clicks
from replaylens.core.friction.motion import excessive_scrolling, thrashed_cursor
from replaylens.core.friction.navigation import form_abandonment, quick_backs
from replaylens.core.friction.pauses import (
    active_ms,
    first_interaction,
    hesitations,
    hesitations_before_leaving,
    inactive_gaps,
)

__all__ = [
    "Hits",
    "active_ms",
    "dead_clicks",
    "error_clicks",
    "excessive_scrolling",
    "first_interaction",
    "form_abandonment",
    "hesitations",
    "hesitations_before_leaving",
    "inactive_gaps",
    "no_response_mask",
    "quick_backs",
    "rage_clicks",
    "thrashed_cursor",
    "visit_ids",
]
