"""The one PDF document helper (export.pdf_doc) behind the session report, the comparison report and the survey
tally: A4 pages with a footer each, written atomically, text kept as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtGui")

from replaylens.export.pdf_doc import Doc, pdf_document, write_pages
from replaylens.export.survey_pdf import export_tally_report


def _pages(pdf: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_one_page_per_drawer_and_progress(tmp_path: Path) -> None:
    seen: list[float] = []

    def page(text: str):
        return lambda d: d.text(text, 12)

    out = write_pages(tmp_path / "r.pdf", "Title", [page("one"), page("two"), page("three")], "footer", seen.append)
    assert out.read_bytes()[:5] == b"%PDF-" and _pages(out) == 3
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_a_failing_page_leaves_no_file(tmp_path: Path) -> None:
    def broken(_d: Doc) -> None:
        raise RuntimeError("drawer failed")

    dest = tmp_path / "r.pdf"
    with pytest.raises(RuntimeError):
        write_pages(dest, "Title", [lambda d: d.text("ok", 12), broken], "footer")
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_new_page_starts_at_the_top_of_the_body(tmp_path: Path) -> None:
    with pdf_document(tmp_path / "r.pdf", "Title") as pdf:
        top = pdf.doc.y
        pdf.doc.text("a line", 12)
        assert pdf.doc.y > top
        assert pdf.new_page() is pdf.doc and pdf.doc.y == top
        assert pdf.body.bottom() < pdf.page_rect.bottom()  # room for the footer band
    assert _pages(tmp_path / "r.pdf") == 2


def test_survey_tally_pdf(tmp_path: Path) -> None:
    choices = [{"value": f"Choice {i}", "count": 10 - i, "share": (10 - i) / 55, "low": 0.01, "high": 0.3}
               for i in range(10)]
    tally = {"responses": 55, "sessions": None,
             "questions": [{"question": f"Question {k}?", "answered": 55, "kind": "choice", "choices": choices}
                           for k in range(6)]}
    out = export_tally_report(tally, tmp_path / "tally.pdf")
    assert out.read_bytes()[:5] == b"%PDF-" and _pages(out) >= 2  # six questions of ten bars do not fit on one
