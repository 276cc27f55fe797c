"""The Compare, Funnel and A/B views over a synthetic library (library_synth: attributes, clicks and the deposit
goal follow from each session's index), opened from the Library window's Analyse menu. Every figure shown is
checked against the analysis functions called directly; a funnel drop-off opens the replay at its moment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from library_synth import build
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QMenu

from replaylens.analysis.experiments import abtest, funnel, parse_step
from replaylens.analysis.heatmaps.library import compare
from replaylens.model.segment import AttrIn, Segment
from replaylens.store.library import open_library
from replaylens.ui.compare import open_view
from replaylens.ui.compare.abtest_view import ABTestView
from replaylens.ui.compare.compare_view import CompareView
from replaylens.ui.compare.funnel_view import DROPPED_COL, FunnelView
from replaylens.ui.library.window import LibraryWindow

N = 240
STEPS = ["page:/*", "click:Get started", "event:deposit_started"]


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("cmp") / "library", N)


@pytest.fixture
def lib_root(lib_path: Path, tmp_path: Path) -> Path:
    root = tmp_path / "library"
    shutil.copytree(lib_path, root)
    return root


@pytest.fixture
def lib(lib_root: Path):
    store = open_library(lib_root)
    yield store
    store.close()


def _done(qtbot, view, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running, timeout=timeout)


def _close(view) -> None:
    view.close()
    view.jobs.wait()


def test_analyse_menu_opens_views_on_the_current_segment(qtbot, lib) -> None:
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.worker.busy and w.model.counted, timeout=20_000)
    w.facets.set_selection({"device_class": ["desktop"]}, emit=False)
    w.apply_filters()
    names = [a.objectName() for a in w.findChild(QMenu, "analyse_menu").actions()]
    assert names == ["act_compare", "act_funnel", "act_abtest", "act_clicks", "act_bias"]
    view = open_view(w, "abtest")
    try:
        assert isinstance(view, ABTestView)
        assert view.segment == w.current_segment() and view.segment.filters
        assert "Sessions where device class is desktop" in view.findChild(QLabel, "segment_label").text()
        _done(qtbot, view)
        res = view.result
        assert sum(g["sessions"] for g in res["groups"]) + res["sessions_without_group"] == N // 2  # desktop only
    finally:
        _close(view)
        w.shutdown()  # the window's query threads end with it
        w.close()


def test_compare_view_shows_both_n_the_sentence_and_elements(qtbot, lib, tmp_path: Path) -> None:
    seg = Segment((AttrIn("device_class", ("desktop",)),))
    view = CompareView(lib, seg)
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.by.count() > 0 and view.page.count() > 0, timeout=30_000)
        view.by.setCurrentIndex(view.by.findData("user_type"))
        qtbot.waitUntil(lambda: view.a.currentData() is not None and view.page.count() > 0, timeout=30_000)
        _done(qtbot, view)
        qtbot.waitUntil(lambda: not view.jobs.running and not view._timer.isActive(), timeout=30_000)
        a, b, page = view.a.currentData(), view.b.currentData(), view.page_pattern()
        assert a != b
        c = compare(lib, seg, "user_type", a, b, page, "click", device=view.device.currentData())
        got = view.result.comparison
        assert (got.diff.n_a, got.diff.n_b) == (c.diff.n_a, c.diff.n_b) and c.diff.n_a > 0 and c.diff.n_b > 0
        assert f"n = {c.diff.n_a:,}" in view.panels[0].title.text()
        assert f"n = {c.diff.n_b:,}" in view.panels[1].title.text()
        assert f"{c.diff.n_a:,} ({a})" in view.n_label.text() and f"{c.diff.n_b:,} ({b})" in view.n_label.text()
        assert view.sentence.text() == c.sentence and c.sentence
        assert view.warning.isVisible() and "too few" in view.warning.text()  # both sides are below 100
        assert view.elements.rowCount() == len(c.elements) > 0
        labels = {view.elements.item(i, 0).text() for i in range(view.elements.rowCount())}
        assert labels == {e["label"] for e in c.elements}
        assert all(p.view.has_image() for p in view.panels)
        view.write_pdf(tmp_path / "cmp.pdf")
        qtbot.waitUntil(lambda: view.written is not None and not view.jobs.running, timeout=60_000)
        pages = _pdf_pages(tmp_path / "cmp.pdf")
        assert len(pages) == 2 and " ".join(c.sentence.split()) in pages[1]
        assert f"{a} · n = {c.diff.n_a:,} sessions" in pages[1]
        # a typed pattern (both landing pages) is compared as typed, not taken for a listed page
        wide = compare(lib, seg, "user_type", a, b, "/*", "click", device=view.device.currentData())
        assert wide.diff.n_a > c.diff.n_a
        view.page.setEditText("/*")
        qtbot.keyClick(view.page.lineEdit(), Qt.Key.Key_Return)
        assert view.page_pattern() == "/*"
        qtbot.waitUntil(lambda: view.result.comparison.diff.n_a == wide.diff.n_a and not view.jobs.running,
                        timeout=60_000)
        assert view.sentence.text() == wide.sentence
    finally:
        _close(view)


def test_compare_cancel_drops_the_answer(qtbot, lib) -> None:
    view = CompareView(lib, Segment())
    qtbot.addWidget(view)
    try:
        qtbot.waitUntil(lambda: view.page.count() > 0, timeout=30_000)
        view._timer.stop()
        view.jobs.wait()
        view.result = None
        view.request()
        assert view.jobs.running and view.jobs.cancel_button.isVisibleTo(view)
        view.jobs.cancel()
        assert not view.jobs.running and "Cancelled" in view.jobs.label.text()
        view.jobs.job.wait()
        QCoreApplication.processEvents()
        QCoreApplication.processEvents()
        assert view.result is None
    finally:
        _close(view)


def test_funnel_bars_match_and_a_dropoff_opens_at_its_moment(qtbot, window, lib_root: Path, tmp_path: Path) -> None:
    lw = window.library_ctl.open_library(lib_root, ask_to_create=False)
    assert lw is not None
    qtbot.waitUntil(lambda: not lw.worker.busy and lw.model.counted, timeout=20_000)
    view = open_view(lw, "funnel")
    assert isinstance(view, FunnelView)
    try:
        qtbot.waitUntil(lambda: view.meta.meta is not None, timeout=30_000)
        view.by.setCurrentIndex(view.by.findData("variant"))
        view.steps.set_specs(STEPS)
        qtbot.waitUntil(lambda: view.result is not None and view.result["steps"] == STEPS
                        and view.result["by"] == "variant" and not view.jobs.running, timeout=60_000)
        lib2 = window.library_ctl.library
        want = funnel(lib2, Segment(), [parse_step(s) for s in STEPS], by="variant")
        assert view.result["groups"] == want["groups"]
        plot_h = view.chart._plot().height()
        bars = view.chart.bars()
        assert len(bars) == len(STEPS) * len(want["groups"])
        for g, k, conv, drop in bars:
            grp = want["groups"][g]
            st = grp["steps"][k]
            assert conv.height() == pytest.approx(plot_h * st["converted"] / grp["sessions"], abs=0.01)
            assert drop.height() == pytest.approx(plot_h * (st["entered"] - st["converted"]) / grp["sessions"],
                                                  abs=0.01)
        rows = view.table.rowCount()
        assert rows == len(STEPS) * len(want["groups"])
        for i in range(rows):
            g, k = view.table.item(i, 0).data(256)
            st = want["groups"][g]["steps"][k]
            assert view.table.item(i, 2).text() == f"{st['entered']:,}"
            assert view.table.item(i, 3).text() == f"{st['converted']:,}"
            assert view.table.item(i, 4).text() == f"{st['rate']:.1%}"
        # step 3 (deposit): the sessions that clicked Get started (t = 900 ms) and never deposited
        g, k = 1, 2
        st = want["groups"][g]["steps"][k]
        assert st["dropped"] and set(st["dropped_at_ms"]) == {900}
        qtbot.mouseClick(view.chart, Qt.MouseButton.LeftButton, pos=view.chart.bar_centre(g, k).toPoint())
        listed = [view.dropped.item(i).data(256) for i in range(view.dropped.count())]
        assert [sid for sid, _ms in listed] == st["dropped"]
        assert [ms for _sid, ms in listed] == [float(x) for x in st["dropped_at_ms"]]
        assert f"{len(st['dropped']):,} sessions of {want['groups'][g]['name']}" in view.dropped_title.text()
        # the Dropped column lists the same sessions
        view.dropped.clear()
        row = next(i for i in range(rows) if tuple(view.table.item(i, 0).data(256)) == (g, k))
        view._cell_clicked(row, DROPPED_COL)
        assert view.dropped.count() == len(st["dropped"])
        view.dropped.setCurrentRow(0)
        sid = st["dropped"][0]
        qtbot.mouseClick(view.watch, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.library_ctl.current == sid and window.session is not None, timeout=30_000)
        assert window.clock.time_ms == pytest.approx(float(st["dropped_at_ms"][0]))
        assert window.clock.time_ms > 0
        view.write_pdf(tmp_path / "funnel.pdf")
        qtbot.waitUntil(lambda: view.written is not None and not view.jobs.running, timeout=60_000)
        pages = _pdf_pages(tmp_path / "funnel.pdf")
        assert len(pages) == 2 and "Page 2: Funnel" in pages[0]
        assert f"{want['groups'][1]['name']} · n = {want['groups'][1]['sessions']:,} sessions" in pages[1]
    finally:
        _close(view)
        window.library_ctl.close_library()


def test_abtest_panel_shows_the_verdict_and_figures(qtbot, lib) -> None:
    view = ABTestView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.by.currentData() == "variant" and view.goal.count() > 0, timeout=30_000)
        view.split.setText("50/50")
        view.split.editingFinished.emit()
        qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running
                        and view.result["comparisons"] and view.result["comparisons"][0]["srm_p"] is not None,
                        timeout=60_000)
        want = abtest(lib, Segment(), "variant", parse_step("deposit", {"deposit"}), control="A", split=[50, 50])
        assert view.verdict.text() == want["verdict"] and want["verdict"]
        assert view.forest.groups == want["groups"]
        for i, g in enumerate(want["groups"]):
            assert view.groups.item(i, 0).text() == g["name"]
            assert view.groups.item(i, 1).text() == f"{g['sessions']:,}"
            assert view.groups.item(i, 2).text() == f"{g['conversions']:,}"
        labels = [view.details.verticalHeaderItem(i).text() for i in range(view.details.rowCount())]
        assert "Sessions needed" in labels and "Split as intended?" in labels
        needed = view.details.item(labels.index("Sessions needed"), 0).text()
        assert f"{want['comparisons'][0]['sessions_needed_per_group']:,} per group" in needed
        view.split.setText("50/30/20")  # three shares for two groups: said, not crashed
        view.split.editingFinished.emit()
        qtbot.waitUntil(lambda: view.error.isVisible(), timeout=60_000)
        assert "split" in view.error.text()
    finally:
        _close(view)


def _pdf_pages(path: Path) -> list[str]:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    return [" ".join(doc.getAllText(i).text().split()) for i in range(doc.pageCount())]


def test_views_export_the_pdf(qtbot, lib, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    view = ABTestView(lib, Segment())
    qtbot.addWidget(view)
    try:
        _done(qtbot, view)
        view.write_pdf(tmp_path / "ab.pdf")
        qtbot.waitUntil(lambda: view.written is not None and not view.jobs.running, timeout=60_000)
        pages = _pdf_pages(tmp_path / "ab.pdf")
        assert len(pages) == 2
        assert " ".join(view.result["verdict"].split()) in pages[1]
        assert "Saved the report" in view.jobs.label.text()
        # the Export PDF… button: Qt's save dialog, starting in Documents; ".pdf" added when left out
        from PySide6.QtCore import QStandardPaths

        from replaylens.ui.compare import common

        asked: list[str] = []

        def fake(_parent, _title, start, _filter):
            asked.append(start)
            return str(tmp_path / "chosen"), ""

        monkeypatch.setattr(common.QFileDialog, "getSaveFileName", staticmethod(fake))
        view.written = None
        qtbot.mouseClick(view.pdf, Qt.MouseButton.LeftButton)
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        assert asked == [str(Path(docs) / "ab-test-report.pdf")]
        qtbot.waitUntil(lambda: view.written is not None and not view.jobs.running, timeout=60_000)
        assert view.written == tmp_path / "chosen.pdf" and len(_pdf_pages(tmp_path / "chosen.pdf")) == 2
    finally:
        _close(view)


def test_steps_editor_adds_removes_and_reorders(qtbot) -> None:
    from replaylens.ui.compare.funnel_steps import StepsEditor

    ed = StepsEditor()
    qtbot.addWidget(ed)
    ed.set_choices(["/", "/kyc"], ["deposit", "signed_up"])
    with qtbot.waitSignal(ed.changed):
        ed.set_specs(["page:/", "goal:deposit"])
    ed.kind.setCurrentIndex(ed.kind.findData("goal"))
    assert [ed.pattern.itemText(i) for i in range(ed.pattern.count())] == ["deposit", "signed_up"]
    ed.pattern.setCurrentIndex(1)
    ed.add_current()
    assert ed.specs() == ["page:/", "goal:deposit", "goal:signed_up"]
    ed.list.setCurrentRow(2)
    ed.move_step(-1)
    assert ed.specs() == ["page:/", "goal:signed_up", "goal:deposit"]
    assert ed.list.item(1).text() == "2. Reached the goal signed_up"
    ed.move_step(-1)
    ed.move_step(-1)  # already first: stays
    assert ed.specs() == ["goal:signed_up", "page:/", "goal:deposit"]
    ed.list.setCurrentRow(1)
    ed.remove()
    assert ed.specs() == ["goal:signed_up", "goal:deposit"]
    ed.kind.setCurrentIndex(ed.kind.findData("click"))
    ed.pattern.setEditText("Deposit")
    ed.add_current()
    assert ed.specs()[-1] == "click:Deposit" and ed.list.item(2).text() == "3. Clicked “Deposit”"


def test_funnel_time_window_typed_or_picked(qtbot, lib) -> None:
    view = FunnelView(lib, Segment())
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.meta.meta is not None, timeout=30_000)
        view.steps.set_specs(STEPS)
        view.within.setEditText("1s")  # the deposit (5 s in) is outside 1 s of the first step
        qtbot.keyClick(view.within.lineEdit(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: view.result is not None and view.result["within_ms"] == 1000
                        and not view.jobs.running, timeout=60_000)
        want = funnel(lib, Segment(), [parse_step(s) for s in STEPS], within_ms=1000)
        assert view.result["groups"] == want["groups"]
        assert want["groups"][0]["steps"][2]["converted"] == 0 < want["groups"][0]["steps"][1]["converted"]
        view.within.setCurrentIndex(view.within.findData("5m"))
        qtbot.waitUntil(lambda: view.result["within_ms"] == 300_000 and not view.jobs.running, timeout=60_000)
        assert view.result["groups"][0]["steps"][2]["converted"] > 0
        view.within.setEditText("soon")
        qtbot.keyClick(view.within.lineEdit(), Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: view.error.isVisible(), timeout=60_000)
        assert "is not a duration" in view.error.text()
    finally:
        _close(view)
