"""Generators of small files that decode large (issue: "small files, large memory"), shared by the tests and by
``tests/bench/bench_hostile.py``:

- ``dictionary_bomb_bundle``: a bundle whose events Parquet is a few hundred KB at most, with one dictionary-
  encoded text column whose every row points at one long dictionary value: ``rows * value_len`` decoded bytes
  (350,000 rows of 1,000 characters: 350 MB from about 40 KB).
- ``nested_custom_rrweb``: an rrweb recording (a valid Meta and full snapshot) with one custom event whose payload
  is nested ``depth`` levels deep (and optionally ``width`` siblings at every level), padded to ``total_bytes``.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hostile_inputs import manifest_obj
from rrweb_factory import recording


def dictionary_bomb_parquet(rows: int = 350_000, value_len: int = 1000) -> bytes:
    t = np.arange(rows, dtype=np.int64) // 4096 * 1000  # runs: the whole table compresses to a few KB
    table = pa.table({"t": pa.array(t), "kind": pa.array(np.full(rows, "move", dtype=object), pa.string()),
                      "x": pa.array(np.zeros(rows)), "y": pa.array(np.zeros(rows)),
                      "target_text": pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)),
                                                                    pa.array(["A" * value_len]))})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", use_dictionary=True, row_group_size=max(rows, 1))
    return buf.getvalue()


def dictionary_bomb_bundle(rows: int = 350_000, value_len: int = 1000) -> bytes:
    manifest = manifest_obj(screenshot=False)
    manifest["duration_ms"] = rows * 10
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("events.parquet", dictionary_bomb_parquet(rows, value_len), compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


_FILL = {"numbers": "0", "lists": "[]", "objects": '{"a":[]}'}


def nested_custom_rrweb(depth: int = 400, total_bytes: int = 37_000_000, width: int = 0,
                        filler: str = "lists") -> bytes:
    """rrweb events with one deeply nested custom event (``depth`` levels of ``{"v":[…]}``, under the decoder's
    own depth limit), padded to about ``total_bytes`` by a long list of small values (``filler``: numbers, empty
    lists or small objects) inside the deepest level: a parser has to hold every node of it at once."""
    events = recording()
    head = json.dumps(events[:3])[:-1]  # the Meta, the full snapshot and one more event, without the closing ]
    sibling = ('{"k":1},' * width)
    opening = ('{"v":' + "[" + sibling) * depth
    closing = ("]}") * depth
    fill = total_bytes - len(head) - len(opening) - len(closing) - 200
    item = _FILL[filler]
    filler_text = ",".join([item] * max(fill // (len(item) + 1), 1))
    custom = ('{"type":5,"timestamp":' + str(events[2]["timestamp"] + 1) + ',"data":{"tag":"deep","payload":'
              + opening + filler_text + closing + "}}")
    return (head + "," + custom + "]").encode()
