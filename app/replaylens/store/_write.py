"""Writes: batches of sessions (files first, catalogue rows last, in one transaction), attribute files and
orphan clean-up. Tags, notes, goals and segments are in ``_edit``."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.core.pii import mask_text, pseudonym
from replaylens.model.library import SessionRecord
from replaylens.store import _cells, _goals, _templates, _wide
from replaylens.store._schema import EVENTS_DIR, SCREENS_DIR, TMP_DIR
from replaylens.store._wide import FINDING_COLUMNS, TYPED_SQL

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_SESSION_COLS = ("session_id", "sha256", "site", "start", "start_epoch_ms", "day", "duration_ms", "active_ms",
                 "entry_url", "exit_url", "pages_visited", "page_visits", "events", "clicks", "friction_score",
                 "findings_total", "viewport_width", "viewport_height", "device_class", "user_id", "source_format",
                 "events_file", "source_path", "source_size", "source_mtime_ns", "ingested_ms")
_PER_SESSION = ("pages", "labels", "identities", "findings", "goal_hits")
_ALL_COLS = (*_SESSION_COLS, *FINDING_COLUMNS.values())
_INSERT_SESSIONS = f"INSERT INTO sessions ({', '.join(_ALL_COLS)}) SELECT " + ", ".join(
    "make_timestamp(start_epoch_ms * 1000) AS start" if c == "start" else
    "CAST(make_timestamp(start_epoch_ms * 1000) AS DATE) AS day" if c == "day" else c
    for c in _ALL_COLS) + " FROM new_sessions"


def begin(cur: duckdb.DuckDBPyConnection) -> None:
    """BEGIN, first rolling back a transaction an interrupted writer left open on this cursor."""
    try:
        cur.execute("BEGIN TRANSACTION").fetchall()
    except duckdb.TransactionException:
        cur.execute("ROLLBACK").fetchall()
        cur.execute("BEGIN TRANSACTION").fetchall()


def rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK that never hides the error being handled (nothing to roll back, an interrupted connection)."""
    with contextlib.suppress(duckdb.Error):
        cur.execute("ROLLBACK").fetchall()


def part_value(text: str) -> str:
    """A hive partition value safe in every file system: ``[A-Za-z0-9._-]`` kept, the rest ``%XX``."""
    if not text:
        return "_unknown"
    out = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in text[:100])
    return "%2E" + out[1:] if out.startswith(".") else out


def _write_events(lib: LibraryStore, group: list[SessionRecord], site: str, day: str) -> str:
    """Write one batch file (temp name, fsync, rename) and return its path relative to the library."""
    tables = []
    for r in group:
        ev: pa.Table = r.events
        zeros = pa.array(np.zeros(ev.num_rows, np.int32))  # the session's two constant columns, made in Arrow
        tables.append(ev.add_column(0, "sha256", pc.take(pa.array([r.sha256], pa.string()), zeros))
                      .add_column(0, "session_id", pc.take(pa.array([r.session_id], pa.string()), zeros)))
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    rel = f"{EVENTS_DIR}/site={part_value(site)}/day={day}/batch-{uuid.uuid4().hex}.parquet"
    tmp = lib.root / TMP_DIR / f"{uuid.uuid4().hex}.parquet.tmp"
    pq.write_table(table, tmp, compression="zstd", row_group_size=128_000,
                   use_dictionary=["session_id", "sha256", "kind", "target", "target_tag", "target_text",
                                   "input_type"])
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    dest = lib.root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    try:
        sessions, pages = _cells.record_tables(group)  # the batch's heatmap cells (layout 4), as the workers
        _cells.write(lib, _cells.of_records(group, table, sessions, pages), rel, None)  # computed them
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return rel


def _session_row(r: SessionRecord, events_file: str, now_ms: int) -> dict[str, Any]:
    s = dict(r.summary)
    s.update(session_id=r.session_id, sha256=r.sha256, site=r.site, start_epoch_ms=r.start_epoch_ms,
             events_file=events_file, source_path=r.source.path, source_size=r.source.size,
             source_mtime_ns=r.source.mtime_ns, source_format=r.source.format, ingested_ms=now_ms,
             findings_total=sum(r.findings.values()))
    s.update({col: int(r.findings.get(kind, 0)) for kind, col in FINDING_COLUMNS.items()})
    return s


def commit(lib: LibraryStore, records: Sequence[SessionRecord]) -> int:
    """Files first (batch Parquet per partition), then every catalogue row in one transaction."""
    last: dict[str, SessionRecord] = {}
    for r in records:
        last[r.session_id] = r  # one file naming one session id twice: the later one wins
    known = known_versions(lib)
    todo = [r for r in last.values() if known.get(r.session_id) != r.sha256]
    if not todo:
        return 0
    groups: dict[tuple[str, str], list[SessionRecord]] = {}
    for r in todo:
        day = time.strftime("%Y-%m-%d", time.gmtime(r.start_epoch_ms / 1000))
        groups.setdefault((r.site, day), []).append(r)
    files: dict[str, str] = {}
    written: list[str] = []
    try:
        for (site, day), group in groups.items():
            rel = _write_events(lib, group, site, day)
            written.append(rel)
            for r in group:
                files[r.session_id] = rel
        _cells.add_keys(lib, _cells.record_tables(todo)[0])  # every file's cell keys in one statement
        _insert(lib, todo, files, known)
    except BaseException:
        for rel in written:  # not committed: the files are orphans; remove them now if we still can
            (lib.root / rel).unlink(missing_ok=True)
            _cells.remove(lib, rel)
        raise
    lib.invalidate()
    return len(todo)


def _insert(lib: LibraryStore, todo: list[SessionRecord], files: dict[str, str], known: dict[str, str]) -> None:
    now_ms = int(time.time() * 1000)
    ids = [r.session_id for r in todo]
    sessions = pa.Table.from_pylist([_session_row(r, files[r.session_id], now_ms) for r in todo])
    cur = lib.cursor()
    templates = iter(_templates.templates_of(cur, [p.url or "" for r in todo for p in r.pages]))
    pages = pa.Table.from_pylist([{"session_id": r.session_id, "page": p.index, "url": p.url,
                                   "path": _path_of(p.url), "title": p.title, "width": p.width,
                                   "height": p.height, "screen": p.screen, "first_ms": p.first_ms,
                                   "template": next(templates)}
                                  for r in todo for p in r.pages],
                                 schema=pa.schema([("session_id", pa.string()), ("page", pa.int32()),
                                                   ("url", pa.string()), ("path", pa.string()),
                                                   ("title", pa.string()), ("width", pa.int32()),
                                                   ("height", pa.int32()), ("screen", pa.string()),
                                                   ("first_ms", pa.int64()), ("template", pa.string())]))
    attrs = _pairs([(r.session_id, k, src, v) for r in todo for k, (v, src) in r.attributes.items()],
                   ("session_id", "key", "source", "v_text"))
    labels = _pairs([(r.session_id, lab) for r in todo for lab in r.labels], ("session_id", "label"))
    idents = _pairs([(r.session_id, u) for r in todo for u in r.identities], ("session_id", "user_id"))
    finds = pa.table({"session_id": pa.array([r.session_id for r in todo for k, n in r.findings.items() if n],
                                             pa.string()),
                      "kind": pa.array([k for r in todo for k, n in r.findings.items() if n], pa.string()),
                      "n": pa.array([n for r in todo for n in r.findings.values() if n], pa.int32())})
    begin(cur)
    try:
        _wide.ensure_attr_columns(cur, [k for r in todo for k in r.attributes])  # DDL before any append
        replaced = [i for i in ids if i in known]
        if replaced:
            for table in ("sessions", *_PER_SESSION):
                cur.execute(f"DELETE FROM {table} WHERE list_contains(?::VARCHAR[], session_id)",
                            [replaced]).fetchall()
            cur.execute("DELETE FROM attributes WHERE source NOT IN ('file', 'survey') "
                        "AND list_contains(?::VARCHAR[], session_id)",
                        [replaced]).fetchall()
        cur.register("new_sessions", sessions)
        cur.execute(_INSERT_SESSIONS).fetchall()
        for name, table, sql in (
                ("new_pages", pages, f"INSERT INTO pages ({', '.join(pages.column_names)}) SELECT * FROM new_pages"),
                ("new_attrs", attrs, "INSERT INTO attributes SELECT session_id, key, source, v_text, "
                                     f"{TYPED_SQL} FROM new_attrs WHERE NOT EXISTS (SELECT 1 FROM attributes o "
                                     "WHERE o.session_id = new_attrs.session_id AND o.key = new_attrs.key "
                                     "AND o.source = 'file')"),
                ("new_labels", labels, "INSERT INTO labels SELECT * FROM new_labels"),
                ("new_idents", idents, "INSERT INTO identities SELECT * FROM new_idents"),
                ("new_findings", finds, "INSERT INTO findings SELECT * FROM new_findings")):
            cur.register(name, table)
            cur.execute(sql).fetchall()
        _wide.sync_attributes(cur, ids)
        _goals.compute_all(lib, cur, ids)
        _wide.sync_goals(cur, ids)
        cur.execute("COMMIT").fetchall()
    except BaseException:
        rollback(cur)
        raise
    finally:
        for name in ("new_sessions", "new_pages", "new_attrs", "new_labels", "new_idents", "new_findings"):
            cur.unregister(name)


def _pairs(rows: list[tuple[str, ...]], names: tuple[str, ...]) -> pa.Table:
    return pa.table({n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)})


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return ""


def known_sources(lib: LibraryStore) -> dict[str, tuple[int, int, str]]:
    rows = lib.cursor().execute("SELECT source_path, source_size, source_mtime_ns, sha256 FROM sessions "
                                "WHERE source_path IS NOT NULL").fetchall()
    return {str(p): (int(s or 0), int(m or 0), str(h)) for p, s, m, h in rows}


def known_versions(lib: LibraryStore) -> dict[str, str]:
    return {str(i): str(h) for i, h in lib.cursor().execute("SELECT session_id, sha256 FROM sessions").fetchall()}


def apply_attribute_rows(lib: LibraryStore, rows: Sequence[tuple[str, str, dict[str, str]]]) -> int:
    """Rows of (``session_id`` | ``user_id``, id, {key: value}) -> ``file`` attributes, replacing earlier ones."""
    # the privacy policy (docs/privacy.md): personal data in values masked, e-mail/phone user ids as pseudonyms
    flat = [(kind, pseudonym(ident) if kind == "user_id" else ident, str(k), mask_text(str(v)))
            for kind, ident, cols in rows for k, v in cols.items() if str(v) != "" and str(k) != ""]
    if not flat:
        return 0
    table = pa.table({n: pa.array([r[i] for r in flat], pa.string())
                      for i, n in enumerate(("id_kind", "ident", "key", "v_text"))})
    cur = lib.cursor()
    cur.register("file_rows", table)
    try:
        begin(cur)
        try:
            _wide.ensure_attr_columns(cur, sorted({r[2] for r in flat}))
            cur.execute("""CREATE OR REPLACE TEMP TABLE file_matched AS
                SELECT DISTINCT m.session_id, r.key, r.v_text FROM file_rows r JOIN (
                    SELECT session_id, 'session_id' AS id_kind, session_id AS ident FROM sessions
                    UNION ALL SELECT session_id, 'user_id', user_id FROM sessions WHERE user_id IS NOT NULL
                    UNION ALL SELECT session_id, 'user_id', user_id FROM identities) m
                ON m.id_kind = r.id_kind AND m.ident = r.ident""").fetchall()
            cur.execute("DELETE FROM attributes WHERE EXISTS (SELECT 1 FROM file_matched f WHERE "
                        "f.session_id = attributes.session_id AND f.key = attributes.key)").fetchall()
            cur.execute("INSERT INTO attributes SELECT session_id, key, 'file', v_text, "
                        f"{TYPED_SQL} FROM file_matched").fetchall()
            matched = [str(r[0]) for r in cur.execute("SELECT DISTINCT session_id FROM file_matched").fetchall()]
            n = len(matched)
            _wide.sync_attributes(cur, matched)
            cur.execute("DROP TABLE file_matched").fetchall()
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
    finally:
        cur.unregister("file_rows")
    lib.invalidate()
    return int(n)


def cleanup_orphans(lib: LibraryStore) -> int:
    """Delete event files and screenshots no catalogue row names, and every temp file. Only the writer calls it
    (one process holds the catalogue), before its ingest starts."""
    from replaylens.store import _pictures  # the render stage's pictures (it imports this module)

    cur = lib.cursor()
    named = {str(r[0]) for r in cur.execute("SELECT DISTINCT events_file FROM sessions").fetchall()}
    screens = {str(r[0]) for r in cur.execute("SELECT DISTINCT screen FROM pages WHERE screen IS NOT NULL")
               .fetchall()} | _pictures.named_screens(cur)
    removed = 0
    for p in (lib.root / TMP_DIR).glob("*"):
        if p.is_file():
            p.unlink(missing_ok=True)
            removed += 1
    for p in (lib.root / EVENTS_DIR).rglob("*"):
        if p.is_file() and p.relative_to(lib.root).as_posix() not in named:
            p.unlink(missing_ok=True)
            removed += 1
    for p in _cells.orphans(lib, named):
        p.unlink(missing_ok=True)
        removed += 1
    for p in (lib.root / SCREENS_DIR).rglob("*"):
        if p.is_file() and p.name not in screens:
            p.unlink(missing_ok=True)
            removed += 1
    return removed


def screen_path(lib: LibraryStore, screen: str) -> Path | None:
    """``screens/<ab>/<name>`` for a stored screenshot name (names are hex digests; anything else is refused)."""
    stem, _, ext = screen.partition(".")
    if len(stem) != 64 or any(c not in "0123456789abcdef" for c in stem) or ext not in ("png", "jpg", "jpeg",
                                                                                         "webp"):
        return None
    path = lib.root / SCREENS_DIR / stem[:2] / screen
    return path if path.is_file() else None
