"""Page pictures of rrweb recordings, drawn by rrweb's own Replayer off screen in QtWebEngine (docs/rendering.md).

``jobs`` is the interface (jobs, results, the batch loop and its wireframe fallback), ``replay`` our host page of
rrweb's Replayer (seek, grab, boxes), ``network`` the page with the network shut, ``capture`` the hidden view that
grabs the frame, ``wireframe`` the QPainter sketch used when the engine cannot render. The application itself comes
from ``replaylens.render.qt``; a GUI calls ``prepare_qt()`` before constructing its QApplication. Qt is imported
lazily, so importing this package is cheap.
"""

from replaylens.render.page.jobs import (
    MAX_PAGE_HEIGHT,
    MAX_WIDTH,
    Progress,
    RenderJob,
    RenderResult,
    render_html,
    render_snapshots,
    render_wireframe,
)
from replaylens.render.qt import SCHEME, prepare_qt

__all__ = ["MAX_PAGE_HEIGHT", "MAX_WIDTH", "SCHEME", "Progress", "RenderJob", "RenderResult", "prepare_qt",
           "render_html", "render_snapshots", "render_wireframe"]
