"""Where a library session's survey answers sit on the replay timeline, and what their tooltips say."""

from __future__ import annotations

from typing import Any

import numpy as np

from replaylens.core.timefmt import fmt_ms

_SOURCES = {"typeform": "Typeform", "surveymonkey": "SurveyMonkey", "posthog": "PostHog", "zigpoll": "Zigpoll",
            "qualaroo": "Qualaroo", "hotjar": "Hotjar", "csv": "CSV"}


def _after(ms: int) -> str:
    m = ms // 60_000
    if m < 1:
        return f"{ms // 1000} s"
    if m < 120:
        return f"{m} min"
    h = m // 60
    return f"{h} h" if h < 48 else f"{h // 24} days"


def answer_marks(library: Any, session_id: str) -> tuple[np.ndarray, list[str], list[str]]:
    """(times in ms from the session start, tooltips, captions): one mark per response at the moment it was
    submitted (clamped to the recording; a later answer sits at the end and says how much later)."""
    rows = library.session_answers(session_id)
    groups: dict[tuple[int | None, str], list[str]] = {}
    short: dict[tuple[int | None, str], list[str]] = {}
    duration = 0
    for t, d, src, q, a in rows:
        duration = d
        groups.setdefault((t, src), []).append(f"{q} → {a}")
        short.setdefault((t, src), []).append(a if len(a) <= 40 else a[:39] + "…")
    times, labels, captions = [], [], []
    for (t, src), lines in groups.items():
        where = _SOURCES.get(src, src)
        if t is None:
            pos, when = duration, "time not given"
        elif t > duration:
            pos, when = duration, f"{_after(t - duration)} after the recording ended"
        else:
            pos, when = max(0, t), f"at {fmt_ms(max(0, t))[:-4]}"
        times.append(float(pos))
        labels.append(f"{where} survey ({when}): " + " · ".join(lines))
        later = f" ({_after(t - duration)} later)" if t is not None and t > duration else ""
        captions.append(f"“{short[(t, src)][0]}”{later}")
    return np.asarray(times, float), labels, captions
