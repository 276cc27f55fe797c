"""The cyclic collector is paused while a recording is parsed and mapped (io/rrweb/reader.py), and restored after
it: on success, on failure and when imports overlap."""

from __future__ import annotations

import gc
import json
import threading
from pathlib import Path

import pytest
from rrweb_factory import recording

from replaylens.errors import BadInputError
from replaylens.io.rrweb import reader
from replaylens.io.rrweb.reader import gc_paused, load_recording


def test_paused_during_the_mapping_and_restored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(recording()))
    seen: list[bool] = []
    real = reader.map_events

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*a, **k)

    monkeypatch.setattr(reader, "map_events", spy)
    assert gc.isenabled()
    loaded = load_recording(path)
    assert seen == [False]
    assert gc.isenabled()
    assert loaded.mapped.table.num_rows > 0


def test_restored_after_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("[{")
    with pytest.raises(BadInputError):
        load_recording(path)
    assert gc.isenabled()


def test_left_disabled_when_it_was(tmp_path: Path) -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_imports_resume_when_the_last_leaves() -> None:
    inner_in, outer_done = threading.Event(), threading.Event()
    states: list[bool] = []

    def other() -> None:
        with gc_paused():
            inner_in.set()
            outer_done.wait(5)
            states.append(gc.isenabled())  # the first import has left: still paused for this one

    with gc_paused():
        t = threading.Thread(target=other)
        t.start()
        assert inner_in.wait(5)
    outer_done.set()
    t.join(5)
    assert states == [False]
    assert gc.isenabled()
