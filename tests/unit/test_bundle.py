"""The native bundle: writer and reader round-trip, repairs are reported, unknown data is kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from storeutil import query

from replaylens.io.bundle import import_bundle, write_bundle
from replaylens.model.manifest import Manifest, Page
from replaylens.store.session import open_imported


def _manifest() -> Manifest:
    return Manifest(session_id="s1", start_epoch_ms=1_700_000_000_000,
                    pages=[Page("https://a.test/", "A", None, 800, 2000), Page("https://a.test/b", "B", None, 800,
                                                                                 1000)],
                    viewport_width=800, viewport_height=600, site="a.test", attributes={"variant": "B"})


def _write(tmp_path: Path, cols: dict) -> Path:
    return write_bundle(tmp_path / "s.rlsession", _manifest(), pa.table(cols), {})


def test_roundtrip_and_unknown_kept(tmp_path: Path, untouched) -> None:
    cols = {
        "t": pa.array([0, 10, 20, 30, 40], pa.int64()),
        "kind": ["navigate", "move", "click", "hover_intent", "scroll"],
        "x": [None, 10.0, 11.0, 12.0, None], "y": [None, 20.0, 21.0, 22.0, None],
        "scroll_y": [0.0, None, None, None, 300.0],
        "target": [None, None, "button#go", None, None],
        "interactive": [None, None, True, None, None],
        "my_vendor_field": ["a", "b", "c", "d", "e"],
    }
    path = _write(tmp_path, cols)
    untouched(path)
    s = open_imported(import_bundle(path))
    a = s.arrays
    assert list(a.t) == [0, 10, 20, 30, 40]
    assert [a.kinds[k] for k in a.kind] == cols["kind"]  # unknown kind kept with its own code
    assert a.kinds[: 3] == ("move", "down", "up")
    assert a.targets == ("button#go",)
    assert list(a.target) == [-1, -1, 0, -1, -1]
    assert list(a.interactive) == [-1, -1, 1, -1, -1]
    assert list(a.scroll_y) == [0, 0, 0, 0, 300]  # filled forward
    assert list(a.width) == [800] * 5  # from the manifest viewport
    assert s.store.extra_columns == ["my_vendor_field"]
    assert query(s.store, "SELECT my_vendor_field FROM events ORDER BY i")[3] == ("d",)
    assert s.manifest.attributes == {"variant": "B"}
    assert s.report.warnings == []
    s.close()


def test_repairs_reported(tmp_path: Path) -> None:
    nan = float("nan")
    cols = {
        "t": pa.array([0, 30, 10, 10, 20, 50, 60, None], pa.int64()),
        "kind": ["move", "move", "move", "move", "click", "move", "move", "move"],
        "x": [1.0, 2.0, 3.0, 3.0, nan, 65535.0, 1e9, 5.0],
        "y": [1.0, 2.0, 3.0, 3.0, 4.0, 65535.0, 5.0, 5.0],
        "page": pa.array([0, 0, 0, 0, 0, 7, 0, 0], pa.int32()),
    }
    s = open_imported(import_bundle(_write(tmp_path, cols)))
    c = s.report.counts
    assert c["missing_time_or_kind"] == 1
    assert c["bad_coordinates"] == 3  # NaN, 65535 sentinel, 1e9 out of range
    assert c["backwards_time"] == 1
    assert c["duplicates"] == 1
    assert c["bad_page"] == 1
    a = s.arrays
    assert list(a.t) == [0, 10, 20, 30, 50, 60]  # sorted, duplicate dropped
    assert np.isnan(a.x[2]) and np.isnan(a.x[4]) and np.isnan(a.x[5]) and np.isnan(a.y[4])
    assert list(a.page) == [0] * 6
    assert all(isinstance(w, str) and w for w in s.report.warnings)
    s.close()


def test_stable_sort_keeps_recorded_order_for_ties(tmp_path: Path) -> None:
    cols = {"t": pa.array([5, 5, 5, 1], pa.int64()), "kind": ["down", "up", "click", "move"],
            "x": [1.0, 1.0, 1.0, 0.0], "y": [1.0, 1.0, 1.0, 0.0]}
    s = open_imported(import_bundle(_write(tmp_path, cols)))
    assert [s.arrays.kinds[k] for k in s.arrays.kind] == ["move", "down", "up", "click"]
    s.close()


def test_page_coordinates_respect_fixed(tmp_path: Path) -> None:
    cols = {"t": pa.array([0, 1], pa.int64()), "kind": ["click", "click"], "x": [10.0, 10.0], "y": [20.0, 20.0],
            "scroll_y": [500.0, 500.0], "fixed": [False, True]}
    s = open_imported(import_bundle(_write(tmp_path, cols)))
    assert list(s.arrays.page_y) == [520.0, 20.0]
    s.close()


def test_empty_events_table(tmp_path: Path) -> None:
    cols = {"t": pa.array([], pa.int64()), "kind": pa.array([], pa.string())}
    s = open_imported(import_bundle(_write(tmp_path, cols)))
    assert len(s.arrays) == 0 and s.duration_ms == 0
    assert any("no events" in w for w in s.report.warnings)
    s.close()


def test_atomic_write_leaves_no_temp(tmp_path: Path) -> None:
    _write(tmp_path, {"t": pa.array([0], pa.int64()), "kind": ["move"]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.rlsession"]
    with pytest.raises(ValueError):
        write_bundle(tmp_path / "x.rlsession", _manifest(), pa.table({"t": [0], "kind": ["m"]}),
                     {"../evil.png": b""})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.rlsession"]




def test_written_files_are_shareable(tmp_path: Path) -> None:
    """Atomic writes go through mkstemp (0600); the result must get ordinary permissions (0666 less umask)."""
    import os

    mask = os.umask(0o022)
    try:
        path = _write(tmp_path, {"t": pa.array([0], pa.int64()), "kind": ["move"]})
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
