"""Re-deriving the heatmap cells of a library from its events Parquet (``LibraryStore.rebuild_cells``).

A library written before layout 4 has no cells of this layout: its maps are answered from the events, which is
slow at 10,000 sessions. Rebuilding reads each events file the catalogue names (only the columns the cells use),
keeps the session versions the catalogue names for that file (a replaced version's rows are never read), takes
their shown pages and durations from the catalogue, and writes the file's cells and keys as an ingest would. No
session file is needed. A file whose cells are already of this layout is skipped unless ``force``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.store import _cells

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: The events columns the cells are computed from.
COLUMNS = ("session_id", "sha256", "i", "t", "kind", "page", "x", "y", "scroll_x", "scroll_y", "height", "fixed")


def _arrow(res: object) -> pa.Table:
    table: pa.Table = res.to_arrow_table() if hasattr(res, "to_arrow_table") else res.fetch_arrow_table()  # type: ignore[attr-defined]
    return table


def file_tables(lib: LibraryStore, events_rel: str) -> tuple[pa.Table, pa.Table]:
    """The ``SESSIONS`` and ``PAGES`` tables of the session versions the catalogue names in ``events_rel``."""
    cur = lib.cursor()
    found = _arrow(cur.execute("SELECT session_id, sha256, CAST(duration_ms AS BIGINT) AS duration_ms "
                               "FROM sessions WHERE events_file = ? ORDER BY session_id", [events_rel]))
    keys = [_cells.session_key(s, h) for s, h in zip(found.column("session_id").to_pylist(),
                                                     found.column("sha256").to_pylist(), strict=True)]
    sessions = pa.table({"session_id": found.column("session_id"), "sha256": found.column("sha256"),
                         "skey": pa.array(keys, pa.int64()), "duration_ms": found.column("duration_ms")},
                        schema=_cells.SESSIONS)
    pages = _arrow(cur.execute(
        "SELECT p.session_id, CAST(p.page AS INTEGER) AS page, p.url FROM pages p "
        "WHERE p.first_ms IS NOT NULL AND p.session_id IN (SELECT session_id FROM sessions WHERE events_file = ?) "
        "ORDER BY 1, 2", [events_rel])).cast(_cells.PAGES)
    return sessions, pages


def rebuild(lib: LibraryStore, *, force: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the cells of every events file the catalogue names that has none of this layout (every file with
    ``force``); returns how many files were written. ``progress(done, total)`` after each file."""
    from replaylens.store.engine import event_files

    names = event_files(lib)
    written = 0
    for done, rel in enumerate(names, 1):
        if force or not _cells.current(lib.root / _cells.cells_rel(rel)):
            sessions, pages = file_tables(lib, rel)
            pf = pq.ParquetFile(lib.root / rel)
            have = set(pf.schema_arrow.names)
            events = pf.read(columns=[c for c in COLUMNS if c in have])
            events = events.filter(pc.is_in(events.column("session_id"), sessions.column("session_id")))
            _cells.write(lib, _cells.compute(events, sessions, pages), rel, sessions)
            written += 1
            lib.invalidate()
        if progress is not None:
            progress(done, len(names))
    lib.invalidate()
    return written
