"""Heatmaps in three steps: gather per session → sum (mergeable) → finish; the colours applied at paint only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_heatmap_model import demo_like  # pytest puts tests/unit on sys.path (rootdir-less modules)

from replaylens.analysis.heatmaps import gather as heat_gather
from replaylens.analysis.heatmaps import session as heatmaps
from replaylens.analysis.heatmaps.counts import HeatCounts
from replaylens.analysis.heatmaps.session import compute_heatmap, finish_heatmap, gather_heatmap, plan_heatmap
from replaylens.core.colormaps import apply_table, colour_table, to_index
from replaylens.core.heatmap import colourise
from replaylens.model.session import Session


@pytest.fixture(scope="module")
def sessions() -> list[Session]:
    out = [demo_like(seed, dev) for seed, dev in ((21, "desktop"), (22, "desktop"), (23, "desktop-wide"),
                                                   (24, "tablet"), (25, "desktop"))]
    yield out
    for s in out:
        s.close()


def _same(a: heatmaps.HeatmapResult, b: heatmaps.HeatmapResult) -> None:
    assert np.array_equal(a.grid, b.grid) and np.array_equal(a.values, b.values)
    assert a.values.dtype == np.float32
    for f in ("sessions_total", "sessions_used", "sessions_without_page", "sessions_outside_width", "points",
              "points_outside_page", "total_weight", "fold_y", "page_width", "page_height", "cell"):
        assert getattr(a, f) == getattr(b, f), f
    assert a.extra["peak_spot"] == b.extra["peak_spot"]
    assert (a.profile is None) == (b.profile is None)
    if a.profile is not None:
        assert np.array_equal(a.profile, b.profile)


@pytest.mark.parametrize("kind", ["click", "move", "scroll", "attention"])
def test_map_of_a_union_is_the_finish_of_the_sum_of_gathers(sessions: list[Session], kind: str) -> None:
    whole = compute_heatmap(sessions, kind, page=0)
    plan = plan_heatmap(sessions, kind, page=0)
    side_a, side_b = sessions[:2], sessions[2:]
    counts_a = gather_heatmap(side_a, plan, plan.matches[:2])
    counts_b = gather_heatmap(side_b, plan, plan.matches[2:])
    _same(whole, finish_heatmap(counts_a + counts_b, plan))
    _same(whole, finish_heatmap(counts_b + counts_a, plan))  # order does not matter: the sums are exact
    per_session = [heat_gather.gather_session(s, m, plan.selection, plan.grid)  # type: ignore[arg-type]
                   for s, m in zip(sessions, plan.matches, strict=True)]
    _same(whole, finish_heatmap(sum(per_session), plan))  # builtin sum() works too
    assert (counts_a + counts_b).sessions_total == len(sessions)
    if kind in ("click", "move"):
        assert whole.points > 0 and counts_a.points > 0 and counts_b.points > 0  # both sides really add


def test_counts_refuse_to_mix_kinds_or_grids(sessions: list[Session]) -> None:
    plan = plan_heatmap(sessions, "click", page=0)
    c = gather_heatmap(sessions[:1], plan, plan.matches[:1])
    with pytest.raises(ValueError):
        _ = c + HeatCounts("move")
    with pytest.raises(ValueError):
        _ = c + dataclasses.replace(c, grid=np.zeros((3, 3)))


def test_colourise_is_one_table_lookup() -> None:
    values = np.array([[0.0, 0.25], [0.5, 1.0]], dtype=np.float32)
    table = colour_table("viridis", max_alpha=0.8)
    rgba = colourise(values, table)
    assert rgba.dtype == np.uint8 and rgba.shape == (2, 2, 4)
    assert np.array_equal(rgba, apply_table(to_index(values), table)) and rgba[0, 0, 3] == 0
    assert np.array_equal(colourise(values, "viridis"), apply_table(to_index(values), colour_table("viridis")))


def test_changing_the_colour_map_does_not_gather_again(sessions: list[Session],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = heatmaps.gather_session

    def counting(*args: object, **kw: object) -> HeatCounts:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(heatmaps, "gather_session", counting)
    r = compute_heatmap(sessions, "click", page=0, cmap="classic")
    n = len(calls)
    assert n == len(sessions)
    assert not hasattr(r, "rgba")  # the result carries values, not colours
    classic = r.overlay(400, 300)
    viridis = r.overlay(400, 300, cmap="viridis")
    grid_viridis = r.colours("viridis")
    assert len(calls) == n  # painting in other colours gathered nothing
    assert not np.array_equal(classic, viridis) and grid_viridis.shape == (*r.values.shape, 4)
    assert np.array_equal(grid_viridis, colourise(r.values, colour_table("viridis", max_alpha=r.max_alpha)))


def test_a_page_visit_is_a_visit_not_a_segment() -> None:
    """"Segment" names user segments (model.segment) only; the heatmap code calls a page visit a visit."""
    from pathlib import Path

    import replaylens

    root = Path(replaylens.__file__).parent
    files = [*root.glob("core/heatmap*.py"),
             *(root / "analysis" / "heatmaps" / f"{m}.py" for m in ("gather", "counts", "legend", "session"))]
    assert len(files) >= 5
    assert [f.name for f in files if "segment" in f.read_text(encoding="utf-8").lower()] == []
