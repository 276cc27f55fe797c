"""What the ingest's fast paths leave out changes nothing: an import that renders nothing maps the same events, and
one-session stores sharing one DuckDB database keep their events apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rrweb_factory import recording

from replaylens.io.registry import open_session
from replaylens.io.rrweb.reader import load_recording, read_rrweb

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _files(tmp_path: Path) -> list[Path]:
    own = tmp_path / "rec.json"
    own.write_text(json.dumps(recording()))
    real = [SHARED / "rrweb-sizer-smartx-mobile" / "e1.json", SHARED / "rrweb-demoit-player" / "events.json"]
    return [own, *[p for p in real if p.is_file()]]


def test_an_import_without_rendering_maps_the_same_events(tmp_path: Path) -> None:
    for path in _files(tmp_path):
        full = load_recording(path)
        lean = load_recording(path, render=False)
        assert lean.mapped.table.equals(full.mapped.table), path.name
        assert lean.mapped.histories == [] and full.mapped.histories
        assert read_rrweb(path).events.equals(full.mapped.table)
        # what only the renderer needs is there when it renders: the secret password field of the wallet page
        if path.name == "rec.json":
            assert 14 in full.mapped.pages[0].secrets.secret


def test_one_session_stores_keep_their_events_apart(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    if len(paths) < 2:
        pytest.skip("the real recordings of ../shared/data are not here")
    a, b = open_session(paths[0]), open_session(paths[1])
    try:
        ta = {r[0] for r in a.store.target_facts()}
        tb = {r[0] for r in b.store.target_facts()}
        assert ta and tb and ta != tb
        first = a.store.event_targets([0, 1])
        assert [r[0] for r in first] == [0, 1]
        b.close()
        assert {r[0] for r in a.store.target_facts()} == ta  # closing one store leaves the other's events
        assert len(a.store.target_labels()) > 0
    finally:
        a.close()
