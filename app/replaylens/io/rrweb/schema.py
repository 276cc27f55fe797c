"""The declared shapes of rrweb recordings, validated once at the boundary (msgspec), then trusted.

Each container of docs/rrweb.md and each event shape has a schema here. They declare the fields the importer reads
with the types it relies on (``childNodes`` a list of nodes, ``positions`` a list of points, ``source`` and node ids
whole numbers, PostHog ``distinct_ids`` a list, ...). Real recordings are loose, so every field is optional, unknown
fields are allowed (and kept: validation does not replace the decoded dicts the mapping reads), numbers may be null
and rrweb's attribute values may be text, numbers, ``true`` or null. A file that breaks its schema is refused with
one message naming the JSON path: ``event 12: data.positions should be a list, not a whole number``.

Checked against every recording in the shared data (rrweb, rrweb 0.x, PostHog, Highlight, Sentry fixtures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

import msgspec

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.model.validation import plain

#: Coordinates, sizes, offsets, times: msgspec's float takes JSON integers too, and refuses values beyond float64
#: (a 400-digit "x" would overflow numpy later); node ids are int (64-bit).
Number = float
#: Node ids and enum-like codes: whole numbers within float64's exact range (numpy handles them as such).
Int = Annotated[int, msgspec.Meta(ge=-(2**53), le=2**53)]
Id = Int | None
Scalar = str | int | float | bool | None


class _Loose(msgspec.Struct, forbid_unknown_fields=False, gc=False):
    """Unknown fields allowed; not tracked by the cyclic GC (validation results hold no cycles)."""


# -- the serialised DOM (rrweb-snapshot) -------------------------------------------------------------------------
class Node(_Loose):
    type: Int | None = None
    id: Id = None
    tagName: str | None = None
    attributes: dict[str, Scalar | dict[str, Any] | list[Any]] | None = None
    childNodes: list[Node] | None = None
    textContent: str | None = None
    isStyle: bool | None = None


class Offset(_Loose):
    top: Number | None = None
    left: Number | None = None


# -- incremental data, one struct for every source (fields are shared by name across sources) --------------------
class Position(_Loose):
    x: Number | None = None
    y: Number | None = None
    id: Id = None
    timeOffset: Number | None = 0  # as the mapping reads a missing one (``stream`` takes it from here)


class Add(_Loose):  # a Mutation's added node, or a StyleSheetRule's added rule (no node then)
    parentId: Id = None
    node: Node | None = None


class Change(_Loose):  # Mutation texts / attributes / removes, StyleSheetRule removes
    id: Id = None
    parentId: Id = None


class Range(_Loose):
    start: Id = None
    end: Id = None


class Data(_Loose):
    source: Int | None = None
    # pointer, scroll, input, viewport (1-6, 12)
    positions: list[Position] | None = None
    type: Int | str | None = None  # MouseInteraction / MediaInteraction / CanvasMutation type
    id: Id = None
    x: Number | None = None
    y: Number | None = None
    width: Number | None = None  # ViewportResize and Meta
    height: Number | None = None
    text: str | None = None
    isChecked: bool | None = None
    # Mutation (0), StyleSheetRule (8)
    adds: list[Add] | None = None
    removes: list[Change] | None = None
    texts: list[Change] | None = None
    attributes: list[Change] | None = None
    ranges: list[Range] | None = None  # Selection (14)
    # Meta (4), FullSnapshot (2)
    href: str | None = None
    node: Node | None = None
    initialOffset: Offset | None = None
    # Custom (5), Plugin (6), Log (11): tag/payload are free-form
    plugin: str | None = None


class Event(_Loose):
    type: Int
    timestamp: Number | str | None = None
    data: Union[Data, None] = None  # noqa: UP007 (msgspec reads the annotation at runtime)
    windowId: str | int | None = None  # PostHog
    sessionId: str | int | None = None  # rrweb 0.x


# -- containers --------------------------------------------------------------------------------------------------
class PostHogPerson(_Loose):
    distinct_ids: list[str | int] | None = None
    properties: dict[str, Any] | None = None  # person properties: the library keeps the scalar ones as attributes


class PostHogData(_Loose):
    id: str | int | None = None
    person: PostHogPerson | None = None
    snapshots: list[Any] | None = None
    snapshotsByWindowId: dict[str, list[Any] | None] | None = None


class PostHogExport(_Loose):
    data: PostHogData
    version: str | None = None


class HighlightEvents(_Loose):
    events: list[Any]


class Highlight(_Loose):
    events: HighlightEvents
    session_secure_id: str | int | None = None
    errors: list[Any] | None = None


class ExtensionSession(_Loose):
    id: str | int | None = None
    name: str | None = None


class Extension(_Loose):
    session: ExtensionSession
    events: list[Any]


class EventsObject(_Loose):
    events: list[Any]
    sessionId: str | int | None = None
    id: str | int | None = None


class BareSnapshot(_Loose):
    node: Node
    initialOffset: Offset | None = None


def check(path: Path, obj: Any, schema: Any, where: str) -> Any:
    """Validate ``obj`` against ``schema``; BadInputError naming the file and the JSON path otherwise."""
    try:
        return msgspec.convert(obj, schema)
    except RecursionError:
        raise LimitExceededError(path, f"{where} is nested too deeply to read safely") from None
    except msgspec.ValidationError as exc:
        raise BadInputError(path, f"not a valid rrweb recording: {plain(exc, where)}") from None


_EVENTS = list[Event]


def check_events(path: Path, events: list[dict[str, Any]]) -> None:
    """Validate every event against ``Event`` (the decoded dicts stay what the mapping reads)."""
    try:
        msgspec.convert(events, _EVENTS)
    except RecursionError:
        raise LimitExceededError(path, "an event is nested too deeply to read safely") from None
    except msgspec.ValidationError as exc:
        raise BadInputError(path, f"not a valid rrweb recording: {_event_text(plain(exc, 'the events'))}") from None


def event_problem(path: Path, event: dict[str, Any], index: int) -> str | None:
    """What is wrong with event number ``index`` (``check_events``'s wording), None when it is valid."""
    try:
        msgspec.convert(event, Event)
    except RecursionError:
        raise LimitExceededError(path, "an event is nested too deeply to read safely") from None
    except msgspec.ValidationError as exc:  # its path as in the list of events: `$.data` -> `$[12].data`
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        msg = msg.replace(" - at `$", f" - at `$[{index}]", 1) if " - at `$" in msg else f"{msg} - at `$[{index}]`"
        return _event_text(plain(msgspec.ValidationError(msg), "the events"))
    return None


def _event_text(text: str) -> str:
    """"the events[12].data.positions ..." -> "event 12: data.positions ..."."""
    if text.startswith("the events["):
        idx, _, rest = text[len("the events["):].partition("]")
        text = f"event {idx}: {rest.lstrip('.')}"
    return text
