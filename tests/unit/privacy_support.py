"""Shared by the privacy tests: search every file under a folder for values, bytes and decoded columns."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def _parquet_strings(data: bytes) -> list[str]:
    table = pq.read_table(pa.BufferReader(data))
    out: list[str] = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            out.extend(v for v in col.to_pylist() if isinstance(v, str))
    return out


def _duckdb_strings(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out: list[str] = []
        cols = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE data_type = 'VARCHAR' AND table_schema = 'main'").fetchall()
        for table, column in cols:
            out.extend(str(v) for (v,) in con.execute(f'SELECT "{column}" FROM "{table}"').fetchall()
                       if v is not None)
        return out
    finally:
        con.close()


def leaks(folder: Path, values: list[str]) -> list[tuple[str, str]]:
    """(file, value) for every value found in a file under ``folder`` (or the file ``folder``): in its bytes, in
    the bytes of its ZIP members, in its decoded Parquet string columns, in its DuckDB text columns."""
    found: list[tuple[str, str]] = []
    files = [folder] if folder.is_file() else [f for f in folder.rglob("*") if f.is_file()]
    for f in files:
        data = f.read_bytes()
        texts = [data.decode("utf-8", "replace")]
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(f) as zf:
                for name in zf.namelist():
                    member = zf.read(name)
                    texts.append(member.decode("utf-8", "replace"))
                    if name.endswith(".parquet"):
                        texts.extend(_parquet_strings(member))
                    if name == "manifest.json":
                        texts.append(json.dumps(json.loads(member), ensure_ascii=False))
        elif f.suffix == ".parquet":
            texts.extend(_parquet_strings(data))
        elif f.name.endswith(".duckdb"):
            texts.extend(_duckdb_strings(f))
        for v in values:
            if any(v in t for t in texts):
                found.append((str(f), v))
    return found
