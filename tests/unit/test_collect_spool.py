"""The spool on its own: a torn last record is cut off at recovery, batch ids survive a restart, an interrupted
end is finished, and a gzip body is inflated only up to the limit."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest

from replaylens.collect.body import BodyError, inflate
from replaylens.collect.spool import OpenSession, Spool

EV = [{"type": 5, "timestamp": 1_700_000_000_000 + i, "data": {"tag": "t", "payload": i}} for i in range(6)]


def test_torn_tail_is_cut_and_batch_ids_come_back(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    st = OpenSession("tab-aaaaaaaa")
    spool.append_batch(st, "b1", EV[:2], '{"m": 1}')
    spool.append_batch(st, "b2", EV[2:4], '{"m": 2}')
    spool.append_attributes(st, {"user_type": "new"})
    log = spool.open_dir / "tab-aaaaaaaa.log"
    good = log.stat().st_size
    with open(log, "ab") as f:  # what a kill -9 in the middle of a write can leave
        f.write(b"\x40\x00\x00\x00\x01\x02\x03\x04{\"k\":\"e\",\"b\":\"b3\"")
    sessions, ended = Spool(tmp_path).recover()
    assert ended == set() and log.stat().st_size == good
    back = sessions["tab-aaaaaaaa"]
    assert back.batch_ids == {"b1": 2, "b2": 2} and back.events == 4 and back.memory == '{"m": 2}'
    assert back.attributes == {"user_type": "new"}
    spool.append_batch(back, "b3", EV[4:], None)
    final = spool.finish(back)
    assert final is not None and not log.exists()
    data = json.loads(gzip.decompress(final.read_bytes()))
    assert data["sessionId"] == "tab-aaaaaaaa" and data["events"] == EV
    assert json.loads(final.with_name("tab-aaaaaaaa.attrs.json").read_text()) == {"tab-aaaaaaaa": {"user_type": "new"}}
    assert [q[0] for q in spool.queued()] == ["tab-aaaaaaaa"]
    assert "tab-aaaaaaaa" in Spool(tmp_path).recover()[1]  # ended: a late batch gets 409
    spool.done("tab-aaaaaaaa")
    assert spool.queued() == []


def test_a_corrupt_record_stops_recovery_there(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    st = OpenSession("tab-bbbbbbbb")
    spool.append_batch(st, "b1", EV[:3], None)
    first = (spool.open_dir / "tab-bbbbbbbb.log").stat().st_size
    spool.append_batch(st, "b2", EV[3:], None)
    log = spool.open_dir / "tab-bbbbbbbb.log"
    raw = bytearray(log.read_bytes())
    raw[first + 12] ^= 0xFF  # a flipped byte in the second record's payload: its checksum fails
    log.write_bytes(bytes(raw))
    back = Spool(tmp_path).recover()[0]["tab-bbbbbbbb"]
    assert back.batch_ids == {"b1": 3} and log.stat().st_size == first


def test_an_end_interrupted_after_its_queue_entry_is_finished(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    st = OpenSession("tab-cccccccc")
    spool.append_batch(st, "b1", EV, None)
    log = spool.open_dir / "tab-cccccccc.log"
    saved = log.read_bytes()
    spool.finish(st)
    log.write_bytes(saved)  # as if the process died before deleting the log
    sessions, ended = Spool(tmp_path).recover()
    assert sessions == {} and "tab-cccccccc" in ended and not log.exists()


def test_an_empty_session_queues_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    st = OpenSession("tab-dddddddd")
    spool.append_attributes(st, {"a": "1"})
    assert spool.finish(st) is None and spool.queued() == []


def test_inflate_stops_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    with pytest.raises(BodyError) as exc:
        inflate(bomb, "gzip", 2**20)
    assert exc.value.status == 413
    assert inflate(gzip.compress(b"[1]"), "gzip", 100) == b"[1]"
    assert inflate(zlib.compress(b"[2]"), "deflate", 100) == b"[2]"
    assert inflate(b"[3]", "identity", 100) == b"[3]"
    with pytest.raises(BodyError, match="truncated"):
        inflate(gzip.compress(b"[1, 2, 3]" * 100)[:-20], "gzip", 10_000)
