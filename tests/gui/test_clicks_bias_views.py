"""Analyse ▸ Clicks vs conversion… and Sampling bias… (issue 29) over a synthetic library (library_synth:
attributes and clicks follow from each session's index): every figure shown is the analysis function's, computed
off the UI thread; a bad population file is said in the view, which keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_synth import build
from PySide6.QtWidgets import QLabel, QMenu

from replaylens.analysis.bias import bias_report
from replaylens.analysis.experiments import clicks_conversion, parse_step
from replaylens.model.segment import Segment
from replaylens.store.library import open_library
from replaylens.ui.compare import open_view
from replaylens.ui.compare.bias_view import BiasView
from replaylens.ui.compare.clicks_view import ClicksView
from replaylens.ui.library.window import LibraryWindow

N = 240


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("cb") / "library", N)


@pytest.fixture
def lib(lib_path: Path):
    store = open_library(lib_path, read_only=True)
    yield store
    store.close()


def _close(view) -> None:
    view.close()
    view.jobs.wait()


def test_menu_has_both_views(qtbot, lib) -> None:
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.worker.busy and w.model.counted, timeout=20_000)
    names = [a.objectName() for a in w.findChild(QMenu, "analyse_menu").actions()]
    assert names[-2:] == ["act_clicks", "act_bias"]
    for which, cls in (("clicks", ClicksView), ("bias", BiasView)):
        view = open_view(w, which)
        try:
            assert isinstance(view, cls)
            assert view.segment == w.current_segment()
        finally:
            _close(view)
    w.shutdown()
    w.close()


def test_clicks_view_shows_the_quadrants_and_figures(qtbot, lib) -> None:
    view = ClicksView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running, timeout=60_000)
        res = view.result
        want = clicks_conversion(lib, Segment(), res["page"], parse_step("deposit", {"deposit"}))
        assert res == want and res["elements"]
        assert f"{want['sessions']:,} sessions showed" in view.summary.text()
        top = max(want["elements"], key=lambda r: r["clicked"])
        assert view.table.item(0, 0).text() == top["label"]
        assert view.table.item(0, 1).text() == f"{top['clicked']:,}"
        assert view.table.item(0, 6).text() == top["quadrant"]
        many, high = top["click_rate"] == "high", top["conversion_level"] == "high"
        cell = view.quadrants[(many, high)]
        assert top["label"] in cell.text()
        assert cell.objectName() == (f"quadrant_{'high' if many else 'low'}_clicks_"
                                     f"{'high' if high else 'low'}_conversion")
        # an unknown page is said, not crashed
        edit = view.page.lineEdit()
        edit.setText("/nowhere")
        edit.editingFinished.emit()
        qtbot.waitUntil(lambda: view.error.isVisible(), timeout=60_000)
        assert "/nowhere" in view.error.text()
    finally:
        _close(view)


def test_bias_view_reads_the_file_and_says_what_is_wrong(qtbot, lib, tmp_path: Path) -> None:
    pop = tmp_path / "pop.csv"
    pop.write_text("attribute,value,share\ncampaign,songkran,0.5\ncampaign,organic,0.5\n", encoding="utf-8")
    view = BiasView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        view.path.setText(str(pop))
        view.request()
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running, timeout=60_000)
        want = bias_report(lib, Segment(), {"campaign": {"songkran": 0.5, "organic": 0.5}})
        assert view.result == want
        assert want["under_represented"] == ["campaign=songkran"]  # i % 4 == 0: a quarter, not a half
        assert "campaign=songkran" in view.findChild(QLabel, "bias_summary").text()
        verdicts = {view.segments.item(i, 1).text(): view.segments.item(i, 7).text()
                    for i in range(view.segments.rowCount())}
        assert verdicts["songkran"] == "UNDER-represented"
        names = [view.rates.item(i, 1).text() for i in range(view.rates.rowCount())]
        assert "deposit" in names and "rage click (sessions with)" in names
        pop.write_text("campaign,songkran,0.9\ncampaign,organic,0.9\n", encoding="utf-8")
        view.request()
        qtbot.waitUntil(lambda: view.error.isVisible(), timeout=60_000)
        assert "add up to 1.8" in view.error.text()
        pop.write_text("campain,songkran,0.5\ncampain,organic,0.5\n", encoding="utf-8")
        view.request()
        qtbot.waitUntil(lambda: "campaign" in view.error.text() and not view.jobs.running, timeout=60_000)
        assert "did you mean" in view.error.text()
    finally:
        _close(view)
