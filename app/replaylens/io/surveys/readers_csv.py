"""CSV survey exports: Typeform, SurveyMonkey (two header rows), Hotjar, Qualaroo, Zigpoll, and any CSV with a
column mapping. ``sniff`` names the vendor from the header row (never from the file name)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replaylens.errors import BadInputError
from replaylens.io.surveys.common import SESSION_KEYS, USER_KEYS, answer, check_count, response, vendor_id
from replaylens.model.survey import Answer, SurveyResponse, clip

Rows = list[list[str]]
TYPEFORM_META = {"#", "start date (utc)", "submit date (utc)", "stage date (utc)", "network id", "tags",
                 "response type", "ending", "score"}
SM_META = {"respondent id", "collector id", "start date", "end date", "ip address", "email address",
           "first name", "last name"}
HOTJAR_META = {"number", "user", "date submitted", "country", "source url", "device", "browser", "os",
               "hotjar user id", "recording url"}
QUALAROO_META = {"id", "response id", "time", "page", "referrer", "ip address", "user agent", "identity",
                 "nudge", "nudge id", "location"}
ZIGPOLL_META = {"id", "date", "created at", "poll id", "poll", "participant id", "email", "page url", "url",
                "metadata", "order id", "referrer", "question", "slide", "response", "value"}
MAP_KEYS = ("session_id", "user_id", "submitted_at", "url", "question", "answer", "response_id")


def _low(header: list[str]) -> list[str]:
    return [h.strip().lower() for h in header]


def sniff(header: list[str]) -> str | None:
    h = set(_low(header))
    if "#" in h and ("submit date (utc)" in h or "start date (utc)" in h):
        return "typeform-csv"
    if {"respondent id", "collector id"} <= h:
        return "surveymonkey-csv"
    if {"date submitted", "source url"} <= h:
        return "hotjar"
    if "page" in h and "time" in h and ({"identity", "user agent"} & h):
        return "qualaroo-csv"
    if ({"participant id", "participant_id"} & h) and ({"poll id", "poll_id", "poll"} & h):
        return "zigpoll-csv"
    return None


def _col(header: list[str], *names: str) -> int | None:
    low = _low(header)
    for n in names:
        if n in low:
            return low.index(n)
    return None


def _get(row: list[str], i: int | None) -> str | None:
    if i is None or i >= len(row):
        return None
    v = row[i].strip()
    return v or None


def _hint(header: list[str], row: list[str], keys: tuple[str, ...]) -> str | None:
    return clip(_get(row, _col(header, *keys)), 200) or None


def _wide(path: Any, rows: Rows, source: str, meta: set[str], *, rid: tuple[str, ...], time: tuple[str, ...],
          url: tuple[str, ...] = (), user: tuple[str, ...] = USER_KEYS) -> list[SurveyResponse]:
    header, body = rows[0], rows[1:]
    check_count(path, len(body))
    skip = meta | set(SESSION_KEYS) | set(USER_KEYS)
    questions = [(i, h.strip()) for i, h in enumerate(header) if h.strip() and h.strip().lower() not in skip]
    ri, ti, ui = _col(header, *rid), _col(header, *time), _col(header, *url) if url else None
    out = []
    for row in body:
        if not any(c.strip() for c in row):
            continue
        answers = [answer(q, _get(row, i)) for i, q in questions]
        out.append(response(path, vendor_id(source, _get(row, ri)), source, _get(row, ti), answers,
                            session_hint=_hint(header, row, SESSION_KEYS), user_hint=_hint(header, row, user),
                            url=clip(_get(row, ui), 2000) or None))
    return out


def typeform_csv(path: Any, rows: Rows) -> list[SurveyResponse]:
    return _wide(path, rows, "typeform", TYPEFORM_META, rid=("#",), time=("submit date (utc)", "start date (utc)"))


def hotjar(path: Any, rows: Rows) -> list[SurveyResponse]:
    # Hotjar surveys carry no user id: the "User" column is a visitor label, not an id the library knows
    return _wide(path, rows, "hotjar", HOTJAR_META, rid=("number",), time=("date submitted",), url=("source url",),
                 user=())


def qualaroo_csv(path: Any, rows: Rows) -> list[SurveyResponse]:
    return _wide(path, rows, "qualaroo", QUALAROO_META, rid=("response id", "id"), time=("time",), url=("page",),
                 user=("identity", *USER_KEYS))


def surveymonkey_csv(path: Any, rows: Rows) -> list[SurveyResponse]:
    """Row 1: headings (blank where a multiple-choice question continues); row 2: "Response", "Open-Ended
    Response" or the choice under each column."""
    if len(rows) < 2:
        raise BadInputError(path, "the SurveyMonkey export has no second header row (Response / choices)")
    top, sub, body = rows[0], rows[1], rows[2:]
    check_count(path, len(body))
    heads: list[str] = []
    for h in top:
        heads.append(h.strip() or (heads[-1] if heads else ""))
    low = _low(top)
    ri, ti = _col(top, "respondent id"), _col(top, "end date", "start date")
    out = []
    for row in body:
        if not any(c.strip() for c in row):
            continue
        per_q: dict[str, tuple[list[str], str]] = {}
        for i, q in enumerate(heads):
            if not q or (low[i] if i < len(low) else "") in SM_META or q.lower() in SESSION_KEYS + USER_KEYS:
                continue
            v = _get(row, i)
            if v is None:
                continue
            kind = "text" if "open-ended" in (sub[i].lower() if i < len(sub) else "") else "choice"
            vals, _ = per_q.get(q, ([], kind))
            vals.append(v)
            per_q[q] = (vals, kind)
        answers = [answer(q, vals, kind) for q, (vals, kind) in per_q.items()]
        out.append(response(path, vendor_id("surveymonkey", _get(row, ri)), "surveymonkey", _get(row, ti), answers,
                            session_hint=_hint(top, row, SESSION_KEYS), user_hint=_hint(top, row, USER_KEYS)))
    return out


def _long(path: Any, rows: Rows, source: str, cols: dict[str, int | None]) -> list[SurveyResponse]:
    """One row per answer: rows with the same response id (or the same session, user and time) make one
    response."""
    body = rows[1:]
    check_count(path, len(body))
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in body:
        if not any(c.strip() for c in row):
            continue
        g: dict[str, Any] = {k: _get(row, i) for k, i in cols.items()}
        key = (g.get("response_id"),) if g.get("response_id") else (g.get("session_id"), g.get("user_id"),
                                                                    g.get("submitted_at"), g.get("url"))
        entry = groups.setdefault(key, {**g, "answers": []})
        entry["answers"].append(answer(g.get("question") or "response", g.get("answer")))
    out = []
    for g in groups.values():
        out.append(response(path, vendor_id(source, g.get("response_id")), source, g.get("submitted_at"),
                            g["answers"], session_hint=clip(g.get("session_id"), 200) or None,
                            user_hint=clip(g.get("user_id"), 200) or None, url=clip(g.get("url"), 2000) or None))
    return out


def zigpoll_csv(path: Any, rows: Rows) -> list[SurveyResponse]:
    h = rows[0]
    cols = {"response_id": _col(h, "id"), "submitted_at": _col(h, "date", "created at"),
            "user_id": _col(h, "participant id", "participant_id"), "url": _col(h, "page url", "url"),
            "question": _col(h, "question", "slide"), "answer": _col(h, "response", "value"),
            "session_id": _col(h, *SESSION_KEYS)}
    if cols["question"] is None or cols["answer"] is None:
        raise BadInputError(path, "the Zigpoll export has no Question and Response columns")
    return _long(path, rows, "zigpoll", cols)


def parse_map(text: str) -> dict[str, str]:
    """``session_id=col,submitted_at=col,question=col,answer=col`` -> {key: column}. Raises ValueError."""
    out: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        key, sep, col = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in MAP_KEYS or not col.strip():
            raise ValueError(f"{part.strip()[:60]!r} is not KEY=COLUMN with KEY one of {', '.join(MAP_KEYS)}")
        out[key] = col.strip()
    if "submitted_at" not in out and "session_id" not in out and "user_id" not in out:
        raise ValueError("a mapping needs session_id, user_id or submitted_at (something to join on)")
    return out


def mapped(path: Any, rows: Rows, mapping: dict[str, str]) -> list[SurveyResponse]:
    header = rows[0]
    cols: dict[str, int | None] = {}
    for key, name in mapping.items():
        i = _col(header, name.lower())
        if i is None:
            raise BadInputError(path, f"the mapped column {name[:60]!r} ({key}) is not in the header "
                                      f"({', '.join(h[:30] for h in header[:12])})")
        cols[key] = i
    if "question" in cols or "answer" in cols:
        if "answer" not in cols:
            raise BadInputError(path, "the mapping names a question column but no answer column")
        return _long(path, rows, "csv", cols)
    used = {i for i in cols.values() if i is not None}
    answers_cols = [(i, h.strip()) for i, h in enumerate(header) if i not in used and h.strip()]
    out = []
    check_count(path, len(rows) - 1)
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        g = {k: _get(row, i) for k, i in cols.items()}
        ans: list[Answer | None] = [answer(q, _get(row, i)) for i, q in answers_cols]
        out.append(response(path, vendor_id("csv", g.get("response_id")), "csv", g.get("submitted_at"), ans,
                            session_hint=clip(g.get("session_id"), 200) or None,
                            user_hint=clip(g.get("user_id"), 200) or None, url=clip(g.get("url"), 2000) or None))
    return out


READERS: dict[str, Callable[[Any, Rows], list[SurveyResponse]]] = {
    "typeform-csv": typeform_csv, "surveymonkey-csv": surveymonkey_csv, "hotjar": hotjar,
    "qualaroo-csv": qualaroo_csv, "zigpoll-csv": zigpoll_csv}
