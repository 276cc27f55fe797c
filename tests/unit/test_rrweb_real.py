"""Every real rrweb recording and fixture in shared data imports (or fails with one clear BadInputError), fast,
without touching the file. The two real sessions' counts are checked against an independent counting pass over
the raw JSON and against the numbers their PROVENANCE.md states."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from storeutil import query

from replaylens.errors import BadInputError
from replaylens.io.registry import open_session

pytestmark = pytest.mark.shared

FOLDERS = ("rrweb-demoit-player", "rrweb-sizer-smartx-mobile", "rrweb-fixtures", "posthog-rrweb-fork-fixtures",
           "highlight-sample-events", "sentry-replay-analyzer-mock")
#: Files that are not one recording and must be refused with this message fragment.
REFUSED = {"integration.test.ts.snap.events.json": "49 separate event lists"}


def _recordings(root: Path) -> list[Path]:
    files: list[Path] = []
    for folder in FOLDERS:
        files += sorted(p for p in (root / folder).rglob("*") if p.suffix in (".json", ".js"))
    return files


def test_every_recording_imports_or_is_refused_clearly(shared_data: Path, untouched) -> None:
    files = _recordings(shared_data)
    assert len(files) >= 43, [f.name for f in files]
    slow = []
    for path in files:
        untouched(path)
        t0 = time.perf_counter()
        if path.name in REFUSED:
            with pytest.raises(BadInputError) as info:
                open_session(path)
            assert str(info.value).startswith(path.name + ": ") and REFUSED[path.name] in str(info.value)
        else:
            s = open_session(path)
            try:
                assert s.manifest.source["format"] == "rrweb"
                assert len(s.pages) >= 1 and len(s.arrays) >= 1
                assert s.arrays.t.min() >= 0
                assert np.all(np.diff(s.arrays.t) >= 0)
            finally:
                s.close()
        if time.perf_counter() - t0 > 5:
            slow.append(path.name)
    assert not slow, f"took more than 5 s: {slow}"


def _count(events: list[dict[str, Any]]) -> dict[str, int]:
    """Independent count: positions per source, interactions per type, scrolls on the document node."""
    doc_id = next(e["data"]["node"]["id"] for e in events if e["type"] == 2)
    inc = [e["data"] for e in events if e["type"] == 3]
    mi = [d["type"] for d in inc if d["source"] == 2]
    return {
        "move": sum(len(d["positions"]) for d in inc if d["source"] == 1),
        "touch_move": sum(len(d["positions"]) for d in inc if d["source"] == 6),
        "click": mi.count(2), "down": mi.count(1), "up": mi.count(0), "focus": mi.count(5), "blur": mi.count(6),
        "touch_start": mi.count(7), "touch_end": mi.count(9),
        "scroll": sum(1 for d in inc if d["source"] == 3 and d["id"] == doc_id),
        "element_scroll": sum(1 for d in inc if d["source"] == 3 and d["id"] != doc_id),
        "resize": sum(1 for d in inc if d["source"] == 4),
        "mutation": sum(1 for d in inc if d["source"] == 0),
        "navigate": len({e["data"]["href"] for e in events if e["type"] == 4}),
    }


def test_demoit_old_format(shared_data: Path) -> None:
    path = shared_data / "rrweb-demoit-player" / "events.json"
    raw = json.loads(path.read_text())
    expected = {k: v for k, v in _count(raw).items() if v}
    # PROVENANCE.md: 87 positions, 3 clicks/downs/ups, focus 2, blur 3, 12 element scrolls, 226 mutations
    assert expected == {"move": 87, "click": 3, "down": 3, "up": 3, "focus": 2, "blur": 3, "element_scroll": 12,
                        "mutation": 226, "navigate": 1}
    s = open_session(path)
    try:
        assert s.arrays.counts() == expected
        assert s.manifest.session_id == "8dda0c07-b950-47ec-a5ea-3d25746042bf"
        assert "0.x" in s.manifest.source["container"]
        assert (s.manifest.viewport_width, s.manifest.viewport_height) == (1166, 705)
        assert s.duration_ms == 1544756847830 - 1544756766750  # 81.08 s
        assert s.manifest.start_epoch_ms == 1544756766750
        assert s.manifest.site == "demoit.app" and s.pages[0].url == "https://demoit.app/e/react#ReactHooks.js"
        # the first click (id 213) is on a CodeMirror line <pre> whose text is "render () {"
        row = query(s.store, "SELECT t, x, y, target, target_tag, target_text FROM events WHERE kind='click' "
                            "ORDER BY t LIMIT 1")[0]
        assert row[1:] == (757.0, 268.0, "pre.CodeMirror-line", "pre", "render () {")
        assert s.report.warnings == []
    finally:
        s.close()
    # the JS original gives the same session
    s2 = open_session(shared_data / "rrweb-demoit-player" / "events.js")
    try:
        assert s2.arrays.counts() == expected and s2.manifest.source["container"].startswith("js")
    finally:
        s2.close()


def test_smartx_mobile_touch_scroll_resize(shared_data: Path) -> None:
    path = shared_data / "rrweb-sizer-smartx-mobile" / "e1.json"
    raw = json.loads(path.read_text())
    expected = {k: v for k, v in _count(raw).items() if v}
    # PROVENANCE.md: 255 positions (incl. 8 MouseMove batches), TouchStart 66, TouchEnd 65, 8 clicks,
    # 286 scrolls on the document, 32 resizes, 21 mutations
    assert expected["move"] + expected["touch_move"] == 255
    assert (expected["touch_start"], expected["touch_end"], expected["click"]) == (66, 65, 8)
    assert (expected["scroll"], expected["resize"], expected["mutation"], expected["navigate"]) == (286, 32, 21, 1)
    s = open_session(path)
    try:
        a = s.arrays
        assert a.counts() == expected
        assert round(s.duration_ms / 1000, 1) == 165.9
        # page coordinates: every click carries the document scroll of the last scroll event before it
        scrolls = [(e["timestamp"], e["data"]["y"]) for e in raw if e["type"] == 3 and e["data"]["source"] == 3]
        clicks = [e["timestamp"] for e in raw if e["type"] == 3 and e["data"]["source"] == 2
                  and e["data"]["type"] == 2]
        want = [max([(t, y) for t, y in scrolls if t <= c], default=(0, 0))[1] for c in clicks]
        got = a.scroll_y[a.mask("click")]
        assert got.tolist() == [float(v) for v in want]
        assert (a.page_y[a.mask("click")] == a.y[a.mask("click")] + got).all()
        # the viewport in force follows the Meta (414x832) and then each resize (the README's 722..832 range is
        # the common case; the raw file also holds two 175 px-wide resizes)
        sizes = [(e["data"]["width"], e["data"]["height"]) for e in raw if e["type"] == 3 and e["data"]["source"] == 4]
        assert list(zip(a.width[a.mask("resize")].tolist(), a.height[a.mask("resize")].tolist(), strict=True)) == sizes
        assert set(zip(a.width.tolist(), a.height.tolist(), strict=True)) == {(414, 832), *sizes}
        before = a.t < a.t[a.mask("resize")][0]
        assert (a.height[before] == 832).all()
    finally:
        s.close()


def test_oddities(shared_data: Path) -> None:
    fx = shared_data / "rrweb-fixtures"
    s = open_session(fx / "test-events" / "video-playback.json")  # one timestamp 10x too large
    try:
        assert s.report.counts.get("implausible_timestamp") == 1
        assert s.duration_ms < 60_000  # not 17,100,603 s
        assert s.arrays.counts()["media"] == 5
    finally:
        s.close()
    s = open_session(fx / "test-events" / "hover.json")  # starts at timestamp 0, Meta href ""
    try:
        assert s.manifest.start_epoch_ms == 0 and s.pages[0].url == "" and s.manifest.site == ""
        assert s.arrays.counts() == {"down": 1, "up": 1, "click": 1, "navigate": 1}
    finally:
        s.close()
    s = open_session(fx / "browser-client" / "browser_client_integration_tests.can_record_events.json")
    try:  # no timestamps at all
        assert s.report.counts.get("missing_timestamp") == 2 and s.duration_ms == 0
    finally:
        s.close()
    s = open_session(shared_data / "highlight-sample-events" / "capacitor.json")  # a bare FullSnapshot
    try:
        assert s.manifest.source["container"] == "snapshot-only" and len(s.pages) == 1
    finally:
        s.close()
    s = open_session(shared_data / "highlight-sample-events" / "dom-with-scripts.json")
    try:
        assert s.manifest.source["container"] == "highlight" and s.manifest.session_id == "a1b2c3d400000001"
        assert s.manifest.viewport_width == 2560 and s.manifest.site == "app.highlight.io"
    finally:
        s.close()
    s = open_session(shared_data / "sentry-replay-analyzer-mock" / "rrweb-simple.json")  # href "#"
    try:
        assert s.pages[0].url == "#" and s.manifest.site == ""
    finally:
        s.close()


def test_masked_inputs_in_real_integration_snapshots(shared_data: Path) -> None:
    """rrweb's own recorded integration runs: masked text stays masked, passwords never keep a value."""
    from replaylens.io.rrweb.mapping import map_events
    from replaylens.model.report import ImportReport

    snaps = json.loads((shared_data / "rrweb-fixtures" / "integration-snapshots"
                        / "integration.test.ts.snap.events.json").read_text())
    n_inputs = n_values = 0
    for name, events in snaps.items():
        table = map_events(events, None, ImportReport()).table.to_pydict()
        for kind, itype, vlen, value in zip(table["kind"], table["input_type"], table["value_len"], table["value"],
                                            strict=True):
            if kind != "input":
                continue
            n_inputs += 1
            assert vlen is not None, name
            if value is not None:
                n_values += 1
                assert itype != "password" and set(value) != {"*"}, (name, value)
    raw_inputs = sum(1 for ev in snaps.values() for e in ev if e["type"] == 3 and e["data"].get("source") == 5)
    assert n_inputs == raw_inputs == 169
    assert 0 < n_values < n_inputs
