"""Time as people read it in this product: mm:ss.mmm (h:mm:ss.mmm past an hour)."""

from __future__ import annotations

import re


def fmt_ms(ms: float) -> str:
    ms = int(round(ms))
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{sign}{h}:{m:02d}:{s:02d}.{milli:03d}" if h else f"{sign}{m:02d}:{s:02d}.{milli:03d}"


def fmt_duration(ms: float) -> str:
    """A length of time as people say it: m:ss ("1:34"), h:mm:ss past an hour, rounded to the second."""
    total = int(round(abs(ms) / 1000))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$")


#: The longest time accepted (ten years of seconds): beyond this it is not a recording's time.
MAX_SECONDS = 10 * 366 * 86_400


def parse_time(text: str) -> int:
    """Seconds ("12.5") or mm:ss.mmm / h:mm:ss.mmm to ms. Raises ValueError with a readable message."""
    text = text.strip()
    m = _CLOCK.match(text)
    try:
        if m:
            if len(text) > 40:
                raise ValueError(text)
            value = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        else:
            value = float(text)
    except (ValueError, OverflowError):
        value = float("nan")
    if value != value or value < 0 or value > MAX_SECONDS:
        raise ValueError(f"{text[:40]!r} is not a time (use seconds like 12.5 or mm:ss.mmm, at most "
                         f"{MAX_SECONDS:,} s)")
    return int(round(value * 1000))
