"""The catalogue side of the privacy audit (``io.privacy.audit``): every text column of every catalogue table,
its distinct values, and an in-place rewrite that leaves no old value in the file.

DuckDB does not zero the blocks an ``UPDATE`` frees, so a fixed catalogue is written afresh: the values are
replaced, then the whole database is copied into a new file (``COPY FROM DATABASE``) that replaces the old one
atomically (the write-ahead log is folded in first). The library must be opened for writing and not be in use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from replaylens.store._schema import CATALOGUE
from replaylens.store.library import LibraryError

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

__all__ = ["LibraryError", "distinct_values", "replace_values", "rewrite_catalogue", "text_columns"]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text_columns(lib: LibraryStore) -> list[tuple[str, str]]:
    """(table, column) of every VARCHAR column of the catalogue's own tables."""
    rows = lib.cursor().execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_catalog = current_database() AND data_type = 'VARCHAR' ORDER BY table_name, ordinal_position"
    ).fetchall()
    return [(str(t), str(c)) for t, c in rows]


def distinct_values(lib: LibraryStore, table: str, column: str) -> list[tuple[str, int]]:
    """(value, rows) of one text column (NULLs left out)."""
    sql = f"SELECT {_ident(column)}, count(*) FROM {_ident(table)} WHERE {_ident(column)} IS NOT NULL GROUP BY 1"
    return [(str(v), int(n)) for v, n in lib.cursor().execute(sql).fetchall()]


def replace_values(lib: LibraryStore, table: str, column: str, mapping: Mapping[str, str]) -> int:
    """Replace values of one column (old -> new); returns the rows changed."""
    if not mapping:
        return 0
    cur = lib.cursor()
    pairs = pa.table({"old": pa.array(list(mapping), pa.string()), "new": pa.array(list(mapping.values()),
                                                                                     pa.string())})
    cur.register("privacy_pairs", pairs)
    try:
        n = cur.execute(f"SELECT count(*) FROM {_ident(table)} t JOIN privacy_pairs p ON t.{_ident(column)} = p.old"
                        ).fetchall()[0][0]
        cur.execute(f"UPDATE {_ident(table)} SET {_ident(column)} = p.new FROM privacy_pairs p "
                    f"WHERE {_ident(table)}.{_ident(column)} = p.old").fetchall()
    except duckdb.Error as exc:
        raise LibraryError(f"{table}.{column}: {exc}") from None
    finally:
        cur.unregister("privacy_pairs")
    return int(n)


def rewrite_catalogue(root: Path) -> None:
    """Copy the (closed) catalogue into a fresh file and put it in place atomically: freed blocks holding old
    values do not survive. The caller has closed every connection to it."""
    src = root / CATALOGUE
    tmp = root / f"{CATALOGUE}.rewrite.tmp"
    for stale in (tmp, Path(str(tmp) + ".wal")):
        stale.unlink(missing_ok=True)
    try:
        _copy_fresh(src, tmp)
    except duckdb.Error as exc:
        tmp.unlink(missing_ok=True)
        raise LibraryError(str(exc)) from None
    os.replace(tmp, src)
    Path(str(src) + ".wal").unlink(missing_ok=True)


def _copy_fresh(src: Path, tmp: Path) -> None:
    con = duckdb.connect(str(src))
    try:
        con.execute("CHECKPOINT").fetchall()
        con.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS fresh").fetchall()
        con.execute("COPY FROM DATABASE " + _ident(con.execute("SELECT current_database()").fetchall()[0][0])
                    + " TO fresh").fetchall()
        con.execute("DETACH fresh").fetchall()
    finally:
        con.close()
