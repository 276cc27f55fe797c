"""The comparison report as PDF (QPdfWriter, A4 portrait, real text): a cover naming the library, the segment
and the date; then, for each part given, a page with the comparison image (A's map, B's map, the difference) with
its sentence and n per side; a page with the funnel table per group and the step-by-step verdicts; a page with
the A/B result and its verdict. Every page has a footer with "page n of N". The figures are the ``analysis``
results as they are (``Comparison``, the funnel and A/B JSON); nothing is recomputed here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor

from replaylens import __version__
from replaylens.analysis.heatmaps.library import Comparison
from replaylens.export.pdf_doc import ACCENT, INK, MUTED, Doc, font, write_pages

KIND_WORDS = {"click": "Clicks", "move": "Pointer movement", "scroll": "Scroll reach"}
_STEP_WORDS = {"page": "Visited {}", "goal": "Reached the goal {}", "event": "Event {}", "click": "Clicked “{}”"}


def step_label(spec: str) -> str:
    """A funnel step in words: ``page:/kyc`` → "Visited /kyc", ``goal:deposit`` → "Reached the goal deposit"."""
    kind, _, pattern = spec.partition(":")
    return _STEP_WORDS[kind].format(pattern) if pattern and kind in _STEP_WORDS else spec


@dataclass
class ReportParts:
    """What goes in the report; any of the three parts may be missing (its page is left out)."""

    library: str
    segment: str = "All sessions"
    segment_sessions: int | None = None
    comparison: Comparison | None = None
    screenshot: bytes | None = None
    device: str | None = None
    funnel: dict[str, Any] | None = None
    abtest: dict[str, Any] | None = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.1f} %"


def _table(d: Doc, header: list[str], rows: list[list[str]], widths: list[float], pt: float = 9.0) -> None:
    """A plain table: bold header, one line per row, widths as shares of the page width."""
    total = d.rect.width()
    line = pt * 1.6 * d.pt
    for k, row in enumerate([header, *rows]):
        if d.y + line > d.rect.bottom():
            d.text("… (more rows in the application)", 8.5, color=MUTED)
            return
        x = d.rect.left()
        d.p.setFont(font(pt, bold=k == 0))
        d.p.setPen(INK if k else MUTED)
        for text, w in zip(row, widths, strict=True):
            box = QRectF(x, d.y, w * total - 4 * d.pt, line)
            align = Qt.AlignmentFlag.AlignLeft if x == d.rect.left() else Qt.AlignmentFlag.AlignRight
            elided = d.p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()))
            d.p.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), elided)
            x += w * total
        d.y += line
        if k == 0:
            d.p.fillRect(QRectF(d.rect.left(), d.y - 1 * d.pt, total, 0.8 * d.pt), QColor("#d9dce4"))


def _cover(d: Doc, r: ReportParts, pages: list[str]) -> None:
    d.text("COMPARISON REPORT", 9, bold=True, color=ACCENT, gap=2)
    d.text(f"Library {r.library}", 22, bold=True, gap=6)
    rows = [("Segment", r.segment), ("Created", f"{r.created:%Y-%m-%d %H:%M} UTC")]
    if r.segment_sessions is not None:
        rows.insert(1, ("Sessions", f"{r.segment_sessions:,} in the segment (n = {r.segment_sessions:,})"))
    d.rows(rows, key_w=80)
    d.rule()
    d.text("In this report", 12, bold=True)
    for i, title in enumerate(pages, 2):
        d.text(f"Page {i}: {title}", 10.5, gap=2)
    d.rule()
    d.text("How to read it: every figure shows n, the number of sessions it is built from. A difference is only "
           "called real after the minimum-sample guards and a correction for comparing many things at once "
           "(Benjamini–Hochberg for map areas and elements, Holm for funnel steps and variants). Intervals are "
           "95 % Wilson intervals.", 9.5, color=MUTED)
    d.text(f"Replay Lens {__version__}", 8.5, color=MUTED)


def _comparison_page(d: Doc, r: ReportParts) -> None:
    c = r.comparison
    assert c is not None
    m = c.map_a
    d.text(f"{KIND_WORDS.get(m.kind, m.kind)} on {m.page_title or m.page_url}", 16, bold=True, gap=2)
    where = m.page_url + (f" · {r.device}" if r.device else " · all devices")
    d.text(where, 9.5, color=MUTED)
    d.rows([("Group A", f"{c.label_a} · n = {c.diff.n_a:,} sessions"),
            ("Group B", f"{c.label_b} · n = {c.diff.n_b:,} sessions"),
            ("Areas compared", f"{c.diff.tested:,} ({int(c.diff.significant.sum()):,} differ reliably)")], key_w=90)
    d.text(c.sentence, 11.5, bold=True, gap=4)
    for w in (c.map_a.extra.get("warning"), c.map_b.extra.get("warning")):
        if w:
            d.text(f"Warning: {w}", 10, color=QColor("#b45309"))
    elements = [e for e in c.elements if e["significant"]][:6]
    reserve = (len(elements) + 3) * 16 * d.pt if c.elements else 0
    _panels(d, c, r.screenshot, max_h=max(d.rect.bottom() - d.y - reserve, 200 * d.pt))
    if c.elements:
        d.text("Elements clicked more often by one group (after Benjamini–Hochberg)" if elements else
               "No clicked element differs reliably between the groups.", 10.5, bold=True, gap=2)
        _table(d, ["Element", c.label_a, c.label_b, "p (adjusted)"],
               [[e["label"], _pct(e["share_a"]), _pct(e["share_b"]), f"{e['p_adjusted']:.2g}"] for e in elements],
               [0.55, 0.15, 0.15, 0.15])


def _panels(d: Doc, c: Comparison, screenshot: bytes | None, max_h: float) -> None:
    """A's map, B's map and the difference side by side, each under its own label with n."""
    from replaylens.render.heatmap import base_image, blend, render
    from replaylens.render.heatmap_compare import diff_overlay
    from replaylens.render.image import to_qimage

    base, _ = base_image(c.map_a, screenshot)
    h, w = base.shape[:2]
    images = [to_qimage(render(c.map_a, screenshot)), to_qimage(render(c.map_b, screenshot)),
              to_qimage(blend(base, diff_overlay(c, w, h)))]
    labels = [f"A: {c.label_a} (n = {c.diff.n_a:,})", f"B: {c.label_b} (n = {c.diff.n_b:,})", "Difference A − B"]
    gap = 6 * d.pt
    col_w = (d.rect.width() - 2 * gap) / 3
    label_h = 14 * d.pt
    img_h = min(max_h - label_h - 30 * d.pt, max(col_w * im.height() / max(im.width(), 1) for im in images))
    for i, (img, label) in enumerate(zip(images, labels, strict=True)):
        x = d.rect.left() + i * (col_w + gap)
        d.p.setFont(font(9, bold=True))
        d.p.setPen(INK)
        d.p.drawText(QRectF(x, d.y, col_w, label_h), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                     d.p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(col_w)))
        scale = min(col_w / max(img.width(), 1), img_h / max(img.height(), 1))
        target = QRectF(x, d.y + label_h, img.width() * scale, img.height() * scale)
        d.p.drawImage(target, img, QRectF(img.rect()))
        d.p.setPen(QColor("#c9ccd6"))
        d.p.drawRect(target)
    d.y += label_h + img_h + 4 * d.pt
    d.text("Difference: orange where A clicked (or rested, or reached) more often, blue where B did; grey areas "
           "were compared and do not differ reliably (Benjamini–Hochberg, q = 0.05).", 8.5, color=MUTED, gap=6)


def _funnel_page(d: Doc, r: ReportParts) -> None:
    f = r.funnel
    assert f is not None
    d.text("Funnel", 16, bold=True, gap=2)
    within = f.get("within_ms")
    steps = " → ".join(step_label(s) for s in f["steps"])
    d.text(steps + (f" · within {within / 60000:g} min" if within else ""), 9.5, color=MUTED)
    for g in f["groups"]:
        d.text(f"{g.get('label', g['name'])} · n = {g['sessions']:,} sessions", 11.5, bold=True, gap=2)
        rows = [[step_label(st["step"]), f"{st['entered']:,}", f"{st['converted']:,}", _pct(st["rate"]),
                 f"{_pct(st['ci95'][0])} – {_pct(st['ci95'][1])}", _pct(st["rate_from_start"]),
                 f"{len(st['dropped']):,}"] for st in g["steps"]]
        _table(d, ["Step", "Entered", "Went on", "Rate", "95 % interval", "From start", "Dropped"], rows,
               [0.32, 0.09, 0.09, 0.09, 0.17, 0.12, 0.12])
        for st in g["steps"]:
            if st.get("findings_sentence"):
                said = str(st["findings_sentence"]).replace(f"at {st['step']} ", f"at {step_label(st['step'])} ")
                d.text(said, 9, color=MUTED, gap=1)
        d.y += 6 * d.pt
    if f["comparisons"]:
        d.text("Do the groups differ? (step by step, Holm-corrected over the steps)", 11.5, bold=True, gap=2)
        for c in f["comparisons"]:
            verdict = "differs reliably" if c["significant"] else "no reliable difference"
            d.text(f"{step_label(c['step'])}: {c['a']} {_pct(c['rate_a'])} vs {c['b']} {_pct(c['rate_b'])} — {verdict} "
                   f"(p = {c['p_adjusted']:.2g} after correction)", 9.5, gap=1)


def _abtest_page(d: Doc, r: ReportParts) -> None:
    a = r.abtest
    assert a is not None
    d.text(f"A/B test · {step_label(a.get('goal', ''))} · groups by {a.get('by', '')}", 16, bold=True, gap=6)
    d.text(a["verdict"], 14, bold=True, color=ACCENT, gap=8)
    rows = [[g.get("label", g["name"]), f"{g['sessions']:,}", f"{g['conversions']:,}", _pct(g["rate"]),
             f"{_pct(g['ci95'][0])} – {_pct(g['ci95'][1])}"] for g in a["groups"]]
    _table(d, ["Group", "Sessions (n)", "Converted", "Rate", "95 % interval"], rows, [0.3, 0.16, 0.16, 0.14, 0.24])
    d.y += 8 * d.pt
    for c in a["comparisons"]:
        d.text(f"{c['variant']} against {c['control']}", 11.5, bold=True, gap=2)
        lo, hi = c["ci95_abs"]
        rel = c["ci95_rel"]
        srm = c["srm_p"]
        needed = c["sessions_needed_per_group"]
        d.rows([
            ("Lift", f"{_signed(c['lift_abs'], 'pts')} absolute ({_signed(lo, 'pts')} to {_signed(hi, 'pts')}); "
                     f"{_signed(c['lift_rel'])} relative"
                     + (f" ({_signed(rel[0])} to {_signed(rel[1])})" if rel else "")),
            ("p-value", f"{c['p_value']:.3g} ({c['p_adjusted']:.3g} after Holm's correction)"),
            ("Chance better", f"{_pct(c['prob_better'])} that {c['variant']} converts better than {c['control']}"),
            ("Enough data?", "yes: every group has ≥ 50 sessions and ≥ 5 conversions" if c["guards_met"] else
             "not yet: each group needs ≥ 50 sessions and ≥ 5 conversions"),
            ("Split check", "not checked (no intended split given)" if srm is None else
             (f"p = {srm:.2g}: " + ("the groups are not split as intended" if srm < 0.001 else "as intended"))),
            ("Sessions needed", "n/a" if needed is None else
             f"{needed:,} per group to see a {a.get('mde', 0.1):.0%} lift ({c['more_sessions_needed']:,} more)"),
        ], key_w=95)
        d.y += 4 * d.pt


def _signed(v: float | None, unit: str = "%") -> str:
    if v is None:
        return "n/a"
    return f"{v * 100:+.1f} {unit}"


def page_titles(r: ReportParts) -> list[str]:
    """The titles of the pages after the cover, in order."""
    out = []
    if r.comparison is not None:
        out.append(f"{KIND_WORDS.get(r.comparison.map_a.kind, '')} compared: {r.comparison.label_a} vs "
                   f"{r.comparison.label_b}")
    if r.funnel is not None:
        out.append("Funnel")
    if r.abtest is not None:
        out.append("A/B test")
    return out


def write_comparison_report(r: ReportParts, out: str | Path,
                            progress: Callable[[float], None] | None = None) -> Path:
    """Write the PDF atomically; returns its path. Raises ValueError when there is nothing to report."""
    drawers: list[Callable[[Doc, ReportParts], None]] = []
    if r.comparison is not None:
        drawers.append(_comparison_page)
    if r.funnel is not None:
        drawers.append(_funnel_page)
    if r.abtest is not None:
        drawers.append(_abtest_page)
    if not drawers:
        raise ValueError("nothing to report: give a comparison, a funnel or an A/B test")
    titles = page_titles(r)

    def page(draw: Callable[[Doc, ReportParts], None]) -> Callable[[Doc], None]:
        return lambda d: draw(d, r)

    pages = [lambda d: _cover(d, r, titles), *(page(draw) for draw in drawers)]
    return write_pages(Path(out), f"Replay Lens comparison report · {r.library}", pages,
                       f"Replay Lens comparison report · {r.library}", progress)
