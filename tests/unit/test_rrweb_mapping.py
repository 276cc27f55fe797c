"""Mapping rules on a hand-built recording: times, pages, document scroll, targets, privacy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from rrweb_factory import EXPECTED, T0, recording
from storeutil import query

from replaylens.io.registry import open_session


@pytest.fixture
def session(tmp_path: Path):
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(recording()))
    s = open_session(path)
    yield s
    s.close()


def _rows(s, where: str) -> list[tuple]:
    return query(s.store, "SELECT t, page, x, y, scroll_y, width, height, target, target_tag, target_text, "
                         f"interactive, fixed, input_type, value_len, value, detail FROM events WHERE {where} "
                         "ORDER BY t")


def test_counts_pages_times(session) -> None:
    assert session.arrays.counts() == EXPECTED
    assert session.manifest.start_epoch_ms == T0 and session.duration_ms == 3500
    assert [(p.url, p.title) for p in session.pages] == [("https://bank.example/wallet", "Wallet"),
                                                        ("https://bank.example/staking", "Staking")]
    assert session.manifest.site == "bank.example"
    # pages per navigate: wallet, staking, wallet again (same page index: a quick back is visible)
    assert [r[1] for r in _rows(session, "kind='navigate'")] == [0, 1, 0]
    moves = _rows(session, "kind='move'")
    assert [m[0] for m in moves] == [500, 1000]  # timestamp + timeOffset


def test_targets_interactive_fixed_and_scroll(session) -> None:
    clicks = _rows(session, "kind='click'")
    c = {r[0]: r for r in clicks}
    # span inside the button: the span is the target, interactive through its ancestor
    assert c[1100][7:12] == ("button#deposit.btn.primary > span", "span", "Deposit", True, False)
    assert c[1100][4] == 100.0  # the snapshot's initialOffset.top is the scroll in force
    assert c[1150][7:11] == ("div.banner", "div", "Festival of savings", False)
    # after the document scrolled to 400; the header link is fixed, so its page y is its viewport y
    assert c[1300][4] == 400.0 and c[1300][7:12] == ("header > a", "a", "Home", True, True)
    a = session.arrays
    i = int((a.t == 1300).nonzero()[0][0])
    assert a.page_y[i] == 5.0 and a.page_y[int((a.t == 1150).nonzero()[0][0])] == 50.0 + 100.0
    # a node added by a mutation is known
    assert c[1600][7:11] == ("button#late", "button", None, True)
    # new snapshot: id 9 means the APY div now; scroll reset by the navigation
    assert c[2500][7:11] == ("div.apy", "div", "APY 5%", False) and c[2500][1] == 1 and c[2500][4] == 0.0
    assert c[3500][1] == 0 and c[3500][7] == "button#deposit.btn.primary > span"
    # resize: the viewport in force changes from then on
    assert c[1100][5:7] == (1280, 800) and c[1600][5:7] == (1280, 800) and c[2500][5:7] == (1000, 700)
    es = _rows(session, "kind='element_scroll'")[0]
    assert es[7] == "div#app" and json.loads(es[15]) == {"x": 0, "y": 55} and math.isnan(a.x[a.mask("scroll")][0])


def test_input_privacy(session) -> None:
    ins = {r[0]: r for r in _rows(session, "kind='input'")}
    assert ins[1400][12:15] == ("password", 7, None)  # never the password
    assert ins[1410][12:15] == ("text", 6, "250.00")
    assert ins[1420][12:15] == ("text", 5, None)  # "*****" masked by the recorder: length only
    assert ins[1430][13:15] == (19, None)  # card number field
    assert ins[1440][12:15] == ("email", 6, "a@b.co")
    assert "hunter2" not in json.dumps(query(session.store, "SELECT * FROM events"), default=str)
    assert session.report.counts["secret_inputs"] == 2 and session.report.counts["masked_inputs"] == 1


def test_custom_error_selection_touch(session) -> None:
    det = dict(query(session.store, "SELECT kind, detail FROM events WHERE kind IN ('custom', 'error')"))
    assert json.loads(det["custom"]) == {"tag": "checkout", "payload": {"step": 2}}
    assert json.loads(det["error"]) == {"level": "error", "message": "boom"}
    sel = _rows(session, "kind='selection'")[0]
    assert sel[7] == "div.banner"
    assert [r[0] for r in _rows(session, "kind IN ('touch_start', 'touch_end', 'touch_cancel')")] == [1770, 1780, 1790]
    assert _rows(session, "kind='touch_move'")[0][0] == 1750


def test_masked_label(tmp_path: Path) -> None:
    rec = recording()
    rec.append({"type": 3, "timestamp": T0 + 3600, "data": {"source": 2, "type": 2, "id": 17, "x": 1, "y": 1}})
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(rec))
    s = open_session(path)
    try:
        row = query(s.store, "SELECT target, target_text FROM events WHERE t = 3600")[0]
        assert row == ("div#app > div", "[masked]")  # rr-* classes are not part of selectors
        assert "Alice" not in json.dumps(query(s.store, "SELECT * FROM events"), default=str)
    finally:
        s.close()


def test_garbage_and_missing_timestamps(tmp_path: Path) -> None:
    rec = recording()
    rec[5]["timestamp"] = (T0 + 1200) * 10  # ten times too large, like rrweb's video-playback fixture
    del rec[6]["timestamp"]
    rec[7]["timestamp"] = "yesterday"
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(rec))
    s = open_session(path)
    try:
        assert s.report.counts["implausible_timestamp"] == 1 and s.report.counts["missing_timestamp"] == 2
        assert s.duration_ms == 3500 and s.arrays.counts() == EXPECTED
        # repaired to the previous event's time (the click at 1150)
        assert query(s.store, "SELECT t FROM events WHERE kind='scroll'") == [(1150,)]
    finally:
        s.close()
