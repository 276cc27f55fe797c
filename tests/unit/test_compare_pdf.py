"""The comparison report PDF, read back with QtPdf: a cover naming the library, the segment and the date, then a
page per part (comparison, funnel, A/B) carrying the figures and sentences of the analysis results; the
``comparison-report`` command writes the same report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from compare_library import build

from replaylens.analysis.experiments import abtest, funnel, parse_step
from replaylens.analysis.heatmaps.library import compare
from replaylens.analysis.segments import describe_segment
from replaylens.cli import main
from replaylens.export.compare_pdf import ReportParts, step_label, write_comparison_report
from replaylens.model.segment import AttrIn, AttrRange, HasFinding, ReachedGoal, Segment, Tagged
from replaylens.store.library import open_library

STEPS = ["page:/", "click:get started", "page:/kyc", "goal:deposit"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pdf") / "lib"
    build(root, 500, deposit_a=0.12, lift=0.6)
    return root


def _pages(path: Path) -> list[str]:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    return [" ".join(doc.getAllText(i).text().split()) for i in range(doc.pageCount())]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_report_has_cover_comparison_funnel_and_abtest(qapp, planted: Path, tmp_path: Path) -> None:
    with open_library(planted, read_only=True) as lib:
        seg = Segment((AttrIn("device_class", ("desktop",)),))
        c = compare(lib, seg, "campaign", "songkran", "organic", "/", "click", device="desktop", cell=64)
        f = funnel(lib, seg, [parse_step(s) for s in STEPS], by="variant")
        a = abtest(lib, seg, "variant", parse_step("goal:deposit"), control="A", split=[0.5, 0.5])
        n = lib.count(seg)
    when = dt.datetime(2026, 4, 13, 9, 30, tzinfo=dt.UTC)
    parts = ReportParts("lib", describe_segment(seg, "desktop only"), n, comparison=c, device="desktop", funnel=f,
                        abtest=a, created=when)
    out = write_comparison_report(parts, tmp_path / "report.pdf")
    pages = _pages(out)
    assert len(pages) == 4
    assert all(f"Page {i + 1} of 4" in p for i, p in enumerate(pages))
    cover = pages[0]
    assert "Library lib" in cover and "Segment “desktop only”: sessions where device class is desktop" in cover
    assert "2026-04-13 09:30 UTC" in cover and f"n = {n:,}" in cover
    assert "Page 2: Clicks compared: songkran vs organic" in cover and "Page 4: A/B test" in cover
    cmp_page = pages[1]
    assert f"songkran · n = {c.diff.n_a:,} sessions" in cmp_page
    assert f"organic · n = {c.diff.n_b:,} sessions" in cmp_page
    assert _flat(c.sentence) in cmp_page
    assert "Songkran: no fees on your first deposit" in cmp_page  # the element whose click share differs
    fun = pages[2]
    for g in f["groups"]:
        assert f"{g['name']} · n = {g['sessions']:,} sessions" in fun
        for st in g["steps"]:
            assert f"{step_label(st['step'])} {st['entered']:,} {st['converted']:,} {st['rate'] * 100:.1f} %" in fun
    assert "Holm" in fun and f"{step_label(STEPS[1])}: A" in fun
    ab = pages[3]
    assert _flat(a["verdict"]) in ab
    for g in a["groups"]:
        assert f"{g['name']} {g['sessions']:,} {g['conversions']:,} {g['rate'] * 100:.1f} %" in ab
    assert "Split check" in ab and f"{a['comparisons'][0]['sessions_needed_per_group']:,} per group" in ab
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_parts_are_optional_and_nothing_is_refused(qapp, planted: Path, tmp_path: Path) -> None:
    with open_library(planted, read_only=True) as lib:
        a = abtest(lib, None, "variant", parse_step("goal:staked"))
    pages = _pages(write_comparison_report(ReportParts("lib", abtest=a), tmp_path / "ab.pdf"))
    assert len(pages) == 2 and "Page 2: A/B test" in pages[0] and "Funnel" not in pages[0]
    assert _flat(a["verdict"]) in pages[1]
    with pytest.raises(ValueError, match="nothing to report"):
        write_comparison_report(ReportParts("lib"), tmp_path / "empty.pdf")
    assert not (tmp_path / "empty.pdf").exists()


def test_segment_in_words() -> None:
    assert describe_segment(None) == "All sessions"
    seg = Segment((AttrIn("user_type", ("new", "returning")), AttrRange("balance", low=100), ReachedGoal("deposit",
                   reached=False), HasFinding("rage_click"), Tagged("vip", negate=True)))
    assert describe_segment(seg) == ("Sessions where user type is new or returning and 100 ≤ balance and did not "
                                     "reach the goal deposit and rage click and not tagged vip")
    assert step_label("page:/kyc") == "Visited /kyc" and step_label("goal:deposit") == "Reached the goal deposit"
    assert step_label("odd") == "odd"


def test_cli_comparison_report(qapp, planted: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.pdf"
    args = ["comparison-report", "--library", str(planted), "--filter", "device_class=desktop", "--out", str(out),
            "--by", "campaign", "--a", "songkran", "--b", "organic", "--page", "/", "--device", "desktop",
            "--goal", "deposit", "--split", "50/50"]
    for s in STEPS:
        args += ["--step", s]
    assert main(args) == 0
    assert "4 pages" in capsys.readouterr().out
    pages = _pages(out)
    assert len(pages) == 4 and "Segment Sessions where device class is desktop" in pages[0]
    assert main(["comparison-report", "--library", str(planted), "--by", "campaign", "--out", str(out)]) == 2
    assert main(["comparison-report", "--library", str(planted), "--out", str(out)]) == 2
