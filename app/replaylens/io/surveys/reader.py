"""Open one survey export: read it (bounded), recognise the vendor by content, parse, mask personal data.

    read_responses(path, fmt=None, mapping=None) -> (format, [SurveyResponse])

Formats (``--format``): ``typeform`` (Responses API JSON), ``typeform-csv``, ``surveymonkey`` (responses API
JSON), ``surveymonkey-csv``, ``posthog`` (exported ``survey sent`` events: JSON list, ``{"results": [...]}`` or
JSON lines), ``zigpoll`` / ``zigpoll-csv``, ``qualaroo`` / ``qualaroo-csv``, ``hotjar`` (survey CSV) and ``csv``
(any CSV with a ``--map``). An unknown or broken file raises one ``BadInputError`` naming the file and what is
missing. Input files are only read.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from replaylens.core.pii import pseudonym
from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io.surveys import readers_csv as C
from replaylens.io.surveys import readers_json as J
from replaylens.io.surveys.mask import mask_cards, mask_text, mask_url
from replaylens.model.survey import MAX_TEXT, SurveyResponse

MAX_BYTES = 256 * 1024 * 1024
MAX_COLUMNS = 2_000
FORMATS: tuple[str, ...] = (*J.READERS, *C.READERS, "csv")
_CHOICE_MAX_DISTINCT = 15
_CHOICE_MAX_LEN = 60


def _text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LimitExceededError(path, f"{size:,} bytes is more than the {MAX_BYTES:,} a survey export may hold")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(path, f"cannot be read ({exc.strerror})") from None
    if not data.strip():
        raise BadInputError(path, "is empty: no survey responses")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _json(path: Path, text: str) -> Any | None:
    """The parsed JSON (or JSON lines), None for text that is not JSON; BadInputError for broken JSON."""
    s = text.lstrip()
    if not s or s[0] not in "[{":
        return None
    try:
        return json.loads(s)
    except json.JSONDecodeError as exc:
        lines = [ln for ln in s.splitlines() if ln.strip()]
        try:  # JSON lines (PostHog exports one event a line)
            return [json.loads(ln) for ln in lines]
        except json.JSONDecodeError:
            raise BadInputError(path, f"starts like JSON but does not parse ({exc.msg} at line {exc.lineno}); "
                                      "is it cut short?") from None


def _rows(path: Path, text: str) -> list[list[str]]:
    sample = text[:20_000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_TEXT * 4)
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise BadInputError(path, f"is not a readable CSV ({exc})") from None
    if not rows or len(rows[0]) < 2:
        raise BadInputError(path, "is not a survey export: no JSON, and no CSV header with two or more columns")
    if len(rows[0]) > MAX_COLUMNS:
        raise LimitExceededError(path, f"more than {MAX_COLUMNS:,} columns")
    return rows


def _infer_kinds(responses: list[SurveyResponse]) -> list[SurveyResponse]:
    """CSV exports do not say which questions were multiple choice: few distinct short values -> choice."""
    values: dict[str, set[str]] = {}
    for r in responses:
        for a in r.answers:
            values.setdefault(a.question, set()).add(a.value)
    text_qs = {q for q, vs in values.items() if len(vs) > _CHOICE_MAX_DISTINCT or
               any(len(v) > _CHOICE_MAX_LEN for v in vs)}
    return [replace(r, answers=[replace(a, kind="text") if a.question in text_qs else a for a in r.answers])
            for r in responses]


def detect(path: str | Path) -> str:
    """The format of a file, from its content. Raises BadInputError naming what is missing."""
    return _parse(Path(path), None, None)[0]


def _parse(path: Path, fmt: str | None, mapping: dict[str, str] | None) -> tuple[str, list[SurveyResponse]]:
    if fmt is not None and fmt not in FORMATS:
        raise BadInputError(path, f"unknown --format {fmt[:40]!r} (one of: {', '.join(FORMATS)})")
    text = _text(path)
    doc = _json(path, text)
    if doc is not None:
        if mapping is not None or fmt in C.READERS or fmt == "csv":
            raise BadInputError(path, "is JSON, but a CSV format or a column mapping was given")
        name = fmt or J.sniff(doc)
        if name is None:
            raise BadInputError(path, "is JSON but not a known survey export: no Typeform 'items' with 'answers', "
                                      "SurveyMonkey 'pages', PostHog 'survey sent' events with '$survey_id', "
                                      "Zigpoll 'poll_id' or Qualaroo 'answered_questions'")
        return name, J.READERS[name](path, doc)
    rows = _rows(path, text)
    if mapping is not None:
        return "csv", _infer_kinds(C.mapped(path, rows, mapping))
    if fmt in J.READERS:
        raise BadInputError(path, f"is not JSON, but --format {fmt} reads JSON")
    name = fmt if fmt not in (None, "csv") else C.sniff(rows[0])
    if name is None:
        cols = ", ".join(h.strip()[:30] for h in rows[0][:10])
        raise BadInputError(path, f"is a CSV of no known survey tool (columns: {cols}); give a column mapping: "
                                  "--map session_id=COL,submitted_at=COL,question=COL,answer=COL")
    return name, _infer_kinds(C.READERS[name](path, rows))


def read_responses(path: str | Path, fmt: str | None = None, mapping: dict[str, str] | None = None, *,
                   mask: bool = True) -> tuple[str, list[SurveyResponse]]:
    """(format, responses) of one export; free text masked unless ``mask`` is False. Responses with the same
    id within the file are kept once."""
    p = Path(path)
    name, got = _parse(p, fmt, mapping)
    seen: dict[str, SurveyResponse] = {}
    for r in got:
        if not r.answers:
            continue
        if mask:
            r = replace(r, answers=[replace(a, value=mask_text(a.value)) for a in r.answers])
        else:  # card numbers are never stored, whatever the import asks (PCI DSS requirement 3)
            r = replace(r, answers=[replace(a, value=mask_cards(a.value)) for a in r.answers])
        r = replace(r, url=mask_url(r.url) if r.url else r.url,
                    user_hint=pseudonym(r.user_hint) if r.user_hint else r.user_hint)
        seen.setdefault(r.response_id, r)
    if not seen:
        raise BadInputError(p, f"is a {name} export with no answered responses")
    return name, list(seen.values())
