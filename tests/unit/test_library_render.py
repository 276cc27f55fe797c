"""The library's render stage (io/library/render_stage.py): rrweb sessions get page pictures and element boxes,
one render per distinct snapshot content; the compare map is drawn on the page picture and the anchored map
anchors clicks; an unrenderable recording keeps its row with a placeholder and a note; the stage cancelled,
killed (SIGKILL) and resumed does only the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rrweb_site as site
from library_support import check_consistent, posthog_export

from replaylens.cli import main
from replaylens.io.library import ingest
from replaylens.io.library.render_stage import page_key, render_library
from replaylens.jobs import CancelToken
from replaylens.store.library import LibraryStore, open_library

ROOT = Path(__file__).resolve().parents[2]


def _site(src: Path, n: int = 4) -> Path:
    """``n`` PostHog exports of the wallet recording: A/B variants, the last one on a phone."""
    src.mkdir(exist_ok=True)
    for i in range(n):
        posthog_export(src / f"s{i}.json", f"w-{i}", entry_url=f"https://bank.example/wallet?variant={'AB'[i % 2]}",
                       shift_ms=i * 1000, width=390 if i == n - 1 else 1280)
    return src


def _built(tmp_path: Path, n: int = 4) -> LibraryStore:
    lib = open_library(tmp_path / "lib")
    assert ingest(lib, [_site(tmp_path / "src", n)], workers=0).added == n
    return lib


def _rows(lib: LibraryStore, sql: str) -> list[tuple[object, ...]]:
    return lib.cursor().execute(sql).fetchall()


def _not_placeholder(lib: LibraryStore, result: object, screen: str | None) -> None:
    """The map's base is the stored page picture, not the plain placeholder canvas."""
    from replaylens.render.heatmap import base_image

    assert screen is not None, "the map has no page picture"
    path = lib.screenshot_path(screen)
    assert path is not None
    base, has_shot = base_image(result, path.read_bytes())  # type: ignore[arg-type]
    _, has_none = base_image(result, None)  # type: ignore[arg-type]
    assert has_shot and not has_none
    rgb = base[..., :3].reshape(-1, 3).astype(int)
    assert len(np.unique(rgb[:: max(1, rgb.shape[0] // 20000)], axis=0)) > 3, "the picture is one flat colour"


def test_page_key_drops_query_and_fragment() -> None:
    assert page_key("https://Bank.example/wallet/?utm_campaign=x#top", "mobile") == \
        "https://bank.example/wallet|mobile"
    assert page_key("https://bank.example/wallet", "desktop") != page_key("https://bank.example/wallet", "mobile")


def test_stage_renders_once_per_content_and_the_maps_use_it(tmp_path: Path) -> None:
    from replaylens.analysis.heatmaps.library import aggregate_heatmap, compare

    lib = _built(tmp_path)
    try:
        assert _rows(lib, "SELECT count(*) FROM pages WHERE screen IS NOT NULL") == [(0,)]  # usable, no pictures
        s = render_library(lib, workers=0)
        assert (s.sessions, s.done, s.ok, s.failed) == (4, 4, 4, 0)
        # wallet at 1280 and at 390, staking and the wallet again after the recorded resize (1000 px, the same
        # for all four): four contents for the 12 pages
        assert s.renders == 4 and s.reused == 12 - 4
        assert _rows(lib, "SELECT count(*) FROM pages WHERE screen IS NULL") == [(0,)]
        assert _rows(lib, "SELECT count(DISTINCT screen) FROM pages") == [(4,)]
        assert s.boxes > 0
        c = compare(lib, None, "variant", "A", "B", "/wallet", "click", device="desktop")
        _not_placeholder(lib, c.map_a, c.map_a.extra.get("screen"))
        anchored = aggregate_heatmap(lib, None, "/wallet", "click", device="desktop", anchor="element")
        assert anchored.extra["anchor_boxes_known"] is True
        assert anchored.points > 0 and anchored.extra["anchor_no_box"] < anchored.points
        again = render_library(lib, workers=0)  # nothing left to do
        assert (again.sessions, again.renders) == (0, 0)
    finally:
        lib.close()


def test_unrenderable_recording_keeps_its_row_with_a_placeholder_and_a_note(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]
                                                                           ) -> None:
    lib = _built(tmp_path, 3)  # w-0 and w-1 on a desktop, w-2 on a phone
    (tmp_path / "src" / "s0.json").unlink()  # the recording is gone before its pictures are made
    try:
        s = render_library(lib, workers=0)
        assert (s.ok, s.failed) == (2, 1) and "no longer where it was added" in s.notes[0][1]
        assert lib.count() == 3
        # the placeholder: its own page has no picture of its own; the page's representative stands in
        got = dict(_rows(lib, "SELECT how, count(*) FROM render_pages WHERE session_id = 'w-0' GROUP BY how"))
        assert got == {"representative": 3}
    finally:
        lib.close()
    capsys.readouterr()
    assert main(["library", "info", "--library", str(tmp_path / "lib")]) == 0
    out = capsys.readouterr().out
    assert "w-0: placeholder picture: " in out and "no longer where it was added" in out
    assert main(["library", "info", "--json", "--library", str(tmp_path / "lib")]) == 0
    info = json.loads(capsys.readouterr().out)["pictures"]
    assert info["failed"] == 1 and info["notes"][0]["session_id"] == "w-0"


def test_a_page_without_a_snapshot_is_noted(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    events = [e for e in json.loads(posthog_export(src / "x.json", "nosnap").read_text())["data"]["snapshots"]
              if e["type"] != 2]  # every FullSnapshot removed
    (src / "x.json").write_text(json.dumps({"version": "2023-04-28", "data": {"id": "nosnap", "snapshots": events}}))
    lib = open_library(tmp_path / "lib")
    try:
        assert ingest(lib, [src], workers=0).added == 1
        s = render_library(lib, workers=0)
        assert s.failed == 1 and "has no DOM snapshot" in s.notes[0][1] and s.renders == 0
        assert lib.count() == 1
    finally:
        lib.close()


def test_cancel_stops_and_a_rerun_does_only_the_rest(tmp_path: Path) -> None:
    lib = _built(tmp_path)
    token = CancelToken()
    try:
        first = render_library(lib, workers=0, cancel=token,
                               progress=lambda p: token.cancel() if p.rendered >= 1 else None)
        assert first.cancelled and first.renders >= 1 and first.done < 4
        rest = render_library(lib, workers=0)
        assert not rest.cancelled and rest.done == 4 - first.done
        assert first.renders + rest.renders == 4  # no content rendered twice
        assert _rows(lib, "SELECT count(*) FROM page_renders") == [(4,)]
        assert _rows(lib, "SELECT count(*) FROM pages WHERE screen IS NULL") == [(0,)]
    finally:
        lib.close()


def test_cli_add_waits_unless_no_render_and_render_resumes(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib")]
    src = _site(tmp_path / "src", 2)
    capsys.readouterr()
    assert main(["library", "add", str(src), "--no-render", "--json", "--workers", "0", *lib]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 2 and out["render"] is None
    assert main(["library", "render", "--json", *lib]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["done"] == 2 and got["renders"] == 4 and got["click_boxes"] > 0 and not got["cancelled"]
    posthog_export(src / "s9.json", "w-9", shift_ms=9000)
    assert main(["library", "add", str(src), "--json", "--workers", "0", *lib]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 1 and out["render"]["done"] == 1 and out["render"]["renders"] == 0  # shared pictures


@pytest.mark.skipif(not site.available(site.DEMOIT), reason="../shared/data/rrweb-demoit-player is absent")
def test_real_recording_sessions_share_one_render(tmp_path: Path) -> None:
    from replaylens.analysis.heatmaps.library import compare

    src = tmp_path / "src"
    src.mkdir()
    events = site.load(site.DEMOIT)
    for k in range(3):
        site.write_copy(events, src / f"d{k}.json", k, path="/editor", session=f"demo-{k}")
    lib = open_library(tmp_path / "lib")
    try:
        assert ingest(lib, [src], workers=0).added == 3
        s = render_library(lib, workers=0)
        assert s.done == 3 and s.renders == 1 and s.reused == 2
        lib.tag(["demo-0"], "first")
        c = compare(lib, None, "device_class", "desktop", "desktop", "/editor", "click")
        _not_placeholder(lib, c.map_a, c.map_a.extra.get("screen"))
    finally:
        lib.close()


def test_kill_during_the_stage_leaves_it_consistent_and_resumable(tmp_path: Path) -> None:
    lib = _built(tmp_path)
    lib.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "app"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "replaylens", "library", "render", "--library",
                             str(tmp_path / "lib"), "--workers", "0"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and \
                not any((tmp_path / "lib" / "screens").rglob("*.png")):
            time.sleep(0.02)  # the first picture is in: kill the stage in the middle
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    check_consistent(tmp_path / "lib")
    lib = open_library(tmp_path / "lib")
    try:
        done = _rows(lib, "SELECT count(*) FROM session_renders")[0][0]
        # every session marked done has every page's picture on disk; none is half done
        for (screen,) in _rows(lib, "SELECT p.screen FROM pages p JOIN session_renders r USING (session_id)"):
            assert screen is not None and lib.screenshot_path(str(screen)) is not None
        before = _rows(lib, "SELECT count(*) FROM page_renders")[0][0]
        rest = render_library(lib, workers=0)
        assert rest.done == 4 - done
        assert before + rest.renders == 4  # what was rendered before the kill is not rendered again
        assert _rows(lib, "SELECT count(*) FROM pages WHERE screen IS NULL") == [(0,)]
    finally:
        lib.close()


def test_scan_matches_every_click_to_its_library_event(tmp_path: Path) -> None:
    """No renderer: the scan's content keys and its (event index, page, node) rows, checked against the stored
    events (same time and kind) and the recording's own target ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from replaylens.io.library import render_work as W
    from replaylens.io.rrweb.boxes import CLICK_LIKE
    from replaylens.store import _pictures as P

    lib = _built(tmp_path, 2)
    try:
        todo = P.pending(lib)
        scans = [W.scan(W.ScanJob(p.session_id, p.sha256, p.source_path, p.source_size, p.source_mtime_ns,
                                  str(lib.root / p.events_file))) for p in todo]
        for s in scans:
            assert not s.reason and s.unmatched == 0
            ev = lib.events(s.session_id)
            clicks = ev.filter(pc.is_in(ev["kind"], pa.array(list(CLICK_LIKE))))
            assert s.clicks.shape[0] > 0
            by_i = dict(zip(ev["i"].to_pylist(), ev["kind"].to_pylist(), strict=True))
            assert all(by_i[int(i)] in CLICK_LIKE for i in s.clicks[:, 0])  # every row is a click-like event
            assert s.clicks.shape[0] <= clicks.num_rows
            assert len({int(i) for i in s.clicks[:, 0]}) == s.clicks.shape[0]  # one row per event
            assert all(p.content is not None and len(p.content) == 64 for p in s.pages)
        # the same page content in both sessions (desktop and phone differ by width: different keys)
        assert scans[0].pages[1].content == scans[1].pages[1].content
        assert scans[0].pages[0].content != scans[1].pages[0].content
        gone = W.scan(W.ScanJob("x", "0" * 64, str(tmp_path / "missing.json"), 1, 1, ""))
        assert "no longer where it was added" in gone.reason
    finally:
        lib.close()


def test_a_shared_render_is_measured_again_for_elements_it_lacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    """Two sessions of the same page in two chunks: the first never clicked the banner, the second did; the
    picture is shared and rendered again only to measure the banner's box."""
    from replaylens.io.library import render_stage

    monkeypatch.setattr(render_stage, "FIRST_CHUNK", 1)
    src = tmp_path / "src"
    src.mkdir()
    first = posthog_export(src / "a.json", "m-a")
    data = json.loads(first.read_text())
    data["data"]["snapshots"] = [e for e in data["data"]["snapshots"]
                                 if not (e["type"] == 3 and e["data"].get("source") == 2 and e["data"].get("id") == 12)]
    first.write_text(json.dumps(data))
    posthog_export(src / "b.json", "m-b", shift_ms=1000)
    lib = open_library(tmp_path / "lib")
    try:
        assert ingest(lib, [src], workers=0).added == 2
        s = render_library(lib, workers=0)
        assert s.done == 2 and s.remeasures >= 1
        assert _rows(lib, "SELECT count(DISTINCT screen) FROM pages WHERE page = 0") == [(1,)]
        measured = _rows(lib, "SELECT list_contains(measured, 12) FROM page_renders pr JOIN render_pages rp "
                              "USING (content) WHERE rp.session_id = 'm-b' AND rp.page = 0")
        assert measured == [(True,)]
        ev = lib.events("m-b")
        banner = [i for i, n, k in zip(ev["i"].to_pylist(), ev["target_text"].to_pylist(), ev["kind"].to_pylist(),
                                       strict=True) if n == "Festival of savings" and k == "click"]
        boxed = {int(r[0]) for r in _rows(lib, "SELECT i FROM click_boxes WHERE session_id = 'm-b'")}
        assert banner and set(banner) <= boxed  # the second session's banner click has its box
    finally:
        lib.close()


def test_render_refuses_a_bad_worker_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("-1", "x", "99"):
        with pytest.raises(SystemExit) as exc:
            main(["library", "render", "--workers", bad, "--library", str(tmp_path / "lib")])
        assert exc.value.code == 2
        assert "--workers" in capsys.readouterr().err
    assert not (tmp_path / "lib").exists()  # refused before anything was opened
