"""The Library window's render stage (ui/library/render_job.py): after a drop the rrweb sessions get their page
pictures in the background (a status-bar strip with counts, time left and Cancel; the window keeps answering),
an open Compare view is redrawn on the page picture, and Cancel stops it with what was done kept."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from replaylens.store.library import open_library
from replaylens.ui.library import actions, render_job
from replaylens.ui.library.window import LibraryWindow


def _src(tmp_path: Path, n: int = 3) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))  # the PostHog export helper
    from library_support import posthog_export

    src = tmp_path / "src"
    src.mkdir()
    for i in range(n):
        posthog_export(src / f"s{i}.json", f"g-{i}", entry_url=f"https://bank.example/wallet?variant={'AB'[i % 2]}",
                       shift_ms=i * 1000)
    return src


@pytest.fixture
def win(qtbot, tmp_path: Path):
    lib = open_library(tmp_path / "lib")
    w = LibraryWindow(lib)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: not w.busy and w.model.counted, timeout=20_000)
    yield w
    w.shutdown()
    lib.close()
    # qtbot.waitUntil leaves its timers under Python-owned event loops in reference cycles: collect them now, so
    # the leak guard never meets one that the collector deletes while it looks
    gc.collect()


def test_a_drop_renders_the_pictures_in_the_background_and_redraws_compare(qtbot, win: LibraryWindow,
                                                                            tmp_path: Path) -> None:
    from replaylens.ui.compare import open_view

    actions.start_ingest(win, [str(_src(tmp_path))])
    qtbot.waitUntil(lambda: win.ingest is None, timeout=60_000)
    job = win.render_stage
    assert job is not None, "the render stage did not start after the ingest"
    redrawn: list[bool] = []
    job.pictures_arrived.connect(lambda: redrawn.append(True))
    view = open_view(win, "compare")  # Analyse ▸ Compare two groups while the pictures are being made
    qtbot.waitUntil(lambda: view.result is not None and not view.jobs.running, timeout=60_000)
    qtbot.waitUntil(lambda: job.result is not None or win.render_stage is None, timeout=120_000)
    assert job.result is not None and job.result.done == 3 and not job.result.cancelled
    assert job.strip.closed and "Page pictures ready" in win.statusBar().currentMessage()
    assert redrawn
    qtbot.waitUntil(lambda: view.result is not None and view.result.screenshot is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not view.jobs.running and not view._timer.isActive(), timeout=60_000)
    view.close()
    view.jobs.wait()


def test_cancel_stops_the_stage_and_keeps_what_was_done(qtbot, win: LibraryWindow, tmp_path: Path) -> None:
    from replaylens.io.library import ingest

    ingest(win.library, [_src(tmp_path)], workers=0)
    job = render_job.start(win)
    assert job is not None and win.render_stage is job
    qtbot.waitUntil(lambda: job.strip.shown or job.result is not None, timeout=30_000)
    job.strip.cancel_button.click()  # the user presses Cancel
    assert job.strip.closed
    qtbot.waitUntil(lambda: job.result is not None, timeout=60_000)
    assert job.result.cancelled or job.result.done == 3
    QCoreApplication.processEvents()
    assert win.render_stage is None
    again = render_job.start(win)  # Library ▸ Render page pictures goes on from there
    if again is not None:
        qtbot.waitUntil(lambda: again.result is not None, timeout=120_000)
        assert again.result.done == 3 - job.result.done
