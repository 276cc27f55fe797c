"""An opened session: manifest + one-session store + numpy arrays + a way to fetch page screenshots.

The store is built by a sink of the store layer (``store.session.open_imported``); model code reads it through the
named methods of ``EventStore`` (it cannot import the store layer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from replaylens.model.arrays import SessionArrays
from replaylens.model.imported import ImageLoader
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport

__all__ = ["EventStore", "ImageLoader", "Session"]


class EventStore(Protocol):
    """What model and ui code may ask of a session's events store (``store.session.SessionStore``)."""

    def arrays(self) -> SessionArrays: ...

    def events_table(self) -> pa.Table: ...

    def target_facts(self) -> list[tuple[Any, ...]]: ...

    def event_targets(self, indices: list[int]) -> list[tuple[Any, ...]]: ...

    def target_labels(self) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


@dataclass
class Session:
    path: Path
    manifest: Manifest
    store: EventStore
    arrays: SessionArrays
    report: ImportReport
    load_image: ImageLoader = field(repr=False, default=lambda name: None)
    #: sha256 of the opened file, when the opener computed it (off the UI thread); keys the annotation sidecar
    content_sha256: str | None = None

    @property
    def pages(self) -> list[Page]:
        return self.manifest.pages

    @property
    def duration_ms(self) -> int:
        if self.manifest.duration_ms is not None:
            return max(self.manifest.duration_ms, self.arrays.duration_ms)
        return self.arrays.duration_ms

    def screenshot(self, page: int, t: float | None = None) -> bytes | None:
        """The page's screenshot; with ``t``, the page state (keyframe) in force at ``t`` ms when it has one."""
        name = self.screenshot_name(page, t)
        return self.load_image(name) if name else None

    def screenshot_name(self, page: int, t: float | None = None) -> str | None:
        if not 0 <= page < len(self.pages):
            return None
        p = self.pages[page]
        state = p.state_at(t) if t is not None and p.screenshot else None
        return state.screenshot if state is not None else p.screenshot

    def screenshot_size(self, page: int, t: float | None = None) -> tuple[int, int]:
        """Full page size in CSS px of what ``screenshot(page, t)`` shows (0, 0 when unknown)."""
        if not 0 <= page < len(self.pages):
            return 0, 0
        p = self.pages[page]
        state = p.state_at(t) if t is not None and p.screenshot else None
        if state is not None and state.width and state.height:
            return state.width, state.height
        return p.width, p.height

    def close(self) -> None:
        self.store.close()
