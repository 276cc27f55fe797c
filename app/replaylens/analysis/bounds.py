"""Range bounds of a filter (``KEY>=N``, ``date<YYYY-MM-DD``) checked when the filter is parsed, so a bad bound is a
usage error before any query runs: a finite number of at most ``MAX_NUMBER_CHARS`` characters
(``12``, ``-3.5``, ``1e6``), or a real ISO date or date-time (``2026-11-01``, ``2026-11-01T08:30:00Z``)."""

from __future__ import annotations

import datetime as dt
import math
import re

MAX_NUMBER_CHARS = 40
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?Z?$")
#: Keys whose bounds must be dates (``date`` filters compare the session start).
DATE_KEYS = frozenset({"date", "start", "day"})


def is_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        dt.datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        return False
    return True


def bound_problem(key: str, value: str) -> str | None:
    """Why ``value`` cannot bound ``key`` (None: it can)."""
    text = value.strip()
    if key.lower() in DATE_KEYS:
        return None if is_date(text) else f"{text[:40]!r} is not a date (YYYY-MM-DD, a real day)"
    if _NUMBER.match(text):
        if len(text) > MAX_NUMBER_CHARS:
            return f"the number {text[:20]}… is too long (at most {MAX_NUMBER_CHARS} characters)"
        return None if math.isfinite(float(text)) else f"{text[:40]!r} is out of range"
    if is_date(text):
        return None
    if _DATE.match(text):
        return f"{text[:40]!r} is not a real date"
    return f"a range bound must be a finite number or an ISO date, not {text[:40]!r}"
