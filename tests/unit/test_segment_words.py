"""Segments in words: one function (analysis.segments) for the reports, the comparison views and the Library
window's status bar; the window only brings its own labels."""

from __future__ import annotations

import pytest

from replaylens.analysis import segments
from replaylens.analysis.segments import PLAIN, describe_filter, describe_segment
from replaylens.model.segment import AttrIn, AttrRange, DateRange, HasFinding, ReachedGoal, Segment, Tagged


def test_plain_words() -> None:
    assert describe_filter(AttrIn("user_type", ("new",), negate=True)) == "user type is not new"
    assert describe_filter(HasFinding("rage_click", min_count=2)) == "rage click at least 2×"
    assert describe_filter(DateRange("2026-01-01", None), PLAIN) == "started 2026-01-01 to …"
    assert describe_segment(Segment((Tagged("vip"),)), "VIPs") == "Segment “VIPs”: sessions where tagged vip"


def test_the_library_window_uses_the_same_function_with_its_labels() -> None:
    pytest.importorskip("PySide6.QtWidgets")
    from replaylens.export import compare_pdf
    from replaylens.ui.compare import common
    from replaylens.ui.library import facets

    assert common.describe_segment is segments.describe_segment
    assert not hasattr(compare_pdf, "describe_segment")  # no second copy
    for f in (AttrIn("user_type", ("new",), negate=True), AttrRange("duration_ms", low=60_000),
              HasFinding("rage_click", min_count=2), ReachedGoal("deposit", reached=False)):
        assert facets.describe(f) == describe_filter(f, facets.WORDS)
    assert facets.describe(AttrIn("user_type", ("new",), negate=True)) == "Customer type is not New"
    assert facets.describe(AttrRange("duration_ms", low=60_000)) == "1:00 ≤ Length"  # lengths as m:ss
