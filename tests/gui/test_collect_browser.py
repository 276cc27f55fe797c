"""A real browser records a session into the library: a QtWebEngine page (its own process, JavaScript on, every
request refused but those to the collector on 127.0.0.1) loads a local test page with ``/recorder.js`` from the
collector, is clicked, typed into (a card number too) and scrolled, moves to a second page and ends the session.
The session arrives in the library with those clicks and both pages, and no card number anywhere."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replaylens.assets.rrweb import rrweb_dir_or_reason
from replaylens.collect import CollectConfig, Collector
from replaylens.store.library import open_library

HERE = Path(__file__).resolve().parent
TOKEN = "browser-test-token-0123456789"
ORIGIN = "http://localhost:18080"  # the test pages' origin: never fetched (the pages are set in memory)
CARD_DIGITS = "4111111111111111"


def _wait(cond: object, timeout_s: float) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(rrweb_dir_or_reason()[0] is None, reason="rrweb is not installed: "
                    "run bash packaging/fetch_rrweb.sh")
def test_a_browser_session_reaches_the_library_without_card_data(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    lib = open_library(root)
    collector = Collector(CollectConfig(library=root, port=0, token=TOKEN, origins=(ORIGIN,), ingest_workers=0,
                                        ingest_period_s=0.3), lib)
    collector.start()
    try:
        out = tmp_path / "browser.json"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        env.pop("QTWEBENGINE_CHROMIUM_FLAGS", None)
        proc = subprocess.run([sys.executable, str(HERE / "collect_browser.py"), collector.address, TOKEN, ORIGIN,
                               str(out)], capture_output=True, text=True, timeout=120, env=env)
        report = json.loads(out.read_text()) if out.exists() else {}
        assert report.get("ok"), (report.get("error"), report, proc.stderr[-2000:])
        assert report["blocked"] == [] and report["allowed"] > 0
        assert report["typed_card"], report
        assert report["typed_card"].replace(" ", "") == CARD_DIGITS  # the field really held the card number
        assert report["same_session"] and report["end_status"] == 202 and report["scroll_y"] > 300
        sid = report["session_id"]
        assert _wait(lambda: lib.count() == 1, 15), collector.status()
        detail = lib.session(sid)
        urls = [p["url"] for p in detail["pages"]]
        assert urls == [f"{ORIGIN}/checkout", f"{ORIGIN}/done"]
        events = lib.events(sid)
        rows = events.to_pylist()
        clicks = [r for r in rows if r["kind"] == "click"]
        labels = [r["target_text"] for r in clicks]
        # the click into the card field is not there: the recorder blocks card fields whole
        assert labels == ["Deposit", "Amount", "Confirm", "Back to wallet"], labels
        assert [r["page"] for r in clicks] == [0, 0, 0, 1]
        assert [r["target_tag"] for r in clicks] == ["button", "input", "button", "button"]
        assert any(r["kind"] == "scroll" and (r["scroll_y"] or 0) > 300 for r in rows)
        text = json.dumps(rows, default=str)
        assert CARD_DIGITS not in text and "4111 1111" not in text and "Alice Example" not in text
        for f in root.rglob("*"):
            if f.is_file() and f.suffix in (".gz", ".log", ".json"):
                data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
                assert CARD_DIGITS.encode() not in data and b"4111 1111" not in data, f
                assert b"Alice Example" not in data, f
    finally:
        collector.stop()
        lib.close()
