"""The render stage's catalogue tables: page pictures and element boxes of rrweb sessions (docs/library.md,
"Page pictures"). ``io.library.render_stage`` drives these; the maps read ``pages.screen`` and ``click_boxes``.

Tables (created on the first write; a library without them simply has no rendered pictures yet):

- ``page_renders``: one row per distinct snapshot content (``content``: a hash of the page's DOM snapshot and its
  width) that was rendered: the screenshot (``screen``, a name in ``screens/``), its size, ``status`` (``ok`` /
  ``failed``), the error, the node ids measured and the seconds it took;
- ``render_boxes``: the measured element boxes of each content (node id, x, y, w, h; document CSS px);
- ``render_pages``: per session version and page, its page key (URL × device class), its content (NULL: the page
  has no snapshot) and how its picture was found (``own``, ``shared``, ``representative``, ``none``);
- ``session_renders``: per session version, the stage is done with it (``status`` ``ok`` / ``partial`` /
  ``failed`` and a ``note`` for ``library info``);
- ``click_boxes``: per session version and event index ``i``, the clicked element's box (the event columns
  ``target_box_*`` stay NULL for rrweb sessions; ``store.anchored`` reads both).

Atomicity: a content's PNG is renamed into ``screens/`` before its ``page_renders`` row commits; a session's
``render_pages``, ``click_boxes``, ``pages`` update and ``session_renders`` row commit in one transaction. A kill at
any moment leaves either nothing of a session or all of it; a re-run does only what has no row.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from replaylens.store._write import begin, rollback

if TYPE_CHECKING:
    import duckdb

    from replaylens.store.library import LibraryStore

TABLES = ("page_renders", "render_boxes", "render_pages", "session_renders", "click_boxes")
DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS page_renders (content VARCHAR NOT NULL, screen VARCHAR, width INTEGER,
        height INTEGER, status VARCHAR NOT NULL, error VARCHAR, measured BIGINT[], seconds DOUBLE,
        rendered_ms BIGINT)""",
    "CREATE TABLE IF NOT EXISTS render_boxes (content VARCHAR NOT NULL, node BIGINT, x DOUBLE, y DOUBLE, "
    "w DOUBLE, h DOUBLE)",
    """CREATE TABLE IF NOT EXISTS render_pages (session_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        page INTEGER, page_key VARCHAR, content VARCHAR, how VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS session_renders (session_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        status VARCHAR NOT NULL, note VARCHAR, rendered_ms BIGINT)""",
    """CREATE TABLE IF NOT EXISTS click_boxes (session_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, i BIGINT,
        x DOUBLE, y DOUBLE, w DOUBLE, h DOUBLE)""",
)
_PER_SESSION = ("render_pages", "session_renders", "click_boxes")


@dataclass(frozen=True)
class Pending:
    """An rrweb session version the stage has not finished."""

    session_id: str
    sha256: str
    source_path: str
    source_size: int
    source_mtime_ns: int
    events_file: str
    device_class: str


@dataclass(frozen=True)
class ContentRow:
    content: str
    screen: str | None
    width: int
    height: int
    status: str
    error: str | None
    measured: frozenset[int]


@dataclass
class SessionRows:
    """Everything one session version's commit writes."""

    session_id: str
    sha256: str
    status: str  # ok / partial / failed
    note: str | None
    pages: list[tuple[int, str | None, str | None, str]]  # (page, page_key, content, how)
    screens: list[tuple[int, str, int, int]]  # (page, screen, width, height) -> pages
    boxes: np.ndarray  # (k, 5): i, x, y, w, h


def has_tables(lib: LibraryStore) -> bool:
    """Does the catalogue have the stage's tables (False for a library never rendered, opened read-only)?"""
    got = lib.cached("pictures:tables")
    if got is None:
        rows = lib.cursor().execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
        got = lib.remember("pictures:tables", all(t in {str(r[0]) for r in rows} for t in TABLES))
    return bool(got)


def ensure(lib: LibraryStore) -> None:
    with lib.write_lock:
        cur = lib.cursor()
        for ddl in DDL:
            cur.execute(ddl).fetchall()
    lib.invalidate()


def prune(lib: LibraryStore, *, retry_failed: bool = False) -> int:
    """Forget the rows of session versions no longer in the library (re-ingested with new content, …); with
    ``retry_failed`` also the sessions the stage could not render, so they are tried again."""
    cur = lib.cursor()
    n = 0
    with lib.write_lock:
        begin(cur)
        try:
            for table in _PER_SESSION:
                n += _count(cur.execute(f"DELETE FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE "
                                        "s.session_id = t.session_id AND s.sha256 = t.sha256)").fetchall())
            if retry_failed:
                failed = "(SELECT session_id, sha256 FROM session_renders WHERE status <> 'ok')"
                for table in ("render_pages", "click_boxes", "session_renders"):
                    n += _count(cur.execute(f"DELETE FROM {table} WHERE (session_id, sha256) IN {failed}")
                                .fetchall())
                cur.execute("DELETE FROM page_renders WHERE status <> 'ok'").fetchall()
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
    lib.invalidate()
    return n


def _count(rows: list[Any]) -> int:
    return int(rows[0][0]) if rows and rows[0] else 0


_PENDING = ("SELECT s.session_id, s.sha256, coalesce(s.source_path, ''), coalesce(s.source_size, -1), "
            "coalesce(s.source_mtime_ns, -1), s.events_file, coalesce(s.device_class, '') FROM sessions s "
            "WHERE s.source_format = 'rrweb' AND NOT EXISTS (SELECT 1 FROM session_renders r WHERE "
            "r.session_id = s.session_id AND r.sha256 = s.sha256) ORDER BY s.start_epoch_ms, s.session_id")


def pending(lib: LibraryStore) -> list[Pending]:
    """The rrweb session versions without a ``session_renders`` row, oldest first."""
    if not has_tables(lib):
        rows = lib.cursor().execute(_PENDING.replace(
            "AND NOT EXISTS (SELECT 1 FROM session_renders r WHERE r.session_id = s.session_id AND "
            "r.sha256 = s.sha256) ", "")).fetchall()
    else:
        rows = lib.cursor().execute(_PENDING).fetchall()
    return [Pending(str(a), str(b), str(c), int(d), int(e), str(f), str(g)) for a, b, c, d, e, f, g in rows]


def status(lib: LibraryStore) -> dict[str, Any]:
    """``{"rrweb_sessions", "done", "pending", "failed", "partial", "pictures", "notes": [{"session_id",
    "status", "note"}]}`` (the ``library info`` part)."""
    cur = lib.cursor()
    total = _count(cur.execute("SELECT count(*) FROM sessions WHERE source_format = 'rrweb'").fetchall())
    out: dict[str, Any] = {"rrweb_sessions": total, "done": 0, "pending": total, "failed": 0, "partial": 0,
                           "pictures": 0, "notes": []}
    if not has_tables(lib):
        return out
    rows = cur.execute("SELECT r.status, count(*) FROM session_renders r JOIN sessions s ON s.session_id = "
                       "r.session_id AND s.sha256 = r.sha256 GROUP BY r.status").fetchall()
    by = {str(k): int(n) for k, n in rows}
    done = sum(by.values())
    out.update(done=done, pending=max(total - done, 0), failed=by.get("failed", 0), partial=by.get("partial", 0))
    out["pictures"] = _count(cur.execute("SELECT count(*) FROM page_renders WHERE status = 'ok'").fetchall())
    notes = cur.execute("SELECT r.session_id, r.status, r.note FROM session_renders r JOIN sessions s ON "
                        "s.session_id = r.session_id AND s.sha256 = r.sha256 WHERE r.status <> 'ok' "
                        "ORDER BY r.status, r.session_id LIMIT 1000").fetchall()
    out["notes"] = [{"session_id": str(a), "status": str(b), "note": str(c or "")} for a, b, c in notes]
    return out


def contents(lib: LibraryStore, keys: Sequence[str]) -> dict[str, ContentRow]:
    """The rendered contents among ``keys``."""
    if not keys:
        return {}
    rows = lib.cursor().execute(
        "SELECT content, screen, width, height, status, error, measured FROM page_renders "
        "WHERE list_contains(?::VARCHAR[], content)", [sorted(set(keys))]).fetchall()
    return {str(r[0]): ContentRow(str(r[0]), r[1], int(r[2] or 0), int(r[3] or 0), str(r[4]), r[5],
                                  frozenset(int(v) for v in (r[6] or []))) for r in rows}


def content_boxes(lib: LibraryStore, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """Per content, its measured boxes as (k, 5) rows of node, x, y, w, h sorted by node."""
    if not keys:
        return {}
    got = lib.cursor().execute(
        "SELECT content, node, x, y, w, h FROM render_boxes WHERE list_contains(?::VARCHAR[], content) "
        "ORDER BY content, node", [sorted(set(keys))])
    res = got.to_arrow_table() if hasattr(got, "to_arrow_table") else got.fetch_arrow_table()
    out: dict[str, np.ndarray] = {}
    if not res.num_rows:
        return out
    names = np.asarray(res["content"].to_pylist(), dtype=object)
    vals = np.column_stack([np.asarray(res[c].to_numpy(zero_copy_only=False), np.float64)
                            for c in ("node", "x", "y", "w", "h")])
    cuts = np.flatnonzero(names[1:] != names[:-1]) + 1
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(names)], strict=True):
        out[str(names[lo])] = vals[lo:hi]
    return out


def page_key_counts(lib: LibraryStore) -> dict[str, int]:
    """Per page key, how many distinct contents were rendered for it (the per-page cap counts these)."""
    rows = lib.cursor().execute(
        "SELECT rp.page_key, count(DISTINCT rp.content) FROM render_pages rp JOIN page_renders pr ON "
        "pr.content = rp.content WHERE rp.page_key IS NOT NULL GROUP BY rp.page_key").fetchall()
    return {str(k): int(n) for k, n in rows}


def representatives(lib: LibraryStore) -> dict[str, ContentRow]:
    """Per page key, its representative rendered content: the one most sessions showed (ties: the first
    rendered)."""
    rows = lib.cursor().execute(
        "SELECT page_key, content, screen, width, height, status, error FROM (SELECT rp.page_key, pr.content, "
        "pr.screen, pr.width, pr.height, pr.status, pr.error, row_number() OVER (PARTITION BY rp.page_key "
        "ORDER BY count(*) DESC, min(pr.rendered_ms), pr.content) AS k FROM render_pages rp JOIN page_renders pr "
        "ON pr.content = rp.content WHERE pr.status = 'ok' AND pr.screen IS NOT NULL GROUP BY rp.page_key, "
        "pr.content, pr.screen, pr.width, pr.height, pr.status, pr.error) WHERE k = 1").fetchall()
    return {str(r[0]): ContentRow(str(r[1]), r[2], int(r[3] or 0), int(r[4] or 0), str(r[5]), r[6], frozenset())
            for r in rows}


def save_content(lib: LibraryStore, row: ContentRow, boxes: np.ndarray, seconds: float) -> None:
    """Record one rendered content (its PNG is already in ``screens/``) and its boxes, in one transaction;
    a content rendered again (more ids measured) replaces its rows."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 5)
    tbl = pa.table({"content": pa.array([row.content] * boxes.shape[0], pa.string()),
                    "node": pa.array(boxes[:, 0].astype(np.int64)), "x": boxes[:, 1], "y": boxes[:, 2],
                    "w": boxes[:, 3], "h": boxes[:, 4]})
    cur = lib.cursor()
    with lib.write_lock:
        begin(cur)
        try:
            cur.execute("DELETE FROM page_renders WHERE content = ?", [row.content]).fetchall()
            cur.execute("DELETE FROM render_boxes WHERE content = ?", [row.content]).fetchall()
            cur.execute("INSERT INTO page_renders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [row.content, row.screen, row.width, row.height, row.status, row.error,
                         sorted(row.measured), float(seconds), int(time.time() * 1000)]).fetchall()
            cur.register("new_render_boxes", tbl)
            cur.execute("INSERT INTO render_boxes SELECT * FROM new_render_boxes").fetchall()
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
        finally:
            cur.unregister("new_render_boxes")


def commit_sessions(lib: LibraryStore, rows: Sequence[SessionRows]) -> None:
    """The sessions' pages, click boxes, page pictures and done markers, in one transaction. A session version
    that left the library meanwhile is skipped."""
    if not rows:
        return
    now = int(time.time() * 1000)
    pages = pa.table({
        "session_id": pa.array([r.session_id for r in rows for _ in r.pages], pa.string()),
        "sha256": pa.array([r.sha256 for r in rows for _ in r.pages], pa.string()),
        "page": pa.array([p[0] for r in rows for p in r.pages], pa.int32()),
        "page_key": pa.array([p[1] for r in rows for p in r.pages], pa.string()),
        "content": pa.array([p[2] for r in rows for p in r.pages], pa.string()),
        "how": pa.array([p[3] for r in rows for p in r.pages], pa.string())})
    screens = pa.table({
        "session_id": pa.array([r.session_id for r in rows for _ in r.screens], pa.string()),
        "sha256": pa.array([r.sha256 for r in rows for _ in r.screens], pa.string()),
        "page": pa.array([s[0] for r in rows for s in r.screens], pa.int32()),
        "screen": pa.array([s[1] for r in rows for s in r.screens], pa.string()),
        "width": pa.array([s[2] for r in rows for s in r.screens], pa.int32()),
        "height": pa.array([s[3] for r in rows for s in r.screens], pa.int32())})
    nb = [r.boxes.shape[0] for r in rows]
    allb = np.concatenate([r.boxes for r in rows]) if sum(nb) else np.zeros((0, 5))
    boxes = pa.table({"session_id": pa.array([r.session_id for r, n in zip(rows, nb, strict=True)
                                              for _ in range(n)], pa.string()),
                      "sha256": pa.array([r.sha256 for r, n in zip(rows, nb, strict=True) for _ in range(n)],
                                         pa.string()),
                      "i": pa.array(allb[:, 0].astype(np.int64)), "x": allb[:, 1], "y": allb[:, 2],
                      "w": allb[:, 3], "h": allb[:, 4]})
    done = pa.table({"session_id": pa.array([r.session_id for r in rows], pa.string()),
                     "sha256": pa.array([r.sha256 for r in rows], pa.string()),
                     "status": pa.array([r.status for r in rows], pa.string()),
                     "note": pa.array([r.note for r in rows], pa.string()),
                     "rendered_ms": pa.array([now] * len(rows), pa.int64())})
    live = ("EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = n.session_id AND s.sha256 = n.sha256)")
    cur = lib.cursor()
    names = ("new_rp", "new_screens", "new_cb", "new_sr")
    with lib.write_lock:
        begin(cur)
        try:
            ids = [r.session_id for r in rows]
            for table in _PER_SESSION:
                cur.execute(f"DELETE FROM {table} WHERE list_contains(?::VARCHAR[], session_id)", [ids]).fetchall()
            for name, tbl in zip(names, (pages, screens, boxes, done), strict=True):
                cur.register(name, tbl)
            cur.execute(f"INSERT INTO render_pages SELECT * FROM new_rp n WHERE {live}").fetchall()
            cur.execute(f"INSERT INTO click_boxes SELECT * FROM new_cb n WHERE {live}").fetchall()
            cur.execute(f"INSERT INTO session_renders SELECT * FROM new_sr n WHERE {live}").fetchall()
            cur.execute("UPDATE pages SET screen = n.screen, width = n.width, height = n.height FROM new_screens n "
                        f"WHERE pages.session_id = n.session_id AND pages.page = n.page AND {live}").fetchall()
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
        finally:
            for name in names:
                cur.unregister(name)
    lib.invalidate()


def named_screens(cur: duckdb.DuckDBPyConnection) -> set[str]:
    """Screenshots the stage's rows name (kept by the orphan clean-up although no page names them yet)."""
    have = {str(r[0]) for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    if "page_renders" not in have:
        return set()
    return {str(r[0]) for r in cur.execute("SELECT DISTINCT screen FROM page_renders WHERE screen IS NOT NULL")
            .fetchall()}


def fill_from_representatives(lib: LibraryStore) -> int:
    """Pages the stage found no picture of their own for (no snapshot, render failed, over the per-page cap) get
    their page key's representative picture once one exists; returns how many pages gained one."""
    reps = representatives(lib)
    if not reps:
        return 0
    cur = lib.cursor()
    rows = cur.execute("SELECT rp.session_id, rp.sha256, rp.page, rp.page_key FROM render_pages rp "
                       "WHERE rp.how = 'none' AND rp.page_key IS NOT NULL").fetchall()
    todo = [(a, b, int(c), reps[str(d)]) for a, b, c, d in rows if str(d) in reps]
    if not todo:
        return 0
    tbl = pa.table({"session_id": pa.array([t[0] for t in todo], pa.string()),
                    "sha256": pa.array([t[1] for t in todo], pa.string()),
                    "page": pa.array([t[2] for t in todo], pa.int32()),
                    "screen": pa.array([t[3].screen for t in todo], pa.string()),
                    "width": pa.array([t[3].width for t in todo], pa.int32()),
                    "height": pa.array([t[3].height for t in todo], pa.int32())})
    with lib.write_lock:
        begin(cur)
        try:
            cur.register("rep_pages", tbl)
            cur.execute("UPDATE pages SET screen = n.screen, width = n.width, height = n.height FROM rep_pages n "
                        "WHERE pages.session_id = n.session_id AND pages.page = n.page AND EXISTS (SELECT 1 FROM "
                        "sessions s WHERE s.session_id = n.session_id AND s.sha256 = n.sha256)").fetchall()
            cur.execute("UPDATE render_pages SET how = 'representative' FROM rep_pages n WHERE "
                        "render_pages.session_id = n.session_id AND render_pages.sha256 = n.sha256 AND "
                        "render_pages.page = n.page").fetchall()
            cur.execute("COMMIT").fetchall()
        except BaseException:
            rollback(cur)
            raise
        finally:
            cur.unregister("rep_pages")
    lib.invalidate()
    return len(todo)


def session_pages(lib: LibraryStore, ids: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """Per session, its catalogue pages (index, URL)."""
    if not ids:
        return {}
    rows = lib.cursor().execute("SELECT session_id, page, url FROM pages WHERE list_contains(?::VARCHAR[], "
                                "session_id) ORDER BY session_id, page", [list(ids)]).fetchall()
    out: dict[str, list[tuple[int, str]]] = {}
    for sid, page, url in rows:
        out.setdefault(str(sid), []).append((int(page), str(url or "")))
    return out
