"""Element boxes without rendering: the id attribute of the rebuild, the measuring script's text and result checks,
the columnar join of boxes to events (io/rrweb/boxes.py) and the finding's box (render/findings_paint.py)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from replaylens.io.rrweb.boxes import BOX_COLUMNS, PageBoxes, add_box_columns, measure_ids
from replaylens.io.rrweb.replay_events import snapshot_events
from replaylens.render.page import replay
from replaylens.render.page.geometry import MAX_BOXES, box_script, parse_boxes, replay_box_script


def el(tag: str, attrs: dict[str, object] | None = None, kids: list[dict[str, object]] | None = None,
       nid: int = 0) -> dict[str, object]:
    return {"type": 2, "tagName": tag, "attributes": attrs or {}, "childNodes": kids or [], "id": nid}


def doc(*kids: dict[str, object]) -> dict[str, object]:
    return {"type": 0, "id": 1, "childNodes": [el("html", {}, [el("body", {}, list(kids), 3)], 2)]}


def test_a_recorded_rl_attribute_is_dropped_from_the_replayed_events() -> None:
    """Boxes are found through rrweb's mirror by node id; a page cannot claim another node's id or unmask itself
    with a recorded data-rl-* attribute (io/rrweb/replay_events.py drops them)."""
    tree = doc(el("button", {"data-rl-id": "99", "data-rl-secret": "", "class": "b"},
                  [{"type": 3, "textContent": "Pay", "id": 5}], 4))
    out = json.dumps(snapshot_events(tree, 400, 300))
    assert "data-rl-id" not in out and '"99"' not in out and "data-rl-secret" not in out
    assert '"class": "b"' in out and "Pay" in out


def test_only_the_top_documents_elements_are_measured() -> None:
    """rlBoxes measures elements of the replayed top document only (not inside recorded iframes), and the call
    carries integers only."""
    assert "n.ownerDocument !== d" in replay._BOOT
    assert replay_box_script([3, 2, 3, -1, 2**40]) == "window.rlBoxes([2,3], 2000)"


def test_box_script_carries_only_integers() -> None:
    js = box_script([3, 1, 3, -5, 2**40])
    assert "[1,3]" in js and "-5" not in js and str(2**40) not in js
    assert box_script(list(range(MAX_BOXES + 50))).count(",") < MAX_BOXES + 20


def test_parse_boxes_drops_malformed_rows() -> None:
    text = "[4, 10, 20, 30, 40, 5, 0, 0, 0, 12, 6, 1, 2, 3, 4, 7]"  # id 5 has zero width; a trailing partial row
    got = parse_boxes(text)
    assert got.tolist() == [[4, 10, 20, 30, 40], [6, 1, 2, 3, 4]]
    assert parse_boxes("not json").shape == (0, 5)
    assert parse_boxes([1, "x", 2, 3, 4]).shape == (0, 5)
    assert parse_boxes([1, 1e300, 2, 3, 4]).shape == (0, 5)
    assert parse_boxes(None).shape == (0, 5)


def _events() -> pa.Table:
    return pa.table({"t": pa.array([100, 200, 900, 1500, 1600], pa.int64()),
                     "kind": pa.array(["click", "move", "click", "click", "scroll"]),
                     "page": pa.array([0, 0, 0, 1, 0], pa.int32())})


def test_measure_ids_clicked_first_then_hovered() -> None:
    t = _events()
    node = np.array([7, 9, 8, 7, 7])
    assert measure_ids(t["kind"], t["page"].to_numpy(), node, 0) == (7, 8, 9)
    assert measure_ids(t["kind"], t["page"].to_numpy(), node, 1) == (7,)
    assert measure_ids(t["kind"], t["page"].to_numpy(), node[:2], 0) == ()


def test_boxes_join_by_page_shot_in_force_and_node() -> None:
    t = _events()
    node = np.array([7, 9, 8, 7, 7])
    boxes = PageBoxes()
    boxes.add(0, 0, np.array([[7, 1, 2, 3, 4], [8, 5, 6, 7, 8]], float))  # first screenshot of page 0
    boxes.add(0, 1, np.array([[8, 50, 60, 70, 80]], float))  # its state at 500 ms
    boxes.add(1, 0, np.array([[7, 11, 12, 13, 14]], float))
    boxes.state_times[0] = [500]
    out = add_box_columns(t, node, boxes)
    assert out.column_names[-4:] == list(BOX_COLUMNS)
    assert out["target_box_x"].to_pylist() == [1.0, None, 50.0, 11.0, None]  # move and scroll: not click-like
    assert out["target_box_h"].to_pylist() == [4.0, None, 80.0, 14.0, None]
    again = add_box_columns(out, node, PageBoxes())  # replaced, not duplicated
    assert again.num_columns == out.num_columns and again["target_box_x"].null_count == 5


def test_a_node_missing_from_the_shot_in_force_gets_no_box() -> None:
    t = _events()
    boxes = PageBoxes()
    boxes.add(0, 0, np.array([[8, 5, 6, 7, 8]], float))
    boxes.state_times[0] = [500]  # the click at 900 ms sees state 1, which has no box for node 8
    out = add_box_columns(t, np.array([7, 9, 8, 7, 7]), boxes)
    assert out["target_box_x"].to_pylist() == [None] * 5


def test_finding_box_takes_the_first_event_with_a_box() -> None:
    from types import SimpleNamespace

    from replaylens.render.findings_paint import event_boxes, finding_box

    table = pa.table({"i": pa.array([0, 1, 2], pa.int64()),
                      "target_box_x": pa.array([None, 10.0, 20.0]), "target_box_y": pa.array([None, 1.0, 2.0]),
                      "target_box_w": pa.array([None, 30.0, 9000.0]), "target_box_h": pa.array([None, 4.0, 5.0])})
    arr = event_boxes(table)
    assert arr is not None and arr.shape == (3, 4)
    box = finding_box(SimpleNamespace(events=(0, 1)), arr)
    assert box is not None and (box.x(), box.y(), box.width(), box.height()) == (10.0, 1.0, 30.0, 4.0)
    assert finding_box(SimpleNamespace(events=(0, 2, 7)), arr) is None  # page-wide box, out-of-range index
    assert event_boxes(table.drop_columns(["target_box_h"])) is None
