"""Still pictures of a session: the current view, a whole page, and one picture per finding/annotation.

Every picture comes from ``FrameRenderer`` (what the viewer shows) with the annotations burned in, and gets a
caption strip *below* the frame (session id, time, page URL), so the caption never hides page content.
Functions return QImages (the UI copies them to the clipboard) or write PNGs atomically.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from replaylens.core.timefmt import fmt_ms
from replaylens.errors import BadInputError
from replaylens.export.output import save_image
from replaylens.model.annotations import AnnotationSet
from replaylens.model.session import Session
from replaylens.render.annotations_paint import annotation_overlay, paint_annotations
from replaylens.render.context import FindingView, Progress, analysis_findings, finding_views, make_renderer
from replaylens.render.frame import FrameGeometry, FrameOptions, FrameRenderer

if TYPE_CHECKING:  # the analysis is optional (see context.findings_available)
    from replaylens.model.friction_settings import FrictionSettings

CAPTION_PX = 34
MAX_PAGE_PX = 16_000  # full-page pictures taller than this are scaled down (viewers and PDF pages choke on more)
MAX_PAGE_PIXELS = 40_000_000  # and larger in area than this (160 MB as ARGB32): a hostile wide page stays bounded
BACKGROUND = QColor("#2b2f3a")


class ViewOptions(TypedDict, total=False):
    """The keyword arguments of ``render_view``, for ``export_view_png``."""

    width: int | None
    height: int | None
    annotations: AnnotationSet | None
    heatmap: QImage | None
    trail_s: float
    caption: bool
    options: FrameOptions | None
    renderer: FrameRenderer | None
    label: str
    findings: list[Any] | None


class FullPageOptions(TypedDict, total=False):
    """The keyword arguments of ``render_full_page``, for ``export_full_page_png``."""

    annotations: AnnotationSet | None
    heatmap: QImage | None
    heatmap_opacity: float
    caption: bool
    max_height: int
    renderer: FrameRenderer | None
    label: str


def _caption_font() -> QFont:
    f = QFont()
    f.setPixelSize(13)
    return f


def paint_caption(p: QPainter, strip: QRectF, session: Session, page: int, t: float | None,
                  label: str = "") -> None:
    """The strip under a picture: session id · time · page URL on the left, ``label`` on the right."""
    p.save()
    p.fillRect(strip, QColor("#141a2e"))
    p.setFont(_caption_font())
    url = session.pages[page].url if 0 <= page < len(session.pages) else ""
    parts = [f"Session {session.manifest.session_id}"] + ([fmt_ms(t)] if t is not None else []) + [url]
    text = "  ·  ".join(parts)
    right = label or "Replay Lens"
    fm = p.fontMetrics()
    rw = fm.horizontalAdvance(right) + 24
    p.setPen(QColor("#9aa3b8"))
    p.drawText(strip.adjusted(12, 0, -12, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight), right)
    p.setPen(QColor("#ffffff"))
    p.drawText(strip.adjusted(12, 0, -rw, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
               fm.elidedText(text, Qt.TextElideMode.ElideMiddle, int(strip.width() - rw - 12)))
    p.restore()


def render_view(session: Session, t: float, *, width: int | None = None, height: int | None = None,
                annotations: AnnotationSet | None = None, heatmap: QImage | None = None, trail_s: float = 3.0,
                caption: bool = True, options: FrameOptions | None = None, renderer: FrameRenderer | None = None,
                label: str = "", findings: list[Any] | None = None) -> QImage:
    """The replay frame at ``t`` (``width``×``height``, default the recorded viewport) plus a caption strip below.
    ``options`` overrides the frame options (zoom, pan, mode, findings) of the view being exported; ``findings``
    (analysis findings) are highlighted as in the viewer."""
    r = renderer or make_renderer(session)
    w = int(width or session.manifest.viewport_width or 1280)
    h = int(height or session.manifest.viewport_height or 800)
    opts = FrameOptions(**{**(options.__dict__ if options else {}), "caption": False})
    if options is None:
        opts.trail_s = trail_s
    if heatmap is not None:
        opts.heatmap = heatmap
    if findings is not None:
        opts.findings = list(findings)
    if annotations is not None:
        opts.overlays = [*opts.overlays, annotation_overlay(annotations)]
    img = QImage(w, h + (CAPTION_PX if caption else 0), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(BACKGROUND)
    p = QPainter(img)
    try:
        g = r.paint(p, QRectF(0, 0, w, h), t, opts)
        if caption:
            paint_caption(p, QRectF(0, h, w, CAPTION_PX), session, g.page, t, label)
    finally:  # a painter left active on a dying image crashes Qt (SIGSEGV) instead of raising
        p.end()
    return img


def render_full_page(session: Session, page: int, *, annotations: AnnotationSet | None = None,
                     heatmap: QImage | None = None, heatmap_opacity: float = 0.7, caption: bool = True,
                     max_height: int = MAX_PAGE_PX, renderer: FrameRenderer | None = None, label: str = "") -> QImage:
    """The whole page screenshot (1 image px per CSS px, scaled down past ``max_height``) with every annotation of
    the page whatever its time range, the optional heatmap, and the caption strip."""
    if not 0 <= page < len(session.pages):
        raise BadInputError(session.path, f"there is no page {page} (the session has {len(session.pages)})")
    r = renderer or make_renderer(session)
    pw, ph = r.images.page_size(page)
    s = min(1.0, max_height / max(ph, 1.0), (MAX_PAGE_PIXELS / max(pw * ph, 1.0)) ** 0.5)
    w, h = max(1, round(pw * s)), max(1, round(ph * s))
    img = QImage(w, h + (CAPTION_PX if caption else 0), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(BACKGROUND)
    g = FrameGeometry(page, QRectF(0, 0, pw, ph), QRectF(0, 0, w, h), (0.0, 0.0), (int(pw), int(ph)))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    shot = r.images.get(page)
    if shot is None:
        p.fillRect(g.dst, QColor("#f4f5f8"))
        p.setPen(QColor("#8a90a0"))
        p.drawText(g.dst, int(Qt.AlignmentFlag.AlignCenter), f"No screenshot for this page\n{session.pages[page].url}")
    else:
        p.drawImage(g.dst, shot, QRectF(shot.rect()))
    if heatmap is not None and not heatmap.isNull():
        p.setOpacity(heatmap_opacity)
        p.drawImage(g.dst, heatmap, QRectF(heatmap.rect()))
        p.setOpacity(1.0)
    if annotations is not None:
        p.setClipRect(g.dst)
        paint_annotations(p, g, 0.0, annotations, all_times=True)
        p.setClipping(False)
    if caption:
        paint_caption(p, QRectF(0, h, w, CAPTION_PX), session, page, None, label or "full page")
    p.end()
    return img


def export_view_png(session: Session, t: float, out: str | Path, **kw: Unpack[ViewOptions]) -> Path:
    """``render_view`` written atomically to ``out``."""
    return save_image(render_view(session, t, **kw), out)


def export_full_page_png(session: Session, page: int, out: str | Path, **kw: Unpack[FullPageOptions]) -> Path:
    return save_image(render_full_page(session, page, **kw), out)


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")[:40] or "item"


def page_time(renderer: FrameRenderer, page: int, t0: float, t1: float, prefer: float) -> float | None:
    """A time in [t0, t1] when ``page`` is on screen, as close to ``prefer`` as the recording allows."""
    idx = renderer.index
    if idx.page_at(prefer) == page:
        return prefer
    import numpy as np

    lo, hi = np.searchsorted(idx.t, [t0, t1], side="left")
    on = np.nonzero(idx.page[lo:hi] == page)[0]
    return float(idx.t[lo + on[0]]) if len(on) else None


def export_batch(session: Session, out_dir: str | Path, *, annotations: AnnotationSet | None = None,
                 include_findings: bool = True, width: int | None = None, height: int | None = None,
                 renderer: FrameRenderer | None = None, progress: Progress | None = None,
                 settings: FrictionSettings | None = None) -> list[Path]:
    """One PNG per finding (when the analysis module exists; analysed with ``settings``, the user's friction
    preset, default preset when None) and per annotation into ``out_dir``; every picture highlights the findings.
    Annotations get the replay frame of the moment they were drawn on, or the full page when that page is not on
    screen during their time range. Returns the files written, in order."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(folder, f"cannot create the folder: {exc.strerror or exc}") from None
    r = renderer or make_renderer(session)
    aset = annotations or AnnotationSet()
    raw = analysis_findings(session, settings) if include_findings else []
    findings: list[FindingView] = finding_views(raw)
    jobs = len(findings) + len(aset)
    written: list[Path] = []
    for i, f in enumerate(findings, 1):
        img = render_view(session, f.export_time(), width=width, height=height, annotations=aset, renderer=r,
                          label=f"Finding {i}: {f.title}", findings=raw)
        written.append(save_image(img, folder / f"finding-{i:02d}-{_slug(f.kind)}-{int(f.start_ms // 1000)}s.png"))
        if progress:
            progress(len(written) / max(jobs, 1))
    for j, a in enumerate(aset, 1):
        name = folder / f"annotation-{j:02d}-{_slug(a.kind)}-{_slug(a.text)[:20] if a.text else a.id[:6]}.png"
        t = page_time(r, a.page, a.t_start_ms, a.t_end_ms, a.export_time())
        if t is None:
            img = render_full_page(session, a.page, annotations=aset, renderer=r, label=f"Annotation {j}")
        else:
            img = render_view(session, t, width=width, height=height, annotations=aset, renderer=r,
                              label=f"Annotation {j}", findings=raw)
        written.append(save_image(img, name))
        if progress:
            progress(len(written) / max(jobs, 1))
    return written
