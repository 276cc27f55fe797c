"""Opening an rrweb recording in the viewer: it opens at once, screenshots are rendered in the background into
the user's data folder (never beside the recording) and swapped in at the same playback time."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
def test_open_rrweb_renders_in_background(window, qtbot, shared_data: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, untouched) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    src = shared_data / "rrweb-sizer-smartx-mobile" / "e1.json"
    untouched(src)
    before = sorted(p.name for p in src.parent.iterdir())
    window.open_file(src)
    qtbot.waitUntil(lambda: window.session is not None, timeout=30_000)
    assert not any(p.screenshot for p in window.session.pages)  # opened before any rendering
    assert window.render_job.running
    window.seek(40_000)
    qtbot.waitUntil(lambda: window.session is not None and any(p.screenshot for p in window.session.pages),
                    timeout=90_000)
    assert window.session.path == src
    assert window.clock.time_ms == 40_000
    assert window.session.screenshot(0)[:4] == b"\x89PNG"
    cached = list((tmp_path / "data").rglob("*.rlsession"))
    assert len(cached) == 1
    assert sorted(p.name for p in src.parent.iterdir()) == before  # nothing written beside the recording


@pytest.mark.slow
def test_first_screenshots_show_before_the_dom_keyframes_fill_in(window, qtbot, shared_data: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The early bundle (first screenshots) is shown while the child still renders the keyframes; then the page
    states arrive, at the same playback time, and the early bundle is gone from the cache."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    src = shared_data / "rrweb-sizer-smartx-mobile" / "e1.json"
    window.open_file(src)
    qtbot.waitUntil(lambda: window.session is not None and any(p.screenshot for p in window.session.pages),
                    timeout=90_000)
    early = window.session
    assert not any(p.states for p in early.pages) and window.render_job.running  # keyframes still rendering
    window.seek(80_000)
    qtbot.waitUntil(lambda: window.session is not None and any(p.states for p in window.session.pages),
                    timeout=180_000)
    assert window.session.path == src and window.clock.time_ms == 80_000
    state = window.session.pages[0].state_at(80_000)
    assert state is not None and window.session.screenshot(0, 80_000) != window.session.screenshot(0)
    assert not list((tmp_path / "data").rglob("*.first.rlsession"))  # the early bundle was removed
