"""Request bodies -> rrweb events: gzip undone within a bound (a bomb is refused without inflating it), a JSON
array or NDJSON, each event checked for the fields the importer needs. Every refusal is one line of reason."""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from replaylens.collect.config import MAX_ATTR_KEY, MAX_ATTR_VALUE, MAX_ATTRIBUTES, MAX_BATCH_EVENTS

_DECODER = msgspec.json.Decoder()
_WS = b" \t\r\n"
_CHUNK = 256 * 1024


class BodyError(ValueError):
    """A body the collector refuses: ``status`` 400 (malformed) or 413 (too large), ``str`` the reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def inflate(raw: bytes, encoding: str, limit: int) -> bytes:
    """The body with its ``Content-Encoding`` (identity or gzip; deflate too) undone, at most ``limit`` bytes:
    inflation stops at the first byte past it (BodyError 413)."""
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return raw
    if enc not in ("gzip", "x-gzip", "deflate"):
        raise BodyError(400, f"Content-Encoding {encoding[:40]!r} is not supported (gzip or none)")
    dec = zlib.decompressobj(zlib.MAX_WBITS | 32 if enc != "deflate" else zlib.MAX_WBITS)
    out = bytearray()
    data = memoryview(raw)
    try:
        while True:
            piece = dec.decompress(data, min(_CHUNK, limit + 1 - len(out)))
            out += piece
            if len(out) > limit:
                raise BodyError(413, f"the body inflates past {limit // 2**20} MiB (the limit)")
            data = memoryview(dec.unconsumed_tail)
            if not data:
                break
        out += dec.flush(limit + 1 - len(out))
    except zlib.error as exc:
        raise BodyError(400, f"the gzip body is corrupt ({exc})") from None
    if len(out) > limit:
        raise BodyError(413, f"the body inflates past {limit // 2**20} MiB (the limit)")
    if not dec.eof:
        raise BodyError(400, "the gzip body is truncated")
    return bytes(out)


def _decode(text: bytes, what: str) -> Any:
    try:
        return _DECODER.decode(text)
    except msgspec.DecodeError as exc:
        raise BodyError(400, f"{what} is not valid JSON ({str(exc)[:120]})") from None
    except RecursionError:
        raise BodyError(400, f"{what} nests too deeply") from None


def _check_event(i: int, ev: Any) -> dict[str, Any]:
    if not isinstance(ev, dict):
        raise BodyError(400, f"event {i} is not a JSON object")
    t = ev.get("type")
    if not isinstance(t, int) or isinstance(t, bool) or not 0 <= t <= 20:
        raise BodyError(400, f"event {i} has no rrweb type (a whole number 0-20)")
    ts = ev.get("timestamp")
    if not isinstance(ts, int | float) or isinstance(ts, bool) or not 0 < ts < 2**53:
        raise BodyError(400, f"event {i} has no timestamp (ms since 1970)")
    return ev


def parse_events(body: bytes) -> list[dict[str, Any]]:
    """rrweb events from a JSON array or NDJSON (one event per line). Raises BodyError."""
    text = body[3:] if body.startswith(b"\xef\xbb\xbf") else body
    text = text.strip(_WS)
    if not text:
        raise BodyError(400, "the body is empty (expected a JSON array of rrweb events or NDJSON)")
    if text[:1] == b"[":
        items = _decode(text, "the body")
        if not isinstance(items, list):
            raise BodyError(400, "the body is not a JSON array")
    elif text[:1] == b"{":
        lines = [ln for ln in text.split(b"\n") if ln.strip(_WS)]
        if len(lines) > MAX_BATCH_EVENTS:
            raise BodyError(413, f"the batch holds more than {MAX_BATCH_EVENTS:,} events (the limit)")
        items = [_decode(ln, f"NDJSON line {n + 1}") for n, ln in enumerate(lines)]
    else:
        raise BodyError(400, "the body is neither a JSON array nor NDJSON")
    if len(items) > MAX_BATCH_EVENTS:
        raise BodyError(413, f"the batch holds more than {MAX_BATCH_EVENTS:,} events (the limit)")
    return [_check_event(i, ev) for i, ev in enumerate(items)]


def parse_attributes(body: bytes) -> dict[str, str]:
    """A flat JSON object of session attributes (text, numbers, booleans). Raises BodyError."""
    text = body.strip(_WS)
    if not text:
        raise BodyError(400, "the body is empty (expected a JSON object of attributes)")
    obj = _decode(text, "the body")
    if not isinstance(obj, dict):
        raise BodyError(400, "the attributes are not a JSON object")
    if len(obj) > MAX_ATTRIBUTES:
        raise BodyError(413, f"more than {MAX_ATTRIBUTES} attributes (the limit)")
    out: dict[str, str] = {}
    for k, v in obj.items():
        key = str(k).strip()
        if not key or len(key) > MAX_ATTR_KEY or "\x00" in key:
            raise BodyError(400, f"attribute key {key[:40]!r} is empty, longer than {MAX_ATTR_KEY} or has NUL")
        if key.lower() in ("session_id", "session", "sessionid", "$session_id"):
            raise BodyError(400, f"attribute {key!r} is the session id itself; it comes from the URL")
        if isinstance(v, bool):
            text_v = "true" if v else "false"
        elif isinstance(v, int | float | str):
            text_v = str(v)
        else:
            raise BodyError(400, f"attribute {key[:40]!r} is not text, a number or a boolean")
        if len(text_v) > MAX_ATTR_VALUE or "\x00" in text_v:
            raise BodyError(400, f"attribute {key[:40]!r} is longer than {MAX_ATTR_VALUE} characters or has NUL")
        out[key] = text_v
    return out
