"""Survey responses in the catalogue: insert (idempotent by response id), the join's candidate queries, the
listing, one session's answers, the answers of a set of sessions, and the keyword themes.

After every import the per-session ``attributes`` rows of source ``survey`` are rebuilt from the survey tables
(``answered`` = ``yes``, ``answer:<question>`` = each choice answer, ``answer_text:<question>`` = each free-text
answer of at most 200 characters), so the Library's columns, facets, sort and the
``answer:QUESTION=VALUE`` / ``answered=yes`` filters run over the same parameterised SQL as every attribute.
The survey tables are the truth; those attribute rows are derived and kept across re-ingest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from replaylens.model.survey import Join, SurveyResponse
from replaylens.store import _wide
from replaylens.store._wide import TYPED_SQL

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

ANSWER_PREFIX = "answer:"  # a choice question's answer
TEXT_PREFIX = "answer_text:"  # a free-text answer (at most 200 characters; no facet)
_RESP_COLS = ("response_id", "source", "survey_id", "submitted_ms", "url", "session_hint", "user_hint",
              "session_id", "match", "confidence", "note", "file", "imported_ms")


def has_tables(lib: LibraryStore) -> bool:
    """False for a layout-1 library opened read-only (no survey tables yet)."""
    rows = lib.cursor().execute("SELECT count(*) FROM information_schema.tables "
                                "WHERE table_name = 'survey_responses'").fetchall()
    return bool(rows[0][0])


def known_ids(lib: LibraryStore, ids: Sequence[str]) -> set[str]:
    rows = lib.cursor().execute("SELECT response_id FROM survey_responses WHERE response_id IN "
                                "(SELECT unnest(?::VARCHAR[]))", [list(ids)]).fetchall()
    return {str(r[0]) for r in rows}


def insert(lib: LibraryStore, responses: Sequence[SurveyResponse], joins: dict[str, Join], file: str) -> int:
    """Add responses whose id is not in the library yet (one transaction). Returns how many were added."""
    new = [r for r in responses if r.response_id not in known_ids(lib, [r.response_id for r in responses])]
    if not new:
        return 0
    now = int(time.time() * 1000)
    rows = [{"response_id": r.response_id, "source": r.source, "survey_id": r.survey_id,
             "submitted_ms": r.submitted_ms, "url": r.url, "session_hint": r.session_hint,
             "user_hint": r.user_hint, "session_id": joins[r.response_id].session_id,
             "match": joins[r.response_id].match, "confidence": float(joins[r.response_id].confidence),
             "note": joins[r.response_id].note, "file": file, "imported_ms": now} for r in new]
    resp = pa.Table.from_pylist(rows, schema=pa.schema(
        [(c, pa.int64() if c in ("submitted_ms", "imported_ms") else pa.float64() if c == "confidence"
          else pa.string()) for c in _RESP_COLS]))
    answers = pa.Table.from_pylist(
        [{"response_id": r.response_id, "position": i, "question": a.question, "answer": a.value, "kind": a.kind}
         for r in new for i, a in enumerate(r.answers)],
        schema=pa.schema([("response_id", pa.string()), ("position", pa.int32()), ("question", pa.string()),
                          ("answer", pa.string()), ("kind", pa.string())]))
    cur = lib.cursor()
    cur.execute("BEGIN TRANSACTION").fetchall()
    try:
        cur.register("new_responses", resp)
        cur.register("new_answers", answers)
        cur.execute("INSERT INTO survey_responses SELECT * FROM new_responses").fetchall()
        cur.execute("INSERT INTO survey_answers SELECT * FROM new_answers").fetchall()
        _rebuild_attributes(cur)
        cur.execute("COMMIT").fetchall()
    except BaseException:
        cur.execute("ROLLBACK").fetchall()
        raise
    finally:
        for name in ("new_responses", "new_answers"):
            cur.unregister(name)
    lib.invalidate()
    return len(new)


def update_joins(lib: LibraryStore, joins: Sequence[Join]) -> int:
    """Store new joins of responses already in the library (after sessions were added). Returns the count."""
    if not joins:
        return 0
    table = pa.table({"response_id": [j.response_id for j in joins], "session_id": [j.session_id for j in joins],
                      "match": [j.match for j in joins], "confidence": [float(j.confidence) for j in joins],
                      "note": [j.note for j in joins]})
    cur = lib.cursor()
    cur.execute("BEGIN TRANSACTION").fetchall()
    try:
        cur.register("rejoined", table)
        cur.execute("UPDATE survey_responses SET session_id = j.session_id, match = j.match, "
                    "confidence = j.confidence, note = j.note FROM rejoined j "
                    "WHERE survey_responses.response_id = j.response_id").fetchall()
        _rebuild_attributes(cur)
        cur.execute("COMMIT").fetchall()
    except BaseException:
        cur.execute("ROLLBACK").fetchall()
        raise
    finally:
        cur.unregister("rejoined")
    lib.invalidate()
    return len(joins)


def _rebuild_attributes(cur: Any) -> None:
    cur.execute("DELETE FROM attributes WHERE source = 'survey'").fetchall()
    cur.execute("INSERT INTO attributes SELECT DISTINCT r.session_id, 'answered', 'survey', 'yes', NULL, true, NULL "
                "FROM survey_responses r JOIN sessions s USING (session_id)").fetchall()
    cur.execute("INSERT INTO attributes SELECT session_id, key, 'survey', v_text, " + TYPED_SQL + " FROM ("
                "SELECT DISTINCT r.session_id, (CASE WHEN a.kind = 'choice' THEN ? ELSE ? END) || a.question AS key, "
                "a.answer AS v_text FROM survey_answers a JOIN survey_responses r USING (response_id) "
                "JOIN sessions s ON s.session_id = r.session_id WHERE a.kind = 'choice' OR length(a.answer) <= 200)",
                [ANSWER_PREFIX, TEXT_PREFIX]).fetchall()
    _wide.sync_attributes(cur, None)  # the facet index follows the long table in the same transaction


def unmatched(lib: LibraryStore) -> list[SurveyResponse]:
    """Responses joined to nothing (or to a session no longer in the library), to try again."""
    rows = lib.cursor().execute(
        "SELECT response_id, source, submitted_ms, survey_id, session_hint, user_hint, url FROM survey_responses r "
        "WHERE r.session_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = r.session_id) "
        "ORDER BY response_id").fetchall()
    return [SurveyResponse(str(a), str(b), c, [], survey_id=d, session_hint=e, user_hint=f, url=g)
            for a, b, c, d, e, f, g in rows]


def existing_sessions(lib: LibraryStore, ids: Sequence[str]) -> set[str]:
    rows = lib.cursor().execute("SELECT session_id FROM sessions WHERE session_id IN (SELECT unnest(?::VARCHAR[]))",
                                [list(ids)]).fetchall()
    return {str(r[0]) for r in rows}


def sessions_of_users(lib: LibraryStore, users: Sequence[str]) -> dict[str, list[tuple[str, int, int]]]:
    """user id -> [(session_id, start_ms, end_ms)] from ``sessions.user_id`` and ``identities``."""
    rows = lib.cursor().execute(
        "WITH u AS (SELECT unnest(?::VARCHAR[]) AS user_id), "
        "m AS (SELECT s.user_id AS uid, s.session_id FROM sessions s JOIN u ON s.user_id = u.user_id "
        "UNION SELECT i.user_id, i.session_id FROM identities i JOIN u ON i.user_id = u.user_id) "
        "SELECT m.uid, s.session_id, s.start_epoch_ms, s.start_epoch_ms + coalesce(s.duration_ms, 0) "
        "FROM m JOIN sessions s USING (session_id) ORDER BY m.uid, s.start_epoch_ms", [list(users)]).fetchall()
    out: dict[str, list[tuple[str, int, int]]] = {}
    for uid, sid, start, end in rows:
        out.setdefault(str(uid), []).append((str(sid), int(start), int(end)))
    return out


def time_candidates(lib: LibraryStore, probes: Sequence[tuple[str, int, str | None, str | None, str | None]],
                    after_ms: int) -> list[tuple[str, str, int, int, int]]:
    """For probes (response_id, t_ms, host, path, url): sessions running at t or ended at most ``after_ms``
    before it (and, when ``host`` is given, on that site), with how well a page the session showed fits:
    2 the same URL, 1 the same path, 0 neither. [(response_id, session_id, start_ms, end_ms, fit)]."""
    if not probes:
        return []
    table = pa.table({"response_id": [p[0] for p in probes], "t": pa.array([p[1] for p in probes], pa.int64()),
                      "host": pa.array([p[2] for p in probes], pa.string()),
                      "path": pa.array([p[3] for p in probes], pa.string()),
                      "url": pa.array([p[4] for p in probes], pa.string())})
    cur = lib.cursor()
    cur.register("probes", table)
    try:
        rows = cur.execute(
            "SELECT q.response_id, s.session_id, s.start_epoch_ms, s.start_epoch_ms + coalesce(s.duration_ms, 0), "
            "CASE WHEN q.url IS NOT NULL AND EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.session_id "
            "AND p.first_ms IS NOT NULL AND p.url = q.url) THEN 2 "
            "WHEN q.path IS NOT NULL AND EXISTS (SELECT 1 FROM pages p WHERE p.session_id = s.session_id "
            "AND p.first_ms IS NOT NULL AND rtrim(p.path, '/') = rtrim(q.path, '/')) THEN 1 ELSE 0 END "
            "FROM probes q JOIN sessions s ON s.start_epoch_ms <= q.t "
            "AND s.start_epoch_ms + coalesce(s.duration_ms, 0) + ? >= q.t "
            "AND (q.host IS NULL OR lower(s.site) = q.host) ORDER BY q.response_id, s.session_id",
            [int(after_ms)]).fetchall()
    finally:
        cur.unregister("probes")
    return [(str(a), str(b), int(c), int(d), int(e)) for a, b, c, d, e in rows]


def listing(lib: LibraryStore, session_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The ``survey ls --json`` responses, oldest first (only those of ``session_ids`` when given)."""
    if not has_tables(lib):
        return []
    cond, params = ("true", []) if session_ids is None else (
        "r.session_id IN (SELECT unnest(?::VARCHAR[]))", [list(session_ids)])
    rows = lib.cursor().execute(
        "SELECT r.response_id, r.source, r.submitted_ms, r.session_id, r.match, r.confidence, r.url, r.note, "
        "list(struct_pack(q := a.question, v := a.answer, k := a.kind) ORDER BY a.position) "
        "FILTER (WHERE a.question IS NOT NULL) FROM survey_responses r "
        f"LEFT JOIN survey_answers a USING (response_id) WHERE {cond} GROUP BY ALL "
        "ORDER BY r.submitted_ms NULLS LAST, r.response_id", params).fetchall()
    out = []
    for rid, src, ms, sid, match, conf, url, note, answers in rows:
        merged: dict[str, Any] = {}
        kinds: dict[str, str] = {}
        for a in answers or []:
            q, v = str(a["q"]), str(a["v"])
            merged[q] = v if q not in merged else f"{merged[q]}, {v}"
            kinds[q] = str(a["k"])
        out.append({"response_id": str(rid), "source": str(src), "submitted_ms": ms, "session_id": sid,
                    "match": str(match), "confidence": round(float(conf), 3), "url": url, "note": note or "",
                    "answers": merged, "kinds": kinds})
    return out


def answers_of(lib: LibraryStore, session_ids: Sequence[str] | None,
               question: str | None = None) -> list[tuple[str | None, str, str, str, str]]:
    """(session_id, response_id, question, answer, kind) of responses joined to ``session_ids`` (None: every
    response, matched or not), optionally of one question."""
    if not has_tables(lib):
        return []
    cond = "true" if session_ids is None else "r.session_id IN (SELECT unnest(?::VARCHAR[]))"
    params: list[Any] = [] if session_ids is None else [list(session_ids)]
    if question is not None:
        cond += " AND a.question = ?"
        params.append(question)
    rows = lib.cursor().execute(
        "SELECT r.session_id, r.response_id, a.question, a.answer, a.kind FROM survey_answers a "
        f"JOIN survey_responses r USING (response_id) WHERE {cond} ORDER BY a.question, r.response_id, a.position",
        params).fetchall()
    return [(s, str(r), str(q), str(a), str(k)) for s, r, q, a, k in rows]


def session_answers(lib: LibraryStore, session_id: str) -> list[tuple[int | None, int, str, str, str, str, float]]:
    """(ms from the session start or None, session duration ms, source, question, answer, match, confidence) of
    one session's responses, in time order."""
    if not has_tables(lib):
        return []
    rows = lib.cursor().execute(
        "SELECT r.submitted_ms - s.start_epoch_ms, coalesce(s.duration_ms, 0), r.source, a.question, a.answer, "
        "r.match, r.confidence "
        "FROM survey_responses r JOIN sessions s USING (session_id) JOIN survey_answers a USING (response_id) "
        "WHERE r.session_id = ? ORDER BY r.submitted_ms NULLS LAST, r.response_id, a.position",
        [session_id]).fetchall()
    return [(None if t is None else int(t), int(d), str(src), str(q), str(a), str(m), float(c))
            for t, d, src, q, a, m, c in rows]


def themes(lib: LibraryStore) -> dict[str, list[str]]:
    if not has_tables(lib):
        return {}
    rows = lib.cursor().execute("SELECT name, keywords FROM survey_themes ORDER BY name").fetchall()
    return {str(n): [str(k) for k in json.loads(kw)] for n, kw in rows}


def set_theme(lib: LibraryStore, name: str, keywords: Sequence[str]) -> None:
    """Create or replace a theme (an empty keyword list deletes it)."""
    cur = lib.cursor()
    cur.execute("BEGIN TRANSACTION").fetchall()
    try:
        cur.execute("DELETE FROM survey_themes WHERE name = ?", [name]).fetchall()
        if keywords:
            cur.execute("INSERT INTO survey_themes VALUES (?, ?, ?)",
                        [name, json.dumps(list(keywords)), int(time.time() * 1000)]).fetchall()
        cur.execute("COMMIT").fetchall()
    except BaseException:
        cur.execute("ROLLBACK").fetchall()
        raise
