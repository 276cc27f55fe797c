"""The policy applied to whole tables and records at the storage boundary (bundles, library Parquet, catalogue).

``scrub_table(table, keep_values=False, found=None)`` returns the events table with

* ``value`` reduced by ``policy.reduce_value``: the field's kind is read from the row's ``target`` selector
  (``input#cc-number``), ``target_label`` and ``input_type`` (the attributes a stored table still has); a value
  in a card field is dropped (length only, as the importer does), so an old bundle holding card digits, expiries
  or names in clear is reduced on ``library add`` and by ``audit --fix``;
* every other text column (``target``, ``target_text``, ``target_label``, ``detail`` and any extra column a
  recording brought) masked with ``detect.mask_text``; ``detail`` JSON is masked value by value so it stays JSON.

The work is per *distinct* string (dictionary-encoded columns repeat a label on thousands of rows), with a C-speed
pre-check (``detect.MAYBE``) before any Python runs. ``found`` (a ``Counter``) receives ``(kind, column)`` for every
cell changed, which is what the audit reports; ``typed_value`` counts values that were stored in clear against
the policy. ``scrub_record`` does the same to a library ``SessionRecord`` (pages, summary URLs, labels,
attributes, user ids), ``pseudonym`` turns an e-mail or phone used as a user id into a stable hash so joins
(survey answers to sessions) still work without the address being stored.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaylens.core.pii import MAYBE, detect, mask_text, mask_url, pseudonym
from replaylens.io.privacy import fields as F
from replaylens.io.privacy.policy import is_card_mask, reduce_value, shape
from replaylens.io.privacy.rrweb import scrub_value

#: Columns whose strings are vocabulary of ours, never user data.
VOCAB_COLUMNS = frozenset({"kind", "input_type", "target_tag", "target_role", "session_id", "sha256", "site"})
DICTIONARY_ROWS = 50_000
_SELECTOR_ID = re.compile(r"#([^\s.#>:\[]+)")
_SELECTOR_CLASS = re.compile(r"\.([^\s.#>:\[]+)")


def field_kind_of_row(target: str | None, label: str | None, input_type: str | None) -> str | None:
    """The field kind a stored row's target says (its selector's last element id/classes, label, type)."""
    last = (target or "").rsplit(">", 1)[-1].strip()
    tag = last.split("#", 1)[0].split(".", 1)[0] or "input"
    attrs: dict[str, str] = {}
    m = _SELECTOR_ID.search(last)
    if m:
        attrs["id"] = m.group(1)
    classes = _SELECTOR_CLASS.findall(last)
    if classes:
        attrs["class"] = " ".join(classes)
        attrs["name"] = " ".join(classes)  # class words count like a name (``.card-number``)
    if input_type:
        attrs["type"] = input_type if input_type != "contenteditable" else "text"
    if tag not in ("input", "textarea", "select"):
        attrs["contenteditable"] = "true"
    return F.classify_field(tag, attrs, label or "")


def _mask_one(text: str, column: str) -> str:
    if column == "detail" and text[:1] in "{[":
        try:
            obj = json.loads(text)
        except ValueError:
            return mask_text(text)
        return json.dumps(scrub_value(obj), ensure_ascii=False, separators=(",", ":"))
    if column in ("url", "entry_url", "exit_url", "href") or text.startswith(("http://", "https://")):
        return mask_url(text)
    return mask_text(text)


def _count_kinds(text: str, found: Counter[tuple[str, str]] | None, column: str, n: int) -> None:
    if found is not None:
        for m in detect(text):
            found[(m.kind, column)] += n


def mask_column(col: pa.ChunkedArray | pa.Array, column: str,
                found: Counter[tuple[str, str]] | None = None) -> pa.ChunkedArray | pa.Array:
    """A string column with personal data masked, per distinct value."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(arr.type):
        dictionary = arr.dictionary.cast(pa.string())
        new_dict = mask_column(dictionary, column, found if found is None else Counter())
        if new_dict is dictionary:
            return col
        if found is not None:  # count per row: the dictionary's hits times how often each index occurs
            counts = pc.value_counts(arr.indices.drop_null())
            for item in counts.to_pylist():
                text = dictionary[item["values"]].as_py()
                if text is not None and MAYBE.search(text):
                    _count_kinds(text, found, column, item["counts"])
        return pa.DictionaryArray.from_arrays(arr.indices, new_dict)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return col
    if len(arr) > DICTIONARY_ROWS:  # labels and selectors repeat: look at each distinct text once
        enc = pc.dictionary_encode(arr)
        if len(enc.dictionary) * 4 < len(arr):
            masked_enc = mask_column(enc, column, found)
            if masked_enc is enc:
                return col
            return pc.take(masked_enc.dictionary, masked_enc.indices).cast(arr.type)
    hit = pc.fill_null(pc.match_substring_regex(arr, MAYBE.pattern), False)
    if not pc.any(hit).as_py():
        return col
    uniq = pc.unique(arr.filter(hit)).to_pylist()
    masked = {u: _mask_one(u, column) for u in uniq if isinstance(u, str)}
    masked = {k: v for k, v in masked.items() if v != k}
    if not masked:
        return col
    keys = pa.array(list(masked), type=arr.type)
    pos = pc.index_in(arr, value_set=keys)
    if found is not None:
        for item in pc.value_counts(pos.drop_null()).to_pylist():
            _count_kinds(keys[item["values"]].as_py(), found, column, item["counts"])
    replaced = pc.take(pa.array(list(masked.values()), type=arr.type), pos)
    return pc.if_else(pc.is_null(pos), arr, replaced)


def _reduce_values(table: pa.Table, keep_values: bool, found: Counter[tuple[str, str]] | None) -> pa.Array:
    values = table["value"].combine_chunks().cast(pa.string())
    present = pc.is_valid(values)
    if not pc.any(present).as_py():
        return values
    idx = pc.indices_nonzero(present)

    def col(name: str) -> list[Any]:
        if name not in table.column_names:
            return [None] * len(idx)
        return table[name].take(idx).cast(pa.string()).to_pylist()

    new_values: list[str | None] = []
    kinds: dict[tuple[Any, Any, Any], str | None] = {}
    for v, tgt, lab, ity in zip(values.take(idx).to_pylist(), col("target"), col("target_label"), col("input_type"),
                                strict=True):
        key = (tgt, lab, ity)
        if key not in kinds:
            kinds[key] = field_kind_of_row(tgt, lab, ity)
        new = None if kinds[key] in F.CARD_KINDS else reduce_value(v, kinds[key], keep_values=keep_values)
        if new != v and found is not None:
            kind = kinds[key] if kinds[key] in F.FIELD_KINDS else None
            if kind is None:
                hits = detect(v)
                kind = hits[0].kind if hits else ("card_number" if new and is_card_mask(new) else "typed_value")
            found[(kind, "value")] += 1
        new_values.append(new)
    full = np.full(len(values), None, dtype=object)
    full[np.asarray(idx)] = new_values
    return pa.array(full, type=pa.string())


def scrub_table(table: pa.Table, keep_values: bool = False,
                found: Counter[tuple[str, str]] | None = None) -> pa.Table:
    """The events table with the policy applied (module doc); the same table object when nothing changes."""
    cols = []
    changed = False
    for name in table.column_names:
        col = table[name]
        new: Any = col
        if name == "value":
            new = _reduce_values(table, keep_values, found)
            if new.equals(col.combine_chunks().cast(pa.string())):
                new = col
        elif name not in VOCAB_COLUMNS and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
                                            or (pa.types.is_dictionary(col.type)
                                                and pa.types.is_string(col.type.value_type))):
            new = mask_column(col, name, found)
        if new is not col:
            changed = True
            if isinstance(new, pa.Array) and new.type != col.type:
                new = new.cast(col.type) if not pa.types.is_dictionary(col.type) else new
        cols.append(new)
    if not changed:
        return table
    return pa.Table.from_arrays(cols, names=table.column_names)


def scrub_record(record: Any, keep_values: bool = False) -> Any:
    """A library ``SessionRecord`` with the policy applied to everything it stores (module doc)."""
    pages = [dataclasses.replace(p, url=mask_url(p.url), title=mask_text(p.title)) for p in record.pages]
    summary = dict(record.summary)
    for key in ("entry_url", "exit_url"):
        if isinstance(summary.get(key), str):
            summary[key] = mask_url(summary[key])
    if isinstance(summary.get("user_id"), str):
        summary["user_id"] = pseudonym(summary["user_id"])
    attrs = {k: ((pseudonym(v[0]) if k == "user_id" else mask_text(v[0])), v[1]) if isinstance(v, tuple)
             and v and isinstance(v[0], str) else v for k, v in record.attributes.items()}
    events = scrub_table(record.events, keep_values) if isinstance(record.events, pa.Table) else record.events
    return dataclasses.replace(record, pages=pages, summary=summary, attributes=attrs, events=events,
                               labels=[mask_text(x) for x in record.labels],
                               identities=[pseudonym(x) for x in record.identities])


def scrub_manifest(manifest: Any) -> None:
    """A bundle manifest's page URLs and titles and its attribute values masked (in place)."""
    manifest.pages = [dataclasses.replace(p, url=mask_url(p.url), title=mask_text(p.title))
                      for p in manifest.pages]
    manifest.attributes = {k: (pseudonym(v) if k == "user_id" else mask_text(v)) if isinstance(v, str) else v
                           for k, v in manifest.attributes.items()}


__all__ = ["field_kind_of_row", "mask_column", "pseudonym", "scrub_manifest", "scrub_record", "scrub_table", "shape"]
