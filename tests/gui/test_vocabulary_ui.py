"""The vocabulary in the GUI: a typed search naming an unknown key says so in the Library window's status bar (with
the nearest key), and the A/B view offers the sessions without the attribute as a group "no campaign", which a
checkbox leaves out. Library: library_synth's sessions, where only the Songkran ones carry a campaign."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_synth import record
from PySide6.QtWidgets import QCheckBox

from replaylens.analysis.experiments import abtest, parse_step
from replaylens.model.library import Goal
from replaylens.model.segment import Segment
from replaylens.model.vocabulary import NONE
from replaylens.store.library import open_library
from replaylens.ui.compare.abtest_view import ABTestView
from replaylens.ui.library.window import LibraryWindow

N = 160


@pytest.fixture(scope="module")
def lib_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vocab") / "library"
    recs = []
    for i in range(N):
        r = record(i)
        if i % 4:  # organic traffic: no campaign at all (as a real PostHog export has it)
            r.attributes.pop("campaign")
        recs.append(r)
    with open_library(root) as lib:
        lib.add_goal(Goal("deposit", "event", "deposit_started"))
        lib.commit(recs)
    return root


@pytest.fixture
def win(qtbot, lib_root: Path, tmp_path: Path):
    import shutil

    root = tmp_path / "library"
    shutil.copytree(lib_root, root)
    lib = open_library(root)
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    yield w
    w.shutdown()
    lib.close()


def test_a_typed_unknown_key_is_named_in_the_status_bar(qtbot, win: LibraryWindow) -> None:
    w = win
    w.search.setText("campaing=songkran")
    w.apply_filters()
    qtbot.waitUntil(lambda: "did you mean 'campaign'?" in w.statusBar().currentMessage(), timeout=20_000)
    assert w.statusBar().currentMessage().startswith("No attribute 'campaing'")
    assert "c0392b" in w.search.styleSheet()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    assert "did you mean 'campaign'?" in w.empty.text()  # the empty table says why, too
    w.search.setText("utm_campaign=songkran")  # the source's own name: fine, and the same sessions
    w.apply_filters()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    assert w.model.rowCount() == N // 4
    assert "c0392b" not in w.search.styleSheet()


@pytest.fixture
def lib(lib_root: Path):
    store = open_library(lib_root, read_only=True)
    yield store
    store.close()


def test_the_ab_view_compares_songkran_with_no_campaign(qtbot, lib) -> None:
    view = ABTestView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.by.findData("campaign") >= 0 and view.goal.count() > 0, timeout=30_000)
        view.by.setCurrentIndex(view.by.findData("campaign"))
        assert view.control.currentData() == NONE and "no campaign" in view.control.currentText()
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running
                        and view.result["by"] == "campaign", timeout=60_000)
        want = abtest(lib, Segment(), "campaign", parse_step("deposit", {"deposit"}))
        assert [g["name"] for g in want["groups"]] == [NONE, "songkran"]
        assert [view.groups.item(i, 0).text() for i in range(view.groups.rowCount())] == ["no campaign", "songkran"]
        assert view.details.horizontalHeaderItem(0).text() == "songkran vs no campaign"
        box = view.findChild(QCheckBox, "include_none")
        assert box is not None and box.isChecked()
        box.setChecked(False)
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running
                        and view.result["exclude_none"], timeout=60_000)
        assert [g["name"] for g in view.result["groups"]] == ["songkran"]
        assert view.control.findData(NONE) < 0
    finally:
        view.close()
        view.jobs.wait()


def test_the_funnel_view_shows_the_none_group_and_leaves_it_out_on_request(qtbot, lib) -> None:
    from replaylens.analysis.experiments import funnel
    from replaylens.ui.compare.funnel_view import FunnelView

    steps = ["page:/*", "event:deposit_started"]
    view = FunnelView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.meta.meta is not None and view.by.findData("campaign") >= 0, timeout=30_000)
        view.by.setCurrentIndex(view.by.findData("campaign"))
        view.steps.set_specs(steps)
        qtbot.waitUntil(lambda: view.result is not None and view.result["by"] == "campaign"
                        and view.result["steps"] == steps and not view.jobs.running, timeout=60_000)
        want = funnel(lib, Segment(), [parse_step(s) for s in steps], by="campaign")
        assert view.result["groups"] == want["groups"]
        assert [g["label"] for g in want["groups"]] == ["songkran", "no campaign"]
        shown = {view.table.item(i, 1).text().split(" (n")[0] for i in range(view.table.rowCount())}
        assert shown == {"songkran", "no campaign"}
        assert "no campaign" in view.verdicts.text()
        view.include_none.setChecked(False)
        qtbot.waitUntil(lambda: view.result is not None and view.result["exclude_none"] and not view.jobs.running,
                        timeout=60_000)
        assert [g["name"] for g in view.result["groups"]] == ["songkran"]
    finally:
        view.close()
        view.jobs.wait()
