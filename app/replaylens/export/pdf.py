"""A PDF report of one session (for compliance files and design reviews), written with QPdfWriter.

A4 portrait. Page 1: title, session facts, segment attributes, metrics, the visited pages and a small picture of
the first page. Then, when survey answers are given (a library session), a "What they told us" page
(``export.survey_pdf``); then one page per finding (when the analysis module exists) and per annotation: heading, when,
where (page URL, target element), the note, and the annotated replay frame. Every page has a footer with the
session id and "page n of N". Text is real PDF text (searchable, copyable); pictures are the same renders as the
PNG export, with redactions burned in before they reach the PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF

from replaylens import __version__
from replaylens.core.timefmt import fmt_ms
from replaylens.export.pdf_doc import ACCENT, MUTED, Doc, write_pages
from replaylens.export.png import page_time, render_full_page, render_view
from replaylens.model.annotations import Annotation, AnnotationSet
from replaylens.model.session import Session
from replaylens.render.context import (
    FindingView,
    Progress,
    analysis_findings,
    finding_views,
    make_renderer,
    session_findings,
)
from replaylens.render.frame import FrameRenderer

if TYPE_CHECKING:  # the analysis is optional (see context.findings_available)
    from replaylens.model.friction_settings import FrictionSettings

KIND_TITLES = {"arrow": "Arrow", "rect": "Rectangle", "ellipse": "Ellipse", "text": "Note", "step": "Step",
               "highlight": "Highlight", "redact_solid": "Redaction", "redact_blur": "Redaction (pixelated)"}


#: Annotations whose moments (``Annotation.export_time``) lie within this of the first of a group, on the same
#: page, share one report page: marks drawn together are one picture, not a page each.
GROUP_MS = 1000


@dataclass(frozen=True)
class ReportItem:
    """One page after the cover: a finding, or a group of annotations drawn at the same moment, with its picture
    time."""

    heading: str
    start_ms: int
    end_ms: int
    page: int
    target: str | None
    note: str
    annotation: Annotation | None = None  # the first of ``group``
    t: float | None = None  # frame time; None = full page picture
    group: tuple[tuple[str, Annotation], ...] = ()  # (label "Annotation n of N · Kind", annotation)


def group_annotations(items: list[Annotation], within_ms: int = GROUP_MS) -> list[list[Annotation]]:
    """Annotations by the moment they show (export_time, then drawing order), in groups of the same page whose
    moments are within ``within_ms`` of the group's first."""
    order = sorted(range(len(items)), key=lambda i: (items[i].export_time(), i))
    groups: list[list[Annotation]] = []
    for i in order:
        a = items[i]
        g = groups[-1] if groups else None
        if g is not None and g[0].page == a.page and a.export_time() - g[0].export_time() <= within_ms:
            g.append(a)
        else:
            groups.append([a])
    return groups


def _kind_title(a: Annotation) -> str:
    return f"Step {a.step}" if a.kind == "step" else KIND_TITLES.get(a.kind, a.kind)


def report_items(session: Session, annotations: AnnotationSet | None, renderer: FrameRenderer,
                 include_findings: bool = True, findings: list[Any] | None = None) -> list[ReportItem]:
    """The pages after the cover, in order: findings by time (``findings`` as analysed, else the default preset's),
    then the annotations by time, one page per group drawn at the same moment (``group_annotations``)."""
    out: list[ReportItem] = []
    finds: list[FindingView] = (finding_views(findings) if findings is not None else session_findings(session)) \
        if include_findings else []
    for i, f in enumerate(finds, 1):
        out.append(ReportItem(f"Finding {i} of {len(finds)} · {f.title}", f.start_ms, f.end_ms, f.page,
                              f.element or f.target, f.note, t=f.export_time()))
    items = list(annotations or [])
    n = 0
    for group in group_annotations(items):
        labelled = tuple((f"Annotation {n + k} of {len(items)} · {_kind_title(a)}", a) for k, a in enumerate(group, 1))
        n += len(group)
        a = group[0]
        t = page_time(renderer, a.page, min(x.t_start_ms for x in group), max(x.t_end_ms for x in group),
                      a.export_time())
        if len(group) == 1:
            heading, note = labelled[0][0], a.text
        else:
            heading = f"Annotations {n - len(group) + 1}–{n} of {len(items)} · drawn at {fmt_ms(a.export_time())}"
            note = ""
        out.append(ReportItem(heading, min(x.t_start_ms for x in group), max(x.t_end_ms for x in group), a.page,
                              None, note, annotation=a, t=t, group=labelled if len(group) > 1 else ()))
    return out


def _metrics(session: Session, renderer: FrameRenderer, n_findings: int, n_notes: int) -> list[tuple[str, str]]:
    c = session.arrays.counts()
    rage = int((renderer.index.cflag & 2).astype(bool).sum())
    return [("Clicks", f"{c.get('click', 0) + c.get('dblclick', 0):,}  ({rage:,} in rage bursts)"),
            ("Inputs", f"{c.get('input', 0):,} (values masked)"), ("Scrolls", f"{c.get('scroll', 0):,}"),
            ("Errors", f"{c.get('error', 0):,}"), ("Findings", f"{n_findings:,}"), ("Annotations", f"{n_notes:,}"),
            ("Events", f"{len(session.arrays):,}")]


def _cover(d: Doc, session: Session, renderer: FrameRenderer, items: list[ReportItem], title: str,
           annotations: AnnotationSet | None = None) -> None:
    m = session.manifest
    d.text("SESSION REPORT", 9, bold=True, color=ACCENT, gap=2)
    d.text(title or (m.site or "Recorded session"), 24, bold=True, gap=2)
    started = dt.datetime.fromtimestamp(m.start_epoch_ms / 1000, dt.UTC)
    d.text(f"Recorded {started:%d %B %Y, %H:%M} UTC · {fmt_ms(session.duration_ms)} long", 11, color=MUTED, gap=10)
    vw, vh = m.viewport_width or 1280, m.viewport_height or 800
    # the thumbnail shows no marks, but every redaction covering its moment is burned in
    hide = AnnotationSet([a for a in annotations or [] if a.is_redaction])
    thumb = render_view(session, 0.0, width=640, height=int(640 * vh / vw), caption=False, renderer=renderer, trail_s=0,
                        annotations=hide)
    top = d.y
    d.image(thumb, width=d.rect.width() * 0.42)
    after_thumb = d.y
    d.y = top
    saved = d.rect
    d.rect = QRectF(saved.left() + saved.width() * 0.46, saved.top(), saved.width() * 0.54, saved.height())
    d.rows([("Session", m.session_id), ("File", session.path.name), ("Site", m.site or "—"),
            ("Duration", fmt_ms(session.duration_ms)),
            ("Viewport", f"{m.viewport_width}×{m.viewport_height} @ {m.device_pixel_ratio:g}x"),
            ("Pages", str(len(session.pages)))], key_w=62)
    d.rect = saved
    d.y = max(d.y, after_thumb)
    if m.attributes:
        d.rule()
        d.text("Segment", 12, bold=True)
        d.rows(sorted(m.attributes.items()))
    d.rule()
    d.text("Metrics", 12, bold=True)
    n_find = sum(1 for i in items if i.annotation is None)
    d.rows(_metrics(session, renderer, n_find, sum(max(len(i.group), 1) for i in items if i.annotation is not None)))
    d.rule()
    d.text("Pages visited", 12, bold=True)
    for i, pg in enumerate(session.pages):
        d.text(f"{i + 1}. {pg.title or 'Untitled'} — {pg.url}", 9.5, gap=2)
    d.rule()
    shown = session.manifest.source.get("input_values") == "non-secret shown"
    values = ("Non-secret input values are shown as recorded; secret fields are masked" if shown
              else "Input values are masked")
    d.text(f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by Replay Lens {__version__}. {values}; "
           "redacted areas are burned into every picture.", 8.5, color=MUTED)


def _item_page(d: Doc, session: Session, renderer: FrameRenderer, item: ReportItem,
               annotations: AnnotationSet | None, findings: list[Any]) -> None:
    d.text(item.heading, 16, bold=True, gap=4)
    url = session.pages[item.page].url if 0 <= item.page < len(session.pages) else "?"
    rows = [("When", f"{fmt_ms(item.start_ms)} – {fmt_ms(item.end_ms)}"), ("Page", url)]
    if item.target:
        rows.append(("Element", item.target))
    d.rows(rows, key_w=70)
    if item.note:
        d.y += 4 * d.pt
        d.text(item.note, 11.5, gap=6)
    for label, a in item.group:  # a group: each annotation with its note
        d.text(f"{label}: {a.text}" if a.text else label, 10.5, gap=3)
    d.y += 4 * d.pt
    if item.t is None:
        img = render_full_page(session, item.page, annotations=annotations, renderer=renderer)
    else:
        img = render_view(session, item.t, annotations=annotations, renderer=renderer, label=item.heading,
                          findings=findings)
    d.image(img, max_h=d.rect.bottom() - d.y - 24 * d.pt)


def export_report(session: Session, out: str | Path, *, annotations: AnnotationSet | None = None,
                  title: str = "", include_findings: bool = True, renderer: FrameRenderer | None = None,
                  progress: Progress | None = None, settings: FrictionSettings | None = None,
                  survey: Sequence[dict[str, Any]] | None = None) -> Path:
    """Write the PDF report atomically; returns its path. ``progress(fraction)`` after each page. Findings are
    analysed with ``settings`` (the user's friction preset; the default preset when None) and highlighted in
    every picture, as in the viewer. ``survey``: the session's survey responses (``LibraryStore.survey_responses``),
    on their own page after the cover."""
    from replaylens.export.survey_pdf import survey_page

    r = renderer or make_renderer(session)
    raw = analysis_findings(session, settings) if include_findings else []
    items = report_items(session, annotations, r, include_findings, findings=raw)
    pages: list[Callable[[Doc], None]] = [lambda d: _cover(d, session, r, items, title, annotations)]
    if survey:
        pages.append(lambda d: survey_page(d, list(survey or ()), session.manifest.start_epoch_ms,
                                           session.duration_ms))

    def item_page(it: ReportItem) -> Callable[[Doc], None]:
        return lambda d: _item_page(d, session, r, it, annotations, raw)

    pages += [item_page(it) for it in items]
    return write_pages(Path(out), f"Replay Lens report · {session.manifest.session_id}", pages,
                       f"Replay Lens · session {session.manifest.session_id}", progress)
