"""Video clips of a time range: MP4 (H.264) or WebM (VP8), encoded in-process with PyAV (FFmpeg).

Each output frame is a ``FrameRenderer`` frame (page, trail, click ripples, masked-input badge, cursor, annotations
with redactions burned in) plus the caption strip, at ``speed``× real time: frame i shows session time
``start + i * speed * 1000 / fps``. Frames go from the QImage straight into an ``av.VideoFrame`` (BGRA, no copy
through PNG) and are converted to yuv420p by FFmpeg's swscale.

Codec choices (measured in tests/bench/bench_clip.py): H.264 via libx264 ``veryfast`` CRF 23, yuv420p, ``+faststart``
(plays everywhere: browsers, QuickTime, Slack/Teams previews). WebM uses VP9 (libvpx-vp9, ``deadline=realtime``,
``cpu-used=8``, ``row-mt``, CRF 32): on the 2-core build machine it encoded ~3.5× faster than VP8 at its realtime
settings *and* made a ~40 % smaller file with UI text as legible (flat screen content suits VP9's tools); every
browser that plays WebM plays VP9. ``codec="libvpx"`` picks VP8. libx264 is GPL: see docs/export.md.

The file is written to a temp file in the destination folder and renamed at the end; cancelling (a flag checked
before every frame) raises ``CancelledError`` and deletes the partial file.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from replaylens.errors import BadInputError, CancelledError
from replaylens.export.output import atomic_output
from replaylens.export.png import BACKGROUND, CAPTION_PX, paint_caption
from replaylens.model.annotations import AnnotationSet
from replaylens.model.session import Session
from replaylens.render.annotations_paint import annotation_overlay
from replaylens.render.context import Progress, analysis_findings, make_renderer
from replaylens.render.frame import FrameOptions, FrameRenderer
from replaylens.render.image import pixels

if TYPE_CHECKING:  # the analysis is optional (see context.findings_available)
    from replaylens.model.friction_settings import FrictionSettings

DEFAULT_SIZE = (1280, 720)
DEFAULT_FPS = 30
MAX_SPEED, MIN_SPEED = 8.0, 1.0
MAX_FRAMES = 30 * 60 * 30  # 30 minutes of output at 30 fps: past that, export pieces
CONTAINERS = {".mp4": ("mp4", "libx264"), ".m4v": ("mp4", "libx264"), ".webm": ("webm", "libvpx-vp9")}
CODEC_OPTIONS: dict[str, dict[str, str]] = {
    "libx264": {"preset": "veryfast", "crf": "23", "profile": "high"},
    "libvpx": {"deadline": "realtime", "cpu-used": "8", "crf": "10", "b": "4M", "auto-alt-ref": "0"},
    "libvpx-vp9": {"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0", "row-mt": "1"},
}

Cancel = threading.Event | Callable[[], bool] | None


@dataclass(frozen=True)
class ClipResult:
    path: Path
    frames: int
    width: int
    height: int
    fps: int
    codec: str
    seconds: float  # wall time of the export
    bytes: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


def frame_times(start_ms: float, end_ms: float, speed: float, fps: int) -> np.ndarray:
    """Session times (ms) of the output frames: ``ceil(duration / speed * fps)`` frames from ``start_ms``."""
    n = max(1, math.ceil((end_ms - start_ms) / 1000.0 / speed * fps - 1e-9))
    return start_ms + np.arange(n, dtype=np.float64) * (speed * 1000.0 / fps)


def _cancelled(cancel: Cancel) -> bool:
    if cancel is None:
        return False
    return cancel.is_set() if isinstance(cancel, threading.Event) else bool(cancel())


def check_clip_args(session: Session, out: Path, start_ms: float, end_ms: float, speed: float,
                    size: tuple[int, int], fps: int) -> tuple[str, str, int, int]:
    """Validate; returns (container, codec, even width, even height). BadInputError names what is wrong."""
    ext = out.suffix.lower()
    if ext not in CONTAINERS:
        raise BadInputError(out, "clips are .mp4 or .webm")
    if not 0 <= start_ms < end_ms:
        raise BadInputError(session.path, f"the clip range {start_ms:.0f}..{end_ms:.0f} ms is empty or negative")
    if start_ms >= session.duration_ms:
        raise BadInputError(session.path, f"the clip starts after the end of the session ({session.duration_ms} ms)")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise BadInputError(out, f"speed must be between {MIN_SPEED:g}× and {MAX_SPEED:g}×")
    w, h = size
    if not (160 <= w <= 3840 and 120 <= h <= 2160):
        raise BadInputError(out, f"size {w}×{h} is outside 160×120 .. 3840×2160")
    if not 1 <= fps <= 60:
        raise BadInputError(out, "fps must be between 1 and 60")
    container, codec = CONTAINERS[ext]
    return container, codec, w - w % 2, h - h % 2


def export_clip(session: Session, out: str | Path, start_ms: float, end_ms: float, *, speed: float = 1.0,
                size: tuple[int, int] = DEFAULT_SIZE, fps: int = DEFAULT_FPS, annotations: AnnotationSet | None = None,
                trail_s: float = 3.0, caption: bool = True, heatmap: QImage | None = None, codec: str | None = None,
                renderer: FrameRenderer | None = None, progress: Progress | None = None,
                cancel: Cancel = None, findings: list[Any] | None = None,
                settings: FrictionSettings | None = None) -> ClipResult:
    """Encode the clip ``[start_ms, end_ms)`` to ``out`` (.mp4 or .webm). ``size`` is the whole picture including
    the caption strip (made even). ``progress(fraction)`` after each frame; ``cancel`` is an Event or a callable.
    Findings are highlighted as in the viewer: ``findings`` as given, else the session analysed with ``settings``
    (the user's friction preset; the default preset when None)."""
    dest = Path(out)
    end_ms = min(end_ms, float(session.duration_ms))
    container, default_codec, w, h = check_clip_args(session, dest, start_ms, end_ms, speed, size, fps)
    codec = codec or default_codec
    times = frame_times(start_ms, end_ms, speed, fps)
    if len(times) > MAX_FRAMES:
        raise BadInputError(session.path, f"{len(times):,} frames is more than the {MAX_FRAMES:,}-frame limit; "
                                          "export a shorter range or a higher speed")
    r = renderer or make_renderer(session)
    opts = FrameOptions(trail_s=trail_s, caption=False, heatmap=heatmap,
                        findings=list(findings) if findings is not None else analysis_findings(session, settings))
    if annotations is not None:
        opts.overlays.append(annotation_overlay(annotations))
    frame_h = h - (CAPTION_PX if caption else 0)
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    t_wall = time.perf_counter()
    with atomic_output(dest, dest.suffix) as tmp:
        fmt_opts = {"movflags": "+faststart"} if container == "mp4" else {}
        with av.open(str(tmp), mode="w", format=container, options=fmt_opts) as oc:
            stream = oc.add_stream(codec, rate=fps, options=dict(CODEC_OPTIONS.get(codec, {})))
            if not isinstance(stream, av.VideoStream):
                raise BadInputError(dest, f"{codec!r} is not a video codec")
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.time_base = Fraction(1, fps)
            for i, t in enumerate(times):
                if _cancelled(cancel):
                    raise CancelledError("clip export cancelled")
                img.fill(BACKGROUND)
                p = QPainter(img)
                try:
                    g = r.paint(p, QRectF(0, 0, w, frame_h), float(t), opts)
                    if caption:
                        paint_caption(p, QRectF(0, frame_h, w, CAPTION_PX), session, g.page, float(t),
                                      f"{speed:g}×" if speed != 1 else "")
                finally:  # a painter left active on a dying image crashes Qt instead of raising
                    p.end()
                with pixels(img) as arr:  # from_ndarray copies into the frame
                    frame = av.VideoFrame.from_ndarray(arr, format="bgra")
                frame.pts = i
                for packet in stream.encode(frame):
                    oc.mux(packet)
                if progress:
                    progress((i + 1) / len(times))
            for packet in stream.encode(None):
                oc.mux(packet)
    return ClipResult(dest, len(times), w, h, fps, codec, time.perf_counter() - t_wall, dest.stat().st_size)
