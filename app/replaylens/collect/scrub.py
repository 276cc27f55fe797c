"""The one place the collector removes card data and secrets from a batch before it is spooled.

It calls the import rules' scrubber, ``replaylens.io.privacy.scrub_rrweb_events(events, memory, keep_values)``,
with the session's ``FieldMemory`` (which fields of the page are secret, learned from earlier batches), and keeps
that memory as JSON in the spool with each batch, so a restart goes on where it stopped. Until that package is in
this build, a stand-in with the same shape removes card numbers (13-19 digits passing the Luhn check) and the
values of input events, so nothing card-like is ever written.
"""

from __future__ import annotations

import importlib
import re
from typing import Any


def _privacy() -> Any:
    """The import rules' scrubber module (docs/privacy.md), or None while this build has none."""
    try:
        return importlib.import_module("replaylens.io.privacy")
    except ImportError:
        return None


_MOD = _privacy()
_FieldMemory: Any = getattr(_MOD, "FieldMemory", None)
_scrub: Any = getattr(_MOD, "scrub_rrweb_events", None)

_DIGITS = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _clean_text(s: str) -> str:
    if len(s) < 13:
        return s

    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return "*" * len(m.group(0)) if 13 <= len(digits) <= 19 and _luhn(digits) else m.group(0)

    return _DIGITS.sub(repl, s)


def _walk(obj: Any) -> Any:
    if isinstance(obj, str):
        return _clean_text(obj)
    if isinstance(obj, list):
        return [_walk(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _walk(v) for k, v in obj.items()}
    return obj


def _stand_in(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ev in events:
        ev = _walk(ev)
        data = ev.get("data")
        if ev.get("type") == 3 and isinstance(data, dict) and data.get("source") == 5 and "text" in data:
            text = data.get("text")
            data["text"] = "*" * len(text) if isinstance(text, str) else ""
        out.append(ev)
    return out


class Scrubber:
    """One session's scrubber: ``scrub(events)`` returns the events to spool; ``memory_json()`` / the
    constructor carry the session's field memory across batches and restarts."""

    def __init__(self, memory_json: str | None = None) -> None:
        self._memory: Any = None
        if _FieldMemory is not None:
            self._memory = _FieldMemory.from_json(memory_json) if memory_json else _FieldMemory()

    def scrub(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if _scrub is None:
            return _stand_in(events)
        result = _scrub(events, self._memory, keep_values=False)
        return list(result[0] if isinstance(result, tuple) else result)

    def memory_json(self) -> str | None:
        return None if self._memory is None else str(self._memory.to_json())
