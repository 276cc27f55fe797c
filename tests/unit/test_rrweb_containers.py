"""Every container seen in the wild, built from public format facts, gives the same session; limits and broken
files give one clear BadInputError; files are only read."""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import pytest
from rrweb_factory import EXPECTED, recording
from storeutil import query

from replaylens.errors import BadInputError, LimitExceededError, UnsupportedVersionError
from replaylens.io.registry import open_session
from replaylens.io.rrweb import containers


def _pack(ev: dict[str, Any]) -> str:
    """@rrweb/packer: JSON of the event with v='v1', zlib-deflated, bytes stored as latin-1 characters."""
    return zlib.compress(json.dumps({**ev, "v": "v1"}).encode()).decode("latin-1")


def _gz_str(obj: Any) -> str:
    """posthog-js gzipToString: gzip of the JSON, as a latin-1 string."""
    return gzip.compress(json.dumps(obj).encode()).decode("latin-1")


def _write(tmp: Path, name: str, data: bytes | str) -> Path:
    p = tmp / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _open(path: Path, untouched) -> Any:
    untouched(path)
    s = open_session(path)
    counts, src, sid = s.arrays.counts(), s.manifest.source, s.manifest.session_id
    s.close()
    return counts, src, sid


def _variants() -> dict[str, bytes | str]:
    ev = recording()
    packed = [_pack(e) if i % 2 else e for i, e in enumerate(ev)]  # packed strings mixed with plain events
    cv = [{**e, "cv": "2024-10", "data": _gz_str(e["data"])} if e["type"] == 2 else e for e in ev]
    for e in cv:
        if e["type"] == 3 and e["data"]["source"] == 0:
            e.update(cv="2024-10", data={**e["data"], "adds": _gz_str(e["data"]["adds"])})
    return {
        "bare.json": json.dumps(ev),
        "events.json": json.dumps({"events": ev}),
        "extension.json": json.dumps({"session": {"id": "ext-1", "name": "KYC run"}, "events": ev}),
        "highlight.json": json.dumps({"session_secure_id": "hl-1", "messages": "{}", "errors": [],
                                      "events": {"events": [{**e, "_sid": i} for i, e in enumerate(ev)]}}),
        "posthog-2023.json": json.dumps({"version": "2023-04-28", "data": {
            "id": "ph-1", "person": {"distinct_ids": ["u1"]}, "snapshots": [{**e, "windowId": "w1"} for e in ev]}}),
        "posthog-2022.json": json.dumps({"version": "2022-12-02", "data": {"snapshotsByWindowId": {"w1": ev}}}),
        "packed.json": json.dumps(packed),
        "posthog-cv.json": json.dumps(cv),
        "ndjson.txt": "\n".join(json.dumps(e) for e in ev) + "\n",
        "gzipped.bin": gzip.compress(json.dumps(ev).encode()),
        "gzipped-ndjson.bin": gzip.compress(("\n".join(json.dumps(e) for e in ev)).encode()),
        "zlib.bin": zlib.compress(json.dumps(ev).encode()),
        "wrapper.js": "/* eslint-disable */\nconst events = " + json.dumps(ev) + ";\n",
        "bom.json": b"\xef\xbb\xbf" + json.dumps(ev).encode(),
    }


@pytest.mark.parametrize("name", sorted(_variants()))
def test_containers_give_the_same_session(name: str, tmp_path: Path, untouched) -> None:
    path = _write(tmp_path, name, _variants()[name])  # names carry no hint: sniffing is by content
    counts, src, sid = _open(path, untouched)
    assert counts == EXPECTED, name
    expected_sid = {"extension.json": "ext-1", "highlight.json": "hl-1", "posthog-2023.json": "ph-1"}.get(name)
    if expected_sid:
        assert sid == expected_sid
    if name == "packed.json":
        assert src["packed_events"] == len(recording()) // 2
    if name.startswith("gzipped"):
        assert src["compression"] == "gzip"


def test_posthog_several_windows(tmp_path: Path, untouched) -> None:
    ev = recording()
    other = [{"type": 4, "timestamp": ev[0]["timestamp"] + 50,
              "data": {"href": "https://bank.example/help", "width": 800, "height": 600}},
             {"type": 3, "timestamp": ev[0]["timestamp"] + 60,
              "data": {"source": 2, "type": 2, "id": 5, "x": 1, "y": 1}}]
    doc = {"version": "2022-12-02", "data": {"snapshotsByWindowId": {"small": other, "big": ev}}}
    path = _write(tmp_path, "ph.json", json.dumps(doc))
    untouched(path)
    s = open_session(path)
    try:
        assert s.manifest.source["windows"] == ["big", "small"]  # the window with most events is window 0
        # the main window's pages come first, the other window's after them
        assert [p.url for p in s.pages] == ["https://bank.example/wallet", "https://bank.example/staking",
                                            "https://bank.example/help"]
        rows = query(s.store, "SELECT window_id, page, width FROM events WHERE t = 60")
        assert rows == [(1, 2, 800)]
        assert any("windows" in w for w in s.report.warnings)
        assert s.arrays.counts()["click"] == EXPECTED["click"] + 1
    finally:
        s.close()


@pytest.mark.parametrize(("content", "fragment"), [
    (b'[{"type": 4, "data": {"href": "x"}, "timestamp": 1', "invalid or truncated"),
    (b'{"events": 5, "data": {"type": 2, "x": 1}}', "without an event list"),
    (b'[1, 2, 3, {"type": 2}]', None),  # sniffed? no: not claimed -> the registry's message
    (b'{"version": "2030-01-01", "data": {"snapshots": 7}}', "not supported"),
    (b'[{"type": 3, "timestamp": 1}, "not-a-packed-event"]', "packed event"),
    (gzip.compress(json.dumps(recording()).encode())[:-40], "gzip stream is corrupt or truncated"),
    (b'{"a": [{"type": 3, "data": {}}], "b": [{"type": 3, "data": {}}]}', "2 separate event lists"),
    (b'[{"type": 5, "data": {}, "timestamp": 1}]' + b"\xff\xfe garbage", "invalid"),
])
def test_broken_files(content: bytes, fragment: str | None, tmp_path: Path, untouched) -> None:
    path = _write(tmp_path, "broken.json", content)
    untouched(path)
    with pytest.raises(BadInputError) as info:
        open_session(path).close()
    msg = str(info.value)
    assert msg.startswith("broken.json: ") and "\n" not in msg
    if fragment:
        assert fragment in msg, msg


def test_unknown_posthog_version_is_typed(tmp_path: Path) -> None:
    path = _write(tmp_path, "ph.json", '{"version": "2030-01-01", "data": {"snapshots": 7}}')
    with pytest.raises(UnsupportedVersionError):
        open_session(path)


def test_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, untouched) -> None:
    ev = json.dumps(recording()).encode()
    bomb = _write(tmp_path, "bomb.gz", gzip.compress(b'[{"type":4,"data":{},"timestamp":1}' + b" " * 5_000_000 + b"]"))
    untouched(bomb)
    monkeypatch.setattr(containers, "MAX_JSON_BYTES", 1_000_000)
    with pytest.raises(LimitExceededError, match="decompression bomb"):
        open_session(bomb)
    packed = _write(tmp_path, "packed.json", json.dumps([zlib.compress(b" " * 400_000 + ev).decode("latin-1")]))
    monkeypatch.setattr(containers, "MAX_PACKED_BYTES", 100_000)
    with pytest.raises(BadInputError, match="packed event"):
        open_session(packed)
    plain = _write(tmp_path, "plain.json", ev)
    monkeypatch.setattr(containers, "MAX_EVENTS", 10)
    with pytest.raises(LimitExceededError, match="more than 10 events"):
        open_session(plain)
    monkeypatch.setattr(containers, "MAX_FILE_BYTES", 100)
    with pytest.raises(LimitExceededError, match="over the"):
        open_session(plain)
    deep = _write(tmp_path, "deep.json", b'[{"type": 3, "data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}]")
    monkeypatch.setattr(containers, "MAX_FILE_BYTES", 1 << 30)
    with pytest.raises(BadInputError, match="nested too deeply"):
        open_session(deep)


def test_file_limit_is_checked_before_reading(tmp_path: Path) -> None:
    """A (sparse) file one byte over the limit is refused from its size alone: nothing of it is read."""
    assert containers.MAX_FILE_BYTES >= 1 << 30  # a plain event array of up to 1 GiB is read (docs/rrweb.md)
    big = tmp_path / "huge.json"
    with open(big, "wb") as fh:
        fh.write(b'[{"type":4,"timestamp":1,"data":{}}')
        fh.truncate(containers.MAX_FILE_BYTES + 1)
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceededError, match=f"over the {containers.MAX_FILE_BYTES // 2**20} MiB limit"):
            open_session(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_whole_tree_files_keep_the_lower_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``MAX_TREE_BYTES`` only a plain array is read (item by item); a container that needs the whole tree
    built, or an array whose problem only the whole-tree reader reports, is refused."""
    ev = recording()
    arr = _write(tmp_path, "arr.json", json.dumps(ev))
    ph = _write(tmp_path, "ph.json", json.dumps({"version": "2023-04-28", "data": {"id": "s", "snapshots": ev}}))
    bad = _write(tmp_path, "bad.json", json.dumps(ev).encode()[:-1] + b',{"type":4,"data":{"href":"\xff"}}]')
    monkeypatch.setattr(containers, "MAX_TREE_BYTES", 1000)
    assert len(open_session(arr).arrays) > 0
    for path in (ph, bad):
        with pytest.raises(LimitExceededError, match="only a plain array of events"):
            open_session(path)
    monkeypatch.setattr(containers, "MAX_TREE_BYTES", 1 << 30)
    assert len(open_session(ph).arrays) > 0
    with pytest.raises(BadInputError, match="JSON is invalid"):
        open_session(bad)


def test_sniff_does_not_claim_other_json_or_csv() -> None:
    p = Path("x")
    assert not containers.sniff(p, b'{"data":{"http://www.amazon.com/":{"0":[{"x":65,"y":96,"timestamp":1036,'
                                   b'"type":"move"}]}}}')
    assert not containers.sniff(p, b"record timestamp,client timestamp,button,state,x,y\n0,0,NoButton,Move,1,2\n")
    assert not containers.sniff(p, b"PK\x03\x04manifest.json")
    assert containers.sniff(p, b'  [{"type":4,"data":{"href":"a"},"timestamp":1}')
    assert containers.sniff(p, gzip.compress(b'[{"type":4,"data":{"href":"a"},"timestamp":1}]'))
    assert containers.sniff(p, json.dumps([_pack({"type": 4, "data": {}, "timestamp": 1})]).encode())
