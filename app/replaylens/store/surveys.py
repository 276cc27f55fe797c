"""The survey tables for the layers above the store: the importer's join (``io.surveys.join``) and the answer
analysis (``analysis.surveys``) call these named queries; the SQL behind them stays private in ``store._surveys``
(a contract in pyproject.toml keeps that module inside ``store/``)."""

from __future__ import annotations

from replaylens.store._surveys import (
    ANSWER_PREFIX,
    TEXT_PREFIX,
    answers_of,
    existing_sessions,
    has_tables,
    insert,
    known_ids,
    sessions_of_users,
    themes,
    time_candidates,
    unmatched,
    update_joins,
)

__all__ = ["ANSWER_PREFIX", "TEXT_PREFIX", "answers_of", "existing_sessions", "has_tables", "insert", "known_ids",
           "sessions_of_users", "themes", "time_candidates", "unmatched", "update_joins"]
