"""A table already of the store's column types (the rrweb reader's) is loaded as it is, without DuckDB's typed copy:
the result is exactly what the typed copy gives (same table, arrays and report); anything else takes DuckDB's path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from rrweb_factory import recording
from storeutil import query

from replaylens.io.rrweb.reader import read_rrweb
from replaylens.model.report import ImportReport
from replaylens.model.schema import EVENT_COLUMNS
from replaylens.store import session as S


def _rrweb_table(tmp_path: Path) -> pa.Table:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(recording()))
    return read_rrweb(path).events


def _load(table: pa.Table, typed_copy: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[S.SessionStore, Any]:
    report = ImportReport()
    store = S.SessionStore()
    with monkeypatch.context() as m:
        if typed_copy:
            m.setattr(S, "_already_typed", lambda _table: None)
        store.load_arrow(table, page_count=3, viewport=(1280, 800), report=report)
    return store, report.to_json()


def test_reader_table_needs_no_typed_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _rrweb_table(tmp_path)
    assert pa.types.is_dictionary(table.schema.field("target_text").type)  # labels: one copy per distinct text
    assert S._already_typed(table) is not None
    fast, fast_report = _load(table, False, monkeypatch)
    slow, slow_report = _load(table, True, monkeypatch)
    assert fast.events_table().schema.names == slow.events_table().schema.names
    assert fast.events_table().to_pylist() == slow.events_table().to_pylist()
    assert fast_report == slow_report
    a, b = fast.arrays(), slow.arrays()
    for name in ("t", "kind", "page", "x", "y", "scroll_x", "scroll_y", "width", "height", "target", "interactive",
                 "fixed", "value_len"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert (a.kinds, a.targets) == (b.kinds, b.targets)
    sql = "SELECT kind, target_text, target_label, input_type FROM events ORDER BY i"
    assert query(fast, sql) == query(slow, sql)


def test_other_tables_take_the_typed_copy(tmp_path: Path) -> None:
    table = _rrweb_table(tmp_path)
    n = table.num_rows
    assert S._already_typed(table.append_column("campaign", pa.array(["x"] * n))) is None  # an unknown column
    assert S._already_typed(table.set_column(table.schema.get_field_index("page"), "page",
                                             pa.array(np.zeros(n, dtype=np.int64)))) is None  # another type
    kind = table.schema.get_field_index("kind")
    assert S._already_typed(table.set_column(kind, "kind", table["kind"].dictionary_encode())) is None
    assert S._already_typed(table.drop_columns(["t"])) is None
    shaped = S._already_typed(table.drop_columns(["detail", "fixed", "page"]))  # absent columns get defaults
    assert shaped is not None and shaped.schema.names == [c.name for c in EVENT_COLUMNS]
    assert shaped["detail"].null_count == n and shaped["fixed"].to_pylist() == [False] * n
    assert shaped["page"].to_pylist() == [0] * n
