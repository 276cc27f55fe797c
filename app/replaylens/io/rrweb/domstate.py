"""The DOM of a page over time: a FullSnapshot tree with the page's incremental snapshots applied in time order.

rrweb records a page once (FullSnapshot) and then only changes. ``DomState`` keeps a private copy of the
serialised tree (the same ``{type, tagName, attributes, childNodes, id, textContent}`` dicts a snapshot has) and
applies, in the order recorded:

* **Mutations** (source 0): ``removes`` (a node and its subtree leave their parent), ``adds`` (a serialised node
  inserted before ``nextId`` or appended; adds listed before their parent or next sibling are retried, rrweb lists
  new subtrees in any order), ``texts`` (a text node's content), ``attributes`` (a value, ``null`` removes it, an
  object is a style declaration map merged into ``style``).
* **Style-sheet rules** (8): rules inserted into / deleted from a ``<style>``'s (or inlined link's) CSS by top-level
  rule index; **style declarations** (13): a property set or removed in rule ``index[0]``; **adopted style sheets**
  (15, and rules aimed at a ``styleId``): kept per sheet and added to the document as one extra ``<style>``.
* **Input** (5): ``value`` / ``checked`` of the field. What the page then shows of a value is decided by the
  renderer with the one secret rule (``io/rrweb/fields.py``): secret fields are a hatched box, every other value is
  masked unless the user chose to see non-secret values.
* **Element scrolls** (3 on an element): kept as ``rr_scrollLeft``/``rr_scrollTop`` (a screenshot shows none).

Nothing here trusts the recording: the tree only ever holds nodes the file itself contains (no growth beyond the
file's size), malformed items are skipped, and the HTML built from the tree goes through the same sanitiser
(``html.snapshot_to_html``) as a FullSnapshot. Pure Python, no Qt.
"""

from __future__ import annotations

import re
from typing import Any

ELEMENT, TEXT, DOCUMENT = 2, 3, 0
MAX_ADD_PASSES = 50  # passes over one mutation's adds to place nodes listed before their parent / next sibling
#: Children scanned to place or remove nodes, per state: past this a hostile list of sibling inserts (quadratic)
#: appends instead of searching (counted in ``skipped``), so no small file can make the replay take hours.
MAX_SCAN = 20_000_000
#: Adopted sheets: id of the synthetic ``<style>`` node that carries them (ids in recordings are positive).
_ADOPTED_ID = -7


def copy_tree(node: dict[str, Any]) -> dict[str, Any]:
    """An independent copy of a serialised node tree (iterative: recorded trees may nest thousands deep)."""
    root = _copy_one(node)
    stack = [(node, root)]
    while stack:
        src, dst = stack.pop()
        kids = src.get("childNodes")
        if isinstance(kids, list):
            out = []
            for k in kids:
                if isinstance(k, dict):
                    c = _copy_one(k)
                    out.append(c)
                    stack.append((k, c))
            dst["childNodes"] = out
    return root


def _copy_one(node: dict[str, Any]) -> dict[str, Any]:
    c = {k: v for k, v in node.items() if k != "childNodes"}
    if isinstance(c.get("attributes"), dict):
        c["attributes"] = dict(c["attributes"])
    return c


def split_rules(css: str) -> list[str]:
    """Top-level CSS rules of a sheet's text (``a{..}``, ``@media ..{..{..}}``, ``@import ..;``), in order."""
    rules: list[str] = []
    depth, start, i, n = 0, 0, 0, len(css)
    while i < n:
        ch = css[i]
        if ch == "/" and css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch in "\"'":
            j = i + 1
            while j < n and css[j] != ch:
                j += 2 if css[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
            if depth == 0:
                rules.append(css[start:i + 1].strip())
                start = i + 1
        elif ch == ";" and depth == 0:
            rules.append(css[start:i + 1].strip())
            start = i + 1
        i += 1
    tail = css[start:].strip()
    if tail:
        rules.append(tail)
    return [r for r in rules if r]


def _set_declaration(rule: str, prop: str, value: str | None, priority: str = "") -> str:
    """``rule`` with ``prop`` set to ``value`` (appended: the last declaration wins) or removed (value None)."""
    a, b = rule.find("{"), rule.rfind("}")
    if a < 0 or b < a:
        return rule
    body = re.sub(r"(^|;)\s*" + re.escape(prop) + r"\s*:[^;]*", r"\1", rule[a + 1:b], flags=re.I)
    if value is not None:
        body = body.rstrip().rstrip(";") + f";{prop}:{value}{' !' + priority if priority else ''};"
    return rule[:a + 1] + body + rule[b:]


def _style_attr(old: Any, changes: dict[str, Any]) -> str:
    """Merge rrweb's style-object attribute value (``{prop: value | [value, priority] | false}``) into a style."""
    decls: dict[str, str] = {}
    for part in str(old or "").split(";"):
        if ":" in part:
            k, v = part.split(":", 1)
            decls[k.strip().lower()] = v.strip()
    for k, v in changes.items():
        k = str(k).strip().lower()
        if v is False or v is None:
            decls.pop(k, None)
        elif isinstance(v, list) and v:
            decls[k] = str(v[0]) + (f" !{v[1]}" if len(v) > 1 and v[1] else "")
        else:
            decls[k] = str(v)
    return "; ".join(f"{k}: {v}" for k, v in decls.items() if k)


class DomState:
    """A mutable copy of one snapshot tree; ``apply(source, data)`` applies one incremental snapshot."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.root = copy_tree(snapshot)
        self.by_id: dict[Any, dict[str, Any]] = {}
        self.parent: dict[Any, dict[str, Any]] = {}
        self.skipped = 0  # items that named unknown nodes or were malformed
        self._sheets: dict[Any, list[str]] = {}  # adopted style sheets by styleId
        self._adopted: dict[Any, list[Any]] = {}  # host node id -> styleIds
        self._scanned = 0
        self._index(self.root, None)

    # -- tree bookkeeping ----------------------------------------------------------------------------------------
    def _index(self, node: dict[str, Any], parent: dict[str, Any] | None) -> None:
        stack = [(node, parent)]
        while stack:
            cur, par = stack.pop()
            nid = cur.get("id")
            if nid is not None:
                self.by_id[nid] = cur
                if par is not None:
                    self.parent[nid] = par
            kids = cur.get("childNodes")
            if isinstance(kids, list):
                stack.extend((k, cur) for k in kids if isinstance(k, dict))

    def _forget(self, node: dict[str, Any]) -> None:
        stack = [node]
        while stack:
            cur = stack.pop()
            nid = cur.get("id")
            if self.by_id.get(nid) is cur:
                del self.by_id[nid]
                self.parent.pop(nid, None)
            kids = cur.get("childNodes")
            if isinstance(kids, list):
                stack.extend(k for k in kids if isinstance(k, dict))

    def _position(self, kids: list[Any], node: Any) -> int | None:
        """Index of ``node`` (by identity) in ``kids``; None when absent or the scan budget is spent."""
        if self._scanned > MAX_SCAN:
            self.skipped += 1
            return None
        for j, k in enumerate(kids):
            if k is node:
                self._scanned += j + 1
                return j
        self._scanned += len(kids)
        return None

    def _unlink(self, par: dict[str, Any], node: dict[str, Any]) -> None:
        kids = self._kids(par)
        j = self._position(kids, node)
        if j is not None:
            del kids[j]

    @staticmethod
    def _kids(node: dict[str, Any]) -> list[Any]:
        if not isinstance(node.get("childNodes"), list):
            node["childNodes"] = []
        return node["childNodes"]

    @staticmethod
    def _attrs(node: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(node.get("attributes"), dict):
            node["attributes"] = {}
        return node["attributes"]

    # -- incremental snapshots -----------------------------------------------------------------------------------
    def apply(self, source: int, data: dict[str, Any]) -> None:
        if source == 0:
            self._mutation(data)
        elif source == 5:
            self._input(data)
        elif source == 3:
            node = self.by_id.get(data.get("id"))
            if node is not None and node.get("type") == ELEMENT:
                a = self._attrs(node)
                for key, name in (("x", "rr_scrollLeft"), ("y", "rr_scrollTop")):
                    if type(data.get(key)) in (int, float):
                        a[name] = str(data[key])
        elif source == 8:
            self._sheet_rules(data)
        elif source == 13:
            self._declaration(data)
        elif source == 15:
            self._adopt(data)

    def _mutation(self, data: dict[str, Any]) -> None:
        for item in _items(data.get("removes")):
            node = self.by_id.get(item.get("id"))
            par = self.parent.get(item.get("id")) if node is not None else None
            if node is None or par is None:
                self.skipped += 1
                continue
            self._unlink(par, node)
            self._forget(node)
        self._adds(list(_items(data.get("adds"))))
        for item in _items(data.get("texts")):
            node = self.by_id.get(item.get("id"))
            if node is None or not isinstance(item.get("value"), str | type(None)):
                self.skipped += 1
                continue
            node["textContent"] = item.get("value") or ""
        for item in _items(data.get("attributes")):
            node = self.by_id.get(item.get("id"))
            changes = item.get("attributes")
            if node is None or not isinstance(changes, dict):
                self.skipped += 1
                continue
            attrs = self._attrs(node)
            for k, v in changes.items():
                if not isinstance(k, str):
                    continue
                if v is None:
                    attrs.pop(k, None)
                elif isinstance(v, dict) and k.lower() == "style":
                    attrs[k] = _style_attr(attrs.get(k), v)
                elif isinstance(v, str | int | float | bool):
                    attrs[k] = v

    def _adds(self, adds: list[dict[str, Any]]) -> None:
        pending = adds
        for _ in range(MAX_ADD_PASSES):
            if not pending:
                return
            later = []
            for item in pending:
                node, par = item.get("node"), self.by_id.get(item.get("parentId"))
                nxt = item.get("nextId")
                if not isinstance(node, dict) or par is None or (nxt not in (None, -1) and nxt not in self.by_id):
                    later.append(item)  # (-1: rrweb's "next sibling unknown", placed by previousId or appended)
                    continue
                self._insert(par, node, nxt, item.get("previousId"))
            if len(later) == len(pending):
                break
            pending = later
        for item in pending:  # next sibling never arrived: append; unknown parent: skipped
            if isinstance(node := item.get("node"), dict) and (par := self.by_id.get(item.get("parentId"))):
                self._insert(par, node, None, item.get("previousId"))
            else:
                self.skipped += 1

    def _insert(self, par: dict[str, Any], node: dict[str, Any], nxt: Any, prev: Any = None) -> None:
        """As rrweb's replayer: after ``previousId`` when it is a child of the parent, else before ``nextId``,
        else appended."""
        new = copy_tree(node)
        old = self.by_id.get(new.get("id"))
        if old is not None:  # a node re-added (moved): it leaves its old place first
            op = self.parent.get(new.get("id"))
            if op is not None:
                self._unlink(op, old)
            self._forget(old)
        kids = self._kids(par)
        pos = None
        if prev not in (None, -1) and self.parent.get(prev) is par:
            after = self._position(kids, self.by_id.get(prev))
            pos = None if after is None else after + 1
        if pos is None and nxt not in (None, -1) and self.parent.get(nxt) is par:
            pos = self._position(kids, self.by_id.get(nxt))
        kids.insert(len(kids) if pos is None else pos, new)
        self._index(new, par)

    def _input(self, data: dict[str, Any]) -> None:
        node = self.by_id.get(data.get("id"))
        if node is None or node.get("type") != ELEMENT:
            self.skipped += 1
            return
        attrs = self._attrs(node)
        if isinstance(data.get("text"), str):
            attrs["value"] = data["text"]
            if str(node.get("tagName", "")).lower() == "textarea":  # the text child is the shown value
                node["childNodes"] = []
        if data.get("isChecked") is True:
            attrs["checked"] = True
        elif data.get("isChecked") is False:
            attrs.pop("checked", None)

    # -- style sheets --------------------------------------------------------------------------------------------
    def _rules_of(self, data: dict[str, Any]) -> tuple[list[str], Any] | None:
        if data.get("styleId") is not None and data.get("id") is None:
            return self._sheets.setdefault(data.get("styleId"), []), None
        node = self.by_id.get(data.get("id"))
        if node is None or node.get("type") != ELEMENT:
            return None
        attrs = self._attrs(node)
        css = attrs.get("_cssText")
        if not isinstance(css, str):
            css = "".join(str(k.get("textContent", "")) for k in self._kids(node)
                          if isinstance(k, dict) and k.get("type") == TEXT)
        return split_rules(css), node

    def _store(self, rules: list[str], node: dict[str, Any] | None) -> None:
        if node is not None:
            self._attrs(node)["_cssText"] = "\n".join(rules)
        else:
            self._refresh_adopted()

    def _sheet_rules(self, data: dict[str, Any]) -> None:
        got = self._rules_of(data)
        if got is None:
            self.skipped += 1
            return
        rules, node = got
        for item in _items(data.get("removes")):
            i = None if _nested(item.get("index")) else _top_index(item.get("index"))
            if i is not None and 0 <= i < len(rules):
                del rules[i]
        for item in _items(data.get("adds")):
            rule = item.get("rule")
            if not isinstance(rule, str) or _nested(item.get("index")):
                self.skipped += 1  # a rule inside a grouping rule (@media): not placed rather than misplaced
                continue
            i = _top_index(item.get("index"))
            rules.insert(len(rules) if i is None else max(0, min(i, len(rules))), rule)
        if isinstance(data.get("replace"), str):  # CSSStyleSheet.replace(Sync)
            rules[:] = split_rules(data["replace"])
        self._store(rules, node)

    def _declaration(self, data: dict[str, Any]) -> None:
        got = self._rules_of(data)
        i = _top_index(data.get("index"))
        if got is None or i is None or not 0 <= i < len(got[0]):
            self.skipped += 1
            return
        rules, node = got
        s, r = data.get("set"), data.get("remove")
        if isinstance(s, dict) and isinstance(s.get("property"), str):
            val = s.get("value")
            rules[i] = _set_declaration(rules[i], s["property"], None if val is None else str(val),
                                        str(s.get("priority") or ""))
        elif isinstance(r, dict) and isinstance(r.get("property"), str):
            rules[i] = _set_declaration(rules[i], r["property"], None)
        self._store(rules, node)

    def _adopt(self, data: dict[str, Any]) -> None:
        for st in _items(data.get("styles")):
            rules = self._sheets.setdefault(st.get("styleId"), [])
            for item in _items(st.get("rules")):
                if isinstance(item.get("rule"), str):
                    i = _top_index(item.get("index"))
                    rules.insert(len(rules) if i is None else max(0, min(i, len(rules))), item["rule"])
        ids = data.get("styleIds")
        if isinstance(ids, list):
            self._adopted[data.get("id")] = list(ids)
        self._refresh_adopted()

    def _refresh_adopted(self) -> None:
        css = "\n".join(r for ids in self._adopted.values() for sid in ids for r in self._sheets.get(sid, ()))
        node = self.by_id.get(_ADOPTED_ID)
        if node is None:
            elements = [n for n in self.by_id.values() if n.get("type") == ELEMENT]
            host = next((n for n in elements if str(n.get("tagName", "")).lower() == "head"), None) or \
                next(iter(elements), None)
            if host is None:
                return
            node = {"type": ELEMENT, "tagName": "style", "attributes": {}, "childNodes": [], "id": _ADOPTED_ID}
            self._kids(host).append(node)
            self._index(node, host)
        self._attrs(node)["_cssText"] = css


def _items(val: Any) -> list[dict[str, Any]]:
    return [v for v in val if isinstance(v, dict)] if isinstance(val, list) else []


def _nested(val: Any) -> bool:
    return isinstance(val, list) and len(val) > 1


def _top_index(val: Any) -> int | None:
    """A rule index: an int, or rrweb's path into nested rules (its first step: the top-level rule)."""
    if isinstance(val, list):
        val = val[0] if val else None
    return val if type(val) is int else None
