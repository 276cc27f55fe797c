"""The library's on-disk layout and catalogue schema (layout version 5, documented in docs/library.md).

Version 2 adds the survey tables (``store._surveys``); version 3 the pre-binned heatmap cells (``store._cells``),
one cells file per events file; version 4 keys the cells by an integer session key (table ``cell_keys``), merges
the visits of one URL and adds the attention bands; version 5 adds the URL template of every page visit
(``pages.template``, ``url_rules``: ``store._templates``) and stores attributes under their canonical keys
(``store._canon``), both derived from the catalogue alone when an older library is migrated. An older library is
migrated when opened for writing (the new tables and folder are created: its event files keep no cells of layout
4, and heatmaps over them read the events until ``LibraryStore.rebuild_cells`` re-derives the cells) and read as
it is when opened read-only.

    <library>/
      catalogue.duckdb          the catalogue (tables below)
      events/site=<site>/day=<YYYY-MM-DD>/batch-<id>.parquet   events, one file per ingest batch and partition
      cells/site=<site>/day=<YYYY-MM-DD>/batch-<id>.parquet    heatmap cells of the events file of the same name
                                                               (store._cells; layout 4)
      screens/<ab>/<sha256>.<ext>                               page screenshots, stored once per content hash
      tmp/                      temp files of a running ingest (deleted at the next ingest)

Sessions also carry the facet index (``store._wide``): ``a<N>`` / ``g<N>`` / ``f_<kind>`` integer columns.
No primary-key constraints: DuckDB checks them eagerly inside a transaction (delete + insert of one key fails on
some versions); the one writer keeps ids unique.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from replaylens.store import _canon, _templates

LAYOUT_VERSION = 5
#: Older layouts this build migrates in place when it opens them for writing (and reads as they are).
MIGRATABLE = (1, 2, 3, 4)
CATALOGUE = "catalogue.duckdb"
EVENTS_DIR = "events"
CELLS_DIR = "cells"
SCREENS_DIR = "screens"
TMP_DIR = "tmp"

#: Layout 2: the survey tables (store._surveys; docs/surveys.md).
SURVEY_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS survey_responses (response_id VARCHAR NOT NULL, source VARCHAR NOT NULL,
        survey_id VARCHAR, submitted_ms BIGINT, url VARCHAR, session_hint VARCHAR, user_hint VARCHAR,
        session_id VARCHAR, match VARCHAR NOT NULL, confidence DOUBLE NOT NULL, note VARCHAR, file VARCHAR,
        imported_ms BIGINT)""",
    """CREATE TABLE IF NOT EXISTS survey_answers (response_id VARCHAR NOT NULL, position INTEGER NOT NULL,
        question VARCHAR NOT NULL, answer VARCHAR NOT NULL, kind VARCHAR NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS survey_themes (name VARCHAR NOT NULL, keywords VARCHAR NOT NULL, created_ms BIGINT)",
)

DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS sessions (
        session_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, site VARCHAR NOT NULL,
        start TIMESTAMP NOT NULL, start_epoch_ms BIGINT NOT NULL, day DATE NOT NULL,
        duration_ms BIGINT, active_ms BIGINT, entry_url VARCHAR, exit_url VARCHAR,
        pages_visited INTEGER, page_visits INTEGER, events BIGINT, clicks INTEGER, friction_score INTEGER,
        findings_total INTEGER, viewport_width INTEGER, viewport_height INTEGER, device_class VARCHAR,
        user_id VARCHAR, source_format VARCHAR, events_file VARCHAR NOT NULL,
        source_path VARCHAR, source_size BIGINT, source_mtime_ns BIGINT, ingested_ms BIGINT,
        f_rage_click INTEGER, f_dead_click INTEGER, f_error_click INTEGER, f_hesitation INTEGER,
        f_form_abandonment INTEGER, f_quick_back INTEGER, f_excessive_scroll INTEGER, f_thrashed_cursor INTEGER)""",
    "CREATE TABLE IF NOT EXISTS attr_keys (key VARCHAR NOT NULL, col INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS attr_values (vid INTEGER NOT NULL, key VARCHAR NOT NULL, v_text VARCHAR NOT NULL,
        v_num DOUBLE, v_bool BOOLEAN, v_date DATE)""",
    "CREATE TABLE IF NOT EXISTS findings (session_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, n INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS pages (session_id VARCHAR NOT NULL, page INTEGER NOT NULL, url VARCHAR,
        path VARCHAR, title VARCHAR, width INTEGER, height INTEGER, screen VARCHAR, first_ms BIGINT)""",
    """CREATE TABLE IF NOT EXISTS attributes (session_id VARCHAR NOT NULL, key VARCHAR NOT NULL,
        source VARCHAR NOT NULL, v_text VARCHAR NOT NULL, v_num DOUBLE, v_bool BOOLEAN, v_date DATE)""",
    "CREATE TABLE IF NOT EXISTS labels (session_id VARCHAR NOT NULL, label VARCHAR NOT NULL)",
    "CREATE TABLE IF NOT EXISTS identities (session_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tags (session_id VARCHAR NOT NULL, tag VARCHAR NOT NULL, created_ms BIGINT)",
    "CREATE TABLE IF NOT EXISTS notes (session_id VARCHAR NOT NULL, text VARCHAR NOT NULL, created_ms BIGINT)",
    """CREATE TABLE IF NOT EXISTS goals (name VARCHAR NOT NULL, kind VARCHAR NOT NULL, pattern VARCHAR NOT NULL,
        created_ms BIGINT, gid INTEGER NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS goal_hits (goal VARCHAR NOT NULL, session_id VARCHAR NOT NULL, reached_ms BIGINT)",
    "CREATE TABLE IF NOT EXISTS segments (name VARCHAR NOT NULL, definition VARCHAR NOT NULL, created_ms BIGINT)",
    # layout 4: the heatmap cells' integer key of each session version (store._cells.session_key)
    "CREATE TABLE IF NOT EXISTS cell_keys (session_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, skey BIGINT NOT NULL)",
    *SURVEY_DDL,
)


def connect(root: Path, *, create: bool, read_only: bool, error: type[Exception]) -> duckdb.DuckDBPyConnection:
    """Open the catalogue, creating the folder layout and tables when ``create``; check the layout version."""
    cat = root / CATALOGUE
    if not cat.is_file():
        if not create or read_only:
            raise error(f"{root} is not a Replay Lens library (no {CATALOGUE})")
        if root.exists() and not root.is_dir():
            raise error(f"{root} is not a folder")
        if root.is_dir() and any(p.name not in (CATALOGUE, EVENTS_DIR, CELLS_DIR, SCREENS_DIR, TMP_DIR,
                                                            f"{CATALOGUE}.wal")
                                 and not p.name.startswith(".") for p in root.iterdir()):
            raise error(f"{root} holds other files: choose an empty folder for a new library")
    try:
        root.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(cat), read_only=read_only)
    except duckdb.Error as exc:
        raise error(f"the library {root} cannot be opened ({str(exc).splitlines()[0][:200]})") from None
    except OSError as exc:
        raise error(f"the library {root} cannot be opened ({exc.strerror})") from None
    try:
        con.execute("SET threads TO 2").fetchall()
        if not read_only:
            for sql in (*DDL, *_templates.DDL):
                con.execute(sql).fetchall()
            for sub in (EVENTS_DIR, CELLS_DIR, SCREENS_DIR, TMP_DIR):
                (root / sub).mkdir(exist_ok=True)
            rows = con.execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall()
            if not rows:
                con.execute("INSERT INTO meta VALUES ('layout_version', ?)", [str(LAYOUT_VERSION)]).fetchall()
        rows = con.execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall()
        version = int(rows[0][0]) if rows else 0
        if version in MIGRATABLE and not read_only:  # the DDL above created the new tables
            _migrate_5(con)
            con.execute("UPDATE meta SET value = ? WHERE key = 'layout_version'", [str(LAYOUT_VERSION)]).fetchall()
            version = LAYOUT_VERSION
        if version != LAYOUT_VERSION and not (read_only and version in MIGRATABLE):
            raise error(f"the library {root} has layout version {version}; this build reads {LAYOUT_VERSION}")
    except BaseException:
        con.close()
        raise
    return con


def _migrate_5(con: duckdb.DuckDBPyConnection) -> None:
    """Layout 5 (store._templates, store._canon): every page visit's URL template from its stored URL and the
    attributes moved to their canonical keys, in one transaction; no session file is opened."""
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        _templates.migrate(con)
        _canon.migrate(con)
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
