"""Decoding and validating untrusted JSON with msgspec, and saying what is wrong in plain words.

Readers declare the shape they accept as ``msgspec.Struct`` schemas and validate at the boundary (``decode`` from
bytes or ``convert`` of an already decoded object); everything past that point trusts the types. msgspec's own
messages (``Expected `int`, got `str` - at `$.viewport.width```) become one readable sentence:
``viewport.width should be a whole number, not text``.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_WORDS = {
    "int": "a whole number", "float": "a number", "str": "text", "bool": "true or false", "null": "null",
    "array": "a list", "object": "an object", "bytes": "bytes", "number": "a number",
}
_EXPECTED = re.compile(r"^Expected `([^`]*)`, got `([^`]*)`(?: - at `([^`]*)`)?$")
_AT = re.compile(r"^(.*?)(?: - at `([^`]*)`)?$", re.S)


class SchemaError(ValueError):
    """The JSON does not match its declared schema; ``str()`` is one plain sentence naming the place."""


def _word(t: str) -> str:
    parts = [p.strip() for p in t.split("|")]
    words = [_WORDS.get(p, p) for p in parts if p != "null"] or ["null"]
    if "null" in parts and words != ["null"]:
        words.append("null")
    return " or ".join(dict.fromkeys(words))


def _place(path: str | None, root: str) -> str:
    """``$.pages[3].width`` -> ``pages[3].width``; ``$`` -> the root's name."""
    if not path or path == "$":
        return root
    rest = path[1:].lstrip(".").replace("[...]", "[…]")
    return f"{root}{rest}" if rest.startswith("[") else rest


def plain(exc: msgspec.MsgspecError, root: str = "the file") -> str:
    """One sentence for a msgspec ValidationError/DecodeError, naming the JSON path."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    m = _EXPECTED.match(msg)
    if m:
        want, got, path = m.groups()
        return f"{_place(path, root)} should be {_word(want)}, not {_word(got)}"
    m2 = _AT.match(msg)
    text, path = (m2.group(1), m2.group(2)) if m2 else (msg, None)
    text = text.replace("Integer value out of range", "a number is too large")
    text = text.replace("Object missing required field", "is missing the field")
    text = text.replace("JSON is malformed: ", "the JSON is invalid: ")
    if path:
        return f"{_place(path, root)}: {text[:1].lower() + text[1:]}"
    return text[:1].lower() + text[1:] if isinstance(exc, msgspec.ValidationError) else text


def decode_json(data: bytes | str) -> Any:
    """Untyped JSON decode (dicts, lists, ...). Raises SchemaError for invalid JSON, numbers too large for
    Python's int/str conversion limit and nesting beyond the parser's depth."""
    try:
        return msgspec.json.decode(data)
    except RecursionError:
        raise SchemaError("the JSON is nested too deeply to read safely") from None
    except msgspec.MsgspecError as exc:
        raise SchemaError(plain(exc)) from None


def convert(obj: Any, schema: type[T], root: str) -> T:
    """Validate an already decoded object against ``schema``; SchemaError with the path on mismatch."""
    try:
        return msgspec.convert(obj, schema)
    except RecursionError:
        raise SchemaError(f"{root} is nested too deeply to read safely") from None
    except msgspec.MsgspecError as exc:
        raise SchemaError(plain(exc, root)) from None
