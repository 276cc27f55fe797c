"""How many Python objects a recording's JSON may become, bounded before anything is decoded.

A JSON node costs far more as a Python object than as text: ``[],`` is 3 bytes and a 64-byte list; ``{"a":[]},`` is
9 bytes and ~250 bytes of dict and list. A file of nothing but such nodes (a 37 MB recording with one deeply nested
custom event) would take ~50 bytes of memory per byte of JSON, against the ~5 of a real recording. So before a file
is parsed, and before each large item of an event array is decoded, its nodes are counted from the raw bytes (C
speed, ~30 ms for 37 MB; an upper bound, since commas and brackets inside strings count too):

    nodes       = commas + '[' + '{' + 1         (every value is first in its container or follows a comma)
    containers  = '[' + '{'

Limits (docs/rrweb.md, "Limits"): the whole file at most ``MAX_NODE_SHARE`` nodes and ``MAX_CONTAINER_SHARE``
containers per byte (beyond a floor of ``FLOOR_NODES``); any single JSON value (an event, a custom event's payload
included, a packed or ``cv`` item, an NDJSON line) at most ``MAX_VALUE_NODES`` nodes and ``MAX_VALUE_BYTES`` bytes.
Real recordings have one node per 10-33 bytes and one container per 30-84 bytes.
"""

from __future__ import annotations

from pathlib import Path

from replaylens.errors import LimitExceededError
from replaylens.io.limits import MiB

MAX_NODE_SHARE = 1 / 3  # nodes per byte of JSON, whole file
MAX_CONTAINER_SHARE = 1 / 8  # lists and objects per byte of JSON, whole file
FLOOR_NODES = 1_000_000  # a file may always hold this many (small files are never refused by share)
MAX_VALUE_NODES = 8_000_000  # one JSON value (a real 30 MB DOM snapshot has ~3 M)
MAX_VALUE_BYTES = 256 * MiB
CHECK_VALUE_FROM = 256 * 1024  # items shorter than this cannot exceed the per-value node limit by much


def counts(data: str | bytes | bytearray | memoryview) -> tuple[int, int]:
    """(nodes, containers), upper bounds, of a JSON text."""
    if isinstance(data, str):
        containers = data.count("[") + data.count("{")
        return data.count(",") + containers + 1, containers
    raw = data if isinstance(data, bytes | bytearray) else bytes(data)
    containers = raw.count(b"[") + raw.count(b"{")
    return raw.count(b",") + containers + 1, containers


def check_file(path: Path, data: str | bytes | bytearray | memoryview) -> None:
    """Refuse a file whose JSON holds too many nodes or containers for its size (before it is parsed)."""
    nodes, containers = counts(data)
    size = len(data)
    if nodes > FLOOR_NODES + MAX_NODE_SHARE * size:
        raise LimitExceededError(path, f"the JSON holds about {nodes:,} values in {size / MiB:,.1f} MiB, more than "
                                       f"one per {1 / MAX_NODE_SHARE:.0f} bytes (the limit; real recordings have one "
                                       "per 10-33 bytes)")
    if containers > FLOOR_NODES + MAX_CONTAINER_SHARE * size:
        raise LimitExceededError(path, f"the JSON holds about {containers:,} lists and objects in "
                                       f"{size / MiB:,.1f} MiB, more than one per {1 / MAX_CONTAINER_SHARE:.0f} "
                                       "bytes (the limit; real recordings have one per 30-84 bytes)")


def check_value(path: Path, raw: bytes | bytearray | memoryview, where: str) -> None:
    """Refuse one JSON value (``where``: "event 12") over the per-value limits, before it is decoded."""
    size = len(raw)
    if size < CHECK_VALUE_FROM:
        return
    if size > MAX_VALUE_BYTES:
        raise LimitExceededError(path, f"{where} is {size / MiB:,.0f} MiB of JSON, over the "
                                       f"{MAX_VALUE_BYTES // MiB} MiB limit for one value")
    nodes, _ = counts(raw)
    if nodes > MAX_VALUE_NODES:
        raise LimitExceededError(path, f"{where} holds about {nodes:,} JSON values, over the limit of "
                                       f"{MAX_VALUE_NODES:,} for one value")
