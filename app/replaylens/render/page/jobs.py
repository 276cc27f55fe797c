"""The page renderer's interface: jobs in, one result per job out, never an exception for a bad snapshot.

``render_snapshots`` replays each job's masked rrweb events (``io.rrweb.replay_events``) with rrweb's own Replayer
in our host page (``replay``), on the hardened engine (``capture``/``network``), and falls back to
``render_wireframe`` (``wireframe``) when QtWebEngine is missing, crashes or times out, or when called off the GUI
thread. A missing rrweb is an error, not a fallback. See docs/rendering.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from replaylens.assets.rrweb import rrweb_dir
from replaylens.io.rrweb.replay_events import Privacy, snapshot_events
from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.render.page import capture
from replaylens.render.page.capture import _Out
from replaylens.render.page.geometry import empty_boxes
from replaylens.render.page.replay import Replay, ReplayEngine
from replaylens.render.page.wireframe import draw_wireframe
from replaylens.render.qt import ensure_web_app

#: Tallest screenshot, in CSS px (a taller document is cut here; the result says so in ``error``).
MAX_PAGE_HEIGHT = 16_384
MAX_WIDTH = 4_096
#: progress(fraction 0..1, message); raise replaylens.errors.CancelledError inside it to stop (it propagates).
Progress = Callable[[float, str], None]
#: The engine page jobs render with (tests replace it with fakes).
_Engine = ReplayEngine


@dataclass
class RenderJob:
    node: dict[str, Any]
    width: int  #: viewport width in CSS px the page was recorded at
    height: int  #: viewport height in CSS px (the screenshot is at least this tall)
    key: str
    #: node ids the importer found secret/masking at some time (later attribute mutations included)
    secrets: SecretNodes = field(default_factory=SecretNodes)
    #: show recorded non-secret input values as captured (default: masked; secrets are always masked)
    show_values: bool = False
    #: rrweb node ids whose boxes to measure after the capture (render/page/geometry.py); empty: none
    measure: tuple[int, ...] = ()
    #: the window's masked rrweb events (io/rrweb/replay_events.py) and the time (their clock, ms) to picture;
    #: None: a page of ``node`` alone (its FullSnapshot), masked here
    events: Sequence[dict[str, Any]] | None = None
    at_ms: float = 0.0


@dataclass
class RenderResult:
    key: str
    png: bytes | None
    width: int  #: CSS px of the full page (viewport width; document height, capped at MAX_PAGE_HEIGHT)
    height: int
    wireframe: bool
    error: str | None
    blocked_requests: int = 0  #: requests the interceptor refused (0 for a well-sanitised snapshot)
    #: measured element boxes, (k, 5) float64 rows of node id, x, y, w, h in document CSS px (none for wireframes)
    boxes: np.ndarray = field(default_factory=empty_boxes)


def render_wireframe(node: dict[str, Any], width: int, height: int, *, mask_text: bool = False,
                     reason: str | None = None, key: str = "", show_values: bool = False,
                     secret_nodes: SecretNodes | None = None) -> RenderResult:
    """A clearly labelled wireframe ("Wireframe — page not rendered") of the node tree, drawn with QPainter.
    Needs no QtWebEngine and works off the GUI thread (a QGuiApplication must exist or is created)."""
    w, h = _clamp(width, height)
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtGui import QGuiApplication

        if QCoreApplication.instance() is None:
            ensure_web_app(gui_thread=False)
        if not isinstance(QCoreApplication.instance(), QGuiApplication):
            return RenderResult(key, None, w, h, True, reason or "no GUI application: cannot draw a wireframe")
        png, full_h = draw_wireframe(node if isinstance(node, dict) else {}, w, h, MAX_PAGE_HEIGHT,
                                     mask_text=mask_text, reason=reason, show_values=show_values,
                                     secret_nodes=secret_nodes)
        return RenderResult(key, png, w, full_h, True, reason)
    except Exception as exc:  # a wireframe must never take the caller down
        return RenderResult(key, None, w, h, True, f"{reason + '; ' if reason else ''}wireframe failed: {exc}")


def render_snapshots(jobs: Sequence[RenderJob], *, timeout_s: float = 10.0, progress: Progress | None = None,
                     allow_webengine: bool = True, mask_text: bool = False) -> list[RenderResult]:
    """Render each job to a full-page PNG with rrweb's Replayer (one result per job, same order). Call from the GUI
    thread or a plain script; a local event loop runs while waiting. ``timeout_s`` bounds each picture.
    Consecutive jobs sharing one ``events`` list reuse one loaded replayer, seeked forward in turn.
    Raises ``RrwebMissingError`` (naming the fix) when the pinned rrweb is not installed: there is no fallback."""
    results: list[RenderResult] = []
    engine: Any = None
    reason: str | None = None if allow_webengine else "QtWebEngine disabled by the caller"
    if reason is None:
        rrweb_dir()  # the pinned release, or RrwebMissingError before any work
    n = len(jobs)
    try:
        for i, job in enumerate(jobs):
            if progress is not None:
                progress(i / max(n, 1), f"Rendering page {i + 1} of {n}")
            w, h = _clamp(job.width, job.height)
            privacy: dict[str, Any] = {"mask_text": mask_text, "show_values": job.show_values,
                                       "secret_nodes": job.secrets}
            if reason is None and engine is None:
                try:
                    ensure_web_app()
                    engine = _Engine()
                except Exception as exc:  # ImportError (no QtWebEngine / missing system library), thread, ...
                    reason = f"QtWebEngine unavailable: {exc}"
            if reason is not None or engine is None:
                results.append(render_wireframe(job.node, w, h, key=job.key, reason=reason, **privacy))
                continue
            try:
                out = engine.render(_replay(job, w, h, mask_text), w, h, timeout_s, MAX_PAGE_HEIGHT)
            except Exception as exc:  # never let one page take the batch down
                out = _Out(None, h, f"rendering failed: {exc}", 0, broken=True)
            boxes = _measure(engine, job.measure) if out.png is not None else empty_boxes()
            if out.png is None:
                results.append(render_wireframe(job.node, w, h, key=job.key, reason=out.error, **privacy))
                results[-1].blocked_requests = out.blocked
                if out.broken:  # time-out or crash: start from a fresh page for the next job
                    engine.close()
                    engine = None
                continue
            results.append(RenderResult(job.key, out.png, w, out.height, False, out.error, out.blocked, boxes))
        if progress is not None:
            progress(1.0, f"Rendered {n} page{'s' if n != 1 else ''}")
    finally:
        if engine is not None:
            engine.close()
    return results


def _replay(job: RenderJob, w: int, h: int, mask_text: bool) -> Replay:
    """What the engine replays for a job: its window's events at ``at_ms``, or a page of its one snapshot."""
    if job.events is not None:
        return Replay(job.events, float(job.at_ms or 0.0))
    node = job.node if isinstance(job.node, dict) else {}
    return Replay(snapshot_events(node, w, h, Privacy(job.secrets, job.show_values, mask_text)), 0.0)


def render_html(html: str, width: int, height: int, *, timeout_s: float = 10.0, key: str = "",
                measure: tuple[int, ...] = ()) -> RenderResult:
    """Render an HTML string as is through the same hardened engine (layers 2–5 only, no sanitiser): used by the
    tests to prove those layers alone block scripts and requests. No wireframe fallback (png None on failure).
    ``measure``: node ids (``data-rl-id``) whose boxes to measure, as for a job."""
    w, h = _clamp(width, height)
    try:
        ensure_web_app()
        engine = capture._Engine()
    except Exception as exc:
        return RenderResult(key, None, w, h, False, f"QtWebEngine unavailable: {exc}")
    try:
        out = engine.render(html, w, h, timeout_s, MAX_PAGE_HEIGHT)
        boxes = _measure(engine, measure) if out.png is not None else empty_boxes()
    finally:
        engine.close()
    return RenderResult(key, out.png, w, out.height, False, out.error, out.blocked, boxes)


def _measure(engine: Any, ids: tuple[int, ...]) -> np.ndarray:
    """The boxes of ``ids`` on the page the engine just rendered; none when not asked for or when measuring fails
    (the screenshot is kept either way)."""
    if not ids:
        return empty_boxes()
    try:
        return np.asarray(engine.boxes(ids), dtype=np.float64).reshape(-1, 5)
    except Exception:
        return empty_boxes()


def _clamp(width: int, height: int) -> tuple[int, int]:
    def num(v: Any, default: int) -> int:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return default
        return default if not math.isfinite(f) else int(f)
    return min(max(num(width, 1280), 100), MAX_WIDTH), min(max(num(height, 800), 100), MAX_PAGE_HEIGHT)
