"""Tallies of survey answers: choice counts with shares and 95 % Wilson intervals, free-text phrase counts and
themes from keyword groups the user edits (no model: a keyword matches a word or the start of one), over every
response, a segment's sessions, or the sessions that dropped at a funnel step. JSON shapes in docs/surveys.md.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from replaylens.analysis.stats import wilson
from replaylens.model.segment import Segment
from replaylens.store import surveys as S

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

DEFAULT_THEMES: dict[str, list[str]] = {
    "ID and verification": ["id", "passport", "document", "kyc", "verify", "verification", "identity", "selfie"],
    "Rewards and APY": ["reward", "apy", "apr", "interest", "yield", "paid", "payout"],
    "Fees and charges": ["fee", "charge", "cost", "expensive", "price"],
    "Speed and errors": ["slow", "loading", "pending", "error", "crash", "stuck", "wait"],
    "Trust and safety": ["safe", "scam", "trust", "risk", "secure", "lock"],
}
_STOP = (
    "a an the and or but if of to in on at for from by with about as is are was were be been it its this that "
    "these those i me my we our you your he she they them their do did does not no yes so too very just can "
    "could would should will what which who how when why there here all any some more most other than then "
    "have has had am up out into over after before again also only own same such now")
STOPWORDS = frozenset(_STOP.split())
_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*")
_PLACEHOLDER = re.compile(r"\[(email|phone|iban|card)\]")
TOP_PHRASES = 15


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(_PLACEHOLDER.sub(" ", text.lower())) if w not in STOPWORDS and len(w) > 1
            and not any(c.isdigit() for c in w)]  # numbers, dates and order ids are not phrases


def phrases(texts: Sequence[str], top: int = TOP_PHRASES) -> list[dict[str, Any]]:
    """Words and two-word phrases, each counted once per answer, those in two or more answers, most first."""
    counts: Counter[str] = Counter()
    for t in texts:
        w = _words(t)
        counts.update(set(w) | {f"{a} {b}" for a, b in itertools.pairwise(w)})
    pairs = [p for p in counts if " " in p]
    covered = {w for p in pairs for w in p.split(" ") if counts[p] == counts[w]}  # "come" inside "come back"
    return [{"phrase": p, "count": n} for p, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= 2 and p not in covered][:top]


def theme_hits(text: str, keywords: Sequence[str]) -> bool:
    words = _words(text)
    for k in keywords:
        k = k.lower().strip()
        if not k:
            continue
        if " " in k and k in " ".join(words):
            return True
        if any(w == k or w.startswith(k) for w in words):
            return True
    return False


def _interval(x: int, n: int) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    lo, hi = wilson(x, n)
    return round(float(lo), 4), round(float(hi), 4)


def _question(question: str, kind: str, values: list[str], themes: dict[str, list[str]]) -> dict[str, Any]:
    n = len(values)
    out: dict[str, Any] = {"question": question, "kind": kind, "answered": n}
    if kind == "choice":
        rows = []
        for value, x in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])):
            lo, hi = _interval(x, n)
            rows.append({"value": value, "count": x, "share": round(x / n, 4) if n else 0.0, "low": lo, "high": hi})
        out["choices"] = rows
    else:
        out["phrases"] = phrases(values)
        trows = []
        for name, kws in themes.items():
            x = sum(theme_hits(v, kws) for v in values)
            lo, hi = _interval(x, n)
            trows.append({"theme": name, "keywords": list(kws), "count": x, "share": round(x / n, 4) if n else 0.0,
                          "low": lo, "high": hi})
        out["themes"] = sorted(trows, key=lambda r: (-r["count"], r["theme"]))
    return out


def tally(lib: LibraryStore, segment: Segment | None = None, *, question: str | None = None,
          session_ids: Sequence[str] | None = None, themes: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Per question: choices (count, share, Wilson low/high) or free-text phrases and themes. Over every
    response when neither ``segment`` nor ``session_ids`` is given (unmatched responses too), else over the
    responses joined to those sessions."""
    ids: list[str] | None = None
    if session_ids is not None:
        ids = list(session_ids)
    elif segment is not None and segment.filters:
        ids = lib.ids(segment)
    rows = S.answers_of(lib, ids, question)
    use = themes if themes is not None else (S.themes(lib) if S.has_tables(lib) else {}) or DEFAULT_THEMES
    per_q: dict[str, tuple[str, list[str]]] = {}
    respondents = set()
    for _sid, rid, q, value, kind in rows:
        respondents.add(rid)
        k, vals = per_q.setdefault(q, (kind, []))
        vals.append(value)
        if kind == "text" and k != "text":
            per_q[q] = ("text", vals)
    return {"responses": len(respondents), "sessions": None if ids is None else len(ids),
            "questions": [_question(q, k, v, use) for q, (k, v) in sorted(per_q.items(),
                                                                           key=lambda kv: kv[1][0] != "choice")]}


def dropped_answers(lib: LibraryStore, segment: Segment | None, steps: Sequence[Any], step: int, *,
                    question: str | None = None, within_ms: int | None = None) -> dict[str, Any]:
    """Answers of the sessions that dropped at funnel step ``step`` (1-based: they entered it and did not reach
    it), from ``analysis.experiments.funnel``'s dropped ids, beside those of the sessions that reached it."""
    from replaylens.analysis.experiments import funnel

    res = funnel(lib, segment, list(steps), within_ms=within_ms)
    gsteps = res["groups"][0]["steps"] if res["groups"] else []
    if not 1 <= step <= len(gsteps):
        raise ValueError(f"there is no step {step}: the funnel has {len(gsteps)} steps")
    dropped = list(gsteps[step - 1]["dropped"])
    past = _reached_ids(lib, segment, steps, step, within_ms)
    return {"step": gsteps[step - 1]["step"], "step_index": step, "dropped_sessions": len(dropped),
            "got_past_sessions": len(past), "dropped": tally(lib, session_ids=dropped, question=question),
            "got_past": tally(lib, session_ids=sorted(past), question=question)}


def _reached_ids(lib: LibraryStore, segment: Segment | None, steps: Sequence[Any], step: int,
                 within_ms: int | None) -> set[str]:
    from replaylens.analysis.experiments import _reached
    from replaylens.core.funnel import NOT_REACHED
    from replaylens.store import aggregate as Q

    ids, _ = Q.members(lib, segment, None)
    reached = _reached(lib, ids, list(steps), within_ms)
    return {ids[i] for i in range(len(ids)) if reached[i, step - 1] != NOT_REACHED}
