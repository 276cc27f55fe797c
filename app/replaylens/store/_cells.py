"""Pre-binned heatmap cells, written at ingest next to the events (layout version 3, docs/library.md).

For every events file ``events/site=S/day=D/batch-X.parquet`` the writer also writes
``cells/site=S/day=D/batch-X.parquet``: per session version and page visit, the session's heatmap cells at
``BASE_PX`` CSS px, so an aggregate map over 10,000 sessions reads thousands of cell rows per session instead of
every event (PostHog keeps its heatmap rows apart from the events for the same reason). Rows (``kind``):

- ``click``: cell ``cx``, ``cy`` (page position // ``BASE_PX``), ``n`` clicks, ``w`` = ``n``;
- ``move``: the same over every pointer event, ``w`` the dwell (ms to the next pointer sample of that page visit,
  at most ``DWELL_CAP_MS``), summed per cell;
- ``reach``: one row per page visit: ``bottom_h`` the deepest ``scroll_y + height`` of the events that carry a
  viewport height, ``bottom_s`` the deepest ``scroll_y`` of those that do not (the session's viewport height is
  added at query time, as the raw-event query does), ``first_i`` and ``fold_h`` the first event's index and height.

The SQL here is the raw-event query's own arithmetic (``store.aggregate``), so a coarser cell (``BASE_PX`` times a
power of two) and every sum over sessions come out exactly as the GROUP BY over the events would give them.
Cells with a negative row or column are dropped (no map draws them). A cells file is written after its events file
and before the catalogue names either, so a batch the catalogue names has both; a library written before layout 3
has event files without cells, and then the queries read the events (``available``).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.store._schema import CELLS_DIR, EVENTS_DIR, TMP_DIR

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: The cell size cells are stored at (CSS px); maps at BASE_PX × 2^k read them, other sizes read the events.
BASE_PX = 8
#: Event kinds that position the pointer (movement maps), and the dwell cap (ms) of a movement sample.
POINTER_KINDS = ("move", "down", "up", "click", "dblclick", "contextmenu", "touch_start", "touch_move", "touch_end")
DWELL_CAP_MS = 2_000
KINDS = ("click", "move", "reach")

SCHEMA = pa.schema([("session_id", pa.string()), ("sha256", pa.string()), ("page", pa.int32()),
                    ("kind", pa.string()), ("cx", pa.int32()), ("cy", pa.int32()), ("n", pa.int64()),
                    ("w", pa.float64()), ("bottom_h", pa.float64()), ("bottom_s", pa.float64()),
                    ("first_i", pa.int64()), ("fold_h", pa.int32())])

_KIND_LIST = ", ".join(f"'{k}'" for k in POINTER_KINDS)
_X = "x + CASE WHEN fixed THEN 0 ELSE coalesce(scroll_x, 0) END"
_Y = "y + CASE WHEN fixed THEN 0 ELSE coalesce(scroll_y, 0) END"
_SQL = f"""
WITH pts AS (
    SELECT session_id, sha256, page, kind = 'click' AS is_click, w,
        CAST(floor(({_X}) / {BASE_PX}) AS BIGINT) AS cx, CAST(floor(({_Y}) / {BASE_PX}) AS BIGINT) AS cy
    FROM cell_points),
firsts AS (
    SELECT f.session_id, f.page, f.first_i, min(b.height) AS fold_h
    FROM (SELECT session_id, page, min(i) AS first_i FROM cell_batch GROUP BY session_id, page) f
    JOIN cell_batch b ON b.session_id = f.session_id AND b.page = f.page AND b.i = f.first_i
    GROUP BY f.session_id, f.page, f.first_i),
grouped AS MATERIALIZED (
    SELECT session_id, sha256, page, CAST(cx AS INTEGER) AS cx, CAST(cy AS INTEGER) AS cy, count(*) AS n,
        CAST(sum(w) AS DOUBLE) AS w, count(*) FILTER (WHERE is_click) AS clicks
    FROM pts WHERE cx >= 0 AND cy >= 0 GROUP BY session_id, sha256, page, cx, cy)
SELECT session_id, sha256, page, 'click' AS kind, cx, cy, clicks AS n, CAST(clicks AS DOUBLE) AS w,
    NULL::DOUBLE AS bottom_h, NULL::DOUBLE AS bottom_s, NULL::BIGINT AS first_i, NULL::INTEGER AS fold_h
FROM grouped WHERE clicks > 0
UNION ALL
SELECT session_id, sha256, page, 'move', cx, cy, n, w, NULL, NULL, NULL, NULL FROM grouped
UNION ALL
SELECT b.session_id, b.sha256, b.page, 'reach', NULL, NULL, count(*), NULL,
    max(CASE WHEN b.height IS NOT NULL THEN coalesce(b.scroll_y, 0) + b.height END),
    max(CASE WHEN b.height IS NULL THEN coalesce(b.scroll_y, 0) END), min(f.first_i), min(f.fold_h)
FROM cell_batch b JOIN firsts f ON f.session_id = b.session_id AND f.page = b.page
WHERE b.page IS NOT NULL GROUP BY b.session_id, b.sha256, b.page
ORDER BY 4, 1, 3, 5, 6
"""


def _points(events: pa.Table) -> pa.Table:
    """The pointer events with a position, and ``w``: each one's dwell, the time to the next of them in the same
    session and page visit (by ``i``) capped at DWELL_CAP_MS, 0 for the last (as the raw query's ``lead``)."""
    keep = pc.and_(pc.is_in(events.column("kind"), pa.array(POINTER_KINDS)),
                   pc.and_(pc.is_valid(events.column("x")), pc.is_valid(events.column("y"))))
    pts = events.filter(pc.fill_null(keep, False)).select(
        ["session_id", "sha256", "page", "kind", "i", "t", "x", "y", "scroll_x", "scroll_y", "fixed"])
    n = pts.num_rows
    sid = pc.dictionary_encode(pts.column("session_id")).combine_chunks().indices.to_numpy(zero_copy_only=False)
    page_col = pts.column("page")
    page = np.asarray(pc.fill_null(page_col, -(2 ** 31)).to_numpy(zero_copy_only=False), np.int64)
    page_null = np.asarray(pc.is_null(page_col).to_numpy(zero_copy_only=False), bool)
    i = np.asarray(pc.fill_null(pts.column("i"), np.iinfo(np.int64).max).to_numpy(zero_copy_only=False), np.int64)
    t_col = pts.column("t")
    t = np.asarray(pc.fill_null(t_col, 0).to_numpy(zero_copy_only=False), np.int64)
    t_ok = np.asarray(pc.is_valid(t_col).to_numpy(zero_copy_only=False), bool)
    order = np.lexsort((i, page, page_null, sid))
    w_sorted = np.zeros(n, np.int64)
    if n > 1:
        a, b = order[:-1], order[1:]
        same = (sid[a] == sid[b]) & (page[a] == page[b]) & (page_null[a] == page_null[b]) & t_ok[a] & t_ok[b]
        w_sorted[:-1] = np.where(same, np.minimum(t[b] - t[a], DWELL_CAP_MS), 0)
    w = np.empty(n, np.int64)
    w[order] = w_sorted
    return pts.append_column("w", pa.array(w, pa.int64()))


def cells_rel(events_rel: str) -> str:
    """The cells file of an events file (both relative to the library)."""
    head, _, rest = events_rel.partition("/")
    if head != EVENTS_DIR or not rest:
        raise ValueError(f"{events_rel!r} is not an events file of the library")
    return f"{CELLS_DIR}/{rest}"


def compute(lib: LibraryStore, events: pa.Table) -> pa.Table:
    """The cell rows of a batch of events (with ``session_id`` and ``sha256`` columns)."""
    cur = lib.cursor()
    cur.register("cell_batch", events)
    cur.register("cell_points", _points(events))
    try:
        res = cur.execute(_SQL)
        table: pa.Table = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()
    finally:
        cur.unregister("cell_batch")
        cur.unregister("cell_points")
    return table.cast(SCHEMA)


def write(lib: LibraryStore, events: pa.Table, events_rel: str) -> str:
    """Write the cells of one events file (temp name, fsync, rename); return their path relative to the library."""
    rel = cells_rel(events_rel)
    tmp = lib.root / TMP_DIR / f"{uuid.uuid4().hex}.cells.parquet.tmp"
    pq.write_table(compute(lib, events), tmp, compression="zstd", row_group_size=256_000,
                   use_dictionary=["session_id", "sha256", "kind"])
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    dest = lib.root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)
    return rel


def remove(lib: LibraryStore, events_rel: str) -> None:
    """Delete the cells of an events file that is not going to be committed."""
    (lib.root / cells_rel(events_rel)).unlink(missing_ok=True)


def files(lib: LibraryStore) -> list[str] | None:
    """The cells files of every events file the catalogue names (sorted), or None when some events file has none
    (a batch written before layout 3): then the heatmap queries read the events. Cached until the next write."""
    found = lib.cached("cells:files")
    if found is None:
        from replaylens.store.engine import event_files

        names = [cells_rel(f) for f in event_files(lib)]
        complete = all((lib.root / n).is_file() for n in names)
        found = lib.remember("cells:files", (complete, names))
    complete, names = found
    return list(names) if complete else None


def available(lib: LibraryStore) -> bool:
    """Every events file the catalogue names has its cells (an empty library counts as having them)."""
    return files(lib) is not None


def orphans(lib: LibraryStore, named_events: set[str]) -> list[Path]:
    """Cells files whose events file the catalogue does not name."""
    keep = {cells_rel(f) for f in named_events}
    return [p for p in (lib.root / CELLS_DIR).rglob("*")
            if p.is_file() and p.relative_to(lib.root).as_posix() not in keep]


def factor(cell_px: float) -> int | None:
    """How many stored cells one ``cell_px`` cell spans (a power of two), or None: not a multiple of the base."""
    ratio = float(cell_px) / BASE_PX
    k = int(ratio)
    return k if k >= 1 and k == ratio and k & (k - 1) == 0 else None


def empty_source() -> str:
    """A query with the cells view's columns and no rows (an empty library)."""
    cols: list[Any] = [f"NULL::{_duck(f.type)} AS {f.name}" for f in SCHEMA]
    return "SELECT " + ", ".join([*cols, "NULL::VARCHAR AS site", "NULL::DATE AS day"]) + " WHERE false"


def _duck(t: pa.DataType) -> str:
    return {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE"}[t]
