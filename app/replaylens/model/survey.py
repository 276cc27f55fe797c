"""Survey responses as plain values (no I/O, no SQL): what a vendor reader yields and the library stores.

A response carries the keys a join may use (``session_hint`` from a hidden field / custom variable /
``$session_id``, ``user_hint`` from a user or participant id, ``submitted_ms`` and ``url``) and its answers.
``match`` says how the response was joined to a session: ``session_id``, ``user_id``, ``time_page`` or ``none``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MATCHES = ("session_id", "user_id", "time_page", "none")
#: Limits at the boundary: a tiny file never allocates much more than it holds.
MAX_RESPONSES = 200_000
MAX_ANSWERS = 200
MAX_TEXT = 4_000
MAX_QUESTION = 500


@dataclass(frozen=True)
class Answer:
    """One answer: ``kind`` is ``choice`` (a pick from fixed options, counted) or ``text`` (free text)."""

    question: str
    value: str
    kind: str = "choice"


@dataclass
class SurveyResponse:
    response_id: str
    source: str
    submitted_ms: int | None
    answers: list[Answer]
    survey_id: str | None = None
    session_hint: str | None = None
    user_hint: str | None = None
    url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Join:
    """How one response was joined: the session (None when unmatched), the method and a confidence 0-1."""

    response_id: str
    session_id: str | None
    match: str
    confidence: float
    note: str = ""


def clip(text: object, limit: int = MAX_TEXT) -> str:
    """Text of at most ``limit`` characters (vendors' free text is cut, never rejected)."""
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"
