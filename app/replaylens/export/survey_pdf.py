"""Survey pages in PDF reports: the "What they told us" page of a session report (when the session has answers)
and the tally report of ``survey tally --pdf`` (per question: counts, shares as bars with their 95 % Wilson
intervals; free-text themes and phrases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from replaylens.core.timefmt import fmt_ms
from replaylens.export.pdf_doc import MUTED, Doc, pdf_document

MATCH_WORDS = {"session_id": "by the session id the survey carried", "user_id": "by the customer's user id",
               "time_page": "by time and page (no id in the survey)", "none": "not matched"}
BAR, BAR_CI = QColor("#3b3fd8"), QColor("#14171f")


def _when(submitted_ms: int | None, start_ms: int, duration_ms: int) -> str:
    if submitted_ms is None:
        return "time not given"
    at = dt.datetime.fromtimestamp(submitted_ms / 1000, dt.UTC)
    rel = submitted_ms - start_ms
    if 0 <= rel <= duration_ms:
        return f"{at:%d %b %Y %H:%M} UTC, {fmt_ms(rel)[:-4]} into the session"
    m = (rel - duration_ms) // 60_000
    later = f"{m} min" if m < 120 else f"{m // 60} h" if m < 2880 else f"{m // 1440} days"
    if rel < 0:
        return f"{at:%d %b %Y %H:%M} UTC, before the session started"
    return f"{at:%d %b %Y %H:%M} UTC, {later} after the session ended"


def survey_page(d: Doc, responses: Sequence[dict[str, Any]], start_ms: int, duration_ms: int) -> None:
    """One page: each response's source, when, how it was matched (with the confidence) and its answers."""
    d.text("What they told us", 16, bold=True, gap=4)
    d.text(f"{len(responses)} survey response{'s' if len(responses) != 1 else ''} matched to this session. "
           "Personal data in free text was masked on import.", 10, color=MUTED, gap=8)
    for r in responses:
        d.rule()
        d.text(f"{str(r.get('source', '')).capitalize()} survey", 12, bold=True, gap=2)
        d.rows([("When", _when(r.get("submitted_ms"), start_ms, duration_ms)),
                ("Matched", f"{MATCH_WORDS.get(str(r.get('match')), r.get('match'))} · confidence "
                            f"{float(r.get('confidence', 0)):.0%}")], key_w=70)
        for q, a in dict(r.get("answers", {})).items():
            d.text(str(q), 10.5, bold=True, gap=1)
            d.text(f"“{a}”", 11.5, gap=6, indent=10 * d.pt)


def _bar_rows(d: Doc, rows: Sequence[dict[str, Any]], label_key: str) -> None:
    label_w, bar_w = d.rect.width() * 0.38, d.rect.width() * 0.42
    for row in rows:
        y0 = d.y
        d.text(str(row[label_key]), 10, gap=0)
        h = max(d.y - y0, 12 * d.pt)
        x0 = d.rect.left() + label_w
        d.p.fillRect(QRectF(x0, y0 + 2 * d.pt, bar_w, h - 4 * d.pt), QColor("#eceef4"))
        d.p.fillRect(QRectF(x0, y0 + 2 * d.pt, bar_w * float(row["share"]), h - 4 * d.pt), BAR)
        if row.get("low") is not None:
            d.p.setPen(BAR_CI)
            ymid = y0 + h / 2
            d.p.drawLine(int(x0 + bar_w * row["low"]), int(ymid), int(x0 + bar_w * row["high"]), int(ymid))
        d.y = y0
        text = f"{row['count']:,}  ·  {100 * row['share']:.0f} %"
        if row.get("low") is not None:
            text += f"  [{100 * row['low']:.0f}–{100 * row['high']:.0f}]"
        d.text(text, 9.5, color=MUTED, indent=label_w + bar_w + 6 * d.pt, gap=0)
        d.y = y0 + h + 2 * d.pt


def tally_pages(d: Doc, tally: dict[str, Any], title: str, new_page: Callable[[], object]) -> None:
    """The tally: a heading, then per question its bars (choices) or themes and phrases (free text)."""
    d.text("SURVEY TALLY", 9, bold=True, color=BAR, gap=2)
    d.text(title, 20, bold=True, gap=2)
    who = "every imported response" if tally.get("sessions") is None else f"the {tally['sessions']:,} sessions " \
                                                                          "of the filter"
    d.text(f"{tally['responses']:,} responses, over {who}. Bars: share of those who answered the question; the "
           "black line is the 95 % Wilson interval.", 10, color=MUTED, gap=8)
    for q in tally["questions"]:
        if d.y > d.rect.bottom() - 160 * d.pt:
            new_page()
        d.rule()
        d.text(f"{q['question']}  ({q['answered']:,} answered)", 12.5, bold=True, gap=4)
        if q["kind"] == "choice":
            _bar_rows(d, q["choices"], "value")
        else:
            d.text("Themes (keyword groups; edit them with `survey theme set`)", 10, color=MUTED, gap=2)
            _bar_rows(d, q["themes"], "theme")
            if q.get("phrases"):
                d.text("Most used phrases: " + ", ".join(f"{p['phrase']} ({p['count']})" for p in q["phrases"]),
                       9.5, gap=4)


def export_tally_report(tally: dict[str, Any], out: str | Path, *, title: str = "Survey answers") -> Path:
    """Write the tally PDF atomically; returns its path."""
    dest = Path(out)
    with pdf_document(dest, f"Replay Lens · {title}") as pdf:
        tally_pages(pdf.doc, tally, title, pdf.new_page)
    return dest
