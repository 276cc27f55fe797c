"""Scroll reach on real data: 598 readers x 2 texts (Gooding et al., CoNLL 2021; ../shared/data/readability-scroll),
checked against a plain per-reader, per-depth Python count. The dataset has no viewport size, so a 700 px tall
viewport is assumed (a laptop browser window); reach is about the deepest scroll offset + that height."""

from __future__ import annotations

import ast
import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from test_heatmap_model import mem_session  # pytest puts tests/unit on sys.path (rootdir-less modules)

from replaylens.analysis.heatmaps.session import compute_heatmap
from replaylens.core.heatmap_kinds import group_max, reach_profile
from replaylens.model.manifest import Page

VIEWPORT_H = 700
pytestmark = pytest.mark.shared


def _readings(shared_data: Path) -> dict[str, list[tuple[list[int], list[float]]]]:
    """text name -> [(event times ms, scrollY offsets px) per reader]; lists are Python literals in CSV cells."""
    path = shared_data / "readability-scroll" / "scroll_readability_dataset.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    out: dict[str, list[tuple[list[int], list[float]]]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for level in ("elementary", "advanced"):
                times = [int(v) for v in ast.literal_eval(row[f"{level}_reading_event_ms"] or "[]")]
                offsets = [float(v) for v in ast.literal_eval(row[f"{level}_reading_scroll_event"] or "[]")]
                if offsets:
                    out[row[f"{level}_text"]].append((times, offsets))
    return out


def _by_hand(readers: list[tuple[list[int], list[float]]], depths: list[float]) -> list[float]:
    deepest = [max(offsets) + VIEWPORT_H for _, offsets in readers]
    return [sum(1 for b in deepest if b >= d) / len(deepest) for d in depths]


def test_reach_kernel_matches_a_plain_count_on_every_text(shared_data: Path) -> None:
    texts = _readings(shared_data)
    assert len(texts) == 60 and sum(len(r) for r in texts.values()) == 2 * 598
    # all readings as one long event table (reader id per event), as the kernels see sessions
    reader_ids, bottoms_per_event, text_of_reader = [], [], []
    for text, readers in texts.items():
        for _, offsets in readers:
            reader_ids += [len(text_of_reader)] * len(offsets)
            bottoms_per_event += [o + VIEWPORT_H for o in offsets]
            text_of_reader.append(text)
    ids, bottoms = group_max(np.array(reader_ids), np.array(bottoms_per_event))
    assert len(ids) == 2 * 598
    text_arr = np.array(text_of_reader)[ids]
    for text, readers in texts.items():
        depth_max = max(max(o) for _, o in readers) + VIEWPORT_H
        depths = list(np.arange(0.0, depth_max + 40, 10.0))
        reach = reach_profile(bottoms[text_arr == text], np.array(depths))
        assert reach.tolist() == _by_hand(readers, depths), text
        assert (np.diff(reach) <= 0).all() and reach[0] == 1.0 and reach[-1] == 0.0
    # the data say something real: not everybody reaches the end of the longest texts
    longest = max(texts, key=lambda t: max(max(o) for _, o in texts[t]))
    assert 0 < reach_profile(bottoms[text_arr == longest], np.array([2000.0]))[0] < 1


def test_scroll_map_over_sessions_matches_the_plain_count(shared_data: Path) -> None:
    texts = _readings(shared_data)
    text = max(texts, key=lambda t: len(texts[t]))  # the most-read text (31 readers)
    readers = texts[text]
    height = int(max(max(o) for _, o in readers) + VIEWPORT_H)
    page = [Page(f"https://reader.example/{text}?participant=x", text, None, 800, height)]
    sessions = [mem_session({"t": [0, *times], "kind": ["navigate"] + ["scroll"] * len(times),
                             "page": [0] * (len(times) + 1), "scroll_y": [0.0, *offsets]},
                            page, viewport=(800, VIEWPORT_H)) for times, offsets in readers]
    try:
        r = compute_heatmap(sessions, "scroll", page=0, cell=10)
        depths = list((np.arange(r.grid.shape[0]) + 0.5) * 10)
        assert r.profile is not None and r.sessions_used == len(readers) == 31
        assert r.profile.tolist() == _by_hand(readers, depths)
        assert r.fold_y == VIEWPORT_H
        att = compute_heatmap(sessions, "attention", page=0, cell=10)
        assert att.profile is not None and att.profile[0] > 0
    finally:
        for s in sessions:
            s.close()
