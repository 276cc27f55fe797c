"""The node map of an rrweb recording: what each node id of each snapshot is, for target information.

A FullSnapshot serialises the DOM as a tree of nodes, each with an ``id`` that later events refer to; Mutation events
add nodes under existing parents. Node ids restart with every FullSnapshot, so a node is keyed by
``(segment, id)`` where a segment is one FullSnapshot of one window. Walking the tree is one short Python step per node
(iterative, depth-capped); looking events up is vectorised (``np.searchsorted`` on packed int64 keys). Selectors and
text labels are built only for the nodes events actually hit.

Inherited flags (a node's own flags OR its parent's, so a ``<span>`` inside a ``<button>`` is interactive) are
computed on first use, for the nodes events hit and their ancestors only: the walk itself only records each node,
its parent and its id (a snapshot has thousands of nodes, the events hit a few hundred). The flags themselves
(interactive, fixed, masked, secret, editable, hidden) are ``node_flags``'.

Attribute mutations: a node whose attributes later make it secret or masking (``type`` → password, an
``autocomplete`` token, a mask class, ...) is marked for good (sticky), so its values are dropped for the whole
recording, before the change too; ``is_secret`` then also looks at its ancestors' marks. Only mutations touching
the attributes the rule reads are evaluated (one dict merge per such item; mutations are far fewer than pointer
events).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import repeat
from typing import Any

import numpy as np

from replaylens.io.rrweb import secrets
from replaylens.io.rrweb.a11y import MASKED_LABEL
from replaylens.io.rrweb.node_flags import _F_FIXED, _F_HIDDEN, _F_INTERACTIVE, _F_MASKED, _F_SECRET
from replaylens.io.rrweb.node_flags import own_flags as _own_flags

#: Deeper nodes are not indexed (their events get no target info); real DOMs stay far below this.
MAX_DEPTH = 1000
#: Passes over one mutation's added nodes to place children listed before their parents (each pass is linear).
MAX_MUTATION_PASSES = 50
LABEL_CHARS = 80

_SKIP_TEXT = frozenset({"script", "style", "noscript", "template"})

ELEMENT, TEXT, DOCUMENT = 2, 3, 0


def _attrs(node: dict[str, Any]) -> dict[str, Any]:
    a = node.get("attributes")
    return a if isinstance(a, dict) else {}


class NodeTable:
    """Every node of every snapshot segment, as parallel Python lists finalised into numpy arrays."""

    def __init__(self) -> None:
        self.seg_maps: list[dict[int, int]] = []  # per segment: node id -> row
        self.nodes: list[dict[str, Any]] = []  # the serialised node (kept by reference, for labels)
        self.parent: list[int] = []  # row of the parent node, -1 at the root
        self._runs: tuple[list[int], list[int]] = ([], [])  # (first row, segment) of each walk: rows -> segment
        self._flags: dict[int, int] = {}  # row -> inherited flags (own | parent's), once asked for (``flag``)
        self._extra: dict[int, int] = {}  # row -> _F_MASKED/_F_SECRET bits it gained later (sticky)
        self.late: set[int] = set()  # rows that became secret or masking through an attribute mutation
        self._mutated: dict[int, dict[str, Any]] = {}  # row -> its attributes after the mutations seen so far
        self.doc_scroll_ids: list[set[int]] = []  # per segment: ids whose scroll is the document's
        self.too_deep = 0
        self._keys: np.ndarray | None = None
        self._rows: np.ndarray | None = None
        self._labels: dict[int, str] = {}

    # -- building ------------------------------------------------------------------------------------------------
    def new_segment(self, root: dict[str, Any]) -> int:
        """Index a FullSnapshot tree; returns its segment number."""
        seg = len(self.seg_maps)
        self.seg_maps.append({})
        self.doc_scroll_ids.append(set())
        self._walk(seg, root, -1, 0)
        doc = self.doc_scroll_ids[seg]
        # the document scrolls as the document node or as document.scrollingElement (html; body in quirks mode)
        if isinstance(root.get("id"), int):
            doc.add(root["id"])
        kids = [c for c in root.get("childNodes") or [] if isinstance(c, dict)]
        quirks = not any(c.get("type") == 1 for c in kids)
        for html in kids:
            if html.get("type") == ELEMENT and str(html.get("tagName", "")).lower() == "html":
                if isinstance(html.get("id"), int):
                    doc.add(html["id"])
                for body in html.get("childNodes") or []:
                    if quirks and isinstance(body, dict) and str(body.get("tagName", "")).lower() == "body" \
                            and isinstance(body.get("id"), int):
                        doc.add(body["id"])
        self._keys = None
        return seg

    def add_mutation_nodes(self, seg: int, adds: list[Any]) -> None:
        """Index nodes added by a Mutation (``adds: [{parentId, node}]``) under their parents."""
        smap = self.seg_maps[seg]
        todo = [a for a in adds if isinstance(a, dict) and isinstance(a.get("node"), dict)]
        batch = {a["node"].get("id") for a in todo}
        # rrweb may list a node before the parent added in the same batch (search results, lists): nodes whose
        # parent is not known yet wait for a later pass, so they inherit its flags (a <span> inside a new <a>)
        for _ in range(MAX_MUTATION_PASSES):
            later = []
            for add in todo:
                pid = add.get("parentId")
                if isinstance(pid, int) and pid not in smap and pid in batch:
                    later.append(add)
                    continue
                prow = smap.get(pid, -1) if isinstance(pid, int) else -1
                self._walk(seg, add["node"], prow, 0)
            done = len(later) == len(todo)
            todo = later
            if not todo or done:
                break
        for add in todo:  # a cycle or a parent that never comes: index them without a parent
            self._walk(seg, add["node"], -1, 0)
        self._keys = None

    def apply_attributes(self, seg: int, items: list[Any]) -> None:
        """Record attribute mutations (``attributes: [{id, attributes: {name: value|null}}]``) that make a node
        secret or masking; the mark is sticky (a field that was a password once stays secret)."""
        smap = self.seg_maps[seg]
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
                continue
            changed = item["attributes"]
            if secrets.RULE_ATTRS.isdisjoint(k.lower() for k in changed if isinstance(k, str)):
                continue
            nid = item.get("id")
            row = smap.get(nid, -1) if isinstance(nid, int) and not isinstance(nid, bool) else -1
            if row < 0:
                continue
            cur = self._mutated.get(row)
            if cur is None:
                cur = self._mutated[row] = dict(_attrs(self.nodes[row]))
            for k, v in changed.items():
                if not isinstance(k, str):
                    continue
                if v is None or v is False:
                    cur.pop(k, None)
                else:
                    cur[k] = "" if v is True else v if isinstance(v, str) else str(v)
            bits = _own_flags(self.tag(row), cur) & (_F_MASKED | _F_SECRET)
            had = self.own_bits(row)
            if bits & ~had:
                self._extra[row] = self._extra.get(row, 0) | bits
                self.late.add(row)

    def _walk(self, seg: int, root: dict[str, Any], parent_row: int, depth0: int) -> None:
        smap, nodes, parents, late = self.seg_maps[seg], self.nodes, self.parent, self.late
        starts, segs = self._runs
        if not segs or segs[-1] != seg:
            starts.append(len(nodes))
            segs.append(seg)
        stack: list[tuple[Any, int, int]] = [(root, parent_row, depth0)]
        pop, extend = stack.pop, stack.extend
        while stack:
            node, prow, depth = pop()
            if type(node) is not dict:
                continue
            if depth > MAX_DEPTH:
                self.too_deep += 1
                continue
            row = len(nodes)
            nodes.append(node)
            parents.append(prow)
            nid = node.get("id")
            if type(nid) is int:
                if late:
                    old = smap.get(nid)
                    if old is not None and old in late:  # re-added by a mutation: the id stays secret
                        self._extra[row] = self.own_bits(old)
                        late.add(row)
                smap[nid] = row
            kids = node.get("childNodes")
            if type(kids) is list and kids:
                extend(zip(reversed(kids), repeat(row), repeat(depth + 1)))

    def segment_of(self, row: int) -> int:
        """The snapshot segment a row belongs to (-1 for none)."""
        starts, segs = self._runs
        k = bisect_right(starts, row) - 1
        return segs[k] if 0 <= row < len(self.nodes) and k >= 0 else -1

    # -- flags (computed on first use) -------------------------------------------------------------------------------
    def _own(self, row: int) -> int:
        node = self.nodes[row]
        return _own_flags(str(node.get("tagName", "")).lower(), _attrs(node)) if node.get("type") == ELEMENT else 0

    def flag(self, row: int) -> int:
        """The inherited flags of ``row`` (its own | its ancestors'), as of the snapshot or the adding mutation."""
        flags, parent = self._flags, self.parent
        f = flags.get(row)
        if f is not None:
            return f
        chain = []
        r = row
        while r >= 0 and r not in flags:
            chain.append(r)
            r = parent[r]
        f = flags[r] if r >= 0 else 0
        for r in reversed(chain):
            f |= self._own(r)
            flags[r] = f
        return f

    def own_bits(self, row: int) -> int:
        """The node's own _F_MASKED/_F_SECRET bits, with those an attribute mutation gave it (sticky)."""
        return (self._own(row) & (_F_MASKED | _F_SECRET)) | self._extra.get(row, 0)

    # -- lookup ----------------------------------------------------------------------------------------------------
    def _index(self) -> tuple[np.ndarray, np.ndarray]:
        if self._keys is None or self._rows is None:
            keys: list[int] = []
            rows: list[int] = []
            for seg, smap in enumerate(self.seg_maps):
                keys.extend((seg << 32) | (i & 0xFFFFFFFF) for i in smap)
                rows.extend(smap.values())
            k = np.asarray(keys, dtype=np.int64)
            order = np.argsort(k, kind="stable")
            self._keys, self._rows = k[order], np.asarray(rows, dtype=np.int64)[order]
        return self._keys, self._rows

    def lookup(self, seg: np.ndarray, nid: np.ndarray) -> np.ndarray:
        """Row of each (segment, node id) pair, -1 when unknown (seg < 0 or id missing). Vectorised."""
        out = np.full(seg.shape, -1, dtype=np.int64)
        keys, rows = self._index()
        ok = (seg >= 0) & (nid >= 0) & (nid <= 0xFFFFFFFF)
        if not keys.size or not ok.any():
            return out
        q = (seg[ok].astype(np.int64) << 32) | nid[ok].astype(np.int64)
        pos = np.clip(np.searchsorted(keys, q), 0, keys.size - 1)
        hit = keys[pos] == q
        res = np.where(hit, rows[pos], -1)
        out[ok] = res
        return out

    def flags_of(self, rows: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each row: interactive, fixed and hidden (``hidden``, ``aria-hidden``, ``display: none``, a hiding
        class, ``input type=hidden``, or inside one), from the inherited flags."""
        f = np.asarray([self.flag(r) for r in rows], dtype=np.int16)
        return (f & _F_INTERACTIVE) > 0, (f & _F_FIXED) > 0, (f & _F_HIDDEN) > 0

    # -- per targeted node (only the distinct nodes events hit) --------------------------------------------------------
    def element_row(self, row: int) -> int:
        """The row itself for elements, else the nearest element ancestor (text nodes report their parent)."""
        while row >= 0 and self.nodes[row].get("type") != ELEMENT:
            row = self.parent[row]
        return row

    def node_id(self, row: int) -> int:
        """The rrweb id of the node at ``row``, -1 for none."""
        nid = self.nodes[row].get("id") if row >= 0 else None
        return nid if isinstance(nid, int) and not isinstance(nid, bool) and 0 <= nid <= 0xFFFFFFFF else -1

    def tag(self, row: int) -> str:
        return str(self.nodes[row].get("tagName", "")).lower()[:40]

    def selector(self, row: int) -> str:
        """A short CSS-like selector: ``tag#id.class1.class2``; bare tags get their parent's as context."""
        own = self._own_selector(row)
        if "#" in own or "." in own:
            return own
        prow = self.element_row(self.parent[row])
        return f"{self._own_selector(prow)} > {own}" if prow >= 0 else own

    def _own_selector(self, row: int) -> str:
        node = self.nodes[row]
        attrs = _attrs(node)
        sel = self.tag(row) or "node"
        ident = attrs.get("id")
        if isinstance(ident, str) and ident.strip() and len(ident) <= 60:
            sel += "#" + ident.strip().replace(" ", "_")
        classes = [c for c in str(attrs.get("class") or "").split() if not c.startswith("rr-") and len(c) <= 40]
        return sel + "".join("." + c for c in classes[:3])

    def input_type(self, row: int) -> str | None:
        tag = self.tag(row)
        attrs = _attrs(self.nodes[row])
        if tag == "input":
            return str(attrs.get("type") or "text").lower()[:30]
        if tag in ("textarea", "select"):
            return tag
        if tag == "button":  # submit, button or reset; a button without a type submits its form
            return str(attrs.get("type") or "submit").lower()[:30]
        if str(attrs.get("contenteditable", "false")).lower() not in ("false", ""):
            return "contenteditable"
        return None

    def is_secret(self, row: int) -> bool:
        """A node whose values must never be stored (``secrets`` rule): secret on its own attributes, inside a
        secret/masking element, or made one of these by an attribute mutation (its own or an ancestor's)."""
        if self.flag(row) & _F_SECRET:
            return True
        return self._late(row, _F_SECRET)

    def attribute_states(self, row: int) -> list[dict[str, Any]]:
        """The element's attributes as snapshotted, and after the rule-relevant mutations (if any)."""
        later = self._mutated.get(row)
        return [_attrs(self.nodes[row])] + ([later] if later is not None else [])

    def is_masked(self, row: int) -> bool:
        """Inside a masking element (text hidden too), from the snapshot or a later mutation."""
        return bool(self.flag(row) & _F_MASKED) or self._late(row, _F_MASKED)

    def _late(self, row: int, bit: int) -> bool:
        if not self.late:
            return False
        depth = 0
        while row >= 0 and depth <= MAX_DEPTH + 1:
            if row in self.late and self.own_bits(row) & bit:
                return True
            row, depth = self.parent[row], depth + 1
        return False

    def secret_nodes(self, seg: int) -> secrets.SecretNodes:
        """Ids of the segment's nodes that are secret / masking on their own at some time (for the renderer)."""
        own = {i: self.own_bits(r) for i, r in self.seg_maps[seg].items()}
        sec = frozenset(i for i, bits in own.items() if bits & _F_SECRET)
        mask = frozenset(i for i, bits in own.items() if bits & _F_MASKED)
        return secrets.SecretNodes(secret=sec, masking=mask)

    def label(self, row: int) -> str:
        """Visible text of an element (trimmed, first 80 characters); masked elements give ``[masked]``. The text
        inside a form field (textarea, select, contenteditable) is what the user typed or chose: never a label.
        Asked for once the recording is mapped (remembered per row)."""
        got = self._labels.get(row)
        if got is None:
            got = self._labels[row] = self._label(row)
        return got

    def _label(self, row: int) -> str:
        if self.is_masked(row):
            return MASKED_LABEL
        node = self.nodes[row]
        attrs = _attrs(node)
        for key in ("aria-label", "title", "alt"):
            if isinstance(attrs.get(key), str) and attrs[key].strip():
                return _trim(attrs[key])
        tag = self.tag(row)
        if tag == "input":
            kind = str(attrs.get("type") or "").lower()
            if kind in ("submit", "button", "reset") and isinstance(attrs.get("value"), str):
                return _trim(attrs["value"])
            return _trim(str(attrs.get("placeholder") or ""))
        if secrets.is_field(tag, attrs) or self.is_secret(row):  # a field's own text, or text inside a secret one
            return _trim(str(attrs.get("placeholder") or attrs.get("aria-placeholder") or ""))
        parts: list[str] = []
        size = 0
        stack: list[Any] = list(reversed(node.get("childNodes") or []))
        while stack and size < LABEL_CHARS * 2:
            n = stack.pop()
            if not isinstance(n, dict):
                continue
            if n.get("type") == TEXT and not n.get("isStyle"):
                text = n.get("textContent")
                if isinstance(text, str) and text.strip():
                    parts.append(text.strip())
                    size += len(text)
            elif n.get("type") == ELEMENT and str(n.get("tagName", "")).lower() not in _SKIP_TEXT:
                if secrets.is_masking(_attrs(n)):
                    parts.append(MASKED_LABEL)  # a masked descendant's text never reaches a label
                    continue
                if secrets.is_field(str(n.get("tagName", "")).lower(), _attrs(n)):
                    continue  # a field inside (a label wrapping its input): its typed text is no part of a name
                stack.extend(reversed(n.get("childNodes") or []))
        return _trim(" ".join(parts)) or _trim(str(attrs.get("placeholder") or ""))

    def title(self, seg: int) -> str:
        """Text of the snapshot's ``<title>`` (first one found), or ''."""
        for row in self.seg_maps[seg].values():
            node = self.nodes[row]
            if node.get("type") == ELEMENT and str(node.get("tagName", "")).lower() == "title":
                kids = node.get("childNodes") or []
                return _trim(" ".join(str(k.get("textContent") or "") for k in kids if isinstance(k, dict)), 200)
        return ""


def _trim(s: str, n: int = LABEL_CHARS) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"
