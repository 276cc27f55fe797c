"""LibraryStore: a session library on disk (DuckDB catalogue + hive-partitioned Parquet events + screenshots).

The public API the CLI and the Library window use. Reads never open session files: they run over the catalogue
(one row per session with its summary) and, for goals and replay, over the Parquet files the catalogue names.
Orphan files (written by an ingest that was killed before its catalogue commit) are never named by the
catalogue, so reads ignore them; ``cleanup_orphans`` deletes them.

Threads: each thread gets its own cursor of the one connection (DuckDB's rule); writes are serialised by a lock.
Every result is drained (fetchall / Arrow) so the code also runs on DuckDB 2.x. See docs/library.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from replaylens.core.urltemplate import TemplateRule
from replaylens.model.library import AttributeKey, FacetValue, Goal, Note, SavedSegment, SessionRecord, SessionSource
from replaylens.model.segment import Segment
from replaylens.store import _canon, _edit, _facets, _rows, _schema, _surveys, _templates, _write
from replaylens.store.engine import DuckDBEngine, Engine, EngineSpec, make_engine, parse_engine

#: Facets the Library window shows first (then every attribute key).
DEFAULT_FACETS: tuple[str, ...] = ("user_type", "campaign", "variant", "device_class", "goal", "finding", "tag")


class LibraryError(RuntimeError):
    """The library folder cannot be opened (not a library, newer layout version, locked by another process)."""


class LibraryStore:
    """One opened library folder. Use ``open_library(path)``; close it (or use ``with``) when done."""

    def __init__(self, root: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.root = root
        self.read_only = read_only
        self._con = con
        self._local = threading.local()
        self.write_lock = threading.Lock()
        self._cache: dict[str, Any] = {}
        self._engine: Engine | None = None

    # -- connections -------------------------------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (created on first use)."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._local.cur = self._con.cursor()
        return cur

    def interrupter(self) -> Callable[[], None]:
        """For the calling (worker) thread: stops the query this thread's cursor is running; any thread may call
        it (a Cancel stops the query, not only its answer)."""
        return self.cursor().interrupt

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None
        self._con.close()

    # -- the query engine (store.engine) ---------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The engine the segment filters and aggregate queries run on (DuckDB unless ``use_engine`` chose)."""
        if self._engine is None:
            self._engine = DuckDBEngine(self)
        return self._engine

    def start_engine(self, spec: EngineSpec) -> Engine:
        """``use_engine`` and a first query on it (the sessions counted), so an engine that cannot start fails
        here, with its own error (SparkUnavailable)."""
        engine = self.use_engine(spec)
        engine.execute("SELECT count(*) AS n FROM sessions")
        return engine

    def use_engine(self, spec: EngineSpec | str | Engine) -> Engine:
        """Run the library's queries on ``spec`` (``duckdb``, ``spark``, ``spark=MASTER``, a parsed spec or an
        engine). The previous engine is closed. Raises ValueError for an unknown spec."""
        engine = make_engine(self, parse_engine(spec) if isinstance(spec, str) else spec) \
            if isinstance(spec, str | EngineSpec) else spec
        if self._engine is not None and self._engine is not engine:
            self._engine.close()
        self._engine = engine
        return engine

    def invalidate(self) -> None:
        """Forget cached derived facts (attribute keys and types) after a write."""
        self._cache.clear()

    def cached(self, key: str) -> Any:
        return self._cache.get(key)

    def remember(self, key: str, value: Any) -> Any:
        self._cache[key] = value
        return value

    def __enter__(self) -> LibraryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- listing -----------------------------------------------------------------------------------------------
    def count(self, segment: Segment | None = None) -> int:
        """Sessions matching ``segment`` (all sessions for None)."""
        return _rows.count(self, segment)

    def rows(self, segment: Segment | None = None, *, sort: str = "start", descending: bool = True,
             limit: int = 100, offset: int = 0, attributes: Sequence[str] = (),
             goals: bool = True) -> pa.Table:
        """One page of session rows as Arrow, for a virtualised table.

        Columns, in this order: the ``SESSION_COLUMNS`` (``session_id, site, start`` (timestamp ms, UTC)``, day,
        duration_ms, active_ms, entry_url, exit_url, pages_visited, page_visits, events, clicks, friction_score,
        findings_total, viewport_width, viewport_height, device_class, user_id, source_format``), one
        ``finding:<kind>`` int column per finding kind, one ``attr:<key>`` text column per key in ``attributes``,
        (``goals``) one ``goal:<name>`` column per goal holding the reach time in ms from the session start
        (null: not reached), then ``tags`` (list<string>) and ``note_count``. ``sort`` is a session column,
        ``attr:<key>``, ``goal:<name>`` or ``finding:<kind>``; ties are broken by session id so paging is stable.
        Raises ValueError for an unknown sort column.
        """
        return _rows.rows(self, segment, sort=sort, descending=descending, limit=limit, offset=offset,
                          attributes=attributes, goals=goals)

    def ids(self, segment: Segment | None = None, *, sort: str = "start", descending: bool = True) -> list[str]:
        """Every matching session id in display order (for next / previous session in the current segment)."""
        return _rows.ids(self, segment, sort=sort, descending=descending)

    def facets(self, segment: Segment | None = None, keys: Sequence[str] | None = None,
               limit: int = 50, with_none: bool = False) -> dict[str, list[FacetValue]]:
        """Counts per value for each facet key among the sessions matching ``segment``, most frequent first, at
        most ``limit`` values per key. Keys: ``goal`` (sessions reaching each goal), ``finding`` (sessions with
        each finding kind), ``tag``, any ``SESSION_COLUMNS`` text column (``device_class``, ``site`` ...) or
        attribute key. None: ``DEFAULT_FACETS`` then every other attribute key. ``with_none``: an attribute's
        sessions without it count as the value ``(none)`` (a filter ``key=(none)`` selects them)."""
        return _facets.facets(self, segment, keys, limit, with_none)

    def attribute_keys(self) -> list[AttributeKey]:
        """Every attribute key in the library with its inferred type, most common first."""
        return _facets.attribute_keys(self)

    def attribute_values(self, key: str, limit: int = 10_000) -> list[tuple[str, int]]:
        """(value, sessions) of an attribute key or a text session column, most sessions first."""
        return _canon.values(self, key, limit=limit)

    def values_present(self, key: str, values: Sequence[str]) -> set[str]:
        """Which of ``values`` some session of the library has for ``key``."""
        return _canon.present(self, key, list(values))

    # -- URL templates (store._templates) ----------------------------------------------------------------------
    def templates(self, segment: Segment | None = None, limit: int = 500) -> list[_templates.TemplateCount]:
        """Page templates shown by the segment's sessions with how many URLs and sessions each holds."""
        return _templates.template_counts(self, segment, limit=limit)

    def page_urls(self, page: str) -> int:
        """Distinct URLs a page pattern holds (a template holds every customer's copy of the page)."""
        return _templates.page_urls(self, page)

    def template_rules(self) -> list[TemplateRule]:
        return _templates.rules(self.cursor())

    def add_template_rule(self, pattern: str, alias: str) -> int:
        """Append a user rule (regex -> alias) and re-derive every template; returns the distinct URLs."""
        return _templates.add_rule(self, pattern, alias)

    def remove_template_rule(self, which: str) -> bool:
        return _templates.remove_rule(self, which)

    def session(self, session_id: str) -> dict[str, Any] | None:
        """Everything the catalogue knows of one session (the ``library ls --json`` shape plus summary columns,
        pages and notes), or None."""
        return _rows.session_detail(self, session_id)

    def sessions_json(self, segment: Segment | None = None, *, sort: str = "start", descending: bool = True,
                      limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """The ``library ls --json`` session objects (``id, start, duration_ms, attributes, goals, findings,
        tags``) for a segment."""
        return _rows.sessions_json(self, segment, sort=sort, descending=descending, limit=limit, offset=offset)

    def info(self) -> dict[str, Any]:
        """Library totals: sessions, events, bytes, and counts per attribute value, per goal, per finding kind."""
        return _facets.info(self)

    # -- segments ----------------------------------------------------------------------------------------------
    def segments(self) -> list[SavedSegment]:
        return _edit.segments(self)

    def get_segment(self, name: str) -> Segment | None:
        return _edit.get_segment(self, name)

    def save_segment(self, name: str, segment: Segment) -> None:
        """Save (or replace) a named segment. Raises ValueError for an invalid name."""
        _edit.save_segment(self, name, segment)

    def delete_segment(self, name: str) -> bool:
        return _edit.delete_segment(self, name)

    # -- tags and notes (kept across re-ingest: keyed by session id) -------------------------------------------
    def tag(self, session_ids: Iterable[str], tag: str) -> int:
        """Add ``tag`` to the sessions; returns how many gained it. Raises ValueError for an invalid tag."""
        return _edit.tag(self, list(session_ids), tag)

    def untag(self, session_ids: Iterable[str], tag: str) -> int:
        return _edit.untag(self, list(session_ids), tag)

    def add_note(self, session_ids: Iterable[str], text: str) -> int:
        """Append a note to each session; returns how many sessions exist among ``session_ids``."""
        return _edit.add_note(self, list(session_ids), text)

    def notes(self, session_id: str) -> list[Note]:
        return _edit.notes(self, session_id)

    def tags(self) -> list[FacetValue]:
        """Every tag with its session count."""
        return _edit.all_tags(self)

    # -- goals -------------------------------------------------------------------------------------------------
    def goals(self) -> list[Goal]:
        return _edit.goals(self)

    def add_goal(self, goal: Goal) -> int:
        """Define (or redefine) a goal and compute it for every session from the stored events; returns how
        many sessions reached it."""
        return _edit.add_goal(self, goal)

    def delete_goal(self, name: str) -> bool:
        return _edit.delete_goal(self, name)

    # -- sessions for replay -----------------------------------------------------------------------------------
    def source_of(self, session_id: str) -> SessionSource | None:
        """The file the session was ingested from (it may have moved or changed since)."""
        return _rows.source_of(self, session_id)

    def events(self, session_id: str) -> pa.Table:
        """The session's events from the library's Parquet, in event order (canonical columns plus ``i``)."""
        return _rows.events(self, session_id)

    def screenshot_path(self, screen: str) -> Path | None:
        """Path of a stored screenshot by its name in ``screens/`` (``<sha256>.<ext>``), None if absent."""
        return _write.screen_path(self, screen)

    # -- survey answers (io.surveys imports them; docs/surveys.md) ---------------------------------------------
    def survey_responses(self, session_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Every imported response (``response_id, source, submitted_ms, session_id`` (None: unmatched),
        ``match, confidence, url, note, answers`` {question: answer}, ``kinds``), oldest first; only those joined
        to ``session_ids`` when given."""
        return _surveys.listing(self, session_ids)

    def session_answers(self, session_id: str) -> list[tuple[int | None, int, str, str, str, str, float]]:
        """(ms from the session start, session duration ms, source, question, answer, match, confidence) of one
        session's survey answers."""
        return _surveys.session_answers(self, session_id)

    def survey_themes(self) -> dict[str, list[str]]:
        """The user's keyword themes for free-text answers (empty: none set)."""
        return _surveys.themes(self)

    def set_survey_theme(self, name: str, keywords: Sequence[str]) -> None:
        with self.write_lock:
            _surveys.set_theme(self, name, keywords)

    # -- ingest (the writer side; io.library.ingest drives these) ----------------------------------------------
    def known_sources(self) -> dict[str, tuple[int, int, str]]:
        """Source path -> (size, mtime_ns, sha256) of every ingested file (to skip unchanged files unread)."""
        return _write.known_sources(self)

    def known_versions(self) -> dict[str, str]:
        """Session id -> sha256 of the version in the library."""
        return _write.known_versions(self)

    def commit(self, records: Sequence[SessionRecord]) -> int:
        """Write the records' events (Parquet, temp name then rename) and commit their catalogue rows, pages,
        attributes and goal hits in one transaction. Returns how many sessions were added or replaced."""
        with self.write_lock, _ctrl_c():
            return _write.commit(self, records)

    def apply_attribute_rows(self, rows: Sequence[tuple[str, str, dict[str, str]]]) -> int:
        """Attach attributes from an attributes file: rows of (``session_id`` or ``user_id``, id, {column: value})
        to every matching session (also ones ingested earlier). Returns the number of sessions updated."""
        with self.write_lock, _ctrl_c():
            return _write.apply_attribute_rows(self, rows)

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the catalogue file (compressed column segments read faster)."""
        with self.write_lock:
            self.cursor().execute("CHECKPOINT").fetchall()

    def rebuild_cells(self, *, force: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
        """Re-derive the heatmap cells (layout 4) of every events file that has none from the events Parquet
        (a library written before layout 4; ``force``: every file). Returns how many cells files were written."""
        if self.read_only:
            raise LibraryError(f"the library {self.root} is open read-only: its cells cannot be rebuilt")
        from replaylens.store import _cells_build

        with self.write_lock, _ctrl_c():
            return _cells_build.rebuild(self, force=force, progress=progress)

    def cleanup_orphans(self) -> int:
        """Delete event files no catalogue row names and leftover temp files; returns how many were deleted."""
        with self.write_lock:
            return _write.cleanup_orphans(self)


@contextmanager
def _ctrl_c() -> Iterator[None]:
    """DuckDB turns a Ctrl+C during a query into InterruptException (after rolling back): make it the
    KeyboardInterrupt every caller expects."""
    try:
        yield
    except duckdb.InterruptException:
        raise KeyboardInterrupt from None


def open_library(root: str | Path, *, create: bool = True, read_only: bool = False) -> LibraryStore:
    """Open (or create) the library in folder ``root``. Raises LibraryError when it cannot."""
    root = Path(root)
    con = _schema.connect(root, create=create, read_only=read_only, error=LibraryError)
    return LibraryStore(root, con, read_only)
