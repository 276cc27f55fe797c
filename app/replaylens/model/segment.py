"""Segments: composable session filters, as plain values (no SQL here).

A ``Segment`` is an AND of filters. ``replaylens.store`` compiles it to parameterised SQL (every user value is a
bound parameter, never SQL text); ``replaylens.analysis.segments`` parses the CLI / search-box syntax
(``KEY=V1,V2``, ``KEY!=V``, ``KEY>=N`` ...) into these values. Segments round-trip through JSON so they can be
saved by name in the library and shared between the CLI and the GUI.

Keys: an attribute name (``campaign``, ``user_type``, ``utm_source``, ``feature/deposit-button`` ...) or one of the
built-in session columns in ``SESSION_COLUMNS`` (``device_class``, ``duration_ms``, ``friction_score`` ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Built-in session summary columns a filter, sort or facet can name (anything else is an attribute key).
SESSION_COLUMNS: dict[str, str] = {
    "session_id": "text", "site": "text", "start": "timestamp", "day": "date", "duration_ms": "int",
    "active_ms": "int", "entry_url": "text", "exit_url": "text", "pages_visited": "int", "page_visits": "int",
    "events": "int", "clicks": "int", "friction_score": "int", "findings_total": "int", "viewport_width": "int",
    "viewport_height": "int", "device_class": "text", "user_id": "text", "source_format": "text",
}

Scalar = str | int | float | bool


@dataclass(frozen=True)
class AttrIn:
    """``key`` equals one of ``values`` (``negate``: equals none of them, or the session lacks the key)."""

    key: str
    values: tuple[Scalar, ...]
    negate: bool = False


@dataclass(frozen=True)
class AttrRange:
    """``low <= key <= high`` (a bound of None is open; ``*_inclusive`` False makes it strict). Numbers or ISO
    dates; sessions without the key, or with a value of another type, do not match."""

    key: str
    low: Scalar | None = None
    high: Scalar | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class VisitedPage:
    """The session visited a page whose URL matches ``pattern`` (a glob: ``*`` and ``?``; a pattern starting
    with ``/`` is matched against the URL's path, anything else against the whole URL)."""

    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class ReachedGoal:
    """The session reached the named goal (``reached`` False: did not reach it)."""

    goal: str
    reached: bool = True


@dataclass(frozen=True)
class HasFinding:
    """The session has at least ``min_count`` findings of ``kind`` (``negate``: has none)."""

    kind: str
    min_count: int = 1
    negate: bool = False


@dataclass(frozen=True)
class DateRange:
    """The session started in ``[start, end)`` (ISO dates or datetimes, UTC; None is open)."""

    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Tagged:
    """The session carries ``tag`` (``negate``: does not)."""

    tag: str
    negate: bool = False


@dataclass(frozen=True)
class TextSearch:
    """``text`` appears (case-insensitive, literally) in a visited URL, a page title or a clicked element's
    label."""

    text: str


Filter = AttrIn | AttrRange | VisitedPage | ReachedGoal | HasFinding | DateRange | Tagged | TextSearch

_TYPES: dict[str, type] = {"attr_in": AttrIn, "attr_range": AttrRange, "visited_page": VisitedPage,
                           "reached_goal": ReachedGoal, "has_finding": HasFinding, "date_range": DateRange,
                           "tagged": Tagged, "text": TextSearch}
_NAMES: dict[type, str] = {v: k for k, v in _TYPES.items()}


@dataclass(frozen=True)
class Segment:
    """An AND of filters; the empty segment matches every session."""

    filters: tuple[Filter, ...] = field(default_factory=tuple)

    def and_(self, *more: Filter) -> Segment:
        return Segment(self.filters + tuple(more))

    def to_json(self) -> dict[str, Any]:
        out = []
        for f in self.filters:
            d: dict[str, Any] = {"type": _NAMES[type(f)]}
            d.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in f.__dict__.items()})
            out.append(d)
        return {"version": 1, "filters": out}

    @staticmethod
    def from_json(obj: Any) -> Segment:
        """Parse what ``to_json`` wrote. Raises ValueError for anything else."""
        if not isinstance(obj, dict) or not isinstance(obj.get("filters"), list):
            raise ValueError("a segment is an object with a 'filters' list")
        filters: list[Filter] = []
        for item in obj["filters"]:
            if not isinstance(item, dict) or item.get("type") not in _TYPES:
                raise ValueError(f"unknown filter {str(item)[:80]!r}")
            cls = _TYPES[item["type"]]
            kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in item.items() if k != "type"}
            try:
                filters.append(cls(**kwargs))
            except TypeError as exc:
                raise ValueError(f"bad {item['type']} filter ({exc})") from None
        return Segment(tuple(filters))


EVERYTHING = Segment()
