"""Edits a person makes: tags, notes, goals and saved segments (all keyed by name or session id, so they survive
re-ingest). Writes run in a transaction under the library's write lock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb

from replaylens.core.pii import mask_text
from replaylens.model.library import FacetValue, Goal, Note, SavedSegment, valid_name
from replaylens.model.segment import Segment
from replaylens.store import _goals, _wide
from replaylens.store._write import begin, rollback

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

MAX_NOTE_CHARS = 10_000


def _now_ms() -> int:
    return int(time.time() * 1000)


@contextmanager
def _txn(lib: LibraryStore, *, index_changes: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    with lib.write_lock:
        cur = lib.cursor()
        begin(cur)
        try:
            yield cur
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
    if index_changes:  # goals add or drop index columns; tags, notes and segments change no cached fact
        lib.invalidate()


def _check_name(name: str, what: str) -> None:
    if not isinstance(name, str) or not valid_name(name):
        raise ValueError(f"a {what} name is 1-120 characters without control characters or outer spaces")


def _existing(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    rows = cur.execute("SELECT session_id FROM sessions WHERE list_contains(?::VARCHAR[], session_id)",
                       [ids]).fetchall()
    return [str(r[0]) for r in rows]


# -- tags and notes ----------------------------------------------------------------------------------------------

def tag(lib: LibraryStore, ids: list[str], tag: str) -> int:
    _check_name(tag, "tag")
    with _txn(lib) as cur:
        have = {str(r[0]) for r in cur.execute("SELECT session_id FROM tags WHERE tag = ?", [tag]).fetchall()}
        new = [i for i in dict.fromkeys(_existing(cur, ids)) if i not in have]
        if new:
            cur.execute("INSERT INTO tags SELECT unnest(?::VARCHAR[]), ?, ?", [new, tag, _now_ms()]).fetchall()
    return len(new)


def untag(lib: LibraryStore, ids: list[str], tag: str) -> int:
    with _txn(lib) as cur:
        n = cur.execute("SELECT count(*) FROM tags WHERE tag = ? AND list_contains(?::VARCHAR[], session_id)",
                        [tag, ids]).fetchall()[0][0]
        cur.execute("DELETE FROM tags WHERE tag = ? AND list_contains(?::VARCHAR[], session_id)", [tag, ids]).fetchall()
    return int(n)


def add_note(lib: LibraryStore, ids: list[str], text: str) -> int:
    text = text.strip()
    if not text or len(text) > MAX_NOTE_CHARS or "\x00" in text:
        raise ValueError(f"a note is 1-{MAX_NOTE_CHARS:,} characters")
    text = mask_text(text)  # card numbers and personal data are never stored (docs/privacy.md)
    with _txn(lib) as cur:
        have = list(dict.fromkeys(_existing(cur, ids)))
        if have:
            cur.execute("INSERT INTO notes SELECT unnest(?::VARCHAR[]), ?, ?", [have, text, _now_ms()]).fetchall()
    return len(have)


def notes(lib: LibraryStore, session_id: str) -> list[Note]:
    rows = lib.cursor().execute("SELECT session_id, text, created_ms FROM notes WHERE session_id = ? "
                                "ORDER BY created_ms, rowid", [session_id]).fetchall()
    return [Note(str(s), str(t), int(c or 0)) for s, t, c in rows]


def all_tags(lib: LibraryStore) -> list[FacetValue]:
    rows = lib.cursor().execute("SELECT tag, count(DISTINCT session_id) n FROM tags GROUP BY tag "
                                "ORDER BY n DESC, tag").fetchall()
    return [FacetValue(str(t), int(n)) for t, n in rows]


# -- goals -------------------------------------------------------------------------------------------------------

def goals(lib: LibraryStore) -> list[Goal]:
    rows = lib.cursor().execute("SELECT name, kind, pattern FROM goals ORDER BY name").fetchall()
    return [Goal(str(n), k, str(p)) for n, k, p in rows]


def add_goal(lib: LibraryStore, goal: Goal) -> int:
    _check_name(goal.name, "goal")
    if goal.kind not in ("page", "event", "click") or not goal.pattern or "\x00" in goal.pattern:
        raise ValueError("a goal is --page PATTERN, --event NAME or --click LABEL with a non-empty value")
    with _txn(lib, index_changes=True) as cur:
        old = cur.execute("SELECT gid FROM goals WHERE name = ?", [goal.name]).fetchall()
        fresh = cur.execute("SELECT coalesce(max(gid), 0) + 1 FROM goals").fetchall()[0][0]
        gid = int(old[0][0]) if old else int(fresh)
        cur.execute("DELETE FROM goals WHERE name = ?", [goal.name]).fetchall()
        cur.execute("DELETE FROM goal_hits WHERE goal = ?", [goal.name]).fetchall()
        cur.execute("INSERT INTO goals VALUES (?, ?, ?, ?, ?)", [goal.name, goal.kind, goal.pattern, _now_ms(),
                                                                 gid]).fetchall()
        _goals.compute(lib, cur, goal, None)
        _wide.sync_goal(cur, goal.name, None)
        n = cur.execute("SELECT count(DISTINCT session_id) FROM goal_hits WHERE goal = ?", [goal.name]).fetchall()
    return int(n[0][0])


def delete_goal(lib: LibraryStore, name: str) -> bool:
    gids = [int(r[0]) for r in lib.cursor().execute("SELECT gid FROM goals WHERE name = ?", [name]).fetchall()]

    def also(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute("DELETE FROM goal_hits WHERE goal = ?", [name]).fetchall()
        for gid in gids:
            _wide.drop_goal_column(cur, gid)

    return _delete(lib, name, also, "goals")


# -- segments ----------------------------------------------------------------------------------------------------

def segments(lib: LibraryStore) -> list[SavedSegment]:
    rows = lib.cursor().execute("SELECT name, definition FROM segments ORDER BY name").fetchall()
    out = []
    for name, definition in rows:
        try:
            out.append(SavedSegment(str(name), Segment.from_json(json.loads(definition))))
        except ValueError:
            continue  # a definition written by a newer build: skip it rather than fail the list
    return out


def get_segment(lib: LibraryStore, name: str) -> Segment | None:
    rows = lib.cursor().execute("SELECT definition FROM segments WHERE name = ?", [name]).fetchall()
    return Segment.from_json(json.loads(rows[0][0])) if rows else None


def save_segment(lib: LibraryStore, name: str, segment: Segment) -> None:
    _check_name(name, "segment")
    definition = json.dumps(segment.to_json(), ensure_ascii=False)
    with _txn(lib) as cur:
        cur.execute("DELETE FROM segments WHERE name = ?", [name]).fetchall()
        cur.execute("INSERT INTO segments VALUES (?, ?, ?)", [name, definition, _now_ms()]).fetchall()


def delete_segment(lib: LibraryStore, name: str) -> bool:
    return _delete(lib, name, None, "segments")


def _delete(lib: LibraryStore, name: str, also: Callable[[duckdb.DuckDBPyConnection], Any] | None,
            table: str) -> bool:
    assert table in ("goals", "segments")
    with _txn(lib, index_changes=table == "goals") as cur:
        n = cur.execute(f"SELECT count(*) FROM {table} WHERE name = ?", [name]).fetchall()[0][0]
        cur.execute(f"DELETE FROM {table} WHERE name = ?", [name]).fetchall()
        if also is not None:
            also(cur)
    return bool(n)
