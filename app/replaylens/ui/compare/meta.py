"""What the comparison views offer to choose from, asked of the library off the UI thread once per view: the facet
values of the segment with their counts (groups, device classes), the pages its sessions showed, the goals, and
the segment's size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from replaylens.model.library import Goal
from replaylens.model.segment import Segment
from replaylens.store.page_list import PageChoice, page_choices
from replaylens.ui.jobs import LatestJob
from replaylens.ui.library.columns import key_label as _key_label

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Facets that are not groups to compare (one value per session, or several per session).
NOT_GROUPS = ("user_id", "session_id", "goal", "finding", "tag")


@dataclass(frozen=True)
class Meta:
    facets: dict[str, list[tuple[str, int]]]
    pages: list[PageChoice]
    goals: list[Goal]
    sessions: int
    unknown: str = ""  # the segment names a key, value, goal or tag the library does not have (said, not zero)


def load(library: LibraryStore, segment: Segment) -> Meta:
    from replaylens.analysis.vocabulary import check_segment
    from replaylens.errors import UnknownNameError

    try:
        check_segment(library, segment)
    except UnknownNameError as exc:
        text = str(exc)
        return Meta({}, [], [], 0, text)
    facets = {k: [(v.value, v.count) for v in vals] for k, vals in library.facets(segment).items()}
    return Meta(facets, page_choices(library, segment), library.goals(), library.count(segment))


def pages_of_groups(library: LibraryStore, segment: Segment, by: str, a: str, b: str, device: str | None
                    ) -> list[tuple[str, str, int, int]]:
    """(path, title, sessions of A, sessions of B) for every page either group showed on ``device``, pages both
    groups showed most first (a comparison needs both sides)."""
    from replaylens.model.segment import AttrIn

    per = [{p.path: p for p in page_choices(library, segment.and_(AttrIn(by, (v,))), device=device)} for v in (a, b)]
    paths = set(per[0]) | set(per[1])
    rows = [(path, (per[0].get(path) or per[1][path]).title, per[0][path].sessions if path in per[0] else 0,
             per[1][path].sessions if path in per[1] else 0) for path in paths]
    rows.sort(key=lambda r: (-min(r[2], r[3]), -(r[2] + r[3]), r[0]))
    return rows


def none_count(facets: dict[str, list[tuple[str, int]]], key: str, sessions: int) -> int:
    """Sessions of the segment without ``key``: the group ``(none)`` ("no campaign")."""
    return max(0, sessions - sum(n for _v, n in facets.get(key, [])))


def split_keys(facets: dict[str, list[tuple[str, int]]], sessions: int | None = None) -> list[str]:
    """Attributes that split the segment into groups: at least two groups (the sessions without the attribute,
    ``(none)``, are one when ``sessions`` is given), not an identifier."""
    def groups(k: str, vals: list[tuple[str, int]]) -> int:
        return len(vals) + (1 if sessions is not None and none_count(facets, k, sessions) > 0 else 0)

    return [k for k, vals in facets.items() if k not in NOT_GROUPS and groups(k, vals) >= 2
            and len(vals) < 50]


def key_label(key: str) -> str:
    return _key_label(key)


def page_label(p: PageChoice) -> str:
    urls = f", {p.urls:,} URLs" if p.urls > 1 else ""  # a template holding several URLs says so
    return (f"{p.title} — {p.path} ({p.sessions:,} sessions{urls})" if p.title
            else f"{p.path} ({p.sessions:,} sessions{urls})")


def screenshot(library: LibraryStore, screen: str | None) -> bytes | None:
    if not screen:
        return None
    path = library.screenshot_path(screen)
    return path.read_bytes() if path is not None and path.is_file() else None


class MetaLoader(QObject):
    """Loads ``Meta`` once in a worker; ``loaded(meta)`` on the UI thread."""

    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, library: LibraryStore, segment: Segment, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.meta: Meta | None = None
        self.job = LatestJob(self)
        self.job.result.connect(self._got)
        self.job.error.connect(self.failed)
        self.job.submit(lambda: load(library, segment))

    @property
    def sessions(self) -> int | None:
        return self.meta.sessions if self.meta is not None else None

    def _got(self, m: Meta) -> None:
        self.meta = m
        if m.unknown:
            self.failed.emit(m.unknown)
            return
        self.loaded.emit(m)

    def wait(self) -> None:
        self.job.shutdown()
