"""Read an rrweb recording as an imported session: unwrap, map, hand over the Arrow table. No screenshots (see
``convert``).

Opening is meant to be quick: the viewer shows the events over a blank/wireframe page at once and renders the
snapshots in the background (``io.cache.convert_cached``). The whole file is parsed once (msgspec) and validated;
see docs/rrweb.md for the size limits and the measured memory peak.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io import limits as L
from replaylens.io.rrweb import containers
from replaylens.io.rrweb.columns import Mapped
from replaylens.io.rrweb.gc_pause import gc_paused
from replaylens.io.rrweb.mapping import map_events
from replaylens.model.imported import ImportedSession
from replaylens.model.manifest import MAX_EPOCH_MS, Manifest, Page
from replaylens.model.report import ImportReport

Progress = Callable[[float, str], None]


@dataclass
class Loaded:
    """An unwrapped and mapped recording: what both the reader and the converter start from."""

    path: Path
    container: containers.Unwrapped
    mapped: Mapped
    manifest: Manifest


def _step(progress: Progress | None, frac: float, msg: str) -> None:
    if progress is not None:
        progress(frac, msg)  # may raise CancelledError


def site_of(urls: list[str]) -> str:
    """Host of the first http(s) page address, '' when none (hover.json has no href, Sentry's mock has '#')."""
    for url in urls:
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            return parts.hostname
    return ""


def load_recording(path: str | Path, report: ImportReport | None = None,
                   progress: Progress | None = None, *, render: bool = True) -> Loaded:
    """Read, unwrap and map a recording (pages keep their snapshot trees for rendering; ``render=False``: without
    what only the renderer needs, see ``map_events``)."""
    with gc_paused():
        return _load_recording(Path(path), report, progress, render)


def _load_recording(path: Path, report: ImportReport | None, progress: Progress | None,
                    render: bool = True) -> Loaded:
    report = report if report is not None else ImportReport(source=str(path))
    _step(progress, 0.0, "reading the recording")
    unwrapped = containers.load(path)
    _step(progress, 0.35, f"mapping {len(unwrapped.events):,} rrweb events")
    report.add("not_events", unwrapped.dropped, "{n} items in the event list are not rrweb events (skipped)")
    try:
        mapped = map_events(unwrapped.events, unwrapped.windows, report, consume=True, moves=unwrapped.moves,
                            render=render)
    except MemoryError:
        raise BadInputError(path, "the recording is too large to import in the memory available") from None
    if len(mapped.window_names) > 1:
        report.note(f"{len(mapped.window_names)} browser windows/tabs: window 0 ({mapped.window_names[0]!r}) has the "
                    "most events; the others' pages are kept as separate pages (events carry a 'window_id' column)")
    if unwrapped.container == "snapshot-only":
        report.note("the file holds only a DOM snapshot: there are no events to replay")
    unwrapped.events = []  # the mapped columns and the pages' snapshot trees are all that is needed from here
    _check_dimensions(path, mapped)
    if not 0 <= mapped.start_epoch_ms <= MAX_EPOCH_MS:
        raise BadInputError(path, f"the recording's timestamps ({mapped.start_epoch_ms} ms) are not a date between "
                                  "1970 and 9999")
    pages = [Page(url=p.url, title=p.title, screenshot=None, width=p.width or mapped.viewport[0],
                  height=p.height or mapped.viewport[1]) for p in mapped.pages]
    sid = unwrapped.session_id or "rrweb-" + hashlib.sha256(
        f"{mapped.start_epoch_ms}:{mapped.table.num_rows}:{[p.url for p in pages]}".encode()).hexdigest()[:16]
    source: dict[str, Any] = {"format": "rrweb", "container": unwrapped.container, "file": path.name,
                              "compression": unwrapped.compression, "packed_events": unwrapped.packed,
                              "windows": mapped.window_names if len(mapped.window_names) > 1 else []}
    passed_on = ("name", "person", "distinct_ids", "person_properties")  # the last two feed library attributes
    source.update({k: v for k, v in unwrapped.extra.items() if k in passed_on})
    manifest = Manifest(session_id=sid, start_epoch_ms=mapped.start_epoch_ms, pages=pages,
                        viewport_width=mapped.viewport[0], viewport_height=mapped.viewport[1],
                        site=site_of([p.url for p in pages]), source=source,
                        duration_ms=mapped.duration_ms)
    return Loaded(path, unwrapped, mapped, manifest)


def _check_dimensions(path: Path, mapped: Mapped) -> None:
    """The viewport (first Meta) and every page's Meta size within the documented limits (docs/rrweb.md), before
    anything sizes an image or a grid by them."""
    sizes = [("the recording", *mapped.viewport)] + [(f"page {i} ({p.url[:60]})", p.width, p.height)
                                                   for i, p in enumerate(mapped.pages) if p.width or p.height]
    for what, w, h in sizes:
        if not (L.MIN_VIEWPORT <= w <= L.MAX_VIEWPORT and L.MIN_VIEWPORT <= h <= L.MAX_VIEWPORT):
            raise LimitExceededError(path, f"{what} declares a viewport of {w:,}×{h:,} px, outside the limits "
                                           f"({L.MIN_VIEWPORT}..{L.MAX_VIEWPORT:,} px a side)")


def to_imported(loaded: Loaded, report: ImportReport, progress: Progress | None = None) -> ImportedSession:
    """The mapped table as an imported session (the store's sink loads and repairs it)."""
    _step(progress, 0.8, "loading events")
    return ImportedSession(path=loaded.path, manifest=loaded.manifest, events=loaded.mapped.table, report=report)


def read_rrweb(path: str | Path, report: ImportReport | None = None,
               progress: Progress | None = None) -> ImportedSession:
    """Read an rrweb/PostHog/Highlight recording (any container) as an imported session without screenshots."""
    report = report if report is not None else ImportReport(source=str(path))
    loaded = load_recording(path, report, progress, render=False)
    for p in loaded.mapped.pages:
        p.snapshot = None  # not needed for viewing; frees the trees early
    loaded.mapped.histories = []
    return to_imported(loaded, report, progress)
