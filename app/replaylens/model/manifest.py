"""Session metadata: the manifest of a bundle, parsed strictly from untrusted JSON."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_NAME = "replaylens-session"
FORMAT_VERSION = "1.1"  # 1.1: events columns target_label, target_role, target_hidden
SUPPORTED_MAJOR = 1


class ManifestError(ValueError):
    """The manifest is malformed; the message says which field and why."""


@dataclass(frozen=True)
class Page:
    url: str
    title: str = ""
    screenshot: str | None = None  # member name inside the bundle, e.g. "pages/000.png"
    width: int = 0  # full page size in CSS px (the screenshot may be larger by the device pixel ratio)
    height: int = 0


@dataclass
class Manifest:
    session_id: str
    start_epoch_ms: int
    pages: list[Page]
    viewport_width: int
    viewport_height: int
    site: str = ""
    device_pixel_ratio: float = 1.0
    attributes: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    duration_ms: int | None = None
    events_member: str = "events.parquet"
    format_version: str = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept and written back

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT_NAME,
            "format_version": self.format_version,
            "session_id": self.session_id,
            "start_epoch_ms": self.start_epoch_ms,
            "site": self.site,
            "viewport": {"width": self.viewport_width, "height": self.viewport_height},
            "device_pixel_ratio": self.device_pixel_ratio,
            "attributes": dict(self.attributes),
            "pages": [asdict(p) for p in self.pages],
            "events": {"member": self.events_member},
            "source": dict(self.source),
        }
        if self.duration_ms is not None:
            out["duration_ms"] = self.duration_ms
        out.update(self.extra)
        return out


_KNOWN_KEYS = {"format", "format_version", "session_id", "start_epoch_ms", "site", "viewport", "device_pixel_ratio",
               "attributes", "pages", "events", "source", "duration_ms"}


def _req(obj: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str = "manifest") -> Any:
    if key not in obj:
        raise ManifestError(f"{where} has no '{key}'")
    val = obj[key]
    if isinstance(val, bool) or not isinstance(val, typ):
        raise ManifestError(f"{where}.{key} has the wrong type ({type(val).__name__})")
    return val


def _dim(val: Any, where: str, limit: int) -> int:
    if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
        raise ManifestError(f"{where} is not a number")
    if not 0 <= val <= limit:
        raise ManifestError(f"{where} = {val} is outside 0..{limit}")
    return int(val)


def parse_manifest(obj: Any, *, max_pages: int, max_dim: int) -> Manifest:
    """Validate a decoded manifest.json. Raises ManifestError (wrong version: ``VersionError``)."""
    if not isinstance(obj, dict):
        raise ManifestError("manifest is not a JSON object")
    if obj.get("format") != FORMAT_NAME:
        raise ManifestError(f"manifest format is {obj.get('format')!r}, expected {FORMAT_NAME!r}")
    version = _req(obj, "format_version", str)
    try:
        major = int(version.split(".")[0])
    except ValueError:
        raise ManifestError(f"format_version {version!r} is not a version number") from None
    if major != SUPPORTED_MAJOR:
        raise VersionError(f"format version {version} is not supported (this build reads {SUPPORTED_MAJOR}.x)")
    viewport = _req(obj, "viewport", dict)
    pages_raw = _req(obj, "pages", list)
    if len(pages_raw) > max_pages:
        raise ManifestError(f"{len(pages_raw)} pages declared, more than the limit of {max_pages}")
    pages: list[Page] = []
    for i, p in enumerate(pages_raw):
        where = f"pages[{i}]"
        if not isinstance(p, dict):
            raise ManifestError(f"{where} is not an object")
        shot = p.get("screenshot")
        if shot is not None and not isinstance(shot, str):
            raise ManifestError(f"{where}.screenshot is not a string")
        pages.append(Page(
            url=str(_req(p, "url", str, where)),
            title=str(p.get("title") or ""),
            screenshot=shot,
            width=_dim(p.get("width", 0), f"{where}.width", max_dim),
            height=_dim(p.get("height", 0), f"{where}.height", max_dim),
        ))
    attributes = obj.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ManifestError("manifest.attributes is not an object")
    events = obj.get("events") or {}
    member = events.get("member", "events.parquet") if isinstance(events, dict) else "events.parquet"
    duration = obj.get("duration_ms")
    dpr = obj.get("device_pixel_ratio", 1.0)
    if isinstance(dpr, bool) or not isinstance(dpr, int | float) or not 0.1 <= dpr <= 8:
        raise ManifestError("device_pixel_ratio is not a number between 0.1 and 8")
    return Manifest(
        session_id=str(_req(obj, "session_id", str)),
        start_epoch_ms=int(_req(obj, "start_epoch_ms", int)),
        pages=pages,
        viewport_width=_dim(_req(viewport, "width", (int, float), "viewport"), "viewport.width", max_dim),
        viewport_height=_dim(_req(viewport, "height", (int, float), "viewport"), "viewport.height", max_dim),
        site=str(obj.get("site") or ""),
        device_pixel_ratio=float(dpr),
        attributes={str(k): str(v) for k, v in attributes.items()},
        source=dict(obj["source"]) if isinstance(obj.get("source"), dict) else {},
        duration_ms=int(duration) if isinstance(duration, int) and not isinstance(duration, bool) else None,
        events_member=str(member),
        format_version=version,
        extra={k: v for k, v in obj.items() if k not in _KNOWN_KEYS},
    )


class VersionError(ManifestError):
    """The manifest is of a format version this build does not read."""
