"""Session rows: count, pages of rows as Arrow, ids in order, one session's detail, its events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from replaylens.model.library import SessionSource
from replaylens.model.segment import Segment

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def count(lib: LibraryStore, segment: Segment | None) -> int:
    raise NotImplementedError


def rows(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool, limit: int, offset: int,
         attributes: Sequence[str], goals: bool) -> pa.Table:
    raise NotImplementedError


def ids(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool) -> list[str]:
    raise NotImplementedError


def session_detail(lib: LibraryStore, session_id: str) -> dict[str, Any] | None:
    raise NotImplementedError


def sessions_json(lib: LibraryStore, segment: Segment | None, *, sort: str, descending: bool, limit: int | None,
                  offset: int) -> list[dict[str, Any]]:
    raise NotImplementedError


def source_of(lib: LibraryStore, session_id: str) -> SessionSource | None:
    raise NotImplementedError


def events(lib: LibraryStore, session_id: str) -> pa.Table:
    raise NotImplementedError
