"""An opened session: manifest + DuckDB store + numpy arrays + a way to fetch page screenshots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from replaylens.model.arrays import SessionArrays
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.store import SessionStore

#: Fetches the encoded bytes (PNG/JPEG/WebP) of a page screenshot by its member name; None if absent.
ImageLoader = Callable[[str], bytes | None]


@dataclass
class Session:
    path: Path
    manifest: Manifest
    store: SessionStore
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

    def screenshot(self, page: int) -> bytes | None:
        if not 0 <= page < len(self.pages):
            return None
        name = self.pages[page].screenshot
        return self.load_image(name) if name else None

    def close(self) -> None:
        self.store.close()
