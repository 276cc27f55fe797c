"""The events handed to rrweb's Replayer for page pictures: a window's DOM history as rrweb events, masked.

The page renderer (``render.page``, docs/rendering.md) replays recorded DOM with rrweb's own Replayer. What it gets
is built here, in pure Python, from what the importer kept (``WindowHistory.changes``: FullSnapshots and the
incremental snapshots that change the DOM), never from the file again:

* a Meta event (address and recorded viewport) and a FullSnapshot at every snapshot of the window, then every
  DOM change as an IncrementalSnapshot of its own source (mutations, input values, element scrolls, style-sheet
  rules and declarations, canvas, fonts, adopted sheets, custom elements), in time order;
* **masked by the one privacy rule** (``io/rrweb/fields.py``, ``secrets.py``): secret fields lose their value and
  carry ``data-rl-secret`` (painted as a hatched box by the host page's static rules), every other input value
  becomes bullets (``show_values`` keeps the non-secret ones), text inside masking elements and the text of
  textareas / selects / contenteditables becomes ``*`` runs, input events get the same treatment, and so do
  attribute mutations of ``value``;
* with inert markup taken out as a second line behind the sandbox and the content security policy: ``on*``
  handler attributes, ``javascript:``/``vbscript:`` values, and any recorded ``data-rl-*`` attribute (a page cannot
  claim another node's id or unmask itself).

The stored history is never modified (every node and change is copied).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from replaylens.io.rrweb import fields
from replaylens.io.rrweb import secrets as _secrets
from replaylens.io.rrweb.secrets import SecretNodes

if TYPE_CHECKING:
    from replaylens.io.rrweb.columns import PageInfo, WindowHistory

DOCUMENT, DOCTYPE, ELEMENT, TEXT = 0, 1, 2, 3
META, FULL, INCREMENTAL = 4, 2, 3
_SCRIPT_URL_RE = re.compile(r"^\s*(?:javascript|vbscript)\s*:", re.IGNORECASE)
_CTRL_RE = re.compile(r"[\x00-\x20]+")
#: Node levels copied into the events (deeper ones are left out): a browser's HTML parser nests at most 512, rrweb
#: rebuilds recursively, and the JSON handed over must stay within the encoder's nesting limit.
MAX_DEPTH = 400
#: Sources of the window's history that are DOM changes rrweb replays (others never reach the history).
REPLAYED_SOURCES = frozenset({0, 3, 5, 8, 9, 10, 13, 15, 16})


@dataclass(frozen=True)
class Privacy:
    secrets: SecretNodes = field(default_factory=SecretNodes)
    show_values: bool = False
    mask_text: bool = False


def _inert(value: Any) -> bool:
    return isinstance(value, str) and bool(_SCRIPT_URL_RE.match(_CTRL_RE.sub("", value)))


class Masker:
    """Masks nodes and changes of one snapshot segment (ids restart at every FullSnapshot: ``reset``)."""

    def __init__(self, privacy: Privacy) -> None:
        self.p = privacy
        self.reset()

    def reset(self) -> None:
        # id -> (masked, secret, kind) of elements; kind = (tag, type) for input events
        self.ctx: dict[int, tuple[bool, bool]] = {}
        self.kind: dict[int, tuple[str, str]] = {}
        self.text_parent: dict[int, int] = {}  # text node id -> parent element id

    # -- nodes -------------------------------------------------------------------------------------------------
    def node(self, node: Any, masked: bool = False, secret: bool = False, parent: int = -1) -> Any:
        """A masked copy of the node tree ``node`` (iteratively: recorded trees can be deep)."""
        if not isinstance(node, dict):
            return node
        root: dict[str, Any] = {}
        stack: list[tuple[dict[str, Any], dict[str, Any], bool, bool, int, int]] = [
            (node, root, masked, secret, parent, 0)]
        while stack:
            src, out, m, s, par, depth = stack.pop()
            kids_m, kids_s = self._one(src, out, m, s, par)
            kids = src.get("childNodes")
            if isinstance(kids, list) and depth >= MAX_DEPTH:
                out["childNodes"] = []
            elif isinstance(kids, list):
                copies: list[Any] = []
                sid = src.get("id")
                nid: int = sid if isinstance(sid, int) else -1
                for k in kids:
                    if isinstance(k, dict):
                        c: dict[str, Any] = {}
                        copies.append(c)
                        stack.append((k, c, kids_m, kids_s, nid, depth + 1))
                out["childNodes"] = copies
        return root

    def _one(self, src: dict[str, Any], out: dict[str, Any], masked: bool, secret: bool, parent: int
             ) -> tuple[bool, bool]:
        """Copy one node's own fields into ``out``; the context its children inherit."""
        for k, v in src.items():
            if k != "childNodes" and k != "attributes":
                out[k] = v
        raw_id = src.get("id")
        nid: int = raw_id if isinstance(raw_id, int) else -1
        kind = src.get("type")
        if kind == TEXT:
            text = src.get("textContent")
            if nid >= 0:
                self.text_parent[nid] = parent
            if isinstance(text, str) and not src.get("isStyle") and (masked or self.p.mask_text):
                out["textContent"] = fields.mask_run(text)
            return masked, secret
        if kind != ELEMENT:
            return masked, secret
        tag = str(src.get("tagName", "")).lower()
        raw_attrs = src.get("attributes")
        attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
        str_attrs = {str(k): v if isinstance(v, str) else "" for k, v in attrs.items()}
        masked = masked or _secrets.is_masking(str_attrs) or nid in self.p.secrets.masking
        secret = secret or masked or _secrets.is_secret(tag, str_attrs) or nid in self.p.secrets.secret
        out["attributes"] = self._attrs(tag, attrs, str_attrs, masked, secret)
        if nid >= 0:
            self.kind[nid] = (tag, str_attrs.get("type", "").strip().lower())
        if fields.holds_input_text(tag, str_attrs) and (secret or not self.p.show_values):
            masked = True  # the text inside is the user's input (textarea, select options, contenteditable)
        if nid >= 0:
            self.ctx[nid] = (masked, secret)
        return masked, secret

    def _attrs(self, tag: str, attrs: dict[str, Any], str_attrs: dict[str, str], masked: bool, secret: bool
               ) -> dict[str, Any]:
        clean = {k: v for k, v in attrs.items() if not self._dropped(str(k), v)}
        if "value" in clean and isinstance(clean["value"], str):
            vals = {"value": clean["value"]}
            fields.mask_value(tag, str_attrs, vals, secret=secret, masked=masked, show_values=self.p.show_values,
                              mask_text=self.p.mask_text)
            if "value" in vals:
                clean["value"] = vals["value"]
            else:
                clean.pop("value")
            if "data-rl-secret" in vals:
                clean["data-rl-secret"] = ""
        elif secret and (_secrets.is_field(tag, str_attrs)):
            clean["data-rl-secret"] = ""
        return clean

    @staticmethod
    def _dropped(name: str, value: Any) -> bool:
        low = name.lower()
        return low.startswith("on") or low.startswith("data-rl-") or _inert(value)

    # -- changes -----------------------------------------------------------------------------------------------
    def change(self, source: int, data: dict[str, Any]) -> dict[str, Any]:
        out = dict(data)
        if source == 0:
            out["adds"] = [self._add(a) for a in data.get("adds") or () if isinstance(a, dict)]
            out["texts"] = [self._text(x) for x in data.get("texts") or () if isinstance(x, dict)]
            out["attributes"] = [self._attr_change(x) for x in data.get("attributes") or () if isinstance(x, dict)]
            out["removes"] = [x for x in data.get("removes") or () if isinstance(x, dict)]
        elif source == 5:
            out = self._input(out)
        return out

    def _add(self, item: dict[str, Any]) -> dict[str, Any]:
        par = item.get("parentId")
        m, s = self.ctx.get(par, (False, False)) if isinstance(par, int) else (False, False)
        return {**item, "node": self.node(item.get("node"), m, s, par if isinstance(par, int) else -1)}

    def _text(self, item: dict[str, Any]) -> dict[str, Any]:
        nid = item.get("id")
        par = self.text_parent.get(nid, -1) if isinstance(nid, int) else -1
        masked = self.ctx.get(par, (False, False))[0] or self.p.mask_text
        value = item.get("value")
        if masked and isinstance(value, str):
            return {**item, "value": fields.mask_run(value)}
        return dict(item)

    def _attr_change(self, item: dict[str, Any]) -> dict[str, Any]:
        nid = item.get("id")
        attrs = item.get("attributes")
        if not isinstance(attrs, dict):
            return dict(item)
        clean = {k: v for k, v in attrs.items() if not self._dropped(str(k), v)}
        if isinstance(clean.get("value"), str) and isinstance(nid, int):
            m, s = self.ctx.get(nid, (False, False))
            tag, typ = self.kind.get(nid, ("input", ""))
            vals = {"value": clean["value"]}
            fields.mask_value(tag, {"type": typ}, vals, secret=s or nid in self.p.secrets.secret, masked=m,
                              show_values=self.p.show_values, mask_text=self.p.mask_text)
            if "value" in vals:
                clean["value"] = vals["value"]
            else:
                clean.pop("value")
        return {**item, "attributes": clean}

    def _input(self, data: dict[str, Any]) -> dict[str, Any]:
        nid = data.get("id")
        text = data.get("text")
        if not isinstance(text, str) or not isinstance(nid, int):
            return data
        m, s = self.ctx.get(nid, (False, False))
        typ = self.kind.get(nid, ("input", ""))[1]
        if s or nid in self.p.secrets.secret or nid in self.p.secrets.masking:
            data["text"] = ""
        elif m or self.p.mask_text:
            data["text"] = fields.mask_run(text)
        elif not self.p.show_values and typ not in fields.BUTTON_TYPES and typ not in ("checkbox", "radio"):
            data["text"] = fields.bullets(text)
        return data


def _max_id(node: dict[str, Any]) -> int:
    top, stack = 0, [node]
    while stack:
        n = stack.pop()
        if isinstance(n, dict):
            if isinstance(n.get("id"), int):
                top = max(top, n["id"])
            stack.extend(n.get("childNodes") or ())
    return top


def with_html_root(node: Any) -> dict[str, Any]:
    """A document whose element child is ``<html>`` (rrweb's replayer needs one; every recorder writes one, a
    hand-made or damaged snapshot may not): other top-level nodes go into a new ``<body>`` with fresh ids."""
    if not isinstance(node, dict):
        node = {}
    if node.get("type") != DOCUMENT:
        node = {"type": DOCUMENT, "childNodes": [node] if node else []}
    kids = [k for k in node.get("childNodes") or () if isinstance(k, dict)]
    if any(k.get("type") == ELEMENT and str(k.get("tagName", "")).lower() == "html" for k in kids):
        return node
    nid = _max_id(node) + 1
    keep = [k for k in kids if k.get("type") == DOCTYPE]
    rest = [k for k in kids if k.get("type") != DOCTYPE]
    html = {"type": ELEMENT, "tagName": "html", "attributes": {}, "id": nid, "childNodes": [
        {"type": ELEMENT, "tagName": "head", "attributes": {}, "id": nid + 1, "childNodes": []},
        {"type": ELEMENT, "tagName": "body", "attributes": {}, "id": nid + 2, "childNodes": rest}]}
    return {**node, "id": node.get("id", nid + 3), "childNodes": [*keep, html]}


def snapshot_events(node: dict[str, Any], width: int, height: int, privacy: Privacy = Privacy(),
                    href: str = "about:blank") -> list[dict[str, Any]]:
    """A page of one FullSnapshot (time 0): Meta and the masked snapshot."""
    m = Masker(privacy)
    return [{"type": META, "timestamp": 0, "data": {"href": href, "width": width, "height": height}},
            {"type": FULL, "timestamp": 0, "data": {"node": m.node(with_html_root(node)),
                                                    "initialOffset": {"left": 0, "top": 0}}}]


def window_events(history: WindowHistory, pages: Sequence[PageInfo], viewport: tuple[int, int],
                  privacy: Privacy) -> list[dict[str, Any]]:
    """rrweb events replaying the window's DOM history (see the module doc), masked; empty without a snapshot."""
    changes = sorted(history.changes, key=lambda c: c[0])
    nav_t = [n[0] for n in history.navs]
    m = Masker(privacy)
    out: list[dict[str, Any]] = []
    for t, src, data in changes:
        if src in (-3, -2):
            k = bisect.bisect_right(nav_t, t) - 1
            page = pages[history.navs[k][1]] if k >= 0 and history.navs[k][1] < len(pages) else None
            w = (page.width if page else 0) or viewport[0]
            h = (page.height if page else 0) or viewport[1]
            m.reset()
            out.append({"type": META, "timestamp": t, "data": {"href": page.url if page else "", "width": w,
                                                               "height": h}})
            out.append({"type": FULL, "timestamp": t,
                        "data": {"node": m.node(with_html_root(data)), "initialOffset": {"left": 0, "top": 0}}})
        elif out and src in REPLAYED_SOURCES and isinstance(data, dict):
            out.append({"type": INCREMENTAL, "timestamp": t, "data": {**m.change(src, data), "source": src}})
    return out
