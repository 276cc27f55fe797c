"""The Compare view's "Anchor clicks to elements" checkbox: the maps are recomputed anchored (the same numbers as
``compare(..., anchor="element")``), the clicks left out are said, and the box is off for non-click maps."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))  # the synthetic library of the unit tests

from anchor_library import build

from replaylens.analysis.heatmaps.library import compare
from replaylens.model.segment import Segment
from replaylens.store.library import open_library
from replaylens.ui.compare.compare_view import CompareView


def test_anchor_checkbox_recomputes_anchored_and_says_what_is_left_out(qtbot, tmp_path: Path) -> None:
    build(tmp_path / "lib")
    lib = open_library(tmp_path / "lib")
    view = CompareView(lib, Segment(()))
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.by.count() > 0 and view.page.count() > 0, timeout=30_000)
        view.by.setCurrentIndex(view.by.findData("variant"))
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running
                        and not view._timer.isActive(), timeout=60_000)
        a, b, page, device = view.a.currentData(), view.b.currentData(), view.page_pattern(), view.device.currentData()
        plain = view.result.comparison
        assert plain.map_a.extra.get("anchor") is None and view.anchor.isEnabled() and not view.anchor.isChecked()
        view.anchor.setChecked(True)
        qtbot.waitUntil(lambda: view.result.comparison.map_a.extra.get("anchor") == "element"
                        and not view.jobs.running and not view._timer.isActive(), timeout=60_000)
        want = compare(lib, Segment(()), "variant", str(a), str(b), page, "click", device=device, anchor="element")
        got = view.result.comparison
        assert (got.map_a.points, got.map_b.points) == (want.map_a.points, want.map_b.points)
        assert got.map_a.points + got.map_b.points == 30 < plain.map_a.points + plain.map_b.points
        assert view.sentence.text() == want.sentence
        assert view.warning.isVisible() and "had no element box" in view.warning.text()
        view.kind.setCurrentIndex(view.kind.findData("move"))
        assert not view.anchor.isEnabled()
        qtbot.waitUntil(lambda: view.result.comparison.map_a.kind == "move" and not view.jobs.running
                        and not view._timer.isActive(), timeout=60_000)
        assert view.result.comparison.map_a.extra.get("anchor") is None  # the box applies to click maps only
    finally:
        view.close()
        view.jobs.wait()
        lib.close()
