"""Test-side SQL over a one-session store: the tests check what was loaded with their own queries; the app has no
raw-SQL entry (every query of its own is a named method of ``store.session.SessionStore``)."""

from __future__ import annotations

from typing import Any

from replaylens.model.session import EventStore
from replaylens.store.session import SessionStore


def query(store: EventStore, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run ``sql`` against the store's ``events`` view (drained, under the store's lock)."""
    assert isinstance(store, SessionStore)
    return store._run(sql, params)
