"""Generators of small files that decode large (issue: "small files, large memory"), shared by the tests and by
``tests/bench/bench_hostile.py``:

- ``dictionary_bomb_bundle``: a bundle whose events Parquet is a few hundred KB at most, with one dictionary-
  encoded text column whose every row points at one long dictionary value: ``rows * value_len`` decoded bytes
  (350,000 rows of 1,000 characters: 350 MB from about 40 KB).
- ``nested_custom_rrweb``: an rrweb recording (a valid Meta and full snapshot) with one custom event whose payload
  is nested ``depth`` levels deep (and optionally ``width`` siblings at every level), padded to ``total_bytes``.
- ``bundle_size_case`` / ``rrweb_size_case``: the fuzzer's size cases (dictionary bombs, multi-megabyte strings,
  many rows, small dictionary pages, every text encoding; deep and wide JSON values, long strings, many events),
  up to tens of MB, shrunk by ``scale`` for the bounded sample in the test suite.
"""

from __future__ import annotations

import io
import json
import math
import random
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


# -- size cases for the fuzzer (tests/bench/fuzz_readers.py) and its bounded sample in the suite -------------------
BUNDLE_SIZE_MODES = ("dictionary-bomb", "large-strings", "many-rows", "dictionary-pages", "text-encodings")
RRWEB_SIZE_MODES = ("deep", "wide", "large-strings", "many-events")


def _log_int(rng: random.Random, lo: int, hi: int) -> int:
    """An integer between lo and hi, log-uniform (most cases small, a few near ``hi``)."""
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _bundle(parquet: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest_obj(screenshot=False)), compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("events.parquet", parquet, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _events_table(rows: int, rng: random.Random) -> dict[str, pa.Array]:
    kinds = pa.array(["move", "click", "scroll", "navigate", "input"])
    return {"t": pa.array(np.sort(np.random.default_rng(rng.randrange(2**32)).integers(0, 3_600_000, rows))),
            "kind": pa.DictionaryArray.from_arrays(pa.array((np.arange(rows) % 5).astype(np.int32)), kinds),
            "x": pa.array(np.arange(rows, dtype=np.float64) % 1280), "y": pa.array(np.arange(rows) % 800 * 1.0)}


def bundle_size_case(rng: random.Random, scale: float = 1.0, mode: str | None = None) -> tuple[str, bytes]:
    """(mode, bytes of a .rlsession) of one size case: files up to tens of MB (``scale`` shrinks them)."""
    mode = mode or rng.choice(BUNDLE_SIZE_MODES)
    buf = io.BytesIO()
    column = rng.choice(["target_text", "detail", "target", "extra", "kind"])
    if mode == "dictionary-bomb":  # tiny on disk, huge decoded: every row points at one long dictionary value
        rows = _log_int(rng, 1_000, max(int(3_000_000 * scale), 1_001))
        value = "A" * _log_int(rng, 10, max(int(50_000 * scale), 11))
        cols = {"t": pa.array(np.zeros(rows, dtype=np.int64)), "kind": pa.array(["move"] * 1).take(
            pa.array(np.zeros(rows, dtype=np.int32)))}
        cols[column] = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)), pa.array([value]))
        pq.write_table(pa.table(cols), buf, compression="zstd", row_group_size=rng.choice([rows, 65_536]))
    elif mode == "large-strings":  # a few rows of multi-megabyte text, stored as it decodes
        rows = rng.randint(1, 8)
        size = _log_int(rng, 1_000, max(int(8_000_000 * scale), 1_001))
        cols = _events_table(rows, rng)
        cols[column] = pa.array([rng.choice("ab") * size for _ in range(rows)])
        pq.write_table(pa.table(cols), buf, compression=rng.choice(["zstd", "none"]), use_dictionary=False)
    elif mode == "many-rows":  # many ordinary rows
        rows = _log_int(rng, 1_000, max(int(600_000 * scale), 1_001))
        pq.write_table(pa.table(_events_table(rows, rng)), buf, compression="zstd",
                       row_group_size=rng.choice([rows, 10_000, 128_000]))
    elif mode == "dictionary-pages":  # many row groups, small dictionary pages, fallback to plain pages
        rows = _log_int(rng, 1_000, max(int(400_000 * scale), 1_001))
        cols = _events_table(rows, rng)
        distinct = _log_int(rng, 1, 50_000)
        words = pa.array([f"label {k} " + "x" * rng.randint(0, 200) for k in range(min(distinct, 2_000))])
        cols[column] = pa.DictionaryArray.from_arrays(
            pa.array((np.arange(rows) % len(words)).astype(np.int32)), words)
        pq.write_table(pa.table(cols), buf, compression="zstd", row_group_size=rng.choice([1_000, 50_000, rows]),
                       dictionary_pagesize_limit=rng.choice([1 << 10, 1 << 16, 1 << 20]),
                       data_page_size=rng.choice([1 << 12, 1 << 20]))
    else:  # text columns in every encoding a Parquet writer may use
        rows = _log_int(rng, 100, max(int(200_000 * scale), 101))
        cols = _events_table(rows, rng)
        prefix = "p" * min(_log_int(rng, 1, max(int(20_000 * scale), 2)), 40_000_000 // rows)  # <= 40 MB of text
        cols[column] = pa.array([prefix + str(k % 97) for k in range(rows)])
        encoding = rng.choice(["PLAIN", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY"])
        pq.write_table(pa.table(cols), buf, use_dictionary=False, column_encoding={column: encoding})
    return mode, _bundle(buf.getvalue())


def rrweb_size_case(rng: random.Random, scale: float = 1.0, mode: str | None = None) -> tuple[str, bytes]:
    """(mode, bytes of an rrweb recording) of one size case: deep and wide JSON values, long strings, many events."""
    mode = mode or rng.choice(RRWEB_SIZE_MODES)
    total = _log_int(rng, 20_000, max(int(30_000_000 * scale), 20_001))
    if mode == "deep":
        return mode, nested_custom_rrweb(depth=rng.choice([50, 200, 480, 600, 5_000]), total_bytes=total,
                                         filler=rng.choice(list(_FILL)))
    if mode == "wide":
        return mode, nested_custom_rrweb(depth=1, total_bytes=total, filler=rng.choice(list(_FILL)),
                                         width=rng.choice([0, 0, 10]))
    events = recording()
    if mode == "large-strings":
        text = "s" * total
        where = rng.randrange(3)
        if where == 0:
            events.append({"type": 5, "timestamp": events[-1]["timestamp"] + 1, "data": {"tag": text[:200],
                                                                                          "payload": text}})
        elif where == 1:
            events.append({"type": 3, "timestamp": events[-1]["timestamp"] + 1,
                           "data": {"source": 5, "id": 1, "text": text}})
        else:
            events[1]["data"]["node"]["childNodes"].append({"type": 3, "textContent": text, "id": 999_999})
        return mode, json.dumps(events).encode()
    n = max(total // 80, 1)
    t = events[-1]["timestamp"]
    moves = [{"type": 3, "timestamp": t + k, "data": {"source": 1, "positions": [
        {"x": k % 1280, "y": k % 800, "id": 1, "timeOffset": 0}]}} for k in range(min(n, 60_000))]
    return mode, json.dumps(events + moves).encode()
