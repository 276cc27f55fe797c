"""The pre-binned heatmap cells written at ingest (store._cells) answer exactly as the GROUP BY over the events:
every kind, unique sessions and totals, every stored cell size, relative x; an older library reads the events."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from compare_library import KYC, LANDING, SEGMENTS, build

from replaylens.analysis.heatmaps.library import aggregate_heatmap, compare
from replaylens.model.segment import Segment
from replaylens.store import _cells
from replaylens.store import aggregate as Q
from replaylens.store.library import LibraryStore, open_library


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cells") / "lib"
    build(root, 160, deposit_a=0.2, lift=0.5)
    return root


def identical(a: Q.Cells, b: Q.Cells) -> None:
    assert a.sessions_on_page == b.sessions_on_page and a.points == b.points
    for name in ("cx", "cy", "weight", "sessions"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


def both_routes(lib: LibraryStore, seg: Segment | None, page: str, kind: str, device: str | None,
                cell: float) -> tuple[Q.Cells, Q.Cells]:
    return (Q.cells(lib, seg, page, kind, device=device, cell_px=cell, stored=True),
            Q.cells(lib, seg, page, kind, device=device, cell_px=cell, stored=False))


def test_every_events_file_has_its_cells(planted: Path) -> None:
    with open_library(planted, read_only=True) as lib:
        assert _cells.available(lib)
        events = sorted(str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT events_file FROM sessions")
                        .fetchall())
        assert _cells.files(lib) == [_cells.cells_rel(f) for f in events] and events
        version = lib.cursor().execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall()
        assert version == [("5",)]


@pytest.mark.parametrize("seg", list(SEGMENTS))
@pytest.mark.parametrize("kind", ["click", "move"])
@pytest.mark.parametrize("cell", [8.0, 16.0, 32.0])
def test_stored_cells_equal_the_events_route(planted: Path, seg: str, kind: str, cell: float) -> None:
    largest = 0
    with open_library(planted, read_only=True) as lib:
        for page in (LANDING, "/kyc", "/kyc|/"):
            for device in (None, "desktop", "mobile"):
                stored, raw = both_routes(lib, SEGMENTS[seg], page, kind, device, cell)
                identical(stored, raw)
                largest = max(largest, stored.cx.size if stored.points > 0 else 0)
    if seg in ("all", "variant B"):
        assert largest > 10  # the comparison is not only of empty maps


@pytest.mark.parametrize("seg", list(SEGMENTS))
def test_stored_reach_equals_the_events_route(planted: Path, seg: str) -> None:
    with open_library(planted, read_only=True) as lib:
        for page in (LANDING, KYC, "/kyc|/"):
            stored = Q.reach(lib, SEGMENTS[seg], page, stored=True)
            raw = Q.reach(lib, SEGMENTS[seg], page, stored=False)
            for a, b in zip(stored, raw, strict=True):
                assert np.array_equal(a, b, equal_nan=True)
        if seg == "all":
            assert stored[0].size > 50


def test_other_sizes_and_relative_x_read_the_events(planted: Path) -> None:
    with open_library(planted, read_only=True) as lib:
        assert _cells.factor(8) == 1 and _cells.factor(32) == 4
        assert _cells.factor(24) is None and _cells.factor(12) is None and _cells.factor(4) is None
        with pytest.raises(ValueError, match="stored cells"):
            Q.cells(lib, None, "/", "click", cell_px=24.0, stored=True)
        with pytest.raises(ValueError, match="stored cells"):
            Q.cells(lib, None, "/", "click", relative_width=1280.0, stored=True)
        rel = Q.cells(lib, None, "/", "move", cell_px=8.0, relative_width=1280.0)
        identical(rel, Q.cells(lib, None, "/", "move", cell_px=8.0, relative_width=1280.0, stored=False))
        assert rel.sessions_on_page > 0


def _maps(lib: LibraryStore) -> list[Any]:
    out: list[Any] = []
    for kind in ("click", "move", "scroll"):
        for unique in (False, True):
            for relative in (False, True):
                hm = aggregate_heatmap(lib, SEGMENTS["variant B"], "/", kind, unique=unique, relative_x=relative)
                out.append((hm.grid, hm.values, hm.points, hm.sessions_used, hm.total_weight, hm.fold_y,
                            hm.points_outside_page))
    diff = compare(lib, None, "campaign", "songkran", "organic", "/", "click")
    out.append((diff.to_json(), diff.diff.p_adjusted))
    return out


def _same(a: Any, b: Any) -> None:
    if isinstance(a, np.ndarray):
        assert np.array_equal(a, b, equal_nan=True)
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for k in a:
            _same(a[k], b[k])
    else:
        assert a == b


def test_a_library_without_cells_reads_the_events_and_maps_agree(planted: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(planted, old)
    with open_library(old, read_only=True) as lib:
        with_cells = _maps(lib)
    shutil.rmtree(old / "cells")  # as a layout-2 library: event files only
    con = duckdb.connect(str(old / "catalogue.duckdb"))
    con.execute("UPDATE meta SET value = '2' WHERE key = 'layout_version'")
    con.close()
    with open_library(old, read_only=True) as lib:
        assert not _cells.available(lib)
        with pytest.raises(ValueError, match="before layout 3"):
            Q.reach(lib, None, "/", stored=True)
        _same(with_cells, _maps(lib))
    with open_library(old) as lib:  # migrated for writing: the old batches still have no cells
        assert not _cells.available(lib)
        assert (old / "cells").is_dir()


def test_orphan_cells_are_removed(planted: Path, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    shutil.copytree(planted, root)
    stray = root / "cells" / "site=x" / "day=2026-01-01" / "batch-stray.parquet"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"not parquet")
    with open_library(root) as lib:
        assert lib.cleanup_orphans() >= 1
        assert not stray.exists() and _cells.available(lib)


def test_demo_library_cells_equal_the_events_route(tmp_path: Path, qapp: object) -> None:
    from replaylens.demo.library_build import build_library

    result = build_library(tmp_path, 40, 321, workers=1)
    assert result["ingest"]["added"] == 40
    checked = 0
    with open_library(tmp_path, read_only=True) as lib:
        assert _cells.available(lib)
        pages = [str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT path FROM pages ORDER BY 1").fetchall()]
        devices = [str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT device_class FROM sessions ORDER BY 1")
                   .fetchall()]
        assert pages and devices
        for page in pages:
            for device in (None, *devices):
                for kind in ("click", "move"):
                    for cell in (8.0, 32.0):
                        stored, raw = both_routes(lib, None, page, kind, device, cell)
                        identical(stored, raw)
                        checked += int(stored.points > 0)
                for a, b in zip(Q.reach(lib, None, page, device=device, stored=True),
                                Q.reach(lib, None, page, device=device, stored=False), strict=True):
                    assert np.array_equal(a, b, equal_nan=True)
    assert checked > 10
    _attention_matches_the_one_session_map(tmp_path)


def same_bands(a: Q.Bands, b: Q.Bands) -> None:
    assert a.sessions_on_page == b.sessions_on_page and a.points == b.points
    for name in ("top", "bottom", "ms", "session"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name


@pytest.mark.parametrize("seg", list(SEGMENTS))
def test_stored_attention_bands_equal_the_events_route(planted: Path, seg: str) -> None:
    with open_library(planted, read_only=True) as lib:
        for page in (LANDING, "/kyc", "/kyc|/"):
            for device in (None, "desktop", "mobile"):
                for per_session in (False, True):
                    stored = Q.bands(lib, SEGMENTS[seg], page, device=device, per_session=per_session, stored=True)
                    raw = Q.bands(lib, SEGMENTS[seg], page, device=device, per_session=per_session, stored=False)
                    same_bands(stored, raw)
        whole = Q.bands(lib, SEGMENTS[seg], "/kyc|/", per_session=True)
        if seg == "all":
            assert whole.ms.sum() > 0 and whole.points > 1000 and np.unique(whole.session).size > 50


def test_attention_maps_from_cells_equal_the_events_route(planted: Path, tmp_path: Path) -> None:
    def maps(lib: LibraryStore) -> list[Any]:
        out: list[Any] = []
        for unique in (False, True):
            for cell in (8.0, 24.0):
                hm = aggregate_heatmap(lib, SEGMENTS["variant B"], "/", "attention", unique=unique, cell=cell)
                out.append((hm.grid, hm.values, hm.points, hm.sessions_used, hm.total_weight, hm.fold_y))
        diff = compare(lib, None, "campaign", "songkran", "organic", "/", "attention")
        out.append((diff.to_json(), diff.diff.p_adjusted))
        return out

    old = tmp_path / "old"
    shutil.copytree(planted, old)
    with open_library(old, read_only=True) as lib:
        with_cells = maps(lib)
        assert with_cells[0][4] > 0 and with_cells[0][3] > 0
    shutil.rmtree(old / "cells")
    with open_library(old, read_only=True) as lib:
        assert not _cells.available(lib)
        _same(with_cells, maps(lib))


def test_rebuild_cells_derives_the_same_cells_from_the_events(planted: Path, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    shutil.copytree(planted, root)
    before = {p.relative_to(root): pq.read_table(p) for p in (root / "cells").rglob("*.parquet")}
    shutil.rmtree(root / "cells")
    with open_library(root) as lib:
        assert not _cells.available(lib)
        assert lib.rebuild_cells() == len(before) and _cells.available(lib)
        assert lib.rebuild_cells() == 0  # every file has its cells now
        for rel, table in before.items():
            assert pq.read_table(root / rel).equals(table), rel
        identical(*both_routes(lib, None, "/", "move", None, 16.0))
    with open_library(root, read_only=True) as lib, pytest.raises(Exception, match="read-only"):
        lib.rebuild_cells()


def test_a_layout_3_library_reads_the_events_until_its_cells_are_rebuilt(planted: Path, tmp_path: Path) -> None:
    root = tmp_path / "v3"
    shutil.copytree(planted, root)
    for p in (root / "cells").rglob("*.parquet"):  # cells of layout 3: string keys, no bands
        pq.write_table(pa.table({"session_id": pa.array(["x"]), "sha256": pa.array(["y"])}), p)
    con = duckdb.connect(str(root / "catalogue.duckdb"))
    con.execute("DROP TABLE cell_keys")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'layout_version'")
    con.close()
    with open_library(root, read_only=True) as lib:
        assert not _cells.available(lib)
        raw = Q.cells(lib, None, "/", "move", cell_px=8.0)
    with open_library(root) as lib:
        assert lib.cursor().execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall() == [("5",)]
        assert not _cells.available(lib)
        assert lib.rebuild_cells() > 0 and _cells.available(lib)
        identical(Q.cells(lib, None, "/", "move", cell_px=8.0, stored=True), raw)


def _attention_matches_the_one_session_map(root: Path) -> None:
    """The library's attention map (from the cells) is the one-session map's definition: summed over the same
    session files, every page row's seconds agree exactly, as do the sessions and events counted."""
    from replaylens.analysis.heatmaps.session import compute_heatmap
    from replaylens.demo.library_build import RECORDINGS
    from replaylens.io.registry import open_session

    sessions = [open_session(p) for p in sorted((root / RECORDINGS).rglob("*.rlsession"))]
    compared = 0
    try:
        with open_library(root, read_only=True) as lib:
            paths = [str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT path FROM pages ORDER BY 1").fetchall()]
            for path in paths:
                for device in ("desktop", "mobile"):
                    try:
                        ours = aggregate_heatmap(lib, None, path, "attention", device=device, cell=8.0)
                        one = compute_heatmap(sessions, "attention", page=path, device=device, cell=8.0)
                    except ValueError:
                        continue
                    assert ours.sessions_used == one.sessions_used and ours.points == one.points
                    assert ours.profile is not None and one.profile is not None
                    a, b = ours.profile * ours.sessions_used, one.profile * one.sessions_used
                    n = min(a.size, b.size)
                    assert np.allclose(a[:n], b[:n], rtol=1e-12, atol=1e-9), (path, device)
                    compared += int(a.sum() > 0)
    finally:
        for s in sessions:
            s.close()
    assert compared >= 4


def test_unique_library_maps_say_sessions_in_their_legend(planted: Path) -> None:
    """A comparison draws maps that count sessions once per spot: the legend says sessions (or the share of them
    for attention), not clicks or seconds; the event-counting map keeps its wording."""
    from replaylens.analysis.heatmaps.legend import EXPLAIN, UNIQUE_EXPLAIN, explain, scale_labels

    with open_library(planted, read_only=True) as lib:
        att = aggregate_heatmap(lib, None, "/", "attention", unique=True)
        att_total = aggregate_heatmap(lib, None, "/", "attention")
        clicks = aggregate_heatmap(lib, None, "/", "click", unique=True)
        clicks_total = aggregate_heatmap(lib, None, "/", "click")
    assert att.profile is not None and 0 < float(att.profile.max()) <= 1.0
    assert scale_labels(att) == ("fewer sessions", f"more · up to {float(att.profile.max()) * 100:.0f} % of sessions")
    assert explain(att) == UNIQUE_EXPLAIN["attention"] and explain(att_total) == EXPLAIN["attention"]
    assert "per session" in scale_labels(att_total)[1] and "s per session" in att_total.summary()
    assert "s per session" not in att.summary() and "% of sessions" in att.summary()
    busiest = int(round(float(clicks.grid.max())))
    assert busiest >= 1 and scale_labels(clicks)[1] == (
        f"more · up to {busiest:,} session{'s' if busiest != 1 else ''} in one 8 px square")
    assert scale_labels(clicks_total)[0] == "fewer clicks"
