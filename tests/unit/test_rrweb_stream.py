"""Reading a top-level event array item by item (io/rrweb/stream.py) gives exactly what the whole-tree reader gives:
the same events table, report and pages, the same error messages, and pointer batches never kept as dicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rrweb_factory import T0, click, inc, recording

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io.rrweb import containers
from replaylens.io.rrweb.reader import load_recording
from replaylens.model.report import ImportReport


def _moves(t: int, src: int, pts: list[dict[str, Any]]) -> dict[str, Any]:
    return inc(t, src, positions=pts)


def _mixed() -> list[dict[str, Any]]:
    """The factory's recording with pointer batches of every shape spliced in (ties in time included)."""
    ev = recording()
    extra = [
        _moves(1500, 1, [{"x": 10, "y": 20, "id": 9, "timeOffset": -40}, {"x": 11, "y": 21, "id": 9}]),
        _moves(1500, 6, [{"x": 5.5, "y": None, "id": 15, "timeOffset": 0}]),  # touch; y null
        _moves(1500, 12, [{"x": 1, "y": 2, "timeOffset": None}]),  # drag; null offset: counted, treated as 0
        _moves(2600, 1, [{"x": 3, "y": 4, "id": 99999, "timeOffset": 70_000}]),  # offset beyond 60 s; no node
        _moves(2600, 1, []),
        {"type": 3, "timestamp": T0 + 2600, "data": {"source": 1}},  # no positions at all
        {"type": 3, "data": {"source": 1, "positions": [{"x": 7, "y": 8}]}},  # no timestamp
        click(2600, 9, 30, 40),
        _moves(2700, 1, [{"x": 1e30, "y": -3, "id": 2**53, "timeOffset": 1e3}]),
    ]
    return ev[:3] + extra[:3] + ev[3:6] + extra[3:] + ev[6:]


def _load(path: Path, whole_tree: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ImportReport]:
    with monkeypatch.context() as m:
        if whole_tree:
            m.setattr(containers, "_load_array", lambda _path, _data: None)
        report = ImportReport(source=str(path))
        return load_recording(path, report), report


def _summary(loaded: Any, report: ImportReport) -> tuple[Any, ...]:
    m = loaded.mapped
    return (m.table.to_pylist(), str(m.table.schema), m.counts, m.start_epoch_ms, m.duration_ms, m.viewport,
            [(p.url, p.title, p.width, p.height, p.segment, p.snapshot) for p in m.pages],
            [(h.changes, h.navs) for h in m.histories], report.to_json(), loaded.container.container,
            loaded.container.session_id)


@pytest.mark.parametrize("wrap", ["array", "js", "bom"])
def test_item_by_item_equals_whole_tree(wrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps(_mixed())
    data = {"array": text.encode(), "js": f"const events = {text};\n".encode(),
            "bom": b"\xef\xbb\xbf  \n" + text.encode()}[wrap]
    path = tmp_path / "rec"
    path.write_bytes(data)
    fast, fast_report = _load(path, False, monkeypatch)
    slow, slow_report = _load(path, True, monkeypatch)
    assert fast.container.moves is not None and fast.container.moves.n == 0  # consumed by the mapping
    assert _summary(fast, fast_report) == _summary(slow, slow_report)
    kinds = fast.mapped.table.column("kind").to_pylist()
    def factory(sources: tuple[int, ...]) -> int:  # positions of the factory's own batches
        return sum(len(e["data"]["positions"]) for e in recording()
                   if e["type"] == 3 and e["data"].get("source") in sources)
    assert kinds.count("move") == 6 + factory((1, 12))
    assert kinds.count("touch_move") == 1 + factory((6,))
    assert fast_report.counts["bad_time_offset"] == 2


def test_pointer_batches_are_not_kept_as_dicts(tmp_path: Path) -> None:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(_mixed()))
    out = containers.load(path)
    batches = [e for e in out.events if e["type"] == 3 and e["data"].get("source") in (1, 6, 12)]
    base = [e for e in recording() if e["type"] == 3 and e["data"].get("source") in (1, 6, 12)]
    assert len(batches) == 8 + len(base) and all("positions" not in e["data"] for e in batches)
    assert out.moves is not None and out.moves.n == 7 + sum(len(e["data"]["positions"]) for e in base)
    assert out.validated


@pytest.mark.parametrize("bad", [
    b'{"type":3,"timestamp":5,"data":{"source":1,"positions":7}}',  # a batch of the wrong shape
    b'{"type":3,"timestamp":5,"data":{"source":1,"positions":[{"x":"left"}]}}',
    b'{"type":3,"timestamp":5,"data":{"source":2,"x":[1]}}',
    b'{"type":3,"timestamp":5,"data":{"source":1,"positions":[{"x":1e999}]}}',  # beyond float64
    b'{"type":3,"timestamp":5,"data":{"source":1,"positions":[{"x":1' + b"0" * 5000 + b'}]}}',
    b'{"type":4,"timestamp":5,"data":{"href":"\xff"}}',  # invalid UTF-8
    b'{"type":3,"timestamp":5,"data":' + b"[" * 5000 + b"]" * 5000 + b"}",  # deep nesting
    b'"not packed"',
])
def test_same_errors_as_whole_tree(bad: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = json.dumps(recording()).encode()
    path = tmp_path / "bad.json"
    path.write_bytes(good[:-1] + b"," + bad + b"]")
    messages = []
    for whole_tree in (False, True):
        with pytest.raises((BadInputError, LimitExceededError)) as info:
            _load(path, whole_tree, monkeypatch)
        messages.append((type(info.value), str(info.value)))
    assert messages[0] == messages[1]
    assert str(path) in messages[0][1] or path.name in messages[0][1]
