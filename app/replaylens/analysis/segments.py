"""Segments from user text: the CLI ``--filter`` syntax and the Library window's filter box share this parser.

    KEY=V1,V2      attribute (or session column) equals one of the values; KEY may be a source's own name
                   (utm_campaign means campaign: model.vocabulary); the value (none): the session lacks KEY
    KEY!=V1,V2     equals none of them
    KEY>=N  KEY<=N  KEY>N  KEY<N   numeric or ISO-date range
    goal=NAME   goal!=NAME        reached / did not reach a goal
    finding=KIND  finding!=KIND   has / has no finding of a kind
    page=PATTERN  page!=PATTERN   visited a page (glob; "/..." matches the path)
    tag=TAG  tag!=TAG             carries a tag
    date>=YYYY-MM-DD  date<YYYY-MM-DD   session start date range
    text=WORDS                    text in a visited URL, a page title or a clicked label
    answered=yes  answered=no     has / has no survey answer joined to it
    answer:QUESTION=V1,V2         answered QUESTION with one of the values (answer:QUESTION!=V: did not)

A value list splits on commas; write ``\\,`` for a literal comma. Values are data, never SQL: ``store`` binds them
as parameters. ``describe_segment`` / ``describe_filter`` say a segment in words (the reports, the comparison
views and the Library window's status bar), plainly or with the caller's labels (``SegmentWords``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from replaylens.analysis.bounds import bound_problem
from replaylens.analysis.findings.analyze import FINDING_KINDS
from replaylens.model.library import Goal
from replaylens.model.segment import (
    AttrIn,
    AttrRange,
    DateRange,
    Filter,
    HasFinding,
    ReachedGoal,
    Segment,
    Tagged,
    TextSearch,
    VisitedPage,
)
from replaylens.model.vocabulary import NONE

#: Operators, longest first so ``>=`` wins over ``>``.
_OPS = ("!=", ">=", "<=", "=", ">", "<")
_KEY_RE = re.compile(r"^[^\x00-\x1f=<>!]{1,120}$")
MAX_EXPR = 100_000
MAX_VALUES = 10_000


class FilterSyntaxError(ValueError):
    """A filter expression cannot be parsed; the message says why."""


def _split_values(text: str) -> tuple[str, ...]:
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in ",\\":
            cur.append(text[i + 1])
            i += 2
            continue
        if c == ",":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    values = tuple(p.strip() for p in parts if p.strip())
    if len(values) > MAX_VALUES:
        raise FilterSyntaxError(f"at most {MAX_VALUES:,} values in one filter")
    return values


def _split(expr: str) -> tuple[str, str, str]:
    best: tuple[int, str] | None = None
    for op in _OPS:
        i = expr.find(op)
        if i > 0 and (best is None or i < best[0] or (i == best[0] and len(op) > len(best[1]))):
            best = (i, op)
    if best is None:
        raise FilterSyntaxError(f"{expr[:60]!r} is not KEY=VALUE, KEY!=VALUE, KEY>=N, KEY<=N, KEY>N or KEY<N")
    i, op = best
    key, value = expr[:i].strip(), expr[i + len(op):].strip()
    if not _KEY_RE.match(key):
        raise FilterSyntaxError(f"{key[:60]!r} is not a filter key (1-120 characters, no control characters)")
    if not value:
        raise FilterSyntaxError(f"the filter on {key[:60]!r} has no value")
    return key, op, value


def _range(key: str, op: str, value: str) -> AttrRange:
    problem = bound_problem(key, value)
    if problem is not None:
        raise FilterSyntaxError(problem)
    if op == ">=":
        return AttrRange(key, low=value)
    if op == ">":
        return AttrRange(key, low=value, low_inclusive=False)
    if op == "<=":
        return AttrRange(key, high=value)
    return AttrRange(key, high=value, high_inclusive=False)


def parse_filter(expr: str) -> Filter:
    """One ``KEY<op>VALUE`` expression -> a filter. Raises FilterSyntaxError."""
    if not isinstance(expr, str) or len(expr) > MAX_EXPR:
        raise FilterSyntaxError(f"a filter is text of at most {MAX_EXPR:,} characters")
    if "\x00" in expr:
        raise FilterSyntaxError("a filter cannot contain a NUL character")
    key, op, value = _split(expr)
    special = key.lower()
    negate = op == "!="
    if special in ("goal", "finding", "page", "tag", "text") and op not in ("=", "!="):
        raise FilterSyntaxError(f"{special} filters take = or !=, not {op}")
    if special == "goal":
        return ReachedGoal(value, reached=not negate)
    if special == "finding":
        if value not in FINDING_KINDS:
            raise FilterSyntaxError(f"unknown finding kind {value[:60]!r} (one of: {', '.join(FINDING_KINDS)})")
        return HasFinding(value, negate=negate)
    if special == "page":
        return VisitedPage(value, negate=negate)
    if special == "tag":
        return Tagged(value, negate=negate)
    if special == "text":
        if negate:
            raise FilterSyntaxError("text filters take =, not !=")
        return TextSearch(value)
    if special == "answered":
        if op not in ("=", "!=") or value.lower() not in ("yes", "no", "true", "false"):
            raise FilterSyntaxError("answered takes =yes or =no")
        return AttrIn("answered", ("yes",), negate=negate != (value.lower() in ("no", "false")))
    if special == "date":
        if op in ("=", "!="):
            raise FilterSyntaxError("date filters take >=, <=, > or < (e.g. date>=2026-11-01)")
        return _range("start", op, value)
    if op in ("=", "!="):
        values = _split_values(value)
        if not values:
            raise FilterSyntaxError(f"the filter on {key[:60]!r} has no value")
        return AttrIn(key, values, negate=negate)
    return _range(key, op, value)


def parse_filters(exprs: Sequence[str], base: Segment | None = None) -> Segment:
    """AND of expressions (after ``base``'s filters)."""
    filters = [parse_filter(e) for e in exprs]
    return (base or Segment()).and_(*filters)


def goal_from_options(name: str, *, page: str | None = None, event: str | None = None,
                      click: str | None = None) -> Goal:
    """The goal of ``library goal add NAME --page P | --event E | --click L``. Raises ValueError."""
    given = [(k, v) for k, v in (("page", page), ("event", event), ("click", click)) if v]
    if len(given) != 1:
        raise ValueError("give exactly one of --page PATTERN, --event NAME, --click LABEL")
    kind, pattern = given[0]
    return Goal(name, kind, pattern)  # type: ignore[arg-type]


def _plain_key(key: str) -> str:
    return key.replace("_", " ")


def _plain_value(key: str, value: str) -> str:
    return value.replace("_", " ") if key == "finding" else value


@dataclass(frozen=True)
class SegmentWords:
    """How keys, values and range bounds read in a sentence (plain by default; the Library window passes the
    labels of its columns)."""

    key: Callable[[str], str] = _plain_key
    value: Callable[[str, str], str] = _plain_value
    amount: Callable[[str, object], str] = lambda _key, v: str(v)


PLAIN = SegmentWords()


def describe_filter(f: Filter, words: SegmentWords = PLAIN) -> str:
    """One condition in words: "user type is new or returning", "100 ≤ balance", "did not reach the goal deposit"."""
    if isinstance(f, AttrIn) and tuple(str(v) for v in f.values) == (NONE,):  # campaign=(none)
        return f"{words.key(f.key)} is {'set' if f.negate else 'not set'}"
    if isinstance(f, AttrIn):
        vals = " or ".join(words.value(f.key, str(v)) for v in f.values)
        return f"{words.key(f.key)} is not {vals}" if f.negate else f"{words.key(f.key)} is {vals}"
    if isinstance(f, AttrRange):
        lo = "" if f.low is None else f"{words.amount(f.key, f.low)} {'≤' if f.low_inclusive else '<'} "
        hi = "" if f.high is None else f" {'≤' if f.high_inclusive else '<'} {words.amount(f.key, f.high)}"
        return f"{lo}{words.key(f.key)}{hi}"
    if isinstance(f, VisitedPage):
        return f"{'did not visit' if f.negate else 'visited'} {f.pattern}"
    if isinstance(f, ReachedGoal):
        return f"{'reached' if f.reached else 'did not reach'} the goal {words.value('goal', f.goal)}"
    if isinstance(f, HasFinding):
        kind = words.value("finding", f.kind)
        return f"no {kind}" if f.negate else (f"{kind}" if f.min_count == 1 else f"{kind} at least {f.min_count}×")
    if isinstance(f, DateRange):
        return f"started {f.start or '…'} to {f.end or '…'}"
    if isinstance(f, Tagged):
        return f"{'not tagged' if f.negate else 'tagged'} {f.tag}"
    if isinstance(f, TextSearch):
        return f"mentions “{f.text}”"
    return str(f)


def describe_segment(segment: Segment | None, name: str | None = None, words: SegmentWords = PLAIN) -> str:
    """A segment in words: "Segment “new in April”: sessions where user type is new and campaign is songkran or
    organic"."""
    parts = [describe_filter(f, words) for f in (segment.filters if segment is not None else ())]
    text = ("sessions where " + " and ".join(parts)) if parts else "all sessions"
    return f"Segment “{name}”: {text}" if name else text[:1].upper() + text[1:]
