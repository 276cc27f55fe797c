"""Compile a ``Segment`` to a parameterised SQL condition over ``sessions s``, in the SQL both engines run
(DuckDB dialect without DuckDB-only constructs: lists become ``IN (?, …)``, globs bound regular expressions;
``store.spark`` transpiles it with sqlglot).

User text (keys, values, patterns) only ever becomes a bound parameter. The SQL text is assembled from fixed
fragments and from column names looked up in ``SESSION_COLUMNS`` (a fixed dictionary), so no filter can change
the statement's shape.
"""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

from replaylens.model.segment import (
    SESSION_COLUMNS,
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
from replaylens.model.vocabulary import NONE, canonical_key, resolve
from replaylens.store._wide import FINDING_COLUMNS, Wide

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?Z?$")
#: Session columns holding numbers (ranges compare numerically).
_NUMERIC = {k for k, v in SESSION_COLUMNS.items() if v == "int"}
_TIME = {"start": "s.start", "day": "s.day"}
_ATTR = "EXISTS (SELECT 1 FROM attributes a WHERE a.session_id = s.session_id AND a.key = ? AND ({}))"


def in_list(expr: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``expr IN (?, ?, …)`` with one placeholder per value (``false`` for none): the same SQL in every engine."""
    if not values:
        return "false", []
    return f"{expr} IN ({', '.join('?' for _ in values)})", list(values)


def glob_regex(glob: str) -> str:
    """A glob (``*`` any text, ``?`` one character, ``[abc]`` / ``[a-z]`` / ``[!abc]`` a set, ``\\x`` a literal x)
    as an anchored regular expression that RE2 (DuckDB) and java.util.regex (Spark) read alike."""
    out = ["(?s)\\A"]
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(_literal(glob[i]))
        elif c == "[" and (j := glob.find("]", i + 2 if glob[i + 1: i + 2] in ("!", "^") else i + 1)) > i:
            body = glob[i + 1: j]
            neg = body[:1] in ("!", "^")
            body = body[1:] if neg else body
            out.append("[" + ("^" if neg else "") + "".join("\\" + ch if ch in "\\[^&" else ch for ch in body) + "]")
            i = j
        elif c == "[":  # an unclosed set: DuckDB's GLOB matches nothing
            out.append("[^\\s\\S]")
        else:
            out.append(_literal(c))
        i += 1
    return "".join(out) + "\\z"


def _literal(c: str) -> str:
    return "\\" + c if c in _REGEX_META else c


_REGEX_META = frozenset(".^$*+?()[]{}|\\")


def glob_match(expr: str, glob: str) -> tuple[str, list[Any]]:
    """SQL testing ``expr`` against ``glob`` (a bound regular expression; never pasted into the SQL)."""
    return f"regexp_matches({expr}, ?)", [glob_regex(glob)]


def page_match(alias: str, globs: list[str], templates: bool = True) -> tuple[str, list[Any]]:
    """``alias`` (a ``pages`` row) matches any of ``globs``: one starting with ``/`` matches the URL's path or
    its URL template (``/account/<id>/transfer``; ``templates`` False for a library without them), anything else
    the whole URL."""
    parts: list[str] = []
    params: list[Any] = []
    for g in globs:
        sql, p = glob_match(f"{alias}.path" if g.startswith("/") else f"{alias}.url", g)
        parts.append(sql)
        params += p
        if templates and g.startswith("/"):
            sql, p = glob_match(f"{alias}.template", g)
            parts.append(sql)
            params += p
    return "(" + " OR ".join(parts) + ")", params


def day_bounds(segment: Segment | None, alias: str = "e") -> tuple[str, list[Any]]:
    """Conditions on the ``day`` partition column of ``alias`` implied by the segment's date filters (the events
    of a session are in the partition of its start day, UTC), so both engines prune event files. ``true`` when
    the segment has no date bound."""
    terms: list[str] = []
    params: list[Any] = []
    for f in segment.filters if segment is not None else ():
        if not isinstance(f, DateRange):
            continue
        for value, op in ((f.start, ">="), (f.end, "<=")):
            day = _day_of(value, last=op == "<=")
            if day is not None:
                terms.append(f"{alias}.day {op} CAST(? AS DATE)")
                params.append(day)
    return " AND ".join(terms) or "true", params


def _day_of(value: Any, *, last: bool) -> str | None:
    """The first day a ``>=`` bound admits, or the last day a ``<`` bound admits (None: no usable bound)."""
    if value is None:
        return None
    try:
        kind, text = _bound(value)
        when = datetime.datetime.fromisoformat(str(text).replace(" ", "T"))
    except ValueError:
        return None
    if kind != "date":
        return None
    return (when - datetime.timedelta(microseconds=1) if last else when).date().isoformat()


def column(key: str) -> str | None:
    """The SQL column of a built-in session key (None for an attribute key). Keys are looked up, not pasted."""
    return f"s.{key}" if key in SESSION_COLUMNS else None


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _bound(v: Any) -> tuple[str, Any]:
    """A range bound: ('num', float) or ('date', iso text). Raises ValueError for anything else."""
    n = _as_number(v)
    if n is not None:
        return "num", n
    text = str(v).strip()
    if _DATE_RE.match(text):
        return "date", text.rstrip("Z")
    raise ValueError(f"a range bound must be a number or an ISO date, not {text[:40]!r}")


def _texts(values: tuple[Any, ...]) -> list[str]:
    return [("true" if v else "false") if isinstance(v, bool) else str(v) for v in values]


def resolve_key(key: str, wide: Wide) -> str:
    """The key a filter means in this library: a session column, a stored attribute key, or (for a source's own
    name, ``utm_campaign``, ``device``) its canonical key (``model.vocabulary``); unknown keys stay as they are."""
    if key in SESSION_COLUMNS or key in wide.attr_cols:
        return key
    found = resolve(key, wide.attr_cols)
    if found is not None:
        return found
    canon = canonical_key(key)
    return canon if canon in SESSION_COLUMNS else key


def _attr_in(f: AttrIn, wide: Wide) -> tuple[str, list[Any]]:
    key = resolve_key(f.key, wide)
    want_none = NONE in _texts(f.values)
    values = tuple(v for v in f.values if not (isinstance(v, str) and v == NONE))
    texts = _texts(values)
    nums = [n for n in (_as_number(v) for v in values) if n is not None]
    col = column(key)
    if col is not None:
        cond, params = in_list(f"CAST({col} AS VARCHAR)", texts)
        if key in _NUMERIC and nums:
            num_cond, num_params = in_list(f"CAST({col} AS DOUBLE)", nums)
            cond, params = f"({cond} OR {num_cond})", [*params, *num_params]
        if want_none:  # (none): the session has no value
            cond = f"({cond} OR {col} IS NULL)"
        return (f"NOT coalesce({cond}, false)" if f.negate else cond), params
    acol = wide.attr_cols.get(key)
    if acol is None:  # no session has this key: every session is in (none)
        has = want_none
        return ("true" if has != f.negate else "false"), []
    text_cond, text_params = in_list("v_text", texts)
    num_cond, num_params = in_list("v_num", nums)
    cond = f"s.{acol} IN (SELECT vid FROM attr_values WHERE key = ? AND ({text_cond} OR {num_cond}))"
    if want_none:
        cond = f"({cond} OR s.{acol} IS NULL)"
    return (f"NOT coalesce({cond}, false)" if f.negate else cond), [key, *text_params, *num_params]


def _range_terms(expr_num: str, expr_date: str, f: AttrRange) -> tuple[list[str], list[Any]]:
    terms: list[str] = []
    params: list[Any] = []
    kinds = set()
    for bound, op in ((f.low, ">=" if f.low_inclusive else ">"), (f.high, "<=" if f.high_inclusive else "<")):
        if bound is None:
            continue
        kind, val = _bound(bound)
        kinds.add(kind)
        if kind == "num":
            terms.append(f"{expr_num} {op} ?")
        else:
            terms.append(f"{expr_date} {op} TRY_CAST(? AS TIMESTAMP)")
        params.append(val)
    if len(kinds) > 1:
        raise ValueError("a range mixes a number and a date")
    return terms or ["true"], params


def _attr_range(f: AttrRange, wide: Wide) -> tuple[str, list[Any]]:
    f = AttrRange(resolve_key(f.key, wide), f.low, f.high, f.low_inclusive, f.high_inclusive)
    col = column(f.key)
    if col is not None:
        if f.key in _TIME:
            terms, params = _range_terms("s.start_epoch_ms", f"CAST({_TIME[f.key]} AS TIMESTAMP)", f)
        elif f.key in _NUMERIC:
            terms, params = _range_terms(col, "NULL", f)
        else:
            raise ValueError(f"{f.key} is not a number or a date: it has no range")
        return "(" + " AND ".join(terms) + ")", params
    terms, params = _range_terms("v_num", "CAST(v_date AS TIMESTAMP)", f)
    acol = wide.attr_cols.get(f.key)
    if acol is None:
        return "false", []
    return f"s.{acol} IN (SELECT vid FROM attr_values WHERE key = ? AND {' AND '.join(terms)})", [f.key, *params]


def _visited(f: VisitedPage, templates: bool = True) -> tuple[str, list[Any]]:
    match, params = page_match("p", [f.pattern], templates)
    sql = f"EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.session_id AND p.first_ms IS NOT NULL AND {match})"
    return (f"NOT {sql}" if f.negate else sql), params


def _one(f: Filter, wide: Wide) -> tuple[str, list[Any]]:
    if isinstance(f, AttrIn):
        return _attr_in(f, wide)
    if isinstance(f, AttrRange):
        return _attr_range(f, wide)
    if isinstance(f, VisitedPage):
        return _visited(f, wide.templates)
    if isinstance(f, ReachedGoal):
        gcol = wide.goal_cols.get(f.goal)
        if gcol is None:  # no such goal: nobody reached it
            return ("false" if f.reached else "true"), []
        return f"s.{gcol} IS {'NOT ' if f.reached else ''}NULL", []
    if isinstance(f, HasFinding):
        fcol = FINDING_COLUMNS.get(f.kind)
        if fcol is None:
            return ("true" if f.negate else "false"), []
        op = "<" if f.negate else ">="
        return f"coalesce(s.{fcol}, 0) {op} ?", [max(1, int(f.min_count))]
    if isinstance(f, DateRange):
        terms, params = [], []
        for value, op in ((f.start, ">="), (f.end, "<")):
            if value is None:
                continue
            kind, val = _bound(value)
            if kind != "date":
                raise ValueError(f"a date range needs ISO dates, not {str(value)[:40]!r}")
            terms.append(f"s.start {op} TRY_CAST(? AS TIMESTAMP)")
            params.append(val)
        return "(" + (" AND ".join(terms) or "true") + ")", params
    if isinstance(f, Tagged):
        sql = "EXISTS (SELECT 1 FROM tags t WHERE t.session_id = s.session_id AND t.tag = ?)"
        return (f"NOT {sql}" if f.negate else sql), [f.tag]
    if isinstance(f, TextSearch):
        sql = ("(EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.session_id AND "
               "(strpos(lower(p.url), lower(?)) > 0 OR strpos(lower(p.title), lower(?)) > 0)) OR "
               "EXISTS (SELECT 1 FROM labels l WHERE l.session_id = s.session_id AND "
               "strpos(lower(l.label), lower(?)) > 0))")
        return sql, [f.text, f.text, f.text]
    raise TypeError(f"not a filter: {type(f).__name__}")


def where(segment: Segment | None, wide: Wide) -> tuple[str, list[Any]]:
    """``(condition, params)`` for ``... FROM sessions s WHERE <condition>``; ``wide`` names the facet-index
    columns (``_wide.names``)."""
    if segment is None or not segment.filters:
        return "true", []
    parts: list[str] = []
    params: list[Any] = []
    for f in segment.filters:
        sql, p = _one(f, wide)
        parts.append(sql)
        params.extend(p)
    return " AND ".join(f"({p})" for p in parts), params
