"""Seed files and mutators for hostile-input testing of both readers.

Shared by the property-based tests (``test_readers_property.py``) and the fuzz script
(``tests/bench/fuzz_readers.py``). Everything is built in memory from a ``random.Random``, so a case is reproduced
from its seed alone. ``bundle_case`` mutates zip bytes, manifest fields, Parquet columns and bytes, screenshots,
NDJSON events and member names; ``rrweb_case`` mutates rrweb structure, containers, packed strings, PostHog ``cv``
data, gzip streams, NDJSON lines and the JSON text itself.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
import random
import struct
import zipfile
import zlib
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from rrweb_factory import recording

#: Values that broke readers before (wrong types, extremes, sentinels, text where numbers go and back).
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 0.5, -0.0, 65535, 100_001, 262_144, 262_145, 2**31, 2**53 + 1, 2**63, 2**64,
    10**30, -10**30, 1e308, -1e308, 1e-300, "", "x", "1", "NaN", "Infinity", "../../etc/passwd", "é" * 3,
    [], [1], [None], [[[]]], {}, {"a": 1}, {"id": 1}, [{"type": 2}], {"childNodes": 1},
]
_BIG_INT = "1" + "0" * 4400  # past Python's 4,300-digit int/str conversion limit


def hostile_value(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.7:
        return copy.deepcopy(rng.choice(HOSTILE))
    if r < 0.85:
        return rng.choice([rng.randint(-2**40, 2**40), rng.uniform(-1e7, 1e7), rng.randint(0, 3000)])
    depth = rng.randint(1, 30)
    v: Any = rng.choice(HOSTILE[:12])
    for _ in range(depth):
        v = [v] if rng.random() < 0.5 else {"k": v}
    return v


# -- JSON structure --------------------------------------------------------------------------------------------
def _slots(obj: Any, out: list[tuple[Any, Any]], limit: int = 4000) -> None:
    """(container, key) pairs of every value inside ``obj`` (iterative, capped)."""
    stack = [obj]
    while stack and len(out) < limit:
        cur = stack.pop()
        items = cur.items() if isinstance(cur, dict) else enumerate(cur) if isinstance(cur, list) else ()
        for k, v in items:
            out.append((cur, k))
            if isinstance(v, dict | list):
                stack.append(v)


def mutate_json(obj: Any, rng: random.Random, n: int | None = None) -> Any:
    """Apply ``n`` random structural mutations (replace, delete, add, wrap, duplicate, swap) in place."""
    for _ in range(n if n is not None else rng.randint(1, 4)):
        slots: list[tuple[Any, Any]] = []
        _slots(obj, slots)
        if not slots:
            return hostile_value(rng)
        cont, key = rng.choice(slots)
        op = rng.random()
        val = cont[key]
        if op < 0.45:
            cont[key] = hostile_value(rng)
        elif op < 0.55:
            if isinstance(cont, dict):
                del cont[key]
            else:
                cont.pop(key)
        elif op < 0.65:
            if isinstance(cont, dict):
                cont[rng.choice(["type", "id", "data", "source", "childNodes", "positions", "node", "timestamp",
                                 "x", "y", "width", "height", "href", "i", "t", "kind", "windowId"])] = \
                    hostile_value(rng)
            else:
                cont.insert(rng.randint(0, len(cont)), hostile_value(rng))
        elif op < 0.75:
            cont[key] = [val] if rng.random() < 0.5 else {"v": val}
        elif op < 0.85 and isinstance(val, list) and val:
            cont[key] = val * rng.randint(2, 20) if len(val) < 50 else val
        elif op < 0.95:
            c2, k2 = rng.choice(slots)
            with contextlib.suppress(IndexError, KeyError):  # copies both ways: no cycles
                cont[key], c2[k2] = copy.deepcopy(c2[k2]), copy.deepcopy(val)
        elif isinstance(val, int | float) and not isinstance(val, bool):
            cont[key] = rng.choice([0, -val, val * 1000, 2**64, 1e308])
    return obj


_SAME_TYPE: dict[type, list[Any]] = {
    int: [0, -1, 1, 65535, 100_001, 262_144, 1_000_000, 2**31, 2**53, -2**53, 10**15],
    float: [0.0, -0.0, -1.0, 0.5, 1e-9, 99_999.9, 1e7, -1e7, 1e15, 1.7e308],
    str: ["", " ", "x" * 2000, "password", "<script>alert(1)</script>", "https://a.example/", "0", "\u0000", "é"],
}


def mutate_values(obj: Any, rng: random.Random, n: int | None = None) -> Any:
    """Replace values by others of the same JSON type (extremes, sentinels, long text): shapes stay valid, so the
    case passes the schemas and exercises the mapping, the store and the commands after reading."""
    for _ in range(n if n is not None else rng.randint(1, 12)):
        slots: list[tuple[Any, Any]] = []
        _slots(obj, slots)
        leaves = [(c, k) for c, k in slots if not isinstance(c[k], dict | list)]
        if not leaves:
            return obj
        cont, key = rng.choice(leaves)
        val = cont[key]
        if isinstance(val, bool):
            cont[key] = not val
        elif type(val) in _SAME_TYPE:
            cont[key] = rng.choice(_SAME_TYPE[type(val)])
    return obj


def mutate_bytes(data: bytes, rng: random.Random, n: int | None = None) -> bytes:
    """Flip, overwrite, insert, delete, duplicate or truncate bytes."""
    b = bytearray(data)
    for _ in range(n if n is not None else rng.randint(1, 8)):
        if not b:
            b.extend(rng.randbytes(rng.randint(1, 64)))
            continue
        i = rng.randrange(len(b))
        op = rng.random()
        if op < 0.35:
            b[i] ^= 1 << rng.randrange(8)
        elif op < 0.55:
            b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, ord("["), ord("{"), ord('"'), ord("9")])
        elif op < 0.7:
            b[i:i] = rng.randbytes(rng.randint(1, 16))
        elif op < 0.8:
            del b[i:i + rng.randint(1, 64)]
        elif op < 0.9:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 256)]
        else:
            del b[i:]
    return bytes(b)


def json_text(obj: Any, rng: random.Random) -> bytes:
    """Encode, sometimes with a textual injection JSON encoders cannot make (over-long integers, deep nests)."""
    text = json.dumps(obj, ensure_ascii=rng.random() < 0.5)
    r = rng.random()
    if r < 0.05:
        text = text.replace("1", _BIG_INT, 1)
    elif r < 0.1:
        d = rng.choice([500, 1100, 5000, 50_000])
        text = text.replace("{", '{"deep": ' + "[" * d + "]" * d + ", ", 1)
    return text.encode()


# -- bundles ---------------------------------------------------------------------------------------------------
def tiny_png(w: int = 4, h: int = 3) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80\x90\xa0" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def manifest_obj(screenshot: bool = True) -> dict[str, Any]:
    return {"format": "replaylens-session", "format_version": "1.0", "session_id": "fuzz", "start_epoch_ms": 0,
            "site": "bank.example", "viewport": {"width": 320, "height": 240}, "device_pixel_ratio": 1.0,
            "attributes": {"device": "desktop"},
            "pages": [{"url": "https://bank.example/", "title": "Home",
                       "screenshot": "pages/000.png" if screenshot else None, "width": 320, "height": 480},
                      {"url": "https://bank.example/kyc", "title": "KYC", "screenshot": None, "width": 0,
                       "height": 0}],
            "events": {"member": "events.parquet"}, "duration_ms": 4000, "source": {"kind": "fuzz"}}


def events_columns(rng: random.Random, n: int = 24) -> dict[str, list[Any]]:
    kinds = ["navigate", "move", "click", "click", "click", "scroll", "input", "resize", "error", "custom"]
    t = sorted(rng.randint(0, 4000) for _ in range(n))
    return {"t": t, "kind": [rng.choice(kinds) for _ in range(n)], "page": [rng.choice([0, 0, 1]) for _ in range(n)],
            "x": [rng.uniform(0, 320) for _ in range(n)], "y": [rng.uniform(0, 240) for _ in range(n)],
            "scroll_y": [rng.choice([0.0, 100.0, 240.0]) for _ in range(n)],
            "target": [rng.choice(["button#go", "div.banner", None]) for _ in range(n)],
            "value_len": [rng.choice([None, 3]) for _ in range(n)],
            "detail": [rng.choice([None, '{"message":"boom"}']) for _ in range(n)]}


def parquet_bytes(cols: dict[str, Any], rng: random.Random) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression=rng.choice(["zstd", "snappy", "none"]))
    return buf.getvalue()


def hostile_columns(rng: random.Random) -> dict[str, Any]:
    """An events table with hostile column names, types and values (or a Parquet bomb of constant rows)."""
    cols: dict[str, Any] = events_columns(rng, rng.randint(0, 60))
    n = len(cols["t"])
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(["i", "I", "T", "Kind", "t", "kind", "x", "page", "width", "", "extra", "détail",
                           '"; DROP TABLE events; --', "fixed", "interactive", "extra_i"])
        kind = rng.random()
        if kind < 0.3:
            cols[name] = [rng.choice([None, 2**62, -2**62, 0, 65535]) for _ in range(n)]
        elif kind < 0.5:
            cols[name] = [rng.choice([float("nan"), float("inf"), -1e308, 1e308, 0.0]) for _ in range(n)]
        elif kind < 0.7:
            cols[name] = [rng.choice(["", "x" * rng.randint(0, 300), "click", "😀"]) for _ in range(n)]
        elif kind < 0.85:
            cols[name] = [[1, 2]] * n
        else:
            cols[name] = [rng.random() < 0.5 for _ in range(n)]
    if rng.random() < 0.05:  # a bomb: constant rows decode to far more than they store
        rows = rng.choice([3_000_000, 12_000_000])
        return {"t": pa.repeat(pa.scalar(0, pa.int64()), rows), "kind": pa.repeat(pa.scalar("move"), rows)}
    return cols


def png_header(w: int, h: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0) \
        + b"\0\0\0\0"


def zip_bytes(members: dict[str, bytes], rng: random.Random) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            method = zipfile.ZIP_DEFLATED if rng.random() < 0.6 else zipfile.ZIP_STORED
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


BUNDLE_MODES = ("zip-bytes", "manifest", "values", "parquet-columns", "parquet-bytes", "image", "ndjson", "members")


def bundle_case(rng: random.Random, mode: str | None = None) -> tuple[str, bytes]:
    """(mode, bytes of a .rlsession) for one mutated case."""
    mode = mode or rng.choice(BUNDLE_MODES)
    man = manifest_obj(screenshot=rng.random() < 0.7)
    members: dict[str, bytes] = {"manifest.json": b"", "events.parquet": parquet_bytes(events_columns(rng), rng)}
    if man["pages"][0]["screenshot"]:
        members["pages/000.png"] = tiny_png(rng.randint(1, 8), rng.randint(1, 8))
    if mode == "manifest":
        man = mutate_json(man, rng)
    elif mode == "values":
        man = mutate_values(man, rng)
        cols = mutate_values(events_columns(rng), rng, rng.randint(1, 30))
        members["events.parquet"] = parquet_bytes(cols, rng)
    elif mode == "parquet-columns":
        members["events.parquet"] = parquet_bytes(hostile_columns(rng), rng)
    elif mode == "parquet-bytes":
        members["events.parquet"] = mutate_bytes(members["events.parquet"], rng)
    elif mode == "image" and "pages/000.png" in members:
        members["pages/000.png"] = rng.choice([
            lambda: mutate_bytes(tiny_png(), rng), lambda: png_header(rng.choice([0, 1, 16_385, 2**31]),
                                                                      rng.choice([0, 1, 262_145, 2**31])),
            lambda: b"\xff\xd8\xff\xc0\x00\x11\x08" + rng.randbytes(40), lambda: b"RIFF\0\0\0\0WEBPVP8X" +
            rng.randbytes(30), lambda: rng.randbytes(rng.randint(0, 100))])()
    elif mode == "ndjson":
        man["events"] = {"member": "events.ndjson"}
        cols = events_columns(rng)
        rows = [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
        rows = mutate_json(rows, rng)
        del members["events.parquet"]
        members["events.ndjson"] = b"\n".join(json_text(r, rng) for r in (rows if isinstance(rows, list) else [rows]))
    elif mode == "members":
        name = rng.choice(["../evil", "/abs", "pages/000.png", "events.parquet", "a\\b", "C:x", "x" * 300])
        members[name] = rng.randbytes(rng.randint(0, 100))
        if rng.random() < 0.5:
            members.pop(rng.choice(list(members)), None)
    members["manifest.json"] = json_text(man, rng) if "manifest.json" in members or mode != "members" else b""
    data = zip_bytes(members, rng)
    if mode == "zip-bytes":
        data = mutate_bytes(data, rng)
    return mode, data


# -- rrweb -----------------------------------------------------------------------------------------------------
RRWEB_MODES = ("structure", "values", "container", "packed", "cv", "gzip", "ndjson", "bytes", "text")


def _pack(obj: Any) -> str:
    return zlib.compress(json.dumps(obj).encode()).decode("latin-1")


def _container(events: list[Any], rng: random.Random) -> Any:
    kind = rng.randrange(8)
    if kind == 0:
        return {"events": events, "sessionId": "s"}
    if kind == 1:
        return {"session": {"id": "s", "name": "n"}, "events": events}
    if kind == 2:
        return {"events": {"events": events}, "session_secure_id": "abc", "errors": []}
    if kind == 3:
        return {"version": "2023-04-28", "data": {"id": "x", "person": {"distinct_ids": ["d"]},
                                                  "snapshots": [{**e, "windowId": rng.choice("ab")}
                                                                if isinstance(e, dict) else e for e in events]}}
    if kind == 4:
        return {"version": "2022-12-02", "data": {"snapshotsByWindowId": {"w1": events[:10], "w2": events[10:]}}}
    if kind == 5:
        return [{**e, "sessionId": rng.choice(["a", "b"])} if isinstance(e, dict) else e for e in events]
    if kind == 6:
        snap = next((e["data"] for e in events if isinstance(e, dict) and e.get("type") == 2), {"node": {}})
        return snap
    return events


def rrweb_case(rng: random.Random, mode: str | None = None) -> tuple[str, bytes]:
    """(mode, bytes of an rrweb recording) for one mutated case."""
    mode = mode or rng.choice(RRWEB_MODES)
    events: list[Any] = recording()
    if rng.random() < 0.5:
        events = events[: rng.randint(1, len(events))]
    if mode == "values":
        obj = mutate_values(_container(events, rng) if rng.random() < 0.3 else events, rng, rng.randint(1, 30))
        return mode, json.dumps(obj).encode()
    if mode in ("structure", "container", "gzip", "bytes", "text"):
        mutate_json(events, rng, rng.randint(1, 6) if mode != "bytes" else 0)
    if mode == "container":
        obj: Any = mutate_json(_container(events, rng), rng, rng.randint(0, 3))
        return mode, json_text(obj, rng)
    if mode == "packed":
        for i in rng.sample(range(len(events)), k=min(len(events), rng.randint(1, 5))):
            packed = _pack(mutate_json(events[i], rng, rng.randint(0, 2)))
            if rng.random() < 0.4:
                packed = mutate_bytes(packed.encode("latin-1"), rng, 2).decode("latin-1")
            events[i] = packed
        return mode, json.dumps(events).encode()
    if mode == "cv":
        for i, e in enumerate(events):
            if isinstance(e, dict) and e.get("type") in (2, 3) and rng.random() < 0.6:
                data = mutate_json(copy.deepcopy(e.get("data")), rng, rng.randint(0, 2))
                blob = gzip.compress(json.dumps(data).encode())
                if rng.random() < 0.3:
                    blob = mutate_bytes(blob, rng, 2)
                events[i] = {**e, "cv": "2024-10", "data": blob.decode("latin-1")}
        return mode, json.dumps(events).encode()
    if mode == "gzip":
        blob = gzip.compress(json_text(events, rng))
        return mode, mutate_bytes(blob, rng, rng.randint(0, 3)) if rng.random() < 0.6 else blob
    if mode == "ndjson":
        lines = [json_text(mutate_json(e, rng, rng.randint(0, 1)) if rng.random() < 0.3 else e, rng)
                 for e in events]
        text = b"\n".join(lines)
        return mode, mutate_bytes(text, rng, 1) if rng.random() < 0.3 else text
    if mode == "bytes":
        return mode, mutate_bytes(json.dumps(events).encode(), rng)
    return mode, json_text(events, rng)
