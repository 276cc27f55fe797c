"""Annotations a researcher draws on a replay, and where they are kept.

An ``Annotation`` is anchored to one page of a session (geometry in that page's CSS px, so it stays on the element
whatever the zoom or window size) and to a time range (shown during replay while ``t_start_ms <= t <= t_end_ms``).
A redaction covers its page area at every time by default (``whole_session``; old sidecars load as True); limiting
it to its time range is an explicit choice. See docs/export.md.
Annotations are immutable values; an ``AnnotationSet`` holds them in drawing order and tells listeners of changes.

Storage: a *sidecar* JSON file in ``<user data folder>/annotations`` (``model.userdata``), never inside or beside
the input file (input files are never modified, and often live on read-only shares). The file is keyed by the
session id and the sha256 of the input file's content, so a renamed or moved copy finds its notes and a different
file with the same id does not. Writes are atomic (``model.atomic.write_atomic``: temp file in the same directory,
fsync, ``os.replace``, fsync of the directory). A sidecar that cannot be parsed is moved aside as
``<name>.corrupt-<time>`` and reported; it never crashes the viewer.
Load and save remove temp files a killed save left behind (only abandoned ones: see ``model.tempfiles``).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from replaylens.errors import BadInputError
from replaylens.model.atomic import write_atomic
from replaylens.model.digest import file_sha256
from replaylens.model.tempfiles import clean_stale
from replaylens.model.userdata import data_dir, legacy_dirs

FORMAT_NAME = "replaylens-annotations"
FORMAT_VERSION = 1
KINDS: tuple[str, ...] = ("arrow", "rect", "ellipse", "text", "step", "highlight", "redact_solid", "redact_blur")
REDACT_KINDS = frozenset({"redact_solid", "redact_blur"})
#: Kinds defined by two points (a line) rather than a box.
LINE_KINDS = frozenset({"arrow", "text"})
DEFAULT_COLOR = "#e5484d"
DEFAULT_BEFORE_MS, DEFAULT_AFTER_MS = 2_000, 5_000  # new annotation: shown from t-2 s to t+5 s
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ANNOTATIONS = 10_000
MAX_TEXT = 4_000
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Annotation:
    """One mark on a page. Geometry in page CSS px: (x1, y1) → (x2, y2) is the arrow/pointer from anchor to box
    for ``arrow``/``text``, and two opposite corners of the box for every other kind (``step``: the marker centre)."""

    kind: str
    page: int
    x1: float
    y1: float
    x2: float
    y2: float
    t_start_ms: int
    t_end_ms: int
    text: str = ""
    color: str = DEFAULT_COLOR
    width: float = 3.0
    step: int = 0
    at_ms: int | None = None  # the moment it was drawn on (what an export of it shows)
    whole_session: bool = True  # redactions only: cover the area at every time (False: only in t_start..t_end)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """Normalised box (left, top, right, bottom) in page px."""
        return min(self.x1, self.x2), min(self.y1, self.y2), max(self.x1, self.x2), max(self.y1, self.y2)

    @property
    def is_redaction(self) -> bool:
        return self.kind in REDACT_KINDS

    @property
    def always(self) -> bool:
        """A redaction that covers its area for the whole session (the default)."""
        return self.is_redaction and self.whole_session

    def visible_at(self, page: int, t: float | None) -> bool:
        """On ``page`` and (when t is given) inside its time range; a whole-session redaction at every time."""
        return self.page == page and (t is None or self.always or self.t_start_ms <= t <= self.t_end_ms)

    def moved(self, dx: float, dy: float) -> Annotation:
        return replace(self, x1=self.x1 + dx, y1=self.y1 + dy, x2=self.x2 + dx, y2=self.y2 + dy)

    def export_time(self) -> int:
        """When a picture of this annotation should be taken: when it was drawn, else the start of its range."""
        if self.at_ms is not None and self.t_start_ms <= self.at_ms <= self.t_end_ms:
            return self.at_ms
        return self.t_start_ms

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(obj: Any) -> Annotation:
        """Strict parse of one stored annotation; raises ValueError naming the field."""
        if not isinstance(obj, dict):
            raise ValueError("annotation is not an object")
        kind = obj.get("kind")
        if kind not in KINDS:
            raise ValueError(f"unknown annotation kind {kind!r}")
        nums = {k: _num(obj.get(k, 3.0 if k == "width" else None), k) for k in ("x1", "y1", "x2", "y2", "width")}
        page, t0, t1, step = (_int(obj.get(k), k) for k in ("page", "t_start_ms", "t_end_ms", "step"))
        at = obj.get("at_ms")
        color = obj.get("color", DEFAULT_COLOR)
        if not isinstance(color, str) or not _COLOR.match(color):
            raise ValueError(f"color {color!r} is not #rrggbb")
        text = obj.get("text", "")
        if not isinstance(text, str):
            raise ValueError("text is not a string")
        whole = obj.get("whole_session", True)  # absent in older sidecars: a redaction hides its area for good
        if not isinstance(whole, bool):
            raise ValueError("whole_session is not true/false")
        ident = obj.get("id")
        if not isinstance(ident, str) or not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", ident):
            raise ValueError("id is missing or malformed")
        if page < 0 or t1 < t0:
            raise ValueError("page is negative or the time range is reversed")
        return Annotation(kind=kind, page=page, t_start_ms=t0, t_end_ms=t1, step=step, text=text[:MAX_TEXT],
                          color=color.lower(), at_ms=None if at is None else _int(at, "at_ms"), id=ident,
                          whole_session=whole,
                          x1=nums["x1"], y1=nums["y1"], x2=nums["x2"], y2=nums["y2"],
                          width=min(max(nums["width"], 0.5), 64.0))


def _num(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or abs(v) > 1e7:
        raise ValueError(f"{name} is not a finite number")
    return float(v)


def _int(v: Any, name: str) -> int:
    return int(_num(0 if v is None and name == "step" else v, name))


def new_annotation(kind: str, page: int, x1: float, y1: float, x2: float, y2: float, t_ms: float,
                   duration_ms: int | None = None, **kw: Any) -> Annotation:
    """An annotation drawn at time t: shown from t-2 s to t+5 s (clamped to the session)."""
    if kind not in KINDS:
        raise ValueError(f"unknown annotation kind {kind!r}")
    t0 = max(0, int(t_ms) - DEFAULT_BEFORE_MS)
    t1 = int(t_ms) + DEFAULT_AFTER_MS
    if duration_ms is not None:
        t1 = min(t1, max(int(duration_ms), int(t_ms)))
    return Annotation(kind=kind, page=page, x1=x1, y1=y1, x2=x2, y2=y2, t_start_ms=t0, t_end_ms=t1,
                      at_ms=int(t_ms), **kw)


class AnnotationSet:
    """Annotations of one session in drawing order (later ones on top). Listeners get ``fn(set)`` after a change."""

    def __init__(self, items: list[Annotation] | None = None) -> None:
        self._items: dict[str, Annotation] = {a.id: a for a in (items or [])}
        self.listeners: list[Callable[[AnnotationSet], None]] = []

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Annotation]:
        return iter(list(self._items.values()))

    def __contains__(self, ident: object) -> bool:
        return ident in self._items

    def find(self, ident: str | None) -> Annotation | None:
        return self._items.get(ident) if ident else None

    def index(self, ident: str) -> int:
        return list(self._items).index(ident)

    def add(self, a: Annotation, index: int | None = None) -> Annotation:
        """Add (or re-insert at ``index``, which undo of a delete needs to restore the stacking order)."""
        items = [x for x in self._items.values() if x.id != a.id]
        items.insert(len(items) if index is None else max(0, min(index, len(items))), a)
        self._items = {x.id: x for x in items}
        self._changed()
        return a

    def remove(self, ident: str) -> Annotation | None:
        a = self._items.pop(ident, None)
        if a is not None:
            self._changed()
        return a

    def update(self, ident: str, **changes: Any) -> Annotation:
        old = self._items[ident]
        new = replace(old, **changes)
        return self.put(new)

    def put(self, a: Annotation) -> Annotation:
        """Replace the annotation with the same id in place (keeps its stacking order)."""
        if a.id not in self._items:
            raise KeyError(a.id)
        self._items[a.id] = a
        self._changed()
        return a

    def replace_all(self, items: list[Annotation]) -> None:
        self._items = {a.id: a for a in items}
        self._changed()

    def visible(self, page: int, t: float | None) -> list[Annotation]:
        """On ``page`` and shown at t (t None: all of the page's), redactions first so marks stay on top of them."""
        out = [a for a in self._items.values() if a.visible_at(page, t)]
        return sorted(out, key=lambda a: not a.is_redaction)  # stable: drawing order otherwise

    def next_step(self) -> int:
        return max((a.step for a in self._items.values() if a.kind == "step"), default=0) + 1

    def to_json(self, session_id: str = "", input_sha256: str = "") -> dict[str, Any]:
        return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "session_id": session_id,
                "input_sha256": input_sha256, "saved_epoch_ms": int(time.time() * 1000),
                "annotations": [a.to_json() for a in self._items.values()]}

    @staticmethod
    def from_json(obj: Any) -> AnnotationSet:
        """Strict parse; raises ValueError saying what is wrong."""
        if not isinstance(obj, dict) or obj.get("format") != FORMAT_NAME:
            raise ValueError(f"not a Replay Lens annotations file (format should be {FORMAT_NAME!r})")
        version = obj.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION or version < 1:
            raise ValueError(f"annotations version {version!r} is not supported (this build reads 1..{FORMAT_VERSION})")
        items = obj.get("annotations")
        if not isinstance(items, list):
            raise ValueError("'annotations' is not a list")
        if len(items) > MAX_ANNOTATIONS:
            raise ValueError(f"{len(items)} annotations, more than the limit of {MAX_ANNOTATIONS}")
        out: list[Annotation] = []
        for i, item in enumerate(items):
            try:
                out.append(Annotation.from_json(item))
            except ValueError as exc:
                raise ValueError(f"annotations[{i}]: {exc}") from None
        return AnnotationSet(out)

    def _changed(self) -> None:
        for fn in list(self.listeners):
            fn(self)


# -- files ------------------------------------------------------------------------------------------------------
def export_annotations(aset: AnnotationSet, path: str | Path, session_id: str = "", input_sha256: str = "") -> Path:
    """Write the annotations to a file the user chose (same format as the sidecar)."""
    p = Path(path)
    try:
        write_atomic(p, json.dumps(aset.to_json(session_id, input_sha256), indent=1).encode())
    except OSError as exc:
        raise BadInputError(p, f"cannot write: {exc.strerror or exc}") from None
    return p


def import_annotations(path: str | Path) -> AnnotationSet:
    """Read an annotations file; BadInputError (naming the file and the problem) if it is not one."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a device, a FIFO or a folder: never read
            raise BadInputError(p, "this is not a regular file: it is not read")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise BadInputError(p, f"{size:,} bytes, more than the {MAX_FILE_BYTES:,}-byte limit for annotations")
        obj = json.loads(p.read_bytes())
        return AnnotationSet.from_json(obj)
    except OSError as exc:
        raise BadInputError(p, f"cannot read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise BadInputError(p, f"not a valid annotations file: {exc}") from None


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_-]", "_", text)[:64] or "session"


@dataclass
class AnnotationStore:
    """The sidecar of one session file. ``load()`` never raises on a bad sidecar; ``save()`` is atomic."""

    session_id: str
    input_sha256: str
    base_dir: Path = field(default_factory=lambda: data_dir() / "annotations")

    @staticmethod
    def for_session(session: Any, base_dir: Path | None = None) -> AnnotationStore:
        """Keyed by ``session.manifest.session_id`` and the sha256 of ``session.path``'s bytes."""
        sha = getattr(session, "content_sha256", None) or file_sha256(session.path)
        store = AnnotationStore(str(session.manifest.session_id), sha)
        if base_dir is not None:
            store.base_dir = Path(base_dir)
        return store

    @property
    def path(self) -> Path:
        return self.base_dir / f"{_safe(self.session_id)}-{self.input_sha256[:16]}.json"

    def load(self, quarantine: bool = True) -> tuple[AnnotationSet, str | None]:
        """The stored annotations (empty if none) and a warning to show when the sidecar was corrupt; a corrupt
        sidecar is moved aside unless ``quarantine`` is False (read-only callers such as the CLI)."""
        p = self.path
        if quarantine:  # a read-only caller changes nothing
            clean_stale(p)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            old = self._legacy_path()
            if old is None:
                return AnnotationSet(), None
            return AnnotationStore(self.session_id, self.input_sha256, old.parent).load(quarantine=False)
        except OSError as exc:
            return AnnotationSet(), f"Could not read saved annotations {p}: {exc.strerror or exc}"
        try:
            if len(data) > MAX_FILE_BYTES:
                raise ValueError("file too large")
            obj = json.loads(data)
            aset = AnnotationSet.from_json(obj)
            if obj.get("input_sha256") not in ("", self.input_sha256):
                raise ValueError("it belongs to another file")
            return aset, None
        except (ValueError, RecursionError) as exc:
            if not quarantine:
                return AnnotationSet(), f"Saved annotations {p} are unreadable ({exc}); ignored"
            aside = p.with_name(f"{p.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            try:
                os.replace(p, aside)
            except OSError:
                return AnnotationSet(), f"Saved annotations {p} are unreadable ({exc}) and could not be moved aside"
            return AnnotationSet(), f"Saved annotations were unreadable ({exc}); moved aside to {aside.name}"

    def _legacy_path(self) -> Path | None:
        """This sidecar as an earlier version kept it (another folder on macOS and Windows), when it exists and
        this store uses the default folder. It is read from there and saved into the one folder."""
        if self.base_dir != data_dir() / "annotations":
            return None
        return next((q for d in legacy_dirs() if (q := d / "annotations" / self.path.name).is_file()), None)

    def save(self, aset: AnnotationSet) -> Path:
        """Atomically write the sidecar (an empty set removes nothing: it is written as empty, which undo needs)."""
        write_atomic(self.path, json.dumps(aset.to_json(self.session_id, self.input_sha256), indent=1).encode())
        clean_stale(self.path)
        return self.path


# -- editing geometry (pure; the UI's select tool uses these) ----------------------------------------------------
def handles(a: Annotation) -> list[tuple[str, float, float]]:
    """Named drag handles in page px: the two ends of a line kind, corners and edge midpoints of a box kind."""
    if a.kind == "step":
        return []
    if a.kind in LINE_KINDS:
        return [("p1", a.x1, a.y1), ("p2", a.x2, a.y2)]
    left, top, right, bottom = a.rect
    mx, my = (left + right) / 2, (top + bottom) / 2
    return [("tl", left, top), ("t", mx, top), ("tr", right, top), ("r", right, my),
            ("br", right, bottom), ("b", mx, bottom), ("bl", left, bottom), ("l", left, my)]


def resized(a: Annotation, handle: str, x: float, y: float) -> Annotation:
    """``a`` with the named handle dragged to (x, y) page px; boxes are normalised so x1<=x2 and y1<=y2."""
    if handle == "p1":
        return replace(a, x1=x, y1=y)
    if handle == "p2":
        return replace(a, x2=x, y2=y)
    left, top, right, bottom = a.rect
    if "l" in handle:
        left = x
    if "r" in handle:
        right = x
    if "t" in handle:
        top = y
    if "b" in handle:
        bottom = y
    return replace(a, x1=min(left, right), y1=min(top, bottom), x2=max(left, right), y2=max(top, bottom))
