"""Property-based tests (Hypothesis) over both readers: whatever the file, only the project's typed errors escape.

Generated manifests, events tables (Parquet and NDJSON), zip bytes and rrweb structures (events, nodes, containers)
are written to a file and opened with ``open_session``; an accepted file is also analysed and mapped to a heatmap,
since crashes happened after reading. The ``ci`` profile (the default) is derandomized and bounded, so the suite
never flakes and stays around a minute; ``HYPOTHESIS_PROFILE=dev`` explores more, at random.
"""

from __future__ import annotations

import io
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hostile_inputs import HOSTILE, bundle_case, manifest_obj, rrweb_case, tiny_png, zip_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rrweb_factory import recording

from replaylens.errors import BadInputError
from replaylens.io.registry import open_session

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**70, 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) | st.sampled_from(HOSTILE[:20]))
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(max_size=10), kids, max_size=4), max_leaves=16)


def _one_of_valid(valid: Any) -> st.SearchStrategy[Any]:
    """Mostly the valid value, sometimes any JSON value in its place."""
    return st.one_of(st.just(valid), st.just(valid), json_values)


def _open(name: str, data: bytes) -> None:
    """Open (and for accepted files analyse and map to a heatmap); only BadInputError may escape."""
    from replaylens.analysis.findings.analyze import analyze_session
    from replaylens.analysis.heatmaps.session import compute_heatmap

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            s = open_session(path)
        except BadInputError as exc:
            assert str(exc).startswith(name + ": ") and "\n" not in str(exc)
            return
        try:
            analyze_session(s)
            for kind in ("click", "scroll"):
                compute_heatmap([s], kind)
        finally:
            s.close()
        assert path.read_bytes() == data  # never modified


# -- bundles ---------------------------------------------------------------------------------------------------
@st.composite
def manifests(draw: st.DrawFn) -> Any:
    base = manifest_obj(screenshot=draw(st.booleans()))
    obj = {k: draw(_one_of_valid(v)) for k, v in base.items() if draw(st.integers(0, 9)) > 0}
    if isinstance(obj.get("viewport"), dict):
        obj["viewport"] = {k: draw(_one_of_valid(v)) for k, v in obj["viewport"].items()}
    if isinstance(obj.get("pages"), list):
        obj["pages"] = [{k: draw(_one_of_valid(v)) for k, v in p.items()} if isinstance(p, dict) else p
                        for p in obj["pages"]]
    if draw(st.booleans()):
        obj[draw(st.text(max_size=8))] = draw(json_values)
    return obj


COLUMN_NAMES = ["t", "kind", "page", "x", "y", "scroll_x", "scroll_y", "width", "height", "target", "value_len",
                "detail", "fixed", "interactive", "i", "I", "T", "extra_i", "", "note"]
column_values = st.one_of(
    st.lists(st.integers(-2**63, 2**63 - 1) | st.none(), max_size=30),
    st.lists(st.floats() | st.none(), max_size=30),
    st.lists(st.text(max_size=20) | st.none(), max_size=30),
    st.lists(st.booleans() | st.none(), max_size=30),
    st.lists(st.sampled_from(["move", "click", "scroll", "navigate", "input", "resize", "", "custom"]), max_size=30),
)


@st.composite
def event_tables(draw: st.DrawFn) -> dict[str, list[Any]]:
    cols = draw(st.dictionaries(st.sampled_from(COLUMN_NAMES), column_values, max_size=8))
    n = min((len(v) for v in cols.values()), default=0)
    return {k: v[:n] for k, v in cols.items()}


def _parquet(cols: dict[str, list[Any]]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(cols) if cols else pa.table({"t": pa.array([], pa.int64())}), buf)
    return buf.getvalue()


@given(manifest=manifests(), events=event_tables(), ndjson=st.booleans())
def test_bundle_from_generated_manifest_and_events(manifest: Any, events: dict[str, list[Any]],
                                                   ndjson: bool) -> None:
    member = "events.ndjson" if ndjson else "events.parquet"
    if isinstance(manifest, dict):
        manifest["events"] = {"member": member}
    if ndjson:
        rows = [dict(zip(events, vals, strict=True)) for vals in zip(*events.values(), strict=True)]
        body = "\n".join(json.dumps(r) for r in rows).encode()
    else:
        body = _parquet(events)
    data = zip_bytes({"manifest.json": json.dumps(manifest).encode(), member: body, "pages/000.png": tiny_png()},
                     random.Random(0))
    _open("gen.rlsession", data)


@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=12),
       cut=st.none() | st.integers(0, 10**6))
def test_bundle_with_zip_bytes_edited(edits: list[tuple[int, int]], cut: int | None) -> None:
    good = zip_bytes({"manifest.json": json.dumps(manifest_obj()).encode(),
                      "events.parquet": _parquet({"t": [0, 5], "kind": ["move", "click"], "x": [1.0, 2.0],
                                                  "y": [3.0, 4.0]}),
                      "pages/000.png": tiny_png()}, random.Random(1))
    b = bytearray(good)
    for pos, val in edits:
        b[pos % len(b)] = val
    _open("edit.rlsession", bytes(b[:cut]) if cut is not None else bytes(b))


@given(seed=st.integers(0, 2**32 - 1))
def test_bundle_mutators(seed: int) -> None:
    _mode, data = bundle_case(random.Random(seed))
    _open("mut.rlsession", data)


# -- rrweb -----------------------------------------------------------------------------------------------------
nodes = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from([2, 3]) | json_values, "id": st.integers(0, 50) | json_values},
                          optional={"tagName": st.sampled_from(["div", "title", "input", "html"]) | json_values,
                                    "textContent": st.text(max_size=8) | json_values,
                                    "attributes": st.dictionaries(st.sampled_from(["id", "class", "type", "style"]),
                                                                  st.text(max_size=8) | scalars) | json_values}),
    lambda kids: st.fixed_dictionaries({"type": st.just(2), "id": st.integers(0, 50), "tagName": st.just("div"),
                                        "childNodes": st.lists(kids, max_size=3) | json_values}),
    max_leaves=12)
event_data = st.fixed_dictionaries({}, optional={
    "source": st.integers(0, 16) | json_values, "positions": st.lists(
        st.fixed_dictionaries({"x": scalars, "y": scalars, "id": scalars, "timeOffset": scalars}), max_size=3)
    | json_values, "type": st.integers(0, 10) | json_values, "id": st.integers(0, 50) | json_values,
    "x": scalars, "y": scalars, "width": scalars, "height": scalars, "href": st.text(max_size=10) | json_values,
    "text": scalars, "isChecked": scalars, "node": nodes, "initialOffset": json_values,
    "adds": st.lists(st.fixed_dictionaries({"parentId": scalars, "node": nodes}), max_size=2) | json_values,
    "texts": json_values, "attributes": json_values, "removes": json_values, "ranges": json_values,
    "tag": json_values, "payload": json_values, "plugin": json_values})
events = st.fixed_dictionaries({"type": st.integers(0, 7) | json_values, "data": event_data | json_values},
                               optional={"timestamp": st.integers(0, 2**45) | scalars, "windowId": scalars})


def _wrap(evs: list[Any], kind: int) -> Any:
    if kind == 1:
        return {"events": evs}
    if kind == 2:
        return {"events": {"events": evs}, "session_secure_id": "s"}
    if kind == 3:
        return {"version": "2023-04-28", "data": {"id": "x", "person": {"distinct_ids": ["d"]}, "snapshots": evs}}
    if kind == 4:
        return {"session": {"id": 1, "name": "n"}, "events": evs}
    return evs


@given(evs=st.lists(events, min_size=1, max_size=8), kind=st.integers(0, 4), keep=st.integers(0, 3))
def test_rrweb_from_generated_events(evs: list[Any], kind: int, keep: int) -> None:
    # a valid head (Meta + snapshot) keeps many cases past sniffing and into the mapping
    head = recording()[:keep] if keep else []
    _open("gen.json", json.dumps(_wrap(head + evs, kind)).encode())


@given(seed=st.integers(0, 2**32 - 1))
def test_rrweb_mutators(seed: int) -> None:
    _mode, data = rrweb_case(random.Random(seed))
    _open("mut.json", data)
