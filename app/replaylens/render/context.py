"""What every exporter paints besides the frame: a frame renderer for the session, the session's findings and its
heatmap image (from the analysis modules when this build has them). The Qt application comes from
``replaylens.render.qt``; atomic file output lives with the writers (``replaylens.export.output``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QImage

from replaylens.errors import BadInputError
from replaylens.model.replay import replay_index
from replaylens.model.session import Session
from replaylens.render.findings_paint import finding_label
from replaylens.render.frame import FrameRenderer
from replaylens.render.image import to_qimage

if TYPE_CHECKING:  # the analysis is optional (see context.findings_available)
    from replaylens.model.friction_settings import FrictionSettings

#: Progress callback: fraction done in 0..1.
Progress = Callable[[float], None]



def make_renderer(session: Session) -> FrameRenderer:
    return FrameRenderer(session, replay_index(session))


@dataclass(frozen=True)
class FindingView:
    """A finding as exporters show it (whatever shape the analysis module returns)."""

    kind: str
    start_ms: int
    end_ms: int
    page: int
    target: str | None = None
    note: str = ""
    count: int = 1
    x: float | None = None  # page CSS px of the highlight, None: no spot
    y: float | None = None
    sentence: str = ""  # the analysis's plain title ("Rage click ×5 on the 'Lantern Festival' banner, …")
    kinds: tuple[str, ...] = ()  # every kind the moment qualifies for, the main one first
    element: str = ""  # the element as a person sees it ("the 'Lantern Festival' banner"); selectors stay out

    @property
    def title(self) -> str:
        """The plain sentence the Findings dock shows, else the short highlight label (one vocabulary)."""
        return self.sentence or finding_label(self)

    def export_time(self) -> int:
        """The moment that shows the finding best: shortly after it starts (a click's ripple is visible)."""
        return self.start_ms + min(600, max(self.end_ms - self.start_ms, 0) // 2)


def findings_available() -> bool:
    try:
        from replaylens.analysis.findings import analyze  # noqa: F401
    except ImportError:
        return False
    return True


def analysis_findings(session: Session, settings: FrictionSettings | None = None) -> list[Any]:
    """The findings of ``analysis.findings.analyze.analyze_session`` with ``settings`` (a ``FrictionSettings``:
    the user's preset and overrides; None = the default preset), or [] when this build has no analysis."""
    try:
        from replaylens.analysis.findings.analyze import analyze_session  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    result: Any = analyze_session(session, settings)
    return list(getattr(result, "findings", result) or [])


def finding_views(items: list[Any]) -> list[FindingView]:
    """Exporter views of analysis findings (objects or dicts), sorted by start time."""
    out: list[FindingView] = []
    for f in items:
        get = (lambda k, d=None, f=f: f.get(k, d)) if isinstance(f, dict) else (lambda k, d=None, f=f: getattr(f, k, d))
        start = get("start_ms", get("t_ms", 0))
        out.append(FindingView(kind=str(get("kind", "finding")), start_ms=int(start), end_ms=int(get("end_ms", start)),
                               page=int(get("page", 0) or 0), target=get("target"),
                               note=str(get("detail", get("note", "")) or ""), count=int(get("count", 1) or 1),
                               x=get("x"), y=get("y"), sentence=str(get("title", "") or ""),
                               kinds=tuple(get("kinds", ()) or ()), element=str(get("element", "") or "")))
    return sorted(out, key=lambda f: f.start_ms)


def session_findings(session: Session, settings: FrictionSettings | None = None) -> list[FindingView]:
    """Findings of the session analysed with ``settings`` (see ``analysis_findings``), as exporters show them."""
    return finding_views(analysis_findings(session, settings))


def heatmap_image(session: Session, kind: str, page: int) -> QImage:
    """A page-sized RGBA heatmap of this one session, from ``replaylens.analysis.heatmaps.session.compute_heatmap``."""
    try:
        from replaylens.analysis.heatmaps.session import compute_heatmap  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BadInputError(session.path, "heatmaps are not available in this build of Replay Lens") from None
    try:
        result: Any = compute_heatmap([session], kind, page=page)
    except ValueError as exc:
        raise BadInputError(session.path, f"cannot compute a {kind!r} heatmap: {exc}") from None
    import numpy as np

    # page-sized (CSS px) so it lines up exactly with the frame's page mapping; a very tall page keeps the
    # grid-resolution map (the painter's bilinear scaling smooths it; alignment error below one cell)
    pw, ph = int(result.page_width), int(result.page_height)
    rgba = result.overlay(pw, ph) if 0 < pw * ph <= 40_000_000 else result.colours()  # coloured here, at paint
    arr = np.ascontiguousarray(np.asarray(rgba, dtype=np.uint8))
    if arr.ndim != 3 or arr.shape[2] != 4:
        raise BadInputError(session.path, f"the {kind!r} heatmap is not an RGBA image")
    return to_qimage(arr)

