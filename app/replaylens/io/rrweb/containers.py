"""Find the rrweb events inside whatever a recorder or an export wrapped them in.

Recordings reach analysts in many containers (see docs/rrweb.md): a bare array, ``{"events": [...]}``, the rrweb
extension's ``{"session": ..., "events": [...]}``, Highlight's ``{"events": {"events": [...]}}``, PostHog exports
(``2023-04-28``: ``data.snapshots`` with a ``windowId`` per event; ``2022-12-02``: ``data.snapshotsByWindowId``),
``@rrweb/packer`` strings (a zlib stream stored as latin-1), PostHog's ``cv: "2024-10"`` gzip'd event data, NDJSON,
gzip or zlib files, a JS file (``const events = [...]``) and a bare FullSnapshot ``{"initialOffset", "node"}``.
Everything is recognised by content, never by the file name. Every limit breach is one ``BadInputError``.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from replaylens.errors import BadInputError, LimitExceededError, UnsupportedVersionError
from replaylens.io.limits import MiB
from replaylens.io.regular import check_regular, open_regular
from replaylens.io.rrweb import budget, stream
from replaylens.io.rrweb import schema as S
from replaylens.io.rrweb.gc_pause import gc_paused
from replaylens.model.validation import plain

#: On-disk size of a recording file (compressed or not). A top-level event array (bare or in a JS file) is read
#: item by item: ~5 bytes of RAM per byte of JSON at most, below ``json.loads`` of the same file (docs/rrweb.md).
MAX_FILE_BYTES = 1024 * MiB
#: Decompressed JSON text (gzip/zlib files): streamed with this cap, so a bomb stops here.
MAX_JSON_BYTES = 1024 * MiB
#: JSON text the whole-tree reader may build (object containers, NDJSON, or an array with a problem only it
#: reports): ~12 bytes of RAM per byte, so it keeps the former limit.
MAX_TREE_BYTES = 512 * MiB
#: One packed (``@rrweb/packer`` / PostHog ``cv``) item, decompressed.
MAX_PACKED_BYTES = 256 * MiB
#: Events in one recording (after unpacking).
MAX_EVENTS = 10_000_000
#: PostHog export versions this build reads.
POSTHOG_VERSIONS = ("2022-12-02", "2023-04-28")

_WS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_LEADING_WS = re.compile(rb"[ \t\r\n]*")
_EVENT_RE = re.compile(rb'"type"\s*:\s*[0-7]\s*[,}]')
_PACKED_RE = re.compile(rb'^\[\s*"x(\\u00[0-9a-fA-F]{2}|\\u0001|\^|\xc2|\xc3|\\")')
_JS_RE = re.compile(rb"^(?:\s|//[^\n]*\n|/\*.*?\*/)*(?:(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*=|"
                    rb"export\s+default|module\.exports\s*=|window\.[\w$]+\s*=)\s*\[", re.S)


@dataclass
class Unwrapped:
    """The plain event dicts of one file, in file order, and what the container said about them."""

    events: list[dict[str, Any]]
    container: str  # "array", "events-object", "extension", "highlight", "posthog-2023-04-28", ...
    windows: list[str] | None = None  # window/tab id per event (None: one window)
    session_id: str | None = None
    compression: str = ""  # "gzip", "zlib" or ""
    packed: int = 0  # packed items that were unpacked
    dropped: int = 0  # items that are not events
    extra: dict[str, Any] = field(default_factory=dict)
    moves: stream.PackedMoves | None = None  # positions of pointer batches read item by item (``stream``)
    validated: bool = False  # every event already checked against ``schema.Event``


# -- sniffing ------------------------------------------------------------------------------------------------------

def _inflate_head(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(47).decompress(head, 8192)  # 47: gzip or zlib header, auto-detected
    except zlib.error:
        return b""


def sniff(path: Path, head: bytes) -> bool:
    """True when the first bytes look like an rrweb recording in any container we read."""
    if head[:2] == b"\x1f\x8b" or (head[:1] == b"x" and head[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda")):
        head = _inflate_head(head)
    text = head.lstrip(_WS)
    text = text[3:].lstrip(_WS) if text.startswith(_BOM) else text
    if not text:
        return False
    if text[:1] not in (b"[", b"{"):
        m = _JS_RE.match(text)
        if not m:
            return False
        text = text[m.end() - 1:]
    if _PACKED_RE.match(text):
        return True
    if b'"snapshotsByWindowId"' in text or (b'"snapshots"' in text and b'"data"' in text):
        return True
    if _EVENT_RE.search(text) and (b'"timestamp"' in text or b'"data"' in text):
        return True
    return b'"initialOffset"' in text and b'"node"' in text and b'"childNodes"' in text


# -- reading bytes -------------------------------------------------------------------------------------------------

def read_bytes(path: Path) -> tuple[bytes, str]:
    """The file's JSON text as bytes (decompressed with a cap) and the compression found."""
    try:
        size = check_regular(path).st_size  # never a device, a FIFO or a folder
        if size > MAX_FILE_BYTES:
            raise LimitExceededError(path, f"the recording is {size / MiB:,.0f} MiB, over the "
                                           f"{MAX_FILE_BYTES // MiB} MiB limit for rrweb files")
        with open_regular(path) as buffered, open(buffered.fileno(), "rb", buffering=0, closefd=False) as fh:
            # unbuffered: readall() fills one bytes of the file's size
            magic = fh.read(2)
            fh.seek(0)
            if magic == b"\x1f\x8b":
                try:
                    with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                        data = _read_capped(gz, MAX_JSON_BYTES + 1)
                except (OSError, EOFError, zlib.error) as exc:
                    raise BadInputError(path, f"the gzip stream is corrupt or truncated ({exc})") from None
                _check_inflated(path, data)
                return data, "gzip"
            raw = fh.readall()
    except FileNotFoundError:
        raise BadInputError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise BadInputError(path, "this is a folder, not a recording") from None
    except PermissionError:
        raise BadInputError(path, "the file cannot be read (permission denied)") from None
    if raw[:1] == b"x" and raw[1:2] in (b"\x01", b"\x5e", b"\x9c", b"\xda"):
        dec = zlib.decompressobj()
        try:
            data = dec.decompress(raw, MAX_JSON_BYTES + 1)
        except zlib.error as exc:
            raise BadInputError(path, f"the zlib stream is corrupt ({exc})") from None
        _check_inflated(path, data)
        return data, "zlib"
    return raw, ""


def _read_capped(stream: gzip.GzipFile, cap: int) -> bytes:
    """Up to ``cap`` bytes, read 16 MiB at a time: ``read(cap)`` would reserve ``cap`` bytes at once (a gigabyte of
    address space for a one-kilobyte file)."""
    chunks: list[bytes] = []
    total = 0
    while total < cap and (chunk := stream.read(min(16 * MiB, cap - total))):
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _check_inflated(path: Path, data: bytes) -> None:
    if len(data) > MAX_JSON_BYTES:
        raise LimitExceededError(path, f"the recording expands to more than {MAX_JSON_BYTES // MiB} MiB of JSON "
                                       "(a decompression bomb?); that is the limit")


def _check_tree(path: Path, data: bytes) -> None:
    if len(data) > MAX_TREE_BYTES:
        raise LimitExceededError(path, f"the recording is {len(data) / MiB:,.0f} MiB of JSON: over "
                                       f"{MAX_TREE_BYTES // MiB} MiB only a plain array of events (or a JS file "
                                       "around one) is read, and this file is another container or has a problem "
                                       "that needs the whole file read; that is the limit")


def parse_json(path: Path, data: bytes) -> tuple[Any, str]:
    """Parse the text once: JSON, a JS wrapper around an array, or NDJSON. Returns (object, syntax)."""
    body = data[3:] if data.startswith(_BOM) else data
    stripped = body.lstrip(_WS)
    syntax = "json"
    if stripped[:1] not in (b"[", b"{"):
        m = _JS_RE.match(stripped)
        if not m:
            raise BadInputError(path, "not an rrweb recording: the file is neither JSON nor NDJSON")
        end = stripped.rfind(b"]")
        body, syntax = stripped[m.end() - 1:end + 1], "js"
    try:
        return _decode(body), syntax
    except RecursionError:
        raise LimitExceededError(path, "the JSON is nested too deeply to read safely") from None
    except msgspec.ValidationError:  # numbers beyond what Python converts (over 4,300 digits)
        raise LimitExceededError(path, "the JSON holds a number too long to read safely (over 4,300 digits)"
                                 ) from None
    except msgspec.DecodeError as exc:
        if "trailing characters" in str(exc) and stripped[:1] == b"{":
            return _ndjson(path, body), "ndjson"
        raise BadInputError(path, f"the JSON is invalid or truncated ({_where(body, exc)})") from None


def _decode(data: bytes) -> Any:
    """msgspec's JSON decoder: about twice as fast as ``json.loads``, and strict (no NaN, valid UTF-8 only)."""
    return msgspec.json.decode(data)


def _where(body: bytes, exc: msgspec.DecodeError) -> str:
    """msgspec says 'JSON is malformed: <what> (byte N)'; add the line and column like json.loads did."""
    msg = str(exc).removeprefix("JSON is malformed: ")
    m = re.search(r"\(byte (\d+)\)$", msg)
    if not m:
        return msg
    pos = int(m.group(1))
    line = body.count(b"\n", 0, pos) + 1
    col = pos - (body.rfind(b"\n", 0, pos) + 1) + 1
    return f"{msg[:m.start()].strip()} at line {line}, column {col}"


def _ndjson(path: Path, body: bytes) -> list[Any]:
    out: list[Any] = []
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(_decode(line))
        except RecursionError:
            raise LimitExceededError(path, f"line {n} is nested too deeply to read safely") from None
        except msgspec.ValidationError:
            raise LimitExceededError(path, f"NDJSON line {n} holds a number too long to read safely") from None
        except msgspec.DecodeError as exc:
            raise BadInputError(path, f"NDJSON line {n} is not valid JSON ({_where(line, exc)})") from None
    return out


# -- unwrapping ----------------------------------------------------------------------------------------------------

def _inflate_str(s: str) -> Any:
    """Decode a packed string: zlib or gzip stream whose bytes are stored as latin-1 characters."""
    dec = zlib.decompressobj(47)
    raw = dec.decompress(s.encode("latin-1"), MAX_PACKED_BYTES + 1)
    if len(raw) > MAX_PACKED_BYTES:
        raise ValueError(f"a packed event expands beyond {MAX_PACKED_BYTES // MiB} MiB")
    try:
        return _decode(raw)
    except msgspec.MsgspecError as exc:
        raise ValueError(plain(exc)) from None


def _is_event(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("type"), int) and not isinstance(obj.get("type"), bool)


def _posthog_cv(ev: dict[str, Any]) -> dict[str, Any]:
    """PostHog ``cv: "2024-10"``: FullSnapshot data, or some Mutation/StyleSheetRule fields, gzip'd to latin-1."""
    data = ev.get("data")
    if isinstance(data, str):
        return {**ev, "data": _inflate_str(data)}
    if isinstance(data, dict):
        fixed = {k: _inflate_str(v) if isinstance(v, str) and k in ("texts", "attributes", "removes", "adds") else v
                 for k, v in data.items()}
        return {**ev, "data": fixed}
    return ev


def _clean_events(path: Path, items: list[Any], out: Unwrapped, windows: list[str] | None,
                  window: str | None) -> None:
    """Append the events of ``items`` to ``out`` (unpacking packed strings), each tagged with its window."""
    events = out.events
    for item in items:
        if isinstance(item, str):
            try:
                item = _inflate_str(item)
            except (ValueError, zlib.error, UnicodeEncodeError, RecursionError) as exc:
                raise BadInputError(path, f"a packed event cannot be unpacked ({exc})") from None
            out.packed += 1
        if isinstance(item, dict) and "cv" in item:
            try:
                item = _posthog_cv(item)
            except (ValueError, zlib.error, UnicodeEncodeError, RecursionError) as exc:
                raise BadInputError(path, f"a compressed PostHog event cannot be unpacked ({exc})") from None
        if not _is_event(item):
            out.dropped += 1
            continue
        events.append(item)
        if windows is not None:
            wid = item.get("windowId", window)
            windows.append(str(wid) if wid is not None else "")
        if len(events) > MAX_EVENTS:
            raise LimitExceededError(path, f"the recording holds more than {MAX_EVENTS:,} events, the limit")


def unwrap(path: Path, obj: Any, syntax: str = "json") -> Unwrapped:
    """Find the events in a parsed file; raise BadInputError saying what was found when there are none."""
    if syntax == "ndjson":
        out = Unwrapped([], "ndjson")
        for line in obj:
            sub = unwrap(path, line) if not _is_event(line) else None
            if sub is None:
                _clean_events(path, [line], out, None, None)
            else:
                out.events.extend(sub.events)
                out.session_id = out.session_id or sub.session_id
        return _finish(path, out)
    if isinstance(obj, list):
        out = Unwrapped([], "js" if syntax == "js" else "array")
        _clean_events(path, obj, out, None, None)
        return _finish(path, out)
    if not isinstance(obj, dict):
        raise BadInputError(path, f"not an rrweb recording: the JSON is a {type(obj).__name__}, not a list of events")
    if _is_event(obj):
        out = Unwrapped([], "single-event")
        _clean_events(path, [obj], out, None, None)
        return _finish(path, out)
    if isinstance(obj.get("node"), dict) and "childNodes" in obj["node"]:
        # a bare FullSnapshot (Highlight's capacitor sample): one snapshot event, time unknown
        S.check(path, obj, S.BareSnapshot, "the snapshot")
        return _finish(path, Unwrapped([{"type": 2, "data": obj}], "snapshot-only"))
    data = obj.get("data")
    if isinstance(data, dict) and ("snapshots" in data or "snapshotsByWindowId" in data):
        return _finish(path, _posthog(path, obj, data))
    if isinstance(obj.get("snapshots"), list):
        out = Unwrapped([], "posthog-snapshots", windows=[])
        _clean_events(path, obj["snapshots"], out, out.windows, None)
        return _finish(path, out)
    events = obj.get("events")
    if isinstance(events, dict) and "events" in events:
        hl = S.check(path, obj, S.Highlight, "the Highlight payload")
        out = Unwrapped([], "highlight", session_id=_str_or_none(hl.session_secure_id))
        _clean_events(path, hl.events.events, out, None, None)
        if hl.errors is not None:
            out.extra["errors"] = hl.errors
        return _finish(path, out)
    if isinstance(events, list):
        if "session" in obj:
            ext = S.check(path, obj, S.Extension, "the recording")
            out = Unwrapped([], "extension", session_id=_str_or_none(ext.session.id))
            if ext.session.name is not None:
                out.extra["name"] = ext.session.name[:200]
        else:
            eo = S.check(path, obj, S.EventsObject, "the recording")
            out = Unwrapped([], "events-object", session_id=_str_or_none(eo.sessionId or eo.id))
        _clean_events(path, events, out, None, None)
        return _finish(path, out)
    lists = [k for k, v in obj.items() if isinstance(v, list) and v and all(_is_event(e) for e in v[:3])]
    if len(lists) > 1:
        raise BadInputError(path, f"the file holds {len(lists)} separate event lists under names like "
                                  f"{lists[0][:60]!r}, not one recording (a test snapshot file?)")
    keys = ", ".join(list(map(str, obj))[:6])
    raise BadInputError(path, f"not an rrweb recording: a JSON object without an event list (keys: {keys})")


def _posthog(path: Path, obj: dict[str, Any], data: dict[str, Any]) -> Unwrapped:
    version = str(obj.get("version") or "")[:40]
    by_window = data.get("snapshotsByWindowId")
    snaps = data.get("snapshots")
    if version and version not in POSTHOG_VERSIONS and not isinstance(by_window, dict) and \
            not isinstance(snaps, list):
        raise UnsupportedVersionError(path, f"PostHog export version {version} is not supported "
                                            f"(this build reads {', '.join(POSTHOG_VERSIONS)})")
    ph = S.check(path, obj, S.PostHogExport, "the PostHog export").data
    out = Unwrapped([], f"posthog-{version or 'export'}", windows=[], session_id=_str_or_none(ph.id))
    if ph.person is not None and ph.person.distinct_ids:
        out.extra["person"] = str(ph.person.distinct_ids[0])[:200]
        out.extra["distinct_ids"] = [str(i)[:200] for i in ph.person.distinct_ids[:20]]
    if ph.person is not None and ph.person.properties:  # passed on for the library's attributes (scalars, capped)
        out.extra["person_properties"] = {str(k)[:120]: v if isinstance(v, bool | int | float) else str(v)[:1000]
                                          for k, v in list(ph.person.properties.items())[:200]
                                          if isinstance(v, str | bool | int | float)}
    if ph.snapshotsByWindowId is not None:
        for wid, items in ph.snapshotsByWindowId.items():
            if items is not None:
                _clean_events(path, items, out, out.windows, wid)
    elif ph.snapshots is not None:
        _clean_events(path, ph.snapshots, out, out.windows, None)
    else:
        raise BadInputError(path, "the PostHog export has no snapshots list")
    return out


def _str_or_none(v: Any) -> str | None:
    return str(v)[:200] if isinstance(v, str | int) and not isinstance(v, bool) and str(v) else None


def _finish(path: Path, out: Unwrapped) -> Unwrapped:
    if not out.events:
        what = f" ({out.dropped} items that are not rrweb events)" if out.dropped else ""
        raise BadInputError(path, f"the recording holds no rrweb events{what}")
    # rrweb 0.x put a sessionId on every event; several ids mean several sessions in one file
    if out.windows is None and "sessionId" in out.events[0]:
        ids = [str(e.get("sessionId", "")) for e in out.events]
        out.session_id = out.session_id or ids[0] or None
        if len(set(ids)) > 1:
            out.windows = ids
        out.container += " (rrweb 0.x)"
    if out.windows is not None and len(set(out.windows)) <= 1:
        out.windows = None
    return out


def load(path: Path) -> Unwrapped:
    """Read, decompress, parse and unwrap one file."""
    data, compression = read_bytes(path)
    budget.check_file(path, data)  # no parse of a file that would become far more objects than bytes
    with gc_paused():  # nested in the reader's pause when called from it
        out = _load_array(path, data)
        if out is None:
            _check_tree(path, data)
            obj, syntax = parse_json(path, data)
            del data
            out = unwrap(path, obj, syntax)
            del obj
        if not out.validated:
            S.check_events(path, out.events)  # the declared event shapes; the mapping trusts them from here
    out.compression = compression
    return out


def _array_body(data: bytes) -> tuple[memoryview, str] | None:
    """The top-level array of a bare-array or JS file as a view of ``data`` (no copy); None for other files."""
    pos = 3 if data.startswith(_BOM) else 0
    pos = _LEADING_WS.match(data, pos).end()  # type: ignore[union-attr]  # always matches
    if data[pos:pos + 1] == b"[":
        return memoryview(data)[pos:], "json"
    m = _JS_RE.match(data, pos)
    if not m:
        return None
    return memoryview(data)[m.end() - 1:data.rfind(b"]") + 1], "js"


def _load_array(path: Path, data: bytes) -> Unwrapped | None:
    """A top-level array read item by item (``stream``); None when the whole-tree reader must read the file
    (another container, or a problem it reports with its usual message)."""
    found = _array_body(data)
    if found is None:
        return None
    body, syntax = found
    try:
        items = stream.split_items(body)
        out = Unwrapped([], "js" if syntax == "js" else "array", moves=stream.PackedMoves(), validated=True)
        problem = _read_items(path, items, out)
    except stream.Fallback:
        return None
    del items, body
    _finish(path, out)
    if problem:
        raise BadInputError(path, f"not a valid rrweb recording: {problem}")
    return out


def _read_items(path: Path, items: list[msgspec.Raw], out: Unwrapped) -> str | None:
    """Append the events of ``items`` to ``out``, validated; the first invalid event's problem (raised by the
    caller after the container's own checks, as the whole-tree reader does)."""
    events, moves = out.events, out.moves
    assert moves is not None
    problem: str | None = None
    for k, raw in enumerate(items):
        if len(raw) >= budget.CHECK_VALUE_FROM:  # one huge or node-dense value: refused undecoded
            budget.check_value(path, memoryview(raw), f"event {k}")
        ev, checked = stream.packed_move(raw, len(events), moves)
        if ev is None and checked:
            ev = stream.decode_any(raw)  # a valid event object as it stands (what _clean_events would keep)
        if ev is not None:
            events.append(ev)
            if len(events) > MAX_EVENTS:
                raise LimitExceededError(path, f"the recording holds more than {MAX_EVENTS:,} events, the limit")
            continue
        before = len(events)
        _clean_events(path, [stream.decode_any(raw)], out, None, None)
        if problem is None and len(events) > before:
            problem = S.event_problem(path, events[-1], before)
    return problem
