"""The heat cells kernel (core.heat_cells): weights by hand, one definition of every weight and cap, and the cells an
rrweb ingest's workers compute equal to those derived from the written events and to the raw-event route."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from rrweb_factory import recording

from replaylens.core import heat_cells as H
from replaylens.core.heatmap_kinds import DEFAULT_DWELL_CAP_MS, DEFAULT_IDLE_CAP_MS
from replaylens.io.library import ingest
from replaylens.store import _cells, _cells_build
from replaylens.store import aggregate as Q
from replaylens.store.library import open_library

APP = Path(__file__).resolve().parents[2] / "app" / "replaylens"


def _rows(**over: object) -> H.CellRows:
    n = 4
    cols: dict[str, object] = dict(
        sess=np.zeros(n, np.int64), i=np.arange(n), t=np.array([0, 500, 4000, 4100]), page=np.zeros(n, np.int64),
        pointer=np.array([True, True, True, False]), click=np.array([False, True, False, False]),
        x=np.array([10.0, 20.0, 900.0, np.nan]), y=np.array([10.0, 10.0, 30.0, np.nan]),
        scroll_x=np.zeros(n), scroll_y=np.array([0.0, 0.0, 100.0, 100.0]), fixed=np.zeros(n, bool),
        height=np.array([800.0, 800.0, 800.0, np.nan]), p_sess=np.array([0]), p_page=np.array([0]),
        p_url=np.array([0]), duration=np.array([40_000.0]))
    cols.update(over)
    return H.cell_rows(**cols)  # type: ignore[arg-type]


def test_weights_by_hand() -> None:
    rows = _rows()
    kinds = [H.CELL_KINDS[k] for k in rows.kind]
    move = {int(c): (int(n), int(w)) for c, n, w, k in zip(rows.cell, rows.n, rows.w, kinds, strict=True)
            if k == "move"}
    # dwell: the time to the next pointer sample, at most the cap; the last sample 0; both first moves in cell (1, 1)
    # ... (x 10 and 20 // 8 -> 1 and 2): cells (1,1), (2,1), and (112, 16) with the scroll added
    assert move == {1 * H.CELL_ROW + 1: (1, 500), 1 * H.CELL_ROW + 2: (1, DEFAULT_DWELL_CAP_MS),
                    16 * H.CELL_ROW + 112: (1, 0)}
    assert [(int(c), int(n)) for c, k, n in zip(rows.cell, kinds, rows.n, strict=True) if k == "click"] == \
        [(1 * H.CELL_ROW + 2, 1)]
    bands = {(float(t), float(h)) if not np.isnan(h) else (float(t), None): (int(n), int(w))
             for t, h, n, w, k in zip(rows.top, rows.h, rows.n, rows.w, kinds, strict=True) if k == "band"}
    # attention: each event the time to the next event (at most the idle cap), the last one the time to the end
    assert bands == {(0.0, 800.0): (2, 500 + 3500), (100.0, 800.0): (1, 100),
                     (100.0, None): (1, DEFAULT_IDLE_CAP_MS)}
    reach = [(float(bh), float(bs), int(fi), float(fh)) for bh, bs, fi, fh, k in
             zip(rows.bottom_h, rows.bottom_s, rows.first_i, rows.fold_h, kinds, strict=True) if k == "reach"]
    assert reach == [(900.0, 100.0, 0, 800.0)]


def test_pages_without_a_first_moment_and_fixed_elements() -> None:
    assert len(_rows(p_sess=np.zeros(0, np.int64), p_page=np.zeros(0, np.int64), p_url=np.zeros(0, np.int64))) == 0
    rows = _rows(fixed=np.array([False, False, True, False]))
    cells = {int(c) for c, k in zip(rows.cell, rows.kind, strict=True) if H.CELL_KINDS[k] == "move"}
    assert 3 * H.CELL_ROW + 112 in cells  # a fixed element stays in viewport coordinates (y 30, not 130)


def test_each_weight_and_cap_is_defined_once() -> None:
    text = {p: p.read_text(encoding="utf-8") for p in APP.rglob("*.py")}
    for name in ("DWELL_CAP_MS", "IDLE_CAP_MS", "ATTENTION_CAP_MS", "POINTER_KINDS", "POINTER_KIND_NAMES"):
        pattern = re.compile(rf"^\s*\w*{name}\s*(:[^=\n]*)?=", re.M)
        where = [p.relative_to(APP).as_posix() for p, t in text.items() for _ in pattern.finditer(t)]
        assert len(where) <= 1, (name, where)
    heat = [p for p in text if (p.parts[-2] in ("core", "heatmaps", "store") and (p.parent.name == "heatmaps"
            or p.name.startswith(("heat", "_heat", "_cells"))))
            or p.name in ("_reach.py", "aggregate.py")]
    restated = [p.relative_to(APP).as_posix() for p in heat if re.search(r"\b(2_000|30_000)(\.0)?\b", text[p])]
    assert restated == ["core/heatmap_kinds.py"]  # the caps' values: nowhere else in the heatmap code


def _files(tmp: Path, shared: Path | None) -> list[Path]:
    out = []
    for k in range(3):
        ev = recording()
        for e in ev:
            e["timestamp"] += k * 86_400_000 + k
        p = tmp / f"rec{k}.json"
        p.write_text(json.dumps(ev))
        out.append(p)
    if shared is not None:
        out += [shared / "rrweb-demoit-player" / "events.json", shared / "rrweb-sizer-smartx-mobile" / "e1.json"]
    return [p for p in out if p.is_file()]


@pytest.fixture()
def shared_or_none() -> Path | None:
    d = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return d if d.is_dir() else None


def test_worker_cells_equal_the_events_and_the_raw_route(tmp_path: Path, shared_or_none: Path | None) -> None:
    src = tmp_path / "in"
    src.mkdir()
    files = _files(src, shared_or_none)
    with open_library(tmp_path / "lib") as lib:
        result = ingest(lib, files, workers=0)
        assert result.added == len(files) and not result.failed, result.to_json()
        assert _cells.available(lib)
        events_files = sorted(str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT events_file FROM sessions")
                              .fetchall())
        for rel in events_files:  # the workers' rows, as written, are what the events give
            sessions, pages = _cells_build.file_tables(lib, rel)
            events = pq.read_table(lib.root / rel, columns=list(_cells_build.COLUMNS))
            written = pq.read_table(lib.root / _cells.cells_rel(rel))
            assert written.equals(_cells.compute(events, sessions, pages)), rel
            assert written.num_rows > 0
        urls = [str(r[0]) for r in lib.cursor().execute("SELECT DISTINCT url FROM pages WHERE first_ms IS NOT NULL")
                .fetchall()]
        assert urls
        for url in urls:
            for kind in ("click", "move"):
                a = Q.cells(lib, None, url, kind, cell_px=16.0, stored=True)
                b = Q.cells(lib, None, url, kind, cell_px=16.0, stored=False)
                assert a.points == b.points and a.sessions_on_page == b.sessions_on_page
                for name in ("cx", "cy", "weight", "sessions"):
                    assert np.array_equal(getattr(a, name), getattr(b, name)), (url, kind, name)
            for x, y in zip(Q.reach(lib, None, url, stored=True), Q.reach(lib, None, url, stored=False),
                            strict=True):
                assert np.array_equal(x, y, equal_nan=True)
            sa, sb = Q.bands(lib, None, url, stored=True), Q.bands(lib, None, url, stored=False)
            assert sa.points == sb.points and np.array_equal(sa.ms, sb.ms) and np.array_equal(sa.top, sb.top)
