"""The exact page picture at any time ``t`` of an rrweb recording, rendered on demand (``replaylens export REC
--at T --exact``): rrweb's Replayer paused at ``t`` (every change at or before it), not the page state in force.

Page states are taken once each burst of changes has settled (io/rrweb/keyframes.py); between a change and the
end of its burst, or past the per-page cap, the stored state is the previous one. This renders the one picture
that belongs to ``t`` through the same engine, masking and safety as the conversion (docs/rendering.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replaylens.errors import BadInputError


def prepare() -> None:
    """Before any Qt application exists: the pinned fonts and the QApplication page capture needs."""
    from replaylens.render.fonts import pin_fonts
    from replaylens.render.qt import ensure_web_app

    pin_fonts()
    ensure_web_app()


def exact_picture(path: str | Path, page: int, t_ms: float, *, show_values: bool = False,
                  timeout_s: float = 20.0) -> Any:
    """A QImage of ``page`` exactly as it was ``t_ms`` after the session start; BadInputError when ``path`` is not
    an rrweb recording or the page has no DOM to replay."""
    from PySide6.QtGui import QImage

    from replaylens.io.rrweb.keyframes import state_job
    from replaylens.io.rrweb.reader import load_recording
    from replaylens.render.page import render_snapshots

    try:
        loaded = load_recording(Path(path))
    except BadInputError as exc:
        raise BadInputError(path, f"--exact needs the rrweb recording itself ({exc})") from exc
    pages = loaded.mapped.pages
    if not 0 <= page < len(pages) or not any(c[1] == -3 for c in loaded.mapped.histories[pages[page].window].changes):
        raise BadInputError(path, f"page {page} has no DOM snapshot to render at {t_ms / 1000:.3f} s")
    [res] = render_snapshots([state_job(loaded, page, t_ms, show_values=show_values)], timeout_s=timeout_s)
    if res.wireframe or not res.png:
        raise BadInputError(path, f"the page could not be rendered at {t_ms / 1000:.3f} s: {res.error}")
    img = QImage.fromData(res.png)
    if img.isNull():
        raise BadInputError(path, "the rendered picture could not be read")
    return img
