"""A session's memory of its card and secret fields, kept across batches of rrweb events (``rrweb.scrub``).

Node ids of fields known to be card/secret fields (and the text nodes inside form fields, whose text is typed
input), the form fields' rule attributes (so a later attribute mutation is judged on the whole set), and the text
of ``<label for=...>`` elements by DOM id (a field added later is named by a label seen earlier). A kind only ever
gets stricter: once a card field, always one. ``to_json`` / ``from_json`` round-trip it (a collector keeps it
beside its spool); a damaged text gives what could be read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from replaylens.io.privacy import fields as F


@dataclass
class FieldMemory:
    """Per session: the node ids known to be card/secret fields (and the text nodes inside them), the form fields'
    rule attributes, and ``<label for=...>`` texts by DOM id. A kind only ever gets stricter."""

    kinds: dict[int, str] = field(default_factory=dict)
    typed: set[int] = field(default_factory=set)  # text nodes inside a text holder (their text is typed input)
    holders: set[int] = field(default_factory=set)  # textarea / contenteditable fields and masked elements
    fields: dict[int, tuple[str, dict[str, str]]] = field(default_factory=dict)  # id -> (tag, rule attributes)
    labels: dict[str, str] = field(default_factory=dict)  # DOM id -> text of the <label for=> naming it
    dom_ids: dict[str, int] = field(default_factory=dict)  # DOM id -> node id of a form field

    def kind(self, nid: Any) -> str | None:
        return self.kinds.get(nid) if isinstance(nid, int) else None

    def mark(self, nid: Any, kind: str | None) -> None:
        if isinstance(nid, int) and kind is not None:
            self.kinds[nid] = F.stricter(self.kinds.get(nid), kind) or kind

    def is_field(self, nid: Any) -> bool:
        return isinstance(nid, int) and nid in self.fields

    def to_json(self) -> str:
        return json.dumps({"version": 1, "kinds": {str(k): v for k, v in self.kinds.items()},
                           "typed": sorted(self.typed), "holders": sorted(self.holders),
                           "fields": {str(k): [t, a] for k, (t, a) in self.fields.items()},
                           "labels": self.labels, "dom_ids": self.dom_ids}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FieldMemory:
        """The memory saved by ``to_json``; a damaged text gives what could be read (kinds first)."""
        mem = cls()
        try:
            data = json.loads(text)
        except (TypeError, ValueError):
            return mem
        if not isinstance(data, dict):
            return mem
        for k, v in (data.get("kinds") or {}).items() if isinstance(data.get("kinds"), dict) else ():
            if str(k).lstrip("-").isdigit() and v in F.FIELD_KINDS:
                mem.mark(int(k), v)
        for name in ("typed", "holders"):
            got = data.get(name)
            setattr(mem, name, {t for t in got if isinstance(t, int)} if isinstance(got, list) else set())
        for k, v in (data.get("fields") or {}).items() if isinstance(data.get("fields"), dict) else ():
            if str(k).lstrip("-").isdigit() and isinstance(v, list) and len(v) == 2 and isinstance(v[1], dict):
                mem.fields[int(k)] = (str(v[0]), {str(a): str(b) for a, b in v[1].items()})
        for name in ("labels", "dom_ids"):
            got = data.get(name)
            if isinstance(got, dict):
                getattr(mem, name).update({str(a): b for a, b in got.items()
                                           if isinstance(b, str if name == "labels" else int)})
        return mem
