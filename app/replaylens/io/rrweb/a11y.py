"""What a person sees of a targeted node: its accessible name and role, from the snapshot tree.

A click lands on the innermost node (a ``<span>`` inside a ``<button>``, a line inside a code editor); a person
names the control around it ("the 'Deposit' button", "the code editor"). ``Accessible.describe(row)`` climbs to
that control (the nearest ancestor that is interactive in its own right, or the editor or link around the node)
and returns ``(name, role)``:

- name, in the order of the accessible-name computation (simplified): ``aria-labelledby`` text, ``aria-label``,
  a ``<label for=id>`` or a wrapping ``<label>``, ``alt`` (images), the value of submit/button inputs, the visible
  text, ``placeholder``, ``title``; masked elements give ``[masked]``;
- role: the explicit ``role`` attribute, else the implicit one of the tag (``a[href]`` link, ``button`` button,
  ``input`` textbox/checkbox/radio/button/slider/searchbox, ``select`` combobox, ``img`` img, ``h1``-``h6``
  heading, ...), plus two of ours: ``file`` for file uploads and ``editor`` for code editors (CodeMirror, Monaco,
  Ace, by their class names) and other ``contenteditable`` regions that are not a plain text box.

Only the distinct nodes events hit are described (a few hundred per session), each once; per-segment maps of ids
and ``<label for>`` are built the first time a segment needs them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replaylens.io.rrweb.nodes import NodeTable

#: How far up the tree the control around a node is looked for.
MAX_CLIMB = 12
#: Class names (whole, case-insensitive) of code editors' root elements.
EDITOR_CLASSES = frozenset({"codemirror", "cm-editor", "cm-content", "monaco-editor", "ace_editor", "ace_content",
                            "ql-editor", "prosemirror", "ck-editor__editable", "tox-edit-area"})
_TEXT_INPUTS = frozenset({"text", "email", "tel", "url", "password", "number", "date", "datetime-local", "month",
                          "time", "week", ""})
_INPUT_ROLES = {"checkbox": "checkbox", "radio": "radio", "submit": "button", "button": "button", "reset": "button",
                "image": "button", "range": "slider", "search": "searchbox", "file": "file", "color": "button"}
_TAG_ROLES = {"button": "button", "select": "combobox", "textarea": "textbox", "img": "img", "svg": "img",
              "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading",
              "h6": "heading", "nav": "navigation", "header": "banner", "footer": "contentinfo", "li": "listitem",
              "tr": "row", "td": "cell", "th": "columnheader", "table": "table", "summary": "button",
              "option": "option", "form": "form", "dialog": "dialog", "label": "label", "video": "video",
              "p": "paragraph", "main": "main", "aside": "complementary", "ul": "list", "ol": "list"}
#: Roles of controls a person acts on: describing a node stops at the nearest ancestor with one of these.
CONTROL_ROLES = frozenset({"button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
                           "menuitemradio", "option", "combobox", "textbox", "searchbox", "slider", "spinbutton",
                           "treeitem", "file", "editor", "listbox"})


MASKED_LABEL = "[masked]"
_F_MASKED = 4  # nodes.NodeTable flag: inside rr-mask / rr-block


def _trim(s: str, n: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    a = node.get("attributes")
    return a if isinstance(a, dict) else {}


def _s(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


#: Parts of class names (split on ``-``, ``_`` and case changes) that name a control, and the role they imply:
#: sites attach click handlers with addEventListener, which a snapshot cannot see, so ``div.nav-menu-btn`` is a
#: button by its name.
CONTROL_CLASS_ROLES: dict[str, str] = {
    "btn": "button", "button": "button", "tab": "tab", "tabs": "tab", "link": "link", "menu": "button",
    "toggle": "button", "toggler": "button", "dropdown": "button", "clickable": "button", "switch": "switch",
    "trigger": "button", "accordion": "button", "close": "button", "hamburger": "button", "burger": "button",
    "chip": "button", "pill": "button"}
_CLASS_SPLIT_RE = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")


@lru_cache(maxsize=8192)  # pure in the class string; pages repeat their class names
def control_class_role(classes: str) -> str:
    """The role a class name gives an element (``nav-menu-btn`` -> button, ``tabItem`` -> tab), or ''; the last
    control word of the first class that has one wins (``menu-btn`` is a button)."""
    for c in classes.split():
        parts = [p.lower() for p in _CLASS_SPLIT_RE.split(c) if p]
        for p in reversed(parts):
            if p in CONTROL_CLASS_ROLES:
                return CONTROL_CLASS_ROLES[p]
    return ""


@lru_cache(maxsize=8192)
def is_editor_class(classes: str) -> bool:
    return any(c.lower() in EDITOR_CLASSES for c in classes.split())


def own_role(tag: str, attrs: dict[str, Any]) -> str:
    """The element's own role: explicit, else implicit from the tag; '' for generic elements."""
    explicit = _s(attrs.get("role")).lower().split()
    if explicit and explicit[0] not in ("presentation", "none", "generic"):
        return explicit[0][:30]
    if is_editor_class(str(attrs.get("class") or "")):
        return "editor"
    if str(attrs.get("contenteditable", "false")).lower() not in ("false", ""):
        return "textbox"
    if tag == "a":
        return "link" if "href" in attrs else ""
    if tag == "input":
        kind = _s(attrs.get("type")).lower()
        return "textbox" if kind in _TEXT_INPUTS else _INPUT_ROLES.get(kind, "")
    implicit = _TAG_ROLES.get(tag, "")
    if implicit in CONTROL_ROLES or tag in ("img", "svg", "video", "dialog", "label"):
        return implicit
    return control_class_role(str(attrs.get("class") or "")) or implicit  # li.nav-panel-tab is a tab


class Accessible:
    """Names and roles of targeted nodes of one ``NodeTable``."""

    def __init__(self, nodes: NodeTable) -> None:
        self.nodes = nodes
        self._ids: dict[int, dict[str, int]] = {}  # segment -> id attribute -> row
        self._label_for: dict[int, dict[str, int]] = {}  # segment -> id of a field -> row of its <label>
        self._roles: dict[int, str] = {}

    def _segment(self, row: int) -> int:
        return self.nodes.segment_of(row)

    def _maps(self, seg: int) -> tuple[dict[str, int], dict[str, int]]:
        if seg not in self._ids:
            ids: dict[str, int] = {}
            label_for: dict[str, int] = {}
            nodes = self.nodes.nodes
            for r in self.nodes.seg_maps[seg].values() if seg >= 0 else ():  # once per segment, when needed
                node = nodes[r]
                if node.get("type") != 2:
                    continue
                a = _attrs(node)
                ident = _s(a.get("id"))
                if ident:
                    ids.setdefault(ident, r)
                if str(node.get("tagName", "")).lower() == "label" and _s(a.get("for")):
                    label_for.setdefault(_s(a.get("for")), r)
            self._ids[seg], self._label_for[seg] = ids, label_for
        return self._ids[seg], self._label_for[seg]

    def control(self, row: int) -> int:
        """The element a person acts on for a node: itself or the nearest ancestor with a control role (within
        ``MAX_CLIMB`` levels), else the element itself."""
        r, steps = row, 0
        parent = self.nodes.parent
        while r >= 0 and steps <= MAX_CLIMB:
            if self._role(r) in CONTROL_ROLES:
                return r
            r, steps = parent[r], steps + 1
        return row

    def _role(self, row: int) -> str:
        """``own_role`` of an element row ('' for other nodes), remembered: targets share their ancestors."""
        got = self._roles.get(row)
        if got is None:
            node = self.nodes.nodes[row]
            got = self._roles[row] = own_role(str(node.get("tagName", "")).lower(), _attrs(node)) \
                if node.get("type") == 2 else ""
        return got

    def describe(self, row: int) -> tuple[str, str]:
        """(accessible name, role) of the control around element ``row``."""
        c = self.control(row)
        node = self.nodes.nodes[c]
        tag = self.nodes.tag(c)
        attrs = _attrs(node)
        role = own_role(tag, attrs)
        return self.name(c, role), role

    def name(self, row: int, role: str) -> str:
        nodes = self.nodes
        if nodes.flag(row) & _F_MASKED:
            return MASKED_LABEL
        attrs = _attrs(nodes.nodes[row])
        tag = nodes.tag(row)
        seg = -1
        refs = _s(attrs.get("aria-labelledby")).split()
        if refs:
            seg = self._segment(row)
            ids, _ = self._maps(seg)
            text = " ".join(nodes.label(ids[i]) for i in refs if i in ids)
            if text.strip():
                return _trim(text, 60)
        if _s(attrs.get("aria-label")):
            return _trim(attrs["aria-label"], 60)
        if tag in ("input", "select", "textarea"):
            ident = _s(attrs.get("id"))
            if ident:
                seg = seg if seg >= 0 else self._segment(row)
                _, label_for = self._maps(seg)
                if ident in label_for:
                    text = nodes.label(label_for[ident])
                    if text:
                        return _trim(text, 60)
            r, steps = nodes.parent[row], 0
            while r >= 0 and steps <= MAX_CLIMB:  # a wrapping <label>
                if nodes.nodes[r].get("type") == 2 and nodes.tag(r) == "label":
                    text = nodes.label(r)
                    if text:
                        return _trim(text, 60)
                    break
                r, steps = nodes.parent[r], steps + 1
        if tag == "img" and _s(attrs.get("alt")):
            return _trim(attrs["alt"], 60)
        if role == "editor":
            return _trim(_s(attrs.get("title")), 60)  # an editor's text is code, not its name
        text = nodes.label(row)
        if text and text != _s(attrs.get("placeholder")):
            return _trim(text, 60)
        for key in ("placeholder", "title", "alt"):
            if _s(attrs.get(key)):
                return _trim(attrs[key], 60)
        return _trim(text, 60) if text else ""
