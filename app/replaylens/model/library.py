"""Value types of the session library (see docs/library.md): goals, saved segments, facets, notes, and the
record an ingest worker hands to the library writer. No SQL and no I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from replaylens.core.heat_cells import CellRows
from replaylens.model.segment import Segment

#: Device class from the viewport width in CSS px (documented in docs/library.md).
DESKTOP_MIN_WIDTH = 1024
TABLET_MIN_WIDTH = 600

GoalKind = Literal["page", "event", "click"]
AttrType = Literal["int", "float", "bool", "date", "text"]

_NAME_RE = re.compile(r"^[^\x00-\x1f]{1,120}$")


def device_class(viewport_width: int) -> str:
    """``desktop`` (>= 1024 CSS px), ``tablet`` (600-1023), ``mobile`` (< 600); ``unknown`` for 0."""
    if viewport_width <= 0:
        return "unknown"
    if viewport_width >= DESKTOP_MIN_WIDTH:
        return "desktop"
    return "tablet" if viewport_width >= TABLET_MIN_WIDTH else "mobile"


def valid_name(name: str) -> bool:
    """Goal, segment and tag names: 1-120 characters, no control characters."""
    return bool(_NAME_RE.match(name)) and name.strip() == name


@dataclass(frozen=True)
class Goal:
    """A named conversion rule. ``page``: visited a URL matching ``pattern`` (glob, ``/...`` matches the path);
    ``event``: a custom event whose tag (or PostHog event name) equals ``pattern``; ``click``: a click on an
    element whose label contains ``pattern`` (case-insensitive)."""

    name: str
    kind: GoalKind
    pattern: str


@dataclass(frozen=True)
class SavedSegment:
    name: str
    segment: Segment


@dataclass(frozen=True)
class AttributeKey:
    """An attribute seen in the library: its inferred type (the narrowest that fits every value), how many
    sessions carry it and where it came from (``manifest``, ``posthog``, ``url``, ``flag``, ``file``, ``device``)."""

    name: str
    type: AttrType
    sessions: int
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Note:
    session_id: str
    text: str
    created_ms: int  # epoch ms


@dataclass(frozen=True)
class SessionSource:
    """Where a library session came from: the file recorded at ingest (may have moved since) and its digest."""

    session_id: str
    path: str
    sha256: str
    size: int
    mtime_ns: int
    format: str


@dataclass(frozen=True)
class PageRecord:
    index: int
    url: str
    title: str
    width: int
    height: int
    screen: str | None  # content hash + extension of the screenshot in screens/, e.g. "ab12....png"
    first_ms: int | None  # first time the page was shown, ms from session start (None: never shown)


@dataclass
class SessionRecord:
    """Everything the writer commits for one session (built by an ingest worker, picklable).

    ``events`` is a pyarrow Table with the canonical event columns plus ``i`` (row index), already repaired and
    sorted by the one-session store; ``summary`` holds the columns of the catalogue's ``sessions`` table;
    ``findings`` counts per finding kind; ``attributes`` maps key -> (raw text value, source)."""

    session_id: str
    sha256: str
    site: str
    start_epoch_ms: int
    summary: dict[str, Any]
    findings: dict[str, int]
    attributes: dict[str, tuple[str, str]]
    pages: list[PageRecord]
    labels: list[str]  # distinct clicked element labels (for text search and click goals)
    identities: list[str]  # user ids (PostHog distinct_ids, manifest user_id)
    source: SessionSource
    events: Any = field(repr=False, default=None)  # pyarrow.Table
    warnings: list[str] = field(default_factory=list)
    cells: CellRows | None = field(repr=False, default=None)  # the heat cell rows (None: the writer derives them)
