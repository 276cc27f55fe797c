"""Fidelity: our page pictures against rrweb's own player (tests/gui/rrweb_replayer.py, the test-only page) on every
rrweb session in ../shared/data, at ten times spread over each session.

Both sides get the same events: the window's events as the importer kept them, masked by our one privacy rule
(``keyframes.plan_events``), so masking is the same on both sides. Ours is the product's path
(``render_snapshots`` of ``state_job``s: our host page, full-page picture), cropped to the recorded viewport; rrweb's
is its Replayer paused at the same instant in a view of the viewport's size. Figures: SSIM (Wang et al. 2004, 7×7
window on grey levels, as in test_rrweb_replayer_compare) at full resolution, asserted ≥ 0.98 at every time, the
mean absolute difference reported. A recording our reader refuses or that has no DOM snapshot is not a session
and is skipped; so is every recording when rrweb or the shared data is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QImage
from rrweb_replayer import RrwebReplayer, rrweb_missing
from test_rrweb_replayer_compare import pixels, ssim

from replaylens.render.page import prepare_qt, render_snapshots

prepare_qt()

MIN_SSIM = 0.98
TIMES = 10
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FOLDERS = ("rrweb-demoit-player", "rrweb-sizer-smartx-mobile", "rrweb-fixtures", "posthog-rrweb-fork-fixtures",
           "highlight-sample-events", "sentry-replay-analyzer-mock")


def recordings() -> list[str]:
    if not SHARED.is_dir():
        return []
    return sorted(p.relative_to(SHARED).as_posix() for f in FOLDERS for p in (SHARED / f).rglob("*.json"))


def moments(loaded: Any, events: list[dict[str, Any]]) -> list[float]:
    """Ten times (ms from the session start) spread over the span the window's DOM is replayable."""
    start = loaded.mapped.start_epoch_ms
    first = float(events[0]["timestamp"]) - start
    end = max(float(loaded.mapped.duration_ms), float(events[-1]["timestamp"]) - start, first + 1)
    return [first + (end - first) * (k + 0.5) / TIMES for k in range(TIMES)]


def page_at(loaded: Any, t_rel: float) -> int:
    navs = loaded.mapped.histories[0].navs
    cur = navs[0][1]
    for t, page in navs:
        if t - loaded.mapped.start_epoch_ms <= t_rel:
            cur = page
    return int(cur)


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("rel", recordings() or ["(no shared data)"])
def test_our_pictures_match_rrwebs_player(rel: str, request: pytest.FixtureRequest) -> None:
    why = rrweb_missing()
    if why is not None:
        pytest.skip(why)
    if not SHARED.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED})")
    from replaylens.errors import BadInputError
    from replaylens.io.rrweb.keyframes import plan_events, state_job
    from replaylens.io.rrweb.reader import load_recording

    try:
        loaded = load_recording(SHARED / rel)
    except BadInputError as exc:
        pytest.skip(f"not an rrweb session: {exc}")
    hist = loaded.mapped.histories
    if not hist or not any(c[1] == -3 for c in hist[0].changes):
        pytest.skip("no DOM snapshot: not a replayable session")
    events = plan_events(loaded, 0)
    times = moments(loaded, events)
    jobs = [state_job(loaded, page_at(loaded, t), t, events=events) for t in times]
    ours = render_snapshots(jobs, timeout_s=20)
    w, h = int(jobs[0].width), int(jobs[0].height)
    rr = RrwebReplayer(events, w, h)
    figures: list[dict[str, Any]] = []
    try:
        for t, job, res in zip(times, jobs, ours, strict=True):
            assert res.png is not None and not res.wireframe, (t, res.error)
            jw, jh = int(job.width), int(job.height)
            theirs = rr.frame_at(int(round(job.at_ms - float(events[0]["timestamp"]))) + 1, first_ms=80, step_ms=80)
            mine = QImage.fromData(res.png)
            cw, ch = min(jw, w, mine.width()), min(jh, h, mine.height())
            a, b = pixels(theirs.copy(0, 0, cw, ch)), pixels(mine.copy(0, 0, cw, ch))
            figures.append({"t_s": round(t / 1000, 2), "ssim": round(ssim(a, b), 4),
                            "mean_diff": round(float(np.abs(a - b).mean()), 2)})
    finally:
        rr.close()
    print(f"{rel}: " + "; ".join(f"{f['t_s']} s ssim {f['ssim']} mean {f['mean_diff']}" for f in figures))
    request.node.user_properties.append(("fidelity", figures))
    assert all(r.blocked_requests == 0 for r in ours)  # our host page's policy refused every recorded URL first
    worst = min(figures, key=lambda f: f["ssim"])
    assert worst["ssim"] >= MIN_SSIM, figures
