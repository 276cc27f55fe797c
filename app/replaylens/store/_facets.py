"""Facet counts, attribute keys and library totals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from replaylens.model.library import AttributeKey, FacetValue
from replaylens.model.segment import Segment

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def facets(lib: LibraryStore, segment: Segment | None, keys: Sequence[str] | None,
           limit: int) -> dict[str, list[FacetValue]]:
    raise NotImplementedError


def attribute_keys(lib: LibraryStore) -> list[AttributeKey]:
    raise NotImplementedError


def info(lib: LibraryStore) -> dict[str, Any]:
    raise NotImplementedError
