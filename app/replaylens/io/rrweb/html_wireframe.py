"""The fallback wireframe (drawn by ``render.page`` when a page cannot be rendered): a rough flow layout of a
snapshot's node tree as labelled boxes, with the sanitiser's privacy rules (secrets never shown, values masked
unless asked, ``rr-block`` kept as a box). Pure Python, no Qt."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from replaylens.io.rrweb import fields
from replaylens.io.rrweb import secrets as _secrets
from replaylens.io.rrweb.fields import mask_run
from replaylens.io.rrweb.html_nodes import (
    ELEMENT,
    TEXT,
    attributes,
    blocked_size,
    children,
    is_blocked,
    node_id,
    node_text,
)
from replaylens.io.rrweb.secrets import SecretNodes


@dataclass(frozen=True)
class WireBox:
    """One rectangle of the fallback wireframe, in CSS px. ``kind``: block, text, link, heading, input, button,
    check, media, blocked, rule."""

    x: int
    y: int
    w: int
    h: int
    kind: str
    label: str


_W_SKIP = frozenset({"head", "script", "style", "link", "meta", "title", "template", "noscript", "base", "param",
                     "source", "track", "datalist", "map", "area", "br", "wbr", "object", "embed", "option"})
_W_INLINE = frozenset({"span", "a", "b", "strong", "em", "i", "u", "small", "label", "abbr", "code", "sub", "sup",
                       "mark", "s", "q", "cite", "time", "font", "bdi", "bdo", "kbd", "var", "del", "ins", "data"})
_W_MEDIA = frozenset({"img", "svg", "video", "canvas", "picture", "iframe", "image", "audio"})
_W_SECTION = frozenset({"header", "footer", "nav", "main", "section", "article", "aside", "form", "fieldset", "ul",
                        "ol", "table", "dialog", "figure", "li", "tr"})
_NUM_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")
CHAR_W, LINE_H, GAP, INDENT, MAX_DEPTH = 7, 16, 4, 8, 80


def _hidden(tag: str, attrs: dict[str, str]) -> bool:
    style = attrs.get("style", "").replace(" ", "").lower()
    return ("hidden" in attrs or "display:none" in style or "visibility:hidden" in style
            or (tag == "input" and attrs.get("type", "").lower() == "hidden"))


def _num(v: str | None, default: int) -> int:
    m = _NUM_RE.match(v) if v else None
    return int(float(m.group(1))) if m else default


def _control(tag: str, attrs: dict[str, str], node: dict[str, Any], hide: bool, secret: bool,
             show_values: bool) -> tuple[str, str, int, int]:
    """(kind, label, width, height) of a form control in the wireframe; secrets never shown, values masked unless
    ``show_values`` (``io.rrweb.fields``)."""
    kind_attr = attrs.get("type", "text").lower()
    show_values = show_values and not fields.is_card_field(tag, attrs)
    if tag == "input" and kind_attr in ("checkbox", "radio"):
        return "check", "", 16, 16
    if tag == "button" or kind_attr in ("submit", "button", "reset"):
        label = node_text(node, 80, masked=hide) if tag == "button" else attrs.get("value", kind_attr)
        return "button", label, min(len(label) * CHAR_W + 24, 320), 28
    if tag == "select":
        opts = [k for k in children(node) if str(k.get("tagName", "")).lower() == "option"]
        chosen = next((o for o in opts if "selected" in attributes(o)), opts[0] if opts else None)
        text = node_text(chosen, 80) if chosen else ""
        return "input", fields.wire_label(text, secret=secret, hide=hide, show_values=show_values) + "  ▾", 220, 28
    value = attrs.get("value", "") if tag == "input" else node_text(node, 200) or attrs.get("value", "")
    value = fields.wire_label(value, secret=secret, hide=hide, show_values=show_values) if value or secret else ""
    label = value or attrs.get("placeholder", "")
    return "input", label, 240, 56 if tag == "textarea" else 28


def wireframe_boxes(node: dict[str, Any], width: int, *, mask_text: bool = False, max_height: int = 16_384,
                    max_boxes: int = 4_000, show_values: bool = False,
                    secret_nodes: SecretNodes | None = None) -> tuple[list[WireBox], int]:
    """A rough flow layout of the node tree: (boxes, content height). Blocks stack, inline text wraps at
    ``CHAR_W`` px per character, controls and media get their own rows. Pure Python, no Qt."""
    boxes: list[WireBox] = []
    known = secret_nodes or SecretNodes()

    def flush(para: list[tuple[str, bool]], x: int, y: int, w: int) -> int:
        text = " ".join(" ".join(t for t, _ in para).split())
        link = all(is_link for _, is_link in para)
        para.clear()
        if not text:
            return y
        per_line = max(w // CHAR_W, 1)
        lines = min(math.ceil(len(text) / per_line), 6)
        boxes.append(WireBox(x, y, min(w, len(text) * CHAR_W + 2), lines * LINE_H, "link" if link else "text",
                             text[:per_line * lines]))
        return y + lines * LINE_H + GAP

    def lay(el: dict[str, Any], x: int, y: int, w: int, depth: int, hide: bool, in_secret: bool) -> int:
        para: list[tuple[str, bool]] = []
        todo: list[tuple[dict[str, Any], bool, bool, bool]] = [(k, False, hide, in_secret)
                                                              for k in reversed(children(el))]
        while todo and y < max_height and len(boxes) < max_boxes:
            cur, link, masked, secret = todo.pop()
            if cur.get("type") == TEXT:
                t = cur.get("textContent")
                if isinstance(t, str) and not cur.get("isStyle") and t.strip():
                    para.append((mask_run(t) if masked else t, link))
                continue
            if cur.get("type") != ELEMENT:
                continue
            tag, attrs = str(cur.get("tagName", "")).lower(), attributes(cur)
            if tag in _W_SKIP or _hidden(tag, attrs):
                continue
            nid = node_id(cur)
            masked = masked or _secrets.is_masking(attrs) or nid in known.masking
            secret = secret or masked or _secrets.is_secret(tag, attrs) or nid in known.secret
            if fields.holds_input_text(tag, attrs) and tag not in ("select", "textarea"):
                masked = masked or secret or not show_values  # contenteditable: its text is the user's input
            if tag in _W_INLINE and not is_blocked(attrs):  # inline: its children join the current paragraph
                todo.extend((k, link or tag == "a", masked, secret) for k in reversed(children(cur)))
                continue
            y = flush(para, x, y, w)
            if is_blocked(attrs):
                bw, bh = blocked_size(attrs)
                boxes.append(WireBox(x, y, min(_num(bw, w), w), _num(bh, 60), "blocked", "blocked"))
            elif tag in _W_MEDIA:
                dw, dh = {"svg": (24, 24), "iframe": (w, 150), "video": (w, w * 9 // 16)}.get(tag, (160, 90))
                mw = min(_num(attrs.get("width"), dw), w)
                label = attrs.get("alt") or tag
                boxes.append(WireBox(x, y, mw, min(_num(attrs.get("height"), dh), 2000), "media", label))
            elif tag in ("input", "button", "select", "textarea"):
                kind, label, cw, ch = _control(tag, attrs, cur, masked, secret, show_values)
                boxes.append(WireBox(x, y, min(cw, w), ch, kind, label))
            elif tag == "hr":
                boxes.append(WireBox(x, y, w, 1, "rule", ""))
            elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
                text = node_text(cur, 300, masked=masked)
                lh = 28 if tag in ("h1", "h2") else 20
                lines = min(math.ceil(len(text) * CHAR_W * lh / LINE_H / max(w, 1)) or 1, 4)
                boxes.append(WireBox(x, y, w, lines * lh, "heading", text))
            else:
                if depth >= MAX_DEPTH:
                    continue
                inset = INDENT if w > 160 and tag in _W_SECTION else 0
                top, first = y, len(boxes)
                y = lay(cur, x + inset, y + (GAP if inset else 0), w - 2 * inset, depth + 1, masked, secret)
                if inset and len(boxes) > first:
                    y += GAP
                    boxes.insert(first, WireBox(x, top, w, y - top, "block", tag))
                continue
            y = boxes[-1].y + boxes[-1].h + GAP
        return flush(para, x, y, w)

    height = lay(node, 8, 8, max(width - 16, 40), 0, mask_text, False) if isinstance(node, dict) else 8
    return boxes, min(height + 8, max_height)
