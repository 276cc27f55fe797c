"""Writes: batches of sessions, tags, notes, goals, segments, attribute files, orphan clean-up."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from replaylens.model.library import FacetValue, Goal, Note, SavedSegment, SessionRecord
from replaylens.model.segment import Segment

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def commit(lib: LibraryStore, records: Sequence[SessionRecord]) -> int:
    raise NotImplementedError


def known_sources(lib: LibraryStore) -> dict[str, tuple[int, int, str]]:
    raise NotImplementedError


def known_versions(lib: LibraryStore) -> dict[str, str]:
    raise NotImplementedError


def apply_attribute_rows(lib: LibraryStore, rows: Sequence[tuple[str, str, dict[str, str]]]) -> int:
    raise NotImplementedError


def cleanup_orphans(lib: LibraryStore) -> int:
    raise NotImplementedError


def segments(lib: LibraryStore) -> list[SavedSegment]:
    raise NotImplementedError


def get_segment(lib: LibraryStore, name: str) -> Segment | None:
    raise NotImplementedError


def save_segment(lib: LibraryStore, name: str, segment: Segment) -> None:
    raise NotImplementedError


def delete_segment(lib: LibraryStore, name: str) -> bool:
    raise NotImplementedError


def tag(lib: LibraryStore, ids: list[str], tag: str) -> int:
    raise NotImplementedError


def untag(lib: LibraryStore, ids: list[str], tag: str) -> int:
    raise NotImplementedError


def add_note(lib: LibraryStore, ids: list[str], text: str) -> int:
    raise NotImplementedError


def notes(lib: LibraryStore, session_id: str) -> list[Note]:
    raise NotImplementedError


def all_tags(lib: LibraryStore) -> list[FacetValue]:
    raise NotImplementedError


def goals(lib: LibraryStore) -> list[Goal]:
    raise NotImplementedError


def add_goal(lib: LibraryStore, goal: Goal) -> int:
    raise NotImplementedError


def delete_goal(lib: LibraryStore, name: str) -> bool:
    raise NotImplementedError


def screen_path(lib: LibraryStore, screen: str) -> Path | None:
    raise NotImplementedError
