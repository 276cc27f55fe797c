"""Read a top-level JSON array of rrweb events one item at a time (the common case: a bare array or a JS file).

``json.loads`` of a whole recording builds a Python object for every value in it; pointer batches (most events of a
long recording) then become a dict per position that is thrown away by the mapping. Here the array is first split
into its items without decoding them (``msgspec.Raw``: byte ranges of the file's buffer, no copies), then each item
is decoded once into the typed ``schema.Event`` (which validates it):

* a pointer batch (MouseMove / TouchMove / Drag, incremental sources 1, 6, 12) has its positions put into flat
  ``PackedMoves`` arrays; the event itself becomes a small dict without positions (the mapping adds the position
  rows in bulk, see ``columns.Rows.extend``);
* any other valid event is decoded to a plain dict (what the mapping reads), not validated a second time;
* an invalid item, or one to unpack (PostHog ``cv``), is decoded to plain dicts and validated as before
  (``schema.check_events``'s messages).

Anything unusual (invalid UTF-8, numbers beyond float64, nesting past the decoder's depth) raises ``Fallback``: the
caller then reads the file the whole-tree way, which reports the problem with the exact message it always has.
"""

from __future__ import annotations

from itertools import chain
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np

from replaylens.io.rrweb import schema as S

#: Incremental sources whose ``positions`` become rows: MouseMove, TouchMove, Drag.
MOVE_SOURCES = (1, 6, 12)
_FLUSH = 65_536  # positions buffered (as flat Python numbers) before they are packed into arrays
_XYIT = attrgetter("x", "y", "id", "timeOffset")


class Fallback(Exception):
    """This file needs the whole-tree reader (it reports the problem the usual way)."""


class _Event(S.Event):
    """``schema.Event`` (the same validation) telling an absent field from a null one, and PostHog's ``cv``."""

    timestamp: S.Number | str | msgspec.UnsetType | None = msgspec.UNSET  # type: ignore[assignment]  # UNSET: absent
    windowId: str | int | msgspec.UnsetType | None = msgspec.UNSET  # type: ignore[assignment]  # UNSET: absent
    sessionId: str | int | msgspec.UnsetType | None = msgspec.UNSET  # type: ignore[assignment]  # UNSET: absent
    cv: Any = msgspec.UNSET


_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
_EVENT = msgspec.json.Decoder(_Event)
_ANY = msgspec.json.Decoder()
#: One shared ``data`` dict per pointer source: the mapping reads only ``source`` from a packed batch.
_MOVE_DATA = {src: {"source": src} for src in MOVE_SOURCES}


class PackedMoves:
    """The positions of the packed pointer batches, flat: event index, source, x, y, node id, timeOffset."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pend: list[Any] = []  # x, y, id, timeOffset of each position, flat (one list, no tuple per position)
        self._pend_ev: list[int] = []  # per batch: event index, source, number of positions
        self._pend_src: list[int] = []
        self._pend_k: list[int] = []
        self.n = 0

    def add(self, ev: int, src: int, positions: list[S.Position]) -> None:
        self._pend.extend(chain.from_iterable(map(_XYIT, positions)))
        k = len(positions)
        self._pend_ev.append(ev)
        self._pend_src.append(src)
        self._pend_k.append(k)
        self.n += k
        if len(self._pend) >= 4 * _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pend:
            vals = np.array(self._pend, dtype=np.float64).reshape(-1, 4)  # None (JSON null) -> NaN
            k = np.array(self._pend_k, dtype=np.int64)
            self._chunks.append((np.repeat(np.array(self._pend_ev, dtype=np.int64), k),
                                 np.repeat(np.array(self._pend_src, dtype=np.int8), k), vals))
            self._pend, self._pend_ev, self._pend_src, self._pend_k = [], [], [], []

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(event index, source, values[n, 4] = x, y, id, timeOffset) of every packed position, in file order."""
        self._flush()
        if not self._chunks:
            return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros((0, 4))
        if len(self._chunks) > 1:
            parts = list(zip(*self._chunks, strict=True))
            self._chunks = [(np.concatenate(parts[0]), np.concatenate(parts[1]), np.concatenate(parts[2]))]
        return self._chunks[0]

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]


def split_items(body: bytes | memoryview) -> list[msgspec.Raw]:
    """The items of a top-level JSON array, undecoded. Syntax errors and deep nesting raise ``Fallback``."""
    try:
        return _ITEMS.decode(body)
    except (msgspec.MsgspecError, RecursionError):
        raise Fallback from None


def decode_any(raw: msgspec.Raw) -> Any:
    """One item as plain Python objects (what ``json.loads`` gives)."""
    try:
        return _ANY.decode(raw)
    except (msgspec.MsgspecError, RecursionError):
        raise Fallback from None


def packed_move(raw: msgspec.Raw, index: int, moves: PackedMoves) -> tuple[dict[str, Any] | None, bool]:
    """(event, checked) of one item, decoded once into the typed event (which validates it): a valid pointer batch
    comes back as a small event dict, its positions appended to ``moves``; any other item as None, with ``checked``
    True when it is a valid event as it stands (a JSON object without PostHog's ``cv``: nothing to unpack), False
    when the caller must decode and validate it the usual way (for the usual message or the unpacking)."""
    try:
        ev = _EVENT.decode(raw)
    except msgspec.ValidationError:
        return None, False  # not an object, or not a valid event: the usual path decides and says why
    except (msgspec.MsgspecError, RecursionError):
        raise Fallback from None
    if ev.cv is not msgspec.UNSET:
        return None, False
    data = ev.data
    if ev.type != 3 or data is None or data.source not in MOVE_SOURCES:
        return None, True
    src = data.source
    if data.positions:
        moves.add(index, src, data.positions)
    out: dict[str, Any] = {"type": 3, "data": _MOVE_DATA[src]}
    if ev.timestamp is not msgspec.UNSET:
        out["timestamp"] = ev.timestamp
    if ev.windowId is not msgspec.UNSET:
        out["windowId"] = ev.windowId
    if ev.sessionId is not msgspec.UNSET:
        out["sessionId"] = ev.sessionId
    return out, True
