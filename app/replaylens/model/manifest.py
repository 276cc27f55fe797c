"""Session metadata: the manifest of a bundle, validated against a declared schema (msgspec) from untrusted JSON."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import msgspec

from replaylens.model.validation import SchemaError, convert

FORMAT_NAME = "replaylens-session"
FORMAT_VERSION = "1.3"  # 1.1: target_label, target_role, target_hidden; 1.2: page states; 1.3: target_box_*
#: Page states (keyframes) one page may declare; a reader refuses more.
MAX_PAGE_STATES = 1_000
SUPPORTED_MAJOR = 1


class ManifestError(ValueError):
    """The manifest is malformed; the message says which field and why."""


@dataclass(frozen=True)
class PageState:
    """The page as it looked from ``t_ms`` on (a DOM keyframe of an rrweb recording): its own screenshot."""

    t_ms: int  # ms from the session start
    screenshot: str  # member name, e.g. "pages/000-k003.png"
    width: int = 0  # full page size of this state in CSS px (0: the page's)
    height: int = 0


@dataclass(frozen=True)
class Page:
    url: str
    title: str = ""
    screenshot: str | None = None  # member name inside the bundle, e.g. "pages/000.png"
    width: int = 0  # full page size in CSS px (the screenshot may be larger by the device pixel ratio)
    height: int = 0
    states: tuple[PageState, ...] = ()  # later looks of the page, by increasing t_ms (format 1.2)

    def state_at(self, t: float) -> PageState | None:
        """The latest state with ``t_ms <= t`` (binary search), None before the first one (the screenshot)."""
        lo, hi = 0, len(self.states)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.states[mid].t_ms <= t:
                lo = mid + 1
            else:
                hi = mid
        return self.states[lo - 1] if lo else None


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
            "pages": [_page_json(p) for p in self.pages],
            "events": {"member": self.events_member},
            "source": dict(self.source),
        }
        if self.duration_ms is not None:
            out["duration_ms"] = self.duration_ms
        out.update(self.extra)
        return out


def _page_json(p: Page) -> dict[str, Any]:
    out = asdict(p)
    out["states"] = [asdict(s) for s in p.states]
    if not p.states:  # a 1.1 reader's view of the page stays exactly what it was
        del out["states"]
    return out


def _states(raw: list[_StateSchema] | None, where: str, max_dim: int) -> tuple[PageState, ...]:
    """The page's keyframe states (already of the declared shape): bounded, in time order, sizes in range."""
    if not raw:
        return ()
    if len(raw) > MAX_PAGE_STATES:
        raise ManifestError(f"{where} declares {len(raw)} states, more than the limit of {MAX_PAGE_STATES}")
    out: list[PageState] = []
    for j, st in enumerate(raw):
        w = f"{where}.states[{j}]"
        t = _dim(st.t_ms, f"{w}.t_ms", 0, 2**53)
        if out and t < out[-1].t_ms:
            raise ManifestError(f"{w}.t_ms is earlier than the state before it")
        out.append(PageState(t_ms=t, screenshot=st.screenshot, width=_dim(st.width, f"{w}.width", 0, max_dim),
                             height=_dim(st.height, f"{w}.height", 0, max_dim)))
    return tuple(out)


_KNOWN_KEYS = {"format", "format_version", "session_id", "start_epoch_ms", "site", "viewport", "device_pixel_ratio",
               "attributes", "pages", "events", "source", "duration_ms"}
#: Smallest viewport side a manifest may declare (CSS px): a 0×0 viewport has no picture to draw.
MIN_VIEWPORT = 1
#: Latest session start a file may declare: 9999-12-31T23:59:59.999Z, the last instant a calendar date can show.
MAX_EPOCH_MS = 253_402_300_799_999

Number = float  # msgspec's float takes JSON integers too
Scalar = str | int | float | bool | None


# -- the declared schema of manifest.json (docs/format.md); unknown keys are allowed and kept in ``extra`` ----------
class _ViewportSchema(msgspec.Struct):
    width: Number
    height: Number


class _StateSchema(msgspec.Struct):
    t_ms: Number
    screenshot: str
    width: Number = 0
    height: Number = 0


class _PageSchema(msgspec.Struct):
    url: str
    title: str | None = None
    screenshot: str | None = None
    width: Number = 0
    height: Number = 0
    states: list[_StateSchema] | None = None


class _EventsSchema(msgspec.Struct):
    member: str = "events.parquet"


class _ManifestSchema(msgspec.Struct):
    format: str
    format_version: str
    session_id: str
    start_epoch_ms: int
    viewport: _ViewportSchema
    pages: list[_PageSchema]
    site: str | None = None
    device_pixel_ratio: Number = 1.0
    attributes: dict[str, Scalar] | None = None
    events: _EventsSchema | None = None
    source: dict[str, Any] | None = None
    duration_ms: Number | None = None


def _dim(val: float, where: str, lo: int, limit: int) -> int:
    if not math.isfinite(val) or not lo <= val <= limit:
        raise ManifestError(f"{where} = {val:g} is outside {lo}..{limit}")
    return int(val)


def parse_manifest(obj: Any, *, max_pages: int, max_dim: int, max_viewport: int | None = None) -> Manifest:
    """Validate a decoded manifest.json against its schema. Raises ManifestError (wrong version: ``VersionError``).

    The format name and major version are checked first (another major version may have another shape), then the
    whole object is validated at once against ``_ManifestSchema``; past that the values are trusted."""
    if not isinstance(obj, dict):
        raise ManifestError("manifest is not a JSON object")
    if obj.get("format") != FORMAT_NAME:
        raise ManifestError(f"manifest format is {str(obj.get('format'))[:60]!r}, expected {FORMAT_NAME!r}")
    version = obj.get("format_version")
    if not isinstance(version, str):
        raise ManifestError("format_version should be text like \"1.0\"")
    try:
        major = int(version.split(".")[0][:6])
    except ValueError:
        raise ManifestError(f"format_version {version[:40]!r} is not a version number") from None
    if major != SUPPORTED_MAJOR:
        raise VersionError(f"format version {version[:40]} is not supported (this build reads {SUPPORTED_MAJOR}.x)")
    if isinstance(obj.get("pages"), list) and len(obj["pages"]) > max_pages:
        raise ManifestError(f"{len(obj['pages'])} pages declared, more than the limit of {max_pages}")
    try:
        m = convert(obj, _ManifestSchema, "manifest")
    except SchemaError as exc:
        raise ManifestError(str(exc)) from None
    pages = [Page(url=p.url, title=p.title or "", screenshot=p.screenshot,
                  width=_dim(p.width, f"pages[{i}].width", 0, max_dim),
                  height=_dim(p.height, f"pages[{i}].height", 0, max_dim),
                  states=_states(p.states, f"pages[{i}]", max_dim)) for i, p in enumerate(m.pages)]
    if not 0.1 <= m.device_pixel_ratio <= 8:
        raise ManifestError("device_pixel_ratio is not a number between 0.1 and 8")
    if not 0 <= m.start_epoch_ms <= MAX_EPOCH_MS:
        raise ManifestError(f"start_epoch_ms = {m.start_epoch_ms} is not a date between 1970 and 9999")
    duration = m.duration_ms
    return Manifest(
        session_id=m.session_id,
        start_epoch_ms=m.start_epoch_ms,
        pages=pages,
        viewport_width=_dim(m.viewport.width, "viewport.width", MIN_VIEWPORT, max_viewport or max_dim),
        viewport_height=_dim(m.viewport.height, "viewport.height", MIN_VIEWPORT, max_viewport or max_dim),
        site=m.site or "",
        device_pixel_ratio=float(m.device_pixel_ratio),
        attributes={k: str(v) for k, v in (m.attributes or {}).items()},
        source=dict(m.source or {}),
        duration_ms=int(duration) if duration is not None and math.isfinite(duration) and 0 <= duration < 2**53
        else None,
        events_member=m.events.member if m.events else "events.parquet",
        format_version=version,
        extra={k: v for k, v in obj.items() if k not in _KNOWN_KEYS},
    )


class VersionError(ManifestError):
    """The manifest is of a format version this build does not read."""
