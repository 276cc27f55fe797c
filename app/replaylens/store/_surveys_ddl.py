"""The survey tables of the catalogue (layout version 2; docs/library.md and docs/surveys.md).

``survey_responses``: one row per imported response and how it was joined to a session; ``survey_answers``: its
answers; ``survey_themes``: the keyword groups free-text answers are counted under (edited by the user).
"""

from __future__ import annotations

SURVEY_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS survey_responses (response_id VARCHAR NOT NULL, source VARCHAR NOT NULL,
        survey_id VARCHAR, submitted_ms BIGINT, url VARCHAR, session_hint VARCHAR, user_hint VARCHAR,
        session_id VARCHAR, match VARCHAR NOT NULL, confidence DOUBLE NOT NULL, note VARCHAR, file VARCHAR,
        imported_ms BIGINT)""",
    """CREATE TABLE IF NOT EXISTS survey_answers (response_id VARCHAR NOT NULL, position INTEGER NOT NULL,
        question VARCHAR NOT NULL, answer VARCHAR NOT NULL, kind VARCHAR NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS survey_themes (name VARCHAR NOT NULL, keywords VARCHAR NOT NULL, created_ms BIGINT)",
)
