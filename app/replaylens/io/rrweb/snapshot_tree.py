"""Reading rrweb snapshot nodes for the fallback wireframe (``wireframe_layout``): attributes, children, ids,
text content, the page title and the ``rr-block`` placeholder rule. Malformed nodes read as empty, never raise."""

from __future__ import annotations

import re
from typing import Any

from replaylens.io.rrweb import secrets as _secrets
from replaylens.io.rrweb.fields import mask_run

DOCUMENT, DOCTYPE, ELEMENT, TEXT, CDATA, COMMENT = 0, 1, 2, 3, 4, 5  #: rrweb's serialised node types
_SIZE_RE = re.compile(r"^\s*\d+(?:\.\d+)?(?:px)?\s*$")


def attributes(node: dict[str, Any]) -> dict[str, str]:
    """The element's attributes as strings (rrweb stores true for bare attributes; false/None/objects drop)."""
    raw = node.get("attributes")
    out: dict[str, str] = {}
    if not isinstance(raw, dict):
        return out
    for k, v in raw.items():
        if not isinstance(k, str) or v is None or v is False or isinstance(v, dict | list):
            continue
        out[k] = "" if v is True else str(v)
    return out


def children(node: dict[str, Any]) -> list[dict[str, Any]]:
    kids = node.get("childNodes")
    return [k for k in kids if isinstance(k, dict)] if isinstance(kids, list) else []


def node_id(node: dict[str, Any]) -> int:
    """The node's rrweb id, -1 when missing or not an integer (a hostile id may be unhashable)."""
    nid = node.get("id")
    return nid if isinstance(nid, int) and not isinstance(nid, bool) else -1


def _classes(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("class", "").split())


def is_blocked(attrs: dict[str, str]) -> bool:
    return "rr-block" in _classes(attrs) or "rr_width" in attrs or "rr_height" in attrs


def blocked_size(attrs: dict[str, str]) -> tuple[str, str]:
    """CSS width/height of an rr-block placeholder from the recorded ``rr_width``/``rr_height`` ('' if unknown)."""
    def px(v: str | None) -> str:
        return f"{float(v.strip().removesuffix('px')):g}px" if v and _SIZE_RE.match(v) else ""
    return px(attrs.get("rr_width")), px(attrs.get("rr_height"))


def node_text(node: dict[str, Any], limit: int = 10_000, *, masked: bool = False) -> str:
    """Concatenated text content under ``node`` (style/script text excluded), whitespace collapsed; text under an
    ``rr-mask`` element (or everything when ``masked``) comes out as ``*`` runs."""
    parts: list[str] = []
    stack = [(node, masked)]
    size = 0
    while stack and size < limit:
        cur, hide = stack.pop()
        if cur.get("type") == TEXT and not cur.get("isStyle"):
            t = cur.get("textContent")
            if isinstance(t, str):
                parts.append(mask_run(t) if hide else t)
                size += len(t)
        elif cur.get("type") == ELEMENT:
            if str(cur.get("tagName", "")).lower() in ("script", "style", "noscript"):
                continue
            hide = hide or _secrets.is_masking(attributes(cur))
        stack.extend((k, hide) for k in reversed(children(cur)))
    return " ".join(" ".join(parts).split())[:limit]


def snapshot_title(node: dict[str, Any]) -> str:
    """The page ``<title>`` (first one outside SVG), whitespace collapsed; '' when there is none."""
    stack: list[Any] = [node]
    while stack:
        cur = stack.pop()
        if not isinstance(cur, dict):
            continue
        if cur.get("type") == ELEMENT:
            tag = str(cur.get("tagName", "")).lower()
            if tag == "svg":
                continue
            if tag == "title":
                return node_text(cur, limit=1000)
        stack.extend(reversed(children(cur)))
    return ""
