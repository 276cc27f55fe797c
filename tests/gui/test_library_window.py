"""The Library window over a synthetic library of 1,000 sessions whose attributes follow from their index
(see library_synth): the table pages rows in from the store, sorts through it, facets count and filter, search,
tags, saved segments and choosing columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from library_synth import build, expected_count, sid
from PySide6.QtCore import Qt

from replaylens.store.library import open_library
from replaylens.ui.library import actions
from replaylens.ui.library.table_model import PAGE
from replaylens.ui.library.window import LibraryWindow

N = 1000


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("lib") / "library", N)


@pytest.fixture
def win(qtbot, lib_path: Path, tmp_path: Path):
    import shutil

    root = tmp_path / "library"
    shutil.copytree(lib_path, root)  # tests tag and save segments: each gets its own copy
    lib = open_library(root)
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    settle(qtbot, w)
    yield w
    w.shutdown()
    lib.close()


def settle(qtbot, w: LibraryWindow) -> None:
    """Wait until every question asked has been answered (count, pages, facets)."""
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)


def cell(w: LibraryWindow, row: int, key: str) -> object:
    vals = w.model.row_values(row)
    assert vals is not None, f"row {row} is not loaded"
    return vals[key]


def test_table_has_every_row_and_pages_them_in(qtbot, win: LibraryWindow) -> None:
    m = win.model
    assert m.rowCount() == N
    assert win.count_label.text() == f"n = {N:,} sessions"
    assert m.loaded_pages() == [0]  # only what is on screen was fetched
    assert m.session_id(0) == sid(N - 1)  # newest first
    assert m.row_values(N - 1) is None
    win.table.scrollToBottom()
    qtbot.waitUntil(lambda: m.row_values(N - 1) is not None, timeout=20_000)
    assert m.session_id(N - 1) == sid(0)
    assert (N - 1) // PAGE in m.loaded_pages() and 2 not in m.loaded_pages()


def test_sort_by_a_column_is_done_by_the_store(qtbot, win: LibraryWindow) -> None:
    keys = [c.key for c in win.model.columns]
    length = keys.index("duration_ms")
    win.table.horizontalHeader().setSortIndicator(length, Qt.SortOrder.AscendingOrder)
    settle(qtbot, win)
    assert win.model.sort_key == "duration_ms" and not win.model.descending
    assert [cell(win, r, "duration_ms") for r in range(3)] == [10_000, 10_997, 11_994]
    win.table.horizontalHeader().setSortIndicator(length, Qt.SortOrder.DescendingOrder)
    settle(qtbot, win)
    assert win.model.session_id(0) == sid(N - 1)
    campaign = keys.index("attr:campaign")
    win.table.horizontalHeader().setSortIndicator(campaign, Qt.SortOrder.DescendingOrder)
    settle(qtbot, win)
    songkran = expected_count(N, campaign="songkran")
    assert cell(win, 0, "attr:campaign") == "songkran"
    win.table.scrollTo(win.model.index(songkran, 0))
    qtbot.waitUntil(lambda: win.model.row_values(songkran) is not None, timeout=20_000)
    assert cell(win, songkran - 1, "attr:campaign") == "songkran"
    assert cell(win, songkran, "attr:campaign") == "organic"


def test_facets_count_and_a_click_filters(qtbot, win: LibraryWindow) -> None:
    f = win.facets
    songkran = expected_count(N, campaign="songkran")
    assert f.value_count("campaign", "songkran") == songkran
    assert f.value_count("campaign", "organic") == N - songkran
    assert f.value_count("user_type", "new") == expected_count(N, user_type="new")
    assert f.value_count("goal", "deposit") == N // 5
    assert f.value_count("finding", "rage_click") == len(range(0, N, 7))
    item = f.value_item("campaign", "songkran")
    assert item is not None
    f.itemClicked.emit(item, 0)  # what a click on the value does
    settle(qtbot, win)
    assert win.model.rowCount() == songkran
    assert win.count_label.text() == f"n = {songkran:,} of {N:,} sessions (25 %)"
    # the other facets now count within Songkran; the campaign facet still offers organic
    assert f.value_count("user_type", "new") == expected_count(N, campaign="songkran", user_type="new")
    assert f.value_count("campaign", "organic") == N - songkran
    assert f.value_item("campaign", "songkran").checkState(0) == Qt.CheckState.Checked
    f.toggle("user_type", "new")
    settle(qtbot, win)
    assert win.model.rowCount() == expected_count(N, campaign="songkran", user_type="new")
    f.toggle("user_type", "returning")  # two values of one facet: either
    settle(qtbot, win)
    assert win.model.rowCount() == (expected_count(N, campaign="songkran", user_type="new")
                                    + expected_count(N, campaign="songkran", user_type="returning"))
    f.toggle("goal", "deposit")
    settle(qtbot, win)
    want = sum(1 for i in range(0, N, 5) if i % 4 == 0 and i % 3 in (0, 1))
    assert win.model.rowCount() == want
    win.clear_filters()
    settle(qtbot, win)
    assert win.model.rowCount() == N and f.selection == {}


def test_search_box_finds_labels_and_reads_filters(qtbot, win: LibraryWindow) -> None:
    win.search.setText("withdraw")
    win.apply_filters()
    settle(qtbot, win)
    assert win.model.rowCount() == len([i for i in range(N) if i % 10 == 3])
    assert {win.model.session_id(r) for r in range(3)} <= {sid(i) for i in range(N) if i % 10 == 3}
    win.search.setText("variant=B")
    win.apply_filters()
    settle(qtbot, win)
    assert win.model.rowCount() == expected_count(N, variant="B")
    win.search.setText("nothing-like-this-anywhere")
    win.apply_filters()
    settle(qtbot, win)
    assert win.model.rowCount() == 0
    assert win.empty.isVisible() and "No session matches" in win.empty.text()


def test_tag_and_untag_selected_rows(qtbot, win: LibraryWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    win.table.selectRow(0)
    for r in (1, 2):
        win.table.selectionModel().select(win.model.index(r, 0), win.table.selectionModel().SelectionFlag.Select
                                          | win.table.selectionModel().SelectionFlag.Rows)
    assert win.selected_rows() == [0, 1, 2]
    menu = actions.rows_menu(win, win.table.viewport().mapToGlobal(win.table.rect().center()))
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert "Add a tag to these 3 sessions…" in texts
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("kept-for-festival", True))
    next(a for a in menu.actions() if a.text().startswith("Add a tag")).trigger()
    menu.close()
    settle(qtbot, win)
    assert win.facets.value_count("tag", "kept-for-festival") == 3
    assert cell(win, 0, "tags") == ["kept-for-festival"]
    assert "Tagged 3 session(s)" in win.statusBar().currentMessage()
    assert win.selected_rows() == [0, 1, 2]  # the table refreshed in place: the selection is kept
    actions.tag_rows(win, [1], "kept-for-festival", add=False)
    settle(qtbot, win)
    assert win.facets.value_count("tag", "kept-for-festival") == 2
    actions.note_rows(win, [0], "KYC upload stuck for 12 s")
    settle(qtbot, win)
    assert cell(win, 0, "note_count") == 1


def test_save_and_pick_a_segment(qtbot, win: LibraryWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    win.facets.toggle("campaign", "songkran")
    win.facets.toggle("device_class", "mobile")
    settle(qtbot, win)
    want = sum(1 for i in range(N) if i % 4 == 0 and i % 2 == 1)  # none: songkran sessions are all even
    assert win.model.rowCount() == want == 0
    win.facets.toggle("device_class", "mobile")
    win.facets.toggle("device_class", "desktop")
    settle(qtbot, win)
    songkran = expected_count(N, campaign="songkran")
    assert win.model.rowCount() == songkran
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Songkran desktop", True))
    win.findChild(type(win.clear_button), "library_save_segment").click()
    settle(qtbot, win)
    names = [win.segments.itemText(i) for i in range(win.segments.count())]
    assert "Songkran desktop" in names
    win.clear_filters()
    settle(qtbot, win)
    assert win.model.rowCount() == N
    index = win.segments.findText("Songkran desktop")
    win.segments.setCurrentIndex(index)
    win.segments.activated.emit(index)
    qtbot.waitUntil(lambda: win.facets.selection != {}, timeout=20_000)
    settle(qtbot, win)
    assert win.model.rowCount() == songkran
    assert win.facets.selection == {"campaign": ["songkran"], "device_class": ["desktop"]}
    assert win.library.get_segment("Songkran desktop") == win.current_segment()


def test_choose_columns_from_the_header_menu(qtbot, win: LibraryWindow) -> None:
    menu = actions.columns_menu(win, win.table.mapToGlobal(win.table.rect().topLeft()))
    clicks = next(a for a in menu.actions() if a.text() == "Clicks")
    assert not clicks.isChecked()
    clicks.setChecked(True)
    menu.close()
    settle(qtbot, win)
    keys = [c.key for c in win.model.columns]
    assert "clicks" in keys
    assert cell(win, 0, "clicks") == 1 + (N - 1) % 5
    label = win.model.headerData(keys.index("clicks"), Qt.Orientation.Horizontal)
    assert label == "Clicks"
    assert win.settings.value("library/columns") == keys


def test_a_segment_saved_elsewhere_shows_what_the_sidebar_cannot(qtbot, win: LibraryWindow) -> None:
    from replaylens.model.segment import AttrIn, AttrRange, Segment

    seg = Segment((AttrIn("campaign", ("songkran",)), AttrRange("duration_ms", low=500_000)))
    win.library.save_segment("long Songkran", seg)  # as `replaylens library segment save` would
    win.reload_meta()
    settle(qtbot, win)
    index = win.segments.findText("long Songkran")
    assert index > 0
    win.segments.activated.emit(index)
    qtbot.waitUntil(lambda: win.facets.selection == {"campaign": ["songkran"]}, timeout=20_000)
    settle(qtbot, win)
    want = sum(1 for i in range(N) if i % 4 == 0 and 10_000 + 997 * i >= 500_000)
    assert win.model.rowCount() == want
    assert set(win.current_segment().filters) == set(seg.filters)  # the same conditions (AND: order is no matter)
    assert "also keeps only sessions where: Length from 8:20" in win.statusBar().currentMessage()
