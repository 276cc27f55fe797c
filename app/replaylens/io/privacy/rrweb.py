"""Scrub raw rrweb events before they are stored: the policy of ``policy`` applied to every value they carry.

``scrub_rrweb_events(events, memory, keep_values=False)`` returns new events (the input is not modified):

* **FullSnapshot / added nodes**: every form field is classified (``fields.classify_field`` on its attributes and
  the text of its ``<label>``, wrapping or ``for=``); its ``value`` attribute and the text inside it (textarea,
  contenteditable) are reduced: card number -> ``•••• 1111``, CVV/expiry/name/secret -> ``*`` of the same length
  (rrweb's own mask: the length is kept, the value is not), other typed values -> their shape (``Aaaa``) or, with
  ``keep_values``, the value with personal data masked. All other text and attributes have card numbers, IBANs,
  e-mails, phones and Thai ids masked (``detect.mask_text``; URLs ``detect.mask_url``); CSS is left alone.
* **Input events** (incremental source 5) and **mutations** setting ``value`` attributes or text: the same
  reduction, by the node's kind in ``memory``. A mutation can make a field a card field (``autocomplete`` set
  later); it then stays one (``FieldMemory`` never downgrades).
* **Meta** ``href``, **custom events** (tag and payload), **plugin** payloads and any event type not listed: every
  string masked; integers that are card numbers become the mask too.

Hostile shapes never raise: a value of the wrong type is dropped, trees deeper than ``MAX_DEPTH`` are cut there,
and an event that still fails is dropped whole (nothing unscanned passes). ``found`` (a ``Counter``) receives
``(kind, where)`` for every value reduced, which is what ``replaylens audit`` reports for a raw recording.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from replaylens.io.privacy import fields as F
from replaylens.io.privacy.detect import card_ok, detect, mask_text, mask_url
from replaylens.io.privacy.memory import FieldMemory
from replaylens.io.privacy.policy import NEVER_STORED, reduce_value
from replaylens.io.rrweb import secrets

MAX_DEPTH = 1000
ELEMENT, TEXT = 2, 3
URL_ATTRS = frozenset({"href", "src", "action", "formaction", "poster", "data", "srcset", "cite", "background",
                       "xlink:href", "ping"})
SKIP_ATTRS = frozenset({"style", "class", "d", "points", "_cssText", "rr_dataURL", "viewBox", "transform"})
BUTTON_TYPES = frozenset({"submit", "button", "reset", "image", "checkbox", "radio"})
Found = Counter  # (kind, where) -> count


def _count(found: Found | None, kind: str, where: str, n: int = 1) -> None:
    if found is not None:
        found[(kind, where)] += n


def _masked_already(value: str) -> bool:
    return bool(value) and set(value) <= {"*", "\u2022", "\u25cf"}


def _reduce_typed(value: Any, kind: str | None, keep_values: bool, found: Found | None, where: str) -> Any:
    """A typed value in a field of ``kind``: the stored form (``*`` runs for never-stored kinds)."""
    if not isinstance(value, str):
        return None
    if not value or _masked_already(value):
        return value
    if kind in NEVER_STORED:
        _count(found, kind or "secret", where)
        return "*" * min(len(value), 1000)
    out = reduce_value(value, kind, keep_values=keep_values)
    if out == value:  # already what is stored (a shape, a card mask): nothing found, the scrub is idempotent
        return out
    if kind == "card_number" or (out is not None and out.startswith("\u2022")):
        _count(found, "card_number", where)
    else:
        for m in detect(value):
            _count(found, m.kind, where)
    return out if out is not None else "*" * min(len(value), 1000)


def _mask(value: str, found: Found | None, where: str, url: bool = False) -> str:
    matches = detect(value if not url else _plain(value))
    if not matches:
        return value
    for m in matches:
        _count(found, m.kind, where)
    return mask_url(value) if url else mask_text(value)


def _plain(url: str) -> str:
    from urllib.parse import unquote
    return unquote(url.replace("+", " "))


def scrub_value(obj: Any, found: Found | None = None, where: str = "payload", depth: int = 0) -> Any:
    """Any JSON value with every string masked and card-number integers replaced (custom payloads)."""
    if depth > 64:
        return None
    if isinstance(obj, str):
        return _mask(obj, found, where, url=obj.startswith(("http://", "https://", "/")))
    if isinstance(obj, bool) or obj is None or isinstance(obj, float):
        return obj
    if isinstance(obj, int):
        s = str(abs(obj))
        if card_ok(s):
            _count(found, "card_number", where)
            return mask_text(s)
        return obj if not detect(s) else _mask(s, found, where)
    if isinstance(obj, dict):
        return {(_mask(k, found, where) if isinstance(k, str) else k): scrub_value(v, found, where, depth + 1)
                for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [scrub_value(v, found, where, depth + 1) for v in obj]
    return None


class _Scrubber:
    def __init__(self, memory: FieldMemory, keep_values: bool, found: Found | None) -> None:
        self.mem = memory
        self.keep = keep_values
        self.found = found

    # -- classification ----------------------------------------------------------------------------------------
    def classify_tree(self, root: Any, parent_kind: str | None = None, in_field: bool = False) -> None:
        """Pass 1: every form field in ``root`` gets its kind (own attributes, wrapping label, ``for=``)."""
        stack: list[tuple[Any, int, str, bool, str | None, bool]] = [(root, 0, "", False, parent_kind, in_field)]
        late_labels: list[tuple[str, str]] = []
        while stack:
            node, depth, label, hidden, kind_in, field_in = stack.pop()
            if not isinstance(node, dict) or depth > MAX_DEPTH:
                continue
            nid = node.get("id")
            if node.get("type") == TEXT:
                if field_in and isinstance(nid, int):
                    self.mem.typed.add(nid)
                    self.mem.mark(nid, kind_in)
                continue
            kids = node.get("childNodes")
            kids = kids if isinstance(kids, list) else []
            if node.get("type") != ELEMENT:
                stack.extend((k, depth + 1, label, hidden, kind_in, field_in) for k in kids)
                continue
            tag = str(node.get("tagName") or "").lower()[:40]
            attrs = node.get("attributes")
            attrs = attrs if isinstance(attrs, dict) else {}
            hidden = hidden or (secrets.is_secret(tag, attrs) and not secrets.is_field(tag, attrs))
            if tag == "label":
                text = _text_of(node)
                target = attrs.get("for")
                if isinstance(target, str) and target:
                    late_labels.append((target, text))
                label = (label + " " + text).strip()[:300]
            if secrets.is_field(tag, attrs):
                dom_id = attrs.get("id")
                extra = self.mem.labels.get(dom_id, "") if isinstance(dom_id, str) else ""
                kind = F.classify_field(tag, attrs, (label + " " + extra).strip())
                if hidden:
                    kind = F.stricter(kind, "secret")
                kind = F.stricter(kind, kind_in)
                if isinstance(nid, int):
                    self.mem.fields[nid] = (tag, {k: str(v)[:300] for k, v in attrs.items()
                                                  if k in F.RULE_ATTRS and isinstance(v, str | int)})
                    if isinstance(dom_id, str) and dom_id:
                        self.mem.dom_ids[dom_id[:200]] = nid
                self.mem.mark(nid, kind)
                if tag == "textarea" or tag not in secrets.FIELD_TAGS:  # its text is typed (contenteditable)
                    if isinstance(nid, int):
                        self.mem.holders.add(nid)
                    kind_in, field_in = F.stricter(kind_in, kind), True
            elif secrets.is_masking(attrs):  # the recorder hides its text: what is inside is never kept
                self.mem.mark(nid, "secret")
                if isinstance(nid, int):
                    self.mem.holders.add(nid)
                kind_in, field_in = F.stricter(kind_in, "secret"), True
            stack.extend((k, depth + 1, label, hidden, kind_in, field_in) for k in kids)
        for target, text in late_labels:  # a <label for=> names a field anywhere in the document
            self.mem.labels[target[:200]] = text
            nid = self.mem.dom_ids.get(target)
            if nid is not None and nid in self.mem.fields:
                tag, attrs = self.mem.fields[nid]
                self.mem.mark(nid, F.classify_field(tag, attrs, text))

    def reclassify(self, nid: Any, changed: dict[str, Any]) -> None:
        """An attribute mutation on node ``nid``: its kind from the attributes it has now (never downgraded)."""
        if not isinstance(nid, int) or F.RULE_ATTRS.isdisjoint(changed):
            return
        tag, attrs = self.mem.fields.get(nid, ("input", {}))
        attrs = dict(attrs)
        for k, v in changed.items():
            if k in F.RULE_ATTRS:
                if v is None:
                    attrs.pop(k, None)
                elif isinstance(v, str | int):
                    attrs[k] = str(v)[:300]
        if nid in self.mem.fields:
            self.mem.fields[nid] = (tag, attrs)
        dom_id = attrs.get("id", "")
        self.mem.mark(nid, F.classify_field(tag, attrs, self.mem.labels.get(dom_id, "")))

    # -- rewriting -----------------------------------------------------------------------------------------------
    def attrs(self, nid: Any, tag: str, attrs: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kind = self.mem.kind(nid)
        typed = self.mem.is_field(nid) and tag != "option" and \
            str(attrs.get("type") or "").lower() not in BUTTON_TYPES
        for k, v in attrs.items():
            if not isinstance(k, str):
                continue
            if k == "value" and (typed or kind is not None):
                out[k] = _reduce_typed(v, kind, self.keep, self.found, where)
            elif not isinstance(v, str) or k in SKIP_ATTRS:
                out[k] = v if isinstance(v, int | float | bool) or v is None or k in SKIP_ATTRS else None
            else:
                out[k] = _mask(v, self.found, where, url=k in URL_ATTRS)
        return out

    def tree(self, root: Any, where: str, parent: Any = None) -> Any:
        """Pass 2: a copy of the tree with every value reduced (nodes of the wrong shape dropped)."""
        if not isinstance(root, dict):
            return None
        parent_typed = isinstance(parent, int) and parent in self.mem.holders
        out_root: dict[str, Any] = {}
        stack: list[tuple[dict[str, Any], dict[str, Any], int, str | None, bool]] = [
            (root, out_root, 0, self.mem.kind(parent) if parent_typed else None, parent_typed)]
        while stack:
            node, out, depth, kind_in, field_in = stack.pop()
            nid = node.get("id")
            for k, v in node.items():
                if k not in ("attributes", "childNodes", "textContent"):
                    out[k] = _mask(v, self.found, where) if isinstance(v, str) and k != "tagName" else v
            if node.get("type") == TEXT:
                text = node.get("textContent")
                kind = F.stricter(self.mem.kind(nid), kind_in)
                if not isinstance(text, str):
                    out["textContent"] = "" if "textContent" in node else None
                elif node.get("isStyle"):
                    out["textContent"] = text
                elif field_in or kind is not None or nid in self.mem.typed:
                    out["textContent"] = _reduce_typed(text, kind, self.keep, self.found, where)
                else:
                    out["textContent"] = _mask(text, self.found, where)
                continue
            if "textContent" in node:
                tc = node["textContent"]
                out["textContent"] = _mask(tc, self.found, where) if isinstance(tc, str) else None
            tag = str(node.get("tagName") or "").lower()
            attrs = node.get("attributes")
            if isinstance(attrs, dict):
                out["attributes"] = self.attrs(nid, tag, attrs, where)
            elif "attributes" in node:
                out["attributes"] = {}
            kids = node.get("childNodes")
            if "childNodes" not in node:
                continue
            out["childNodes"] = new_kids = []
            if not isinstance(kids, list) or depth >= MAX_DEPTH:
                continue
            holder = isinstance(nid, int) and nid in self.mem.holders  # a textarea, contenteditable or masked
            here_field = holder or field_in  # element: the text inside is typed input (select options are not)
            here_kind = F.stricter(self.mem.kind(nid), kind_in) if holder else kind_in
            for kid in kids:
                if isinstance(kid, dict):
                    new: dict[str, Any] = {}
                    new_kids.append(new)
                    stack.append((kid, new, depth + 1, here_kind, here_field))
        return out_root

    def mutation(self, data: dict[str, Any], where: str) -> dict[str, Any]:
        out = dict(data)
        adds = data.get("adds")
        if isinstance(adds, list):
            new_adds = []
            for a in adds:
                if isinstance(a, dict) and isinstance(a.get("node"), dict):
                    pid = a.get("parentId")
                    holder = isinstance(pid, int) and pid in self.mem.holders
                    self.classify_tree(a["node"], self.mem.kind(pid) if holder else None, holder)
            for a in adds:
                if isinstance(a, dict) and isinstance(a.get("node"), dict):
                    new_adds.append({**a, "node": self.tree(a["node"], where, a.get("parentId"))})
            out["adds"] = new_adds
        texts = data.get("texts")
        if isinstance(texts, list):
            new_texts = []
            for t in texts:
                if not isinstance(t, dict):
                    continue
                nid, value = t.get("id"), t.get("value")
                if isinstance(value, str) and (nid in self.mem.typed or self.mem.kind(nid) is not None):
                    value = _reduce_typed(value, self.mem.kind(nid), self.keep, self.found, where)
                elif isinstance(value, str):
                    value = _mask(value, self.found, where)
                elif value is not None:
                    value = None
                new_texts.append({**t, "value": value})
            out["texts"] = new_texts
        items = data.get("attributes")
        if isinstance(items, list):
            new_items = []
            for item in items:
                if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
                    continue
                nid, changed = item.get("id"), item["attributes"]
                self.reclassify(nid, changed)
                reduced: dict[str, Any] = {}
                for k, v in changed.items():
                    if not isinstance(k, str):
                        continue
                    if k == "value":  # a value set by a script: typed-like, whatever the node
                        reduced[k] = _reduce_typed(v, self.mem.kind(nid), self.keep, self.found, where) \
                            if isinstance(v, str) else None
                    elif isinstance(v, str) and k not in SKIP_ATTRS:
                        reduced[k] = _mask(v, self.found, where, url=k in URL_ATTRS)
                    elif k == "style" and isinstance(v, dict):
                        reduced[k] = v
                    else:
                        reduced[k] = v if v is None or isinstance(v, str | int | float | bool) else None
                new_items.append({**item, "attributes": reduced})
            out["attributes"] = new_items
        return out

    def event(self, e: dict[str, Any]) -> dict[str, Any] | None:
        typ = e.get("type")
        data = e.get("data")
        if not isinstance(data, dict):
            return {k: v for k, v in e.items() if k != "data"} if "data" in e else dict(e)
        out = dict(e)
        if typ == 2:
            node = data.get("node")
            self.classify_tree(node)
            out["data"] = {**data, "node": self.tree(node, "snapshot")}
        elif typ == 3:
            src = data.get("source")
            if src == 5:
                nid = data.get("id")
                text = data.get("text")
                kind = self.mem.kind(nid)
                out["data"] = {**data, "text": _reduce_typed(text, kind, self.keep, self.found, "input")
                               if isinstance(text, str) else None}
            elif src == 0:
                out["data"] = self.mutation(data, "mutation")
            elif src in (1, 2, 3, 4, 6, 7, 9, 10, 12, 14, 8, 13, 15, 16):
                out["data"] = data  # positions, clicks, scrolls, sizes, media, CSS: no typed values
            else:
                out["data"] = scrub_value(data, self.found, "incremental")
        elif typ == 4:
            href = data.get("href")
            out["data"] = {**data, "href": _mask(href, self.found, "meta href", url=True)
                           if isinstance(href, str) else None}
        elif typ in (0, 1):
            out["data"] = data
        else:
            out["data"] = scrub_value(data, self.found, "custom" if typ == 5 else "plugin")
        return out


def _text_of(node: dict[str, Any], limit: int = 300) -> str:
    parts: list[str] = []
    stack: list[tuple[Any, int]] = [(node, 0)]
    size = 0
    while stack and size < limit:
        n, depth = stack.pop()
        if not isinstance(n, dict) or depth > 50:
            continue
        if n.get("type") == TEXT and isinstance(n.get("textContent"), str):
            parts.append(n["textContent"])
            size += len(n["textContent"])
        kids = n.get("childNodes")
        if isinstance(kids, list):
            stack.extend((k, depth + 1) for k in reversed(kids))
    return " ".join(" ".join(parts).split())[:limit]


def scrub_rrweb_events(events: list[dict[str, Any]], memory: FieldMemory, keep_values: bool = False, *,
                       found: Found | None = None) -> list[dict[str, Any]]:
    """The events with every stored value reduced (module doc); ``memory`` is updated for the next batch."""
    s = _Scrubber(memory, keep_values, found)
    out: list[dict[str, Any]] = []
    for e in events if isinstance(events, list) else ():
        if not isinstance(e, dict):
            continue
        try:
            new = s.event(e)
        except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError):
            _count(found, "unreadable", "event")
            continue
        if new is not None:
            out.append(new)
    return out
