"""File ▸ Collect sessions… and a Library window that fills live: a session posted to the window's collector
appears as a new row, the facet counts and the footer's n follow, and the user's selection and scroll position
stay on the sessions they were on."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from library_synth import build, sid

from replaylens.store.library import open_library
from replaylens.ui.library.collect_panel import open_collect_panel
from replaylens.ui.library.window import LibraryWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from rrweb_factory import T0, recording

N = 600
TOKEN = "gui-test-token-0123456789"


def _post(address: str, path: str, body: bytes) -> int:
    req = urllib.request.Request(address + path, data=body, method="POST",
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return int(r.status)


def _now_recording() -> list[dict[str, object]]:
    """The factory's recording moved to now, so it sorts first (newest) in the table."""
    shift = int(time.time() * 1000) - T0
    return [{**e, "timestamp": int(e["timestamp"]) + shift} for e in recording()]  # type: ignore[call-overload]


@pytest.fixture
def win(qtbot, tmp_path: Path):
    lib = open_library(build(tmp_path / "library", N))
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    yield w
    w.shutdown()
    lib.close()


def test_sessions_arrive_live_without_moving_the_selection(qtbot, win: LibraryWindow) -> None:
    m = win.model
    assert m.rowCount() == N and win.count_label.text() == f"n = {N:,} sessions"
    desktop = win.facets.value_count("device_class", "desktop")
    panel = open_collect_panel(win)
    panel.listen.setText("127.0.0.1:0")
    panel.token.setText(TOKEN)
    panel.button.click()
    assert win.collector.running, panel.error.text()
    address = win.collector.status().address
    assert address.startswith("http://127.0.0.1:") and address in panel.address.text()
    assert f'src="{address}/recorder.js" data-token="{TOKEN}"' in panel.snippet.toPlainText()

    # the user scrolled down a little and selected two sessions
    win.table.scrollTo(m.index(40, 0))
    qtbot.waitUntil(lambda: not win.busy, timeout=20_000)
    win.table.selectRow(42)
    win.table.selectionModel().select(m.index(44, 0), win.table.selectionModel().SelectionFlag.Select
                                      | win.table.selectionModel().SelectionFlag.Rows)
    top_row = win.table.indexAt(win.table.viewport().rect().topLeft()).row()
    assert top_row > 0
    top_id = m.session_id(top_row)
    chosen = [m.session_id(r) for r in win.selected_rows()]
    assert chosen == [sid(N - 1 - 42), sid(N - 1 - 44)]

    new = "livetab000000001"
    assert _post(address, f"/v1/sessions/{new}/events", json.dumps(_now_recording()).encode()) == 202
    assert _post(address, f"/v1/sessions/{new}/end", b"") == 202
    qtbot.waitUntil(lambda: m.rowCount() == N + 1 and win.live.keep is None and not win.busy, timeout=20_000)
    assert win.count_label.text() == f"n = {N + 1:,} sessions"
    assert m.session_id(0) == new  # the newest session is the first row
    assert [m.session_id(r) for r in win.selected_rows()] == chosen  # the selection followed its sessions
    assert win.table.indexAt(win.table.viewport().rect().topLeft()).row() == top_row + 1
    assert m.session_id(top_row + 1) == top_id  # the same session is still at the top of the view
    qtbot.waitUntil(lambda: win.facets.value_count("device_class", "desktop") == desktop + 1, timeout=20_000)
    panel.update_status()
    assert "Sessions today: 1" in panel.counts.text() and "added to the library: 1" in panel.counts.text()
    assert "Collecting at" in win.collector.label.text()
    panel.button.click()  # stop
    assert not win.collector.running and panel.address.text() == "Not collecting."
    panel.close()
