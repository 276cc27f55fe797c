"""Segments in words: one function (analysis.segments) for the reports and the comparison views."""

from __future__ import annotations

import pytest

from replaylens.analysis import segments
from replaylens.analysis.segments import PLAIN, describe_filter, describe_segment
from replaylens.model.segment import AttrIn, DateRange, HasFinding, Segment, Tagged


def test_plain_words() -> None:
    assert describe_filter(AttrIn("user_type", ("new",), negate=True)) == "user type is not new"
    assert describe_filter(HasFinding("rage_click", min_count=2)) == "rage click at least 2×"
    assert describe_filter(DateRange("2026-01-01", None), PLAIN) == "started 2026-01-01 to …"
    assert describe_segment(Segment((Tagged("vip"),)), "VIPs") == "Segment “VIPs”: sessions where tagged vip"


def test_one_function_for_the_reports_and_the_comparison_views() -> None:
    pytest.importorskip("PySide6.QtWidgets")
    from replaylens.export import compare_pdf
    from replaylens.ui.compare import common

    assert common.describe_segment is segments.describe_segment
    assert not hasattr(compare_pdf, "describe_segment")  # no second copy
