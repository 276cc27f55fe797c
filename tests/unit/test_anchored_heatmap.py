"""Element-anchored click maps (store.anchored, analysis.heatmaps.anchored): sessions at two widths click one centred
button that moves with the width; the raw map has two blobs, the anchored map one, on the reference box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from anchor_library import CELL, build, button, click, session

from replaylens.analysis.heatmaps.anchored import left_out_note
from replaylens.analysis.heatmaps.library import aggregate_heatmap, compare
from replaylens.cli import main
from replaylens.model.segment import Segment
from replaylens.store import aggregate as Q
from replaylens.store import anchored as A
from replaylens.store.library import open_library


def _blobs(c: Q.Cells) -> list[tuple[float, float]]:
    """Cluster the occupied cells (gaps up to 3 cells, 24 px, bridged: one blur blob) and return each cluster's
    centre in CSS px."""
    cells = {(int(x), int(y)) for x, y in zip(c.cx, c.cy, strict=True)}
    seen: set[tuple[int, int]] = set()
    out = []
    for start in sorted(cells):
        if start in seen:
            continue
        stack, members = [start], []
        seen.add(start)
        while stack:
            x, y = stack.pop()
            members.append((x, y))
            for dx in range(-3, 4):
                for dy in range(-3, 4):
                    n = (x + dx, y + dy)
                    if n in cells and n not in seen:
                        seen.add(n)
                        stack.append(n)
        arr = np.asarray(members, float)
        out.append((float((arr[:, 0].mean() + 0.5) * CELL), float((arr[:, 1].mean() + 0.5) * CELL)))
    return out


def _button_cells(c: Q.Cells) -> Q.Cells:
    keep = c.cy > 30  # leave the header (y 20) out
    return Q.Cells(c.cx[keep], c.cy[keep], c.weight[keep], c.sessions[keep], c.sessions_on_page, c.points)


def test_two_widths_raw_two_blobs_anchored_one_on_reference_box(tmp_path: Path) -> None:
    counts = build(tmp_path / "lib")
    with open_library(tmp_path / "lib", read_only=True) as lib:
        assert A.boxes_known(lib)
        raw = Q.cells(lib, Segment(()), "/", "click", device="desktop", cell_px=CELL)
        raw_blobs = _blobs(_button_cells(raw))
        assert len([b for b in raw_blobs if 400 <= b[1] <= 560]) == 2  # the button at 1280 and at 1440
        ref = A.reference_boxes(lib, Segment(()), "/", 1280, device="desktop")
        assert ref["#deposit"] == (*button(1280), 6)  # the median box over the six 1280 sessions
        assert "#promo" not in ref and "#logo" not in ref
        anch = A.anchored_cells(lib, Segment(()), "/", width=1280, device="desktop", cell_px=CELL)
        blobs = _blobs(anch.cells)
        assert len(blobs) == 1
        bx, by, bw, bh = button(1280)
        assert bx <= blobs[0][0] <= bx + bw and by <= blobs[0][1] <= by + bh
        # every drawn click inside the reference box; each at its offset: cells exactly as the 1280 clicks
        assert np.all(anch.cells.cx * CELL >= bx - CELL) and np.all(anch.cells.cx * CELL <= bx + bw)
        assert np.all(anch.cells.cy * CELL >= by - CELL) and np.all(anch.cells.cy * CELL <= by + bh)
        expect = {(int(np.floor((bx + f * bw) / CELL)), int(np.floor((by + f * bh) / CELL))) for f in (.25, .5, .75)}
        assert {(int(x), int(y)) for x, y in zip(anch.cells.cx, anch.cells.cy, strict=True)} == expect
        assert int(anch.cells.weight.sum()) == anch.cells.points == counts["button"] == 30
        assert np.all(anch.cells.sessions == 10)  # every session clicked each offset once
        assert anch.no_box == counts["no_box"] == 10
        assert anch.no_reference == counts["banner"] == 4
        assert anch.cells.sessions_on_page == 10 and anch.reference_elements == 1


def test_anchored_heatmap_result_counts_and_note(tmp_path: Path) -> None:
    build(tmp_path / "lib")
    with open_library(tmp_path / "lib", read_only=True) as lib:
        hm = aggregate_heatmap(lib, Segment(()), "/", "click", device="desktop", anchor="element")
        plain = aggregate_heatmap(lib, Segment(()), "/", "click", device="desktop")
        with pytest.raises(ValueError, match="click maps"):
            aggregate_heatmap(lib, Segment(()), "/", "move", anchor="element")
        with pytest.raises(ValueError, match="unknown anchor"):
            aggregate_heatmap(lib, Segment(()), "/", "click", anchor="page")
    assert hm.page_width == plain.page_width == 1280 and hm.sessions_used == plain.sessions_used == 10
    assert hm.points == 30 and plain.points == 44
    assert hm.extra["anchor_no_box"] == 10 and hm.extra["anchor_no_reference"] == 4
    assert hm.extra["anchor_note"] == ("10 clicks had no element box and 4 clicks were on elements with no box "
                                       "at the reference width (1280 px); they are left out.")
    assert hm.total_weight == 30.0 and plain.total_weight == 44.0


def test_no_boxes_moves_nothing(tmp_path: Path) -> None:
    build(tmp_path / "lib", boxes=False)
    build(tmp_path / "with", boxes=True)
    with open_library(tmp_path / "lib", read_only=True) as lib, \
            open_library(tmp_path / "with", read_only=True) as other:
        assert not A.boxes_known(lib)
        assert A.reference_boxes(lib, Segment(()), "/", 1280) == {}
        anch = A.anchored_cells(lib, Segment(()), "/", width=1280, device="desktop", cell_px=CELL)
        assert anch.cells.points == 0 and anch.cells.cx.size == 0 and not anch.boxes_known
        assert anch.no_box == 44 and anch.no_reference == 0 and anch.cells.sessions_on_page == 10
        assert left_out_note(anch) == ("No element boxes are known in this library: nothing could be anchored "
                                       "(44 clicks left out).")
        hm = aggregate_heatmap(lib, Segment(()), "/", "click", device="desktop", anchor="element")
        assert float(hm.grid.sum()) == 0.0 and hm.points == 0 and hm.sessions_used == 10
        # the plain map does not depend on the box columns at all
        a = Q.cells(lib, Segment(()), "/", "click", cell_px=CELL, stored=False)
        b = Q.cells(other, Segment(()), "/", "click", cell_px=CELL, stored=False)
        for name in ("cx", "cy", "weight", "sessions"):
            assert np.array_equal(getattr(a, name), getattr(b, name))


def test_mixed_library_old_batch_without_boxes(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    build(root, boxes=False, n1280=2, n1440=0)  # an old batch: no box columns in its Parquet
    with open_library(root) as lib:
        bx, by, _, _ = button(1440)
        lib.commit([session(100, 1440, [click(1000, bx + 10, by + 30, "#deposit", button(1440))], True, "A"),
                    session(101, 1280, [click(1000, 640.0, 520.0, "#deposit", button(1280))], True, "B")])
    with open_library(root, read_only=True) as lib:
        anch = A.anchored_cells(lib, Segment(()), "/", width=1280, cell_px=1.0)
        assert anch.boxes_known and anch.no_box == 2 * 4 + 0 and anch.no_reference == 0
        # the 1440 click at (0.25, 0.75) of its box lands at the same offset of the 1280 box
        rx, ry, rw, rh = button(1280)
        got = sorted(zip(anch.cells.cx.tolist(), anch.cells.cy.tolist(), strict=True))
        assert got == sorted([(int(rx + 0.25 * rw), int(ry + 0.75 * rh)), (640, 520)])


def test_offsets_clamped_to_the_box(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    bx, by, bw, _ = button(1280)
    with open_library(root) as lib:
        lib.commit([session(0, 1280, [click(1000, bx + 5, by + 5, "#deposit", button(1280))], True, "A"),
                    session(1, 1440, [click(1000, 2000.0, 0.0, "#deposit", button(1440))], True, "B")])
    with open_library(root, read_only=True) as lib:
        anch = A.anchored_cells(lib, Segment(()), "/", width=1280, cell_px=1.0)
    got = sorted(zip(anch.cells.cx.tolist(), anch.cells.cy.tolist(), strict=True))
    assert got == sorted([(int(bx + 5), int(by + 5)), (int(bx + bw), int(by))])  # far right, top: (1, 0)


def test_compare_anchored_both_sides_on_base_boxes(tmp_path: Path) -> None:
    build(tmp_path / "lib")
    with open_library(tmp_path / "lib", read_only=True) as lib:
        c = compare(lib, None, "variant", "A", "B", "/", "click", device="desktop", anchor="element")
    assert c.map_a.extra["anchor"] == "element" and c.map_b.extra["anchor"] == "element"
    assert c.map_a.points + c.map_b.points == 30
    assert c.map_a.extra["anchor_no_reference"] + c.map_b.extra["anchor_no_reference"] == 4


def test_cli_anchor_element(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build(tmp_path / "lib")
    out = tmp_path / "map.png"
    assert main(["heatmap", "--library", str(tmp_path / "lib"), "--page", "/", "--kind", "click",
                 "--anchor", "element", "--out", str(out)]) == 0
    text = capsys.readouterr()
    assert out.is_file()
    assert "anchored   30 clicks on 1 element (reference width 1280 px)" in text.out
    assert "10 clicks had no element box" in text.out
    assert main(["heatmap", "--library", str(tmp_path / "lib"), "--page", "/", "--kind", "move",
                 "--anchor", "element", "--out", str(out)]) != 0
    capsys.readouterr()
    assert main(["heatmap", str(tmp_path / "none.rlsession"), "--anchor", "element", "--out", str(out)]) == 2
    assert "--anchor element is for library maps" in capsys.readouterr().err


def test_box_columns_all_null_count_as_no_boxes(tmp_path: Path) -> None:
    """A library written with the box columns but nothing measured (rrweb files ingested without rendering) says
    that no element boxes are known, as a library without the columns does."""
    root = tmp_path / "lib"
    with open_library(root) as lib:
        lib.commit([session(0, 1280, [click(1000, 640.0, 520.0, "#deposit", None)], True, "A"),
                    session(1, 1440, [click(1000, 720.0, 440.0, "#deposit", None)], True, "B")])
    with open_library(root, read_only=True) as lib:
        assert "target_box_w" in Q._engine(lib).execute("SELECT * FROM events LIMIT 0").column_names
        assert not A.boxes_known(lib)
        anch = A.anchored_cells(lib, Segment(()), "/", width=1280, cell_px=CELL)
        assert not anch.boxes_known and anch.no_box == 2 and anch.cells.points == 0
        assert left_out_note(anch).startswith("No element boxes are known in this library")
