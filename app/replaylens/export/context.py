"""What every exporter needs besides the frame renderer: a headless Qt application, the session's findings and
heatmaps (from the analysis modules when this build has them) and atomic file output."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication, QImage

from replaylens.errors import BadInputError
from replaylens.export.frame import FrameRenderer
from replaylens.model.atomic import atomic_path
from replaylens.model.finding_text import finding_label
from replaylens.model.replay import replay_index
from replaylens.model.session import Session

#: Progress callback: fraction done in 0..1.
Progress = Callable[[float], None]



def ensure_gui_app() -> QCoreApplication:
    """A QGuiApplication for off-screen painting (fonts need one); offscreen platform when there is no display."""
    app = QCoreApplication.instance()
    if app is not None:
        return app
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication(["replaylens"])


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
        from replaylens.model import findings  # noqa: F401
    except ImportError:
        return False
    return True


def analysis_findings(session: Session, settings: Any = None) -> list[Any]:
    """The findings of ``replaylens.model.findings.analyze_session`` with ``settings`` (a ``FrictionSettings``:
    the user's preset and overrides; None = the default preset), or [] when this build has no analysis."""
    try:
        from replaylens.model.findings import analyze_session  # type: ignore[import-not-found,unused-ignore]
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


def session_findings(session: Session, settings: Any = None) -> list[FindingView]:
    """Findings of the session analysed with ``settings`` (see ``analysis_findings``), as exporters show them."""
    return finding_views(analysis_findings(session, settings))


def heatmap_image(session: Session, kind: str, page: int) -> QImage:
    """A page-sized RGBA heatmap of this one session, from ``replaylens.model.heatmaps.compute_heatmap``."""
    try:
        from replaylens.model.heatmaps import compute_heatmap  # type: ignore[import-not-found,unused-ignore]
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
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()


@contextlib.contextmanager
def atomic_output(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path in the destination's folder; on success it replaces ``path``, on failure it is deleted.
    Unwritable destinations raise BadInputError naming the file."""
    dest = Path(path)
    if not dest.parent.is_dir():
        raise BadInputError(dest, f"the folder {dest.parent} does not exist")
    stack = contextlib.ExitStack()
    try:
        tmp = stack.enter_context(atomic_path(dest, suffix=f".partial{suffix}"))
    except OSError as exc:
        raise BadInputError(dest, f"cannot write here: {exc.strerror or exc}") from None
    with stack:
        yield tmp


def save_image(img: QImage, path: str | Path, fmt: str = "PNG") -> Path:
    """Write ``img`` atomically (temp file + rename)."""
    dest = Path(path)
    with atomic_output(dest, suffix=f".{fmt.lower()}") as tmp:
        if not img.save(str(tmp), fmt):
            raise BadInputError(dest, "the image could not be written (disk full or unsupported format?)")
    return dest
