"""heatmaps.session: page coordinates, dwell weighting, time windows and width buckets through real Sessions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from replaylens.analysis.heatmaps.session import compute_heatmap, page_key, resolve_page
from replaylens.demo.generate import build_session, events_table
from replaylens.io.registry import open_session
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import SessionStore


def mem_session(cols: dict[str, list], pages: list[Page], viewport: tuple[int, int] = (1000, 800),
                duration_ms: int | None = None) -> Session:
    """A Session straight from columns (no bundle file); missing columns get the store's defaults."""
    store = SessionStore()
    report = ImportReport(source="memory")
    store.load_arrow(pa.table(cols), page_count=len(pages), viewport=viewport, report=report)
    manifest = Manifest(session_id="mem", start_epoch_ms=0, pages=pages, viewport_width=viewport[0],
                        viewport_height=viewport[1], duration_ms=duration_ms)
    return Session(Path("memory"), manifest, store, store.arrays(), report)


def demo_like(seed: int, device: str) -> Session:
    """A generated session of the demo site at one device width (1280/1440/820/390), in memory."""
    rec, layouts = build_session(seed, {"device": device, "variant": "A", "user_type": "new", "campaign": "none"})
    pages = [Page(url=p.url, title=p.title, width=p.width, height=p.height) for p in layouts]
    return mem_session(events_table(rec.columns()).to_pydict(), pages, viewport=rec.viewport)


NAN = math.nan
PAGES = [Page("https://bank.example/a?x=1#top", "A", None, 1000, 3000), Page("https://bank.example/b", "B", None,
                                                                              1000, 1000)]


def test_movement_map_worked_example() -> None:
    """Cap 2000 ms, cell 100 px, no blur. Page A, then page B; the recording ends at 7000 ms.
      t=100  move (100,100), scroll 0     -> until t=600: 500 ms at page (100,100)
      t=600  move (200,100), scroll 0     -> until the scroll at 700: 100 ms at (200,100)
      t=700  scroll to 1000, pointer resting at viewport (200,100) -> 5000 ms capped to 2000 at page (200,1100)
      t=5700 move (300,50) in the fixed header, scroll 1000 -> 200 ms at (300,50): fixed stays in viewport coords
      t=5900 move (300,60) fixed          -> next sample is on page B: 0 ms
      t=6100 move (50,50) on page B       -> the recording's end: 900 ms, on page B only."""
    s = mem_session({
        "t": [0, 100, 600, 700, 5700, 5900, 6000, 6100],
        "kind": ["navigate", "move", "move", "scroll", "move", "move", "navigate", "move"],
        "page": [0, 0, 0, 0, 0, 0, 1, 1],
        "x": [NAN, 100, 200, NAN, 300, 300, NAN, 50], "y": [NAN, 100, 100, NAN, 50, 60, NAN, 50],
        "scroll_y": [0, 0, 0, 1000, 1000, 1000, 0, 0],
        "fixed": [False, False, False, False, True, True, False, False],
    }, PAGES, duration_ms=7000)
    r = compute_heatmap([s], "move", page=0, sigma=0, cell=100, dwell_cap_ms=2000)
    expected = np.zeros((30, 10), dtype=np.float32)
    expected[1, 1], expected[1, 2], expected[11, 2], expected[0, 3] = 500, 100, 2000, 200
    np.testing.assert_array_equal(r.grid, expected)
    assert (r.points, r.total_weight, r.sessions_used) == (5, 2800, 1)
    b = compute_heatmap([s], "move", page="https://bank.example/b", sigma=0, cell=100)
    assert b.total_weight == 900 and b.grid[0, 0] == 900


def test_click_map_page_coordinates_fixed_and_outside() -> None:
    s = mem_session({
        "t": [10, 20, 30, 40], "kind": ["click", "click", "click", "dblclick"], "page": [0, 0, 0, 0],
        "x": [100, 300, 1200, 100], "y": [100, 50, 10, 100], "scroll_y": [1000, 1000, 0, 0],
        "fixed": [False, True, False, False],
    }, PAGES)
    r = compute_heatmap([s], "click", page="/a", sigma=0, cell=100)  # a path matches too
    assert r.grid[11, 1] == 1 and r.grid[0, 3] == 1 and r.grid.sum() == 2  # (100,1100) and fixed (300,50)
    assert r.points == 3 and r.points_outside_page == 1  # x=1200 on a 1000 px page; dblclick not counted
    assert r.page_url == "https://bank.example/a" == page_key("HTTPS://bank.example/a/?q=2#f")
    assert r.fold_y == 800


def test_click_map_on_the_demo_lands_on_the_banner(demo_path: Path) -> None:
    s = open_session(demo_path)
    try:
        r = compute_heatmap([s], "click", page=0)
        a = s.arrays
        assert r.points == int((a.mask("click") & (a.page == 0)).sum()) == 7
        i, j = np.unravel_index(np.argmax(r.grid), r.grid.shape)
        cx, cy = (j + 0.5) * r.cell, (i + 0.5) * r.cell
        assert 90 <= cx <= 1190 and 260 <= cy <= 520  # the festival banner's box on the 1280 px landing page
        assert r.overlay(1280, 1852).shape == (1852, 1280, 4)
        # the time window of the rage clicks keeps exactly the clicks inside it
        t0, t1 = 66_763, 68_177
        w = compute_heatmap([s], "click", page=0, t_range=(t0, t1))
        assert w.points == int((a.mask("click") & (a.page == 0) & (a.t >= t0) & (a.t < t1)).sum()) >= 4
        assert compute_heatmap([s], "click", page=0, t_range=(0, 1)).sessions_without_page == 1
        with pytest.raises(ValueError, match="no session visited"):
            resolve_page([s], "https://elsewhere.example/")
        with pytest.raises(ValueError, match="unknown heatmap kind"):
            compute_heatmap([s], "gaze")
    finally:
        s.close()


@pytest.fixture(scope="module")
def devices() -> list[Session]:
    out = [demo_like(seed, dev) for seed, dev in ((11, "desktop"), (12, "desktop-wide"), (13, "tablet"),
                                                   (14, "mobile"))]
    yield out
    for s in out:
        s.close()


def test_width_buckets_put_sessions_where_they_belong(devices: list[Session]) -> None:
    assert [int(s.arrays.width[0]) for s in devices] == [1280, 1440, 820, 390]
    for device, used, ref_width in (("desktop", 2, 1280), ("tablet", 1, 820), ("mobile", 1, 390)):
        r = compute_heatmap(devices, "move", page=0, device=device)
        assert (r.sessions_used, r.sessions_outside_width) == (used, 4 - used), device
        assert r.page_width == ref_width  # the screenshot of a session in the bucket
    r = compute_heatmap(devices, "click", page=0, width_range=(1400, 1500))
    assert r.sessions_used == 1 and r.reference[0] == 1 and r.extra["width_range"] == (1400, 1500)


def test_relative_x_projects_onto_the_reference_width(devices: list[Session]) -> None:
    mobile = devices[3]
    a = mobile.arrays
    clicks = a.mask("click") & (a.page == 0) & ~a.fixed
    assert clicks.any()
    r = compute_heatmap([devices[0], mobile], "click", page=0, relative_x=True, sigma=0, cell=1)
    assert r.page_width == 1280
    x_rel = a.x[clicks] / a.width[clicks] * 1280
    y_page = a.y[clicks] + a.scroll_y[clicks]
    for x, y in zip(x_rel, y_page, strict=True):
        assert r.grid[int(y), int(x)] >= 1


def _reach_by_hand(sessions: list[Session], page: int, depths: np.ndarray) -> np.ndarray:
    bottoms = []
    for s in sessions:
        a = s.arrays
        seen = [float(sy + h) for p, sy, h in zip(a.page, a.scroll_y, a.height, strict=True) if p == page]
        if seen:
            bottoms.append(max(seen))
    return np.array([sum(b >= d for b in bottoms) / len(bottoms) for d in depths])


def test_scroll_reach_and_attention_through_sessions(devices: list[Session]) -> None:
    kyc = 2
    r = compute_heatmap(devices, "scroll", page=kyc)
    depths = (np.arange(r.grid.shape[0]) + 0.5) * r.cell
    assert r.profile is not None
    np.testing.assert_array_equal(r.profile, _reach_by_hand(devices, kyc, depths))
    assert (np.diff(r.profile) <= 0).all() and r.profile[0] == 1.0
    assert r.fold_y == pytest.approx(np.mean([s.arrays.height[s.arrays.page == kyc][0] for s in devices
                                              if (s.arrays.page == kyc).any()]))
    att = compute_heatmap(devices, "attention", page=kyc)
    assert att.profile is not None and att.profile.max() > 0
    top_rows = att.profile[: int(700 / att.cell)]  # always in view at load: at least as long as any lower band
    assert top_rows.min() >= att.profile[int(1500 / att.cell):].max()


def test_page_without_size_takes_its_height_from_the_data() -> None:
    pages = [Page("https://bank.example/long", "L", None, 0, 0)]
    s = mem_session({"t": [0, 10, 20], "kind": ["navigate", "scroll", "click"], "page": [0, 0, 0],
                     "x": [NAN, NAN, 50], "y": [NAN, NAN, 700], "scroll_y": [0, 2000, 2000]}, pages)
    r = compute_heatmap([s], "click", page=0, sigma=0, cell=10)
    assert (r.page_width, r.page_height) == (1000, 2701) and r.points_outside_page == 0
    assert r.grid[270, 5] == 1
    assert compute_heatmap([s], "scroll", page=0).page_height == 2800  # 2000 + the 800 px viewport
