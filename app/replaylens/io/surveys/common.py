"""Shared pieces of the survey readers: timestamps, the keys a join uses, stable response ids, typed checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from replaylens.errors import BadInputError
from replaylens.model.survey import MAX_ANSWERS, MAX_QUESTION, MAX_RESPONSES, Answer, SurveyResponse, clip

#: Hidden-field / custom-variable / column names that carry a Replay Lens (or PostHog) session id.
SESSION_KEYS = ("session_id", "sessionid", "session", "replay_session_id", "rl_session", "$session_id",
                "replaylens_session")
#: Names that carry a user id (the library's ``user_id`` / ``identities``).
USER_KEYS = ("user_id", "userid", "uid", "customer_id", "distinct_id", "$user_id", "external_id")
_NUM = re.compile(r"^-?\d+(\.\d+)?$")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p",
            "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%b %d, %Y %I:%M %p", "%Y-%m-%d")


def parse_time(value: Any) -> int | None:
    """Epoch ms (UTC) of an ISO 8601 text, a vendor's ``YYYY-MM-DD HH:MM:SS`` (read as UTC when it has no zone)
    or epoch seconds / ms; None when it does not parse."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        v = float(value)
        return int(v if v > 1e11 else v * 1000)
    text = str(value).strip()
    if not text:
        return None
    if _NUM.match(text):
        return parse_time(float(text))
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    t: dt.datetime | None = None
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        for fmt in _FORMATS:
            try:
                t = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return int(t.timestamp() * 1000)


def find_key(obj: Mapping[str, Any], names: Iterable[str]) -> str | None:
    """The first non-empty value in ``obj`` under one of ``names`` (case-insensitive)."""
    lower = {str(k).lower(): v for k, v in obj.items()}
    for n in names:
        v = lower.get(n)
        if v is not None and str(v).strip():
            return clip(str(v).strip(), 200)
    return None


def content_id(source: str, *parts: Any) -> str:
    """A stable response id from the content (for files without a vendor id): same row, same id."""
    raw = json.dumps([source, *parts], sort_keys=True, default=str, ensure_ascii=False)
    return f"{source}:h{hashlib.sha256(raw.encode()).hexdigest()[:20]}"


def vendor_id(source: str, value: Any) -> str | None:
    if value is None or not str(value).strip():
        return None
    return f"{source}:{clip(str(value).strip(), 200)}"


def answer(question: Any, value: Any, kind: str = "choice") -> Answer | None:
    """An answer, or None for an empty one (skipped questions are not answers)."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v is not None)
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = str(value).strip()
    q = clip(str(question).strip(), MAX_QUESTION)
    if not text or not q:
        return None
    return Answer(q, clip(text), kind)


def response(path: Any, rid: str | None, source: str, submitted: Any, answers: list[Answer | None],
             **keys: Any) -> SurveyResponse:
    got = [a for a in answers if a is not None][:MAX_ANSWERS]
    ms = parse_time(submitted)
    rid = rid or content_id(source, ms, [(a.question, a.value) for a in got], keys.get("session_hint"),
                            keys.get("user_hint"), keys.get("url"))
    return SurveyResponse(response_id=rid, source=source, submitted_ms=ms, answers=got, **keys)


def need(path: Any, obj: Any, typ: type | tuple[type, ...], what: str) -> Any:
    """``obj`` if it is of ``typ``, else one BadInputError naming the file and what is missing."""
    if not isinstance(obj, typ):
        raise BadInputError(path, f"{what} is missing or not of the documented type")
    return obj


def check_count(path: Any, n: int) -> None:
    if n > MAX_RESPONSES:
        raise BadInputError(path, f"more than {MAX_RESPONSES:,} responses in one file; split the export")
