"""Each class of hostile file a fuzzing run found gets a typed error (or is read safely) — at the mechanism:
declared schemas at the boundary, limits checked before decoding or allocating, painting that cannot crash."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hostile_inputs import manifest_obj, tiny_png, zip_bytes
from rrweb_factory import recording
from storeutil import query

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io import limits as L
from replaylens.io.registry import open_session
from replaylens.store.session import SessionStore

META = {"type": 4, "timestamp": 1, "data": {"href": "https://bank.example/", "width": 800, "height": 600}}


def _snap(kids: Any) -> dict[str, Any]:
    return {"type": 2, "timestamp": 2, "data": {"node": {"type": 0, "id": 1, "childNodes": kids},
                                                "initialOffset": {"top": 0, "left": 0}}}


def _inc(**data: Any) -> dict[str, Any]:
    return {"type": 3, "timestamp": 3, "data": data}


WRONG_TYPES = {
    "childNodes_int": ([META, _snap(5)], "data.node.childNodes should be a list"),
    "childNodes_float": ([META, _snap(1.5)], "data.node.childNodes should be a list"),
    "childNodes_bool": ([META, _snap(True)], "data.node.childNodes should be a list"),
    "positions_int": ([META, _inc(source=1, positions=7)], "event 1: data.positions should be a list"),
    "source_dict": ([META, _inc(source={"a": 1})], "event 1: data.source should be a whole number"),
    "scroll_id_list": ([META, _inc(source=3, id=[1], x=0, y=5)], "event 1: data.id should be a whole number"),
    "title_numbers": ([META, _snap([{"type": 2, "id": 2, "tagName": "title", "childNodes": [1, 2]}])],
                      "childNodes[0].childNodes[0] should be an object"),
    "x_beyond_float": ([META, _inc(source=2, type=2, x=10**400, y=1)], "data.x: number out of range"),
    "distinct_ids_dict": ({"version": "2023-04-28", "data": {"id": "x", "person": {"distinct_ids": {"a": 1}},
                                                             "snapshots": [META]}},
                          "data.person.distinct_ids should be a list"),
    "highlight_events_int": ({"events": {"events": 3, "first": {"type": 3, "timestamp": 1}},
                              "session_secure_id": "s"}, "events.events should be a list"),
}


@pytest.mark.parametrize("name", sorted(WRONG_TYPES))
def test_wrong_json_types_are_refused_with_the_json_path(name: str, tmp_path: Path, untouched) -> None:
    obj, fragment = WRONG_TYPES[name]
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(obj))
    untouched(path)
    with pytest.raises(BadInputError) as info:
        open_session(path).close()
    msg = str(info.value)
    assert msg.startswith(f"{name}.json: ") and "\n" not in msg
    assert fragment in msg, msg


def test_cli_gives_exit_3_and_one_line_for_a_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "rec.json"
    path.write_text(json.dumps([META, _inc(source=1, positions=7)]))
    proc = subprocess.run([sys.executable, "-m", "replaylens", "info", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith("replaylens: rec.json: ") and proc.stderr.count("\n") == 1
    assert "internal error" not in proc.stderr


def _bundle(tmp_path: Path, name: str, manifest: bytes | dict[str, Any] | None = None,
            events: dict[str, Any] | None = None, member: str = "events.parquet", raw_events: bytes | None = None
            ) -> Path:
    import random

    man = manifest if manifest is not None else manifest_obj(screenshot=True)
    if isinstance(man, dict):
        man = json.dumps({**man, "events": {"member": member}}).encode()
    if raw_events is None:
        buf = io.BytesIO()
        pq.write_table(pa.table(events or {"t": [0, 10], "kind": ["move", "click"], "x": [1.0, 2.0],
                                           "y": [1.0, 2.0]}), buf)
        raw_events = buf.getvalue()
    path = tmp_path / name
    path.write_bytes(zip_bytes({"manifest.json": man, member: raw_events, "pages/000.png": tiny_png()},
                               random.Random(0)))
    return path


@pytest.mark.parametrize("where", ["rrweb", "manifest"])
def test_over_long_integers_and_deep_nesting(where: str, tmp_path: Path) -> None:
    big, deep = "1" + "0" * 4400, "[" * 5000 + "]" * 5000
    for n, hostile in enumerate((big, deep)):
        if where == "rrweb":
            path = tmp_path / f"r{n}.json"
            path.write_text('[{"type": 4, "timestamp": 1, "data": {"href": "x", "width": ' + hostile + "}}]")
        else:
            text = json.dumps(manifest_obj()).replace('"start_epoch_ms": 0', '"start_epoch_ms": ' + hostile)
            path = _bundle(tmp_path, f"b{n}.rlsession", manifest=text.encode())
        with pytest.raises(BadInputError) as info:
            open_session(path).close()
        assert ("too long" in str(info.value) or "too large" in str(info.value)) if n == 0 else \
            "nested too deeply" in str(info.value), str(info.value)


def test_an_extra_column_named_like_the_stores_own_is_renamed(tmp_path: Path) -> None:
    from replaylens.analysis.findings.analyze import analyze_session

    n = 12  # rage clicks: the findings query the store by its own row index ``i``
    events = {"t": list(range(0, n * 100, 100)), "kind": ["click"] * n, "x": [50.0] * n, "y": [60.0] * n,
              "target": ["div.banner"] * n, "i": list(range(100, 100 + n)), "T": ["x"] * n}
    path = _bundle(tmp_path, "cols.rlsession", events=events)
    s = open_session(path)
    try:
        assert s.store.renamed_columns == {"i": "extra_i"}  # (DuckDB itself reads "T" beside "t" as "T_1")
        ours = {"i", "t", "kind", "x", "y", "target"}
        assert not {c.lower() for c in s.store.extra_columns} & ours and len(s.store.extra_columns) == 2
        assert query(s.store, "SELECT min(i), min(extra_i) FROM events") == [(0, 100)]
        analysis = analyze_session(s)
        assert analysis.findings, "twelve clicks on one spot are a rage click"
        assert any("collides" in w for w in s.report.warnings)
    finally:
        s.close()


def test_extra_column_names_never_collide() -> None:
    from replaylens.store.session import _extra_names

    names, renamed = _extra_names(["i", "I", "extra_i", "KIND", "note"], {"t", "kind"})
    assert len({n.lower() for n in names}) == 5 and "note" in names
    assert renamed["i"] == "extra_i" and renamed["KIND"] == "extra_KIND"


@pytest.mark.parametrize("viewport", [(0, 0), (0, 600), (800, 0), (16_385, 600)])
def test_viewport_outside_the_limits_is_refused(viewport: tuple[int, int], tmp_path: Path) -> None:
    man = manifest_obj()
    man["viewport"] = {"width": viewport[0], "height": viewport[1]}
    with pytest.raises(BadInputError, match="viewport"):
        open_session(_bundle(tmp_path, "vp.rlsession", manifest=man))
    rec = recording()
    rec[0]["data"].update(width=viewport[0] or 0.4, height=viewport[1] or 0.4)
    path = tmp_path / "vp.json"
    path.write_text(json.dumps(rec))
    with pytest.raises(LimitExceededError, match="viewport"):
        open_session(path)


@pytest.mark.parametrize("command", ["export", "report", "clip"])
def test_zero_viewport_cli_exits_3_instead_of_crashing(command: str, tmp_path: Path) -> None:
    man = manifest_obj()
    man["viewport"] = {"width": 0, "height": 0}
    path = _bundle(tmp_path, "zero.rlsession", manifest=man)
    out = {"export": ["--at", "0", "--out", str(tmp_path / "o.png")], "report": ["--out", str(tmp_path / "o.pdf")],
           "clip": ["--from", "0", "--to", "1", "--out", str(tmp_path / "o.mp4")]}[command]
    proc = subprocess.run([sys.executable, "-m", "replaylens", command, str(path), *out], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 3, (proc.returncode, proc.stderr)
    assert proc.stderr.startswith("replaylens: zero.rlsession: ") and "viewport" in proc.stderr


def test_painting_survives_zero_sizes_that_pass_the_boundary(tmp_path: Path) -> None:
    """Zero sizes can still come from events (a resize to 0×0) or pages without a size: painting must not divide
    by them, and a painter is always ended (an active painter on a dying image is what turned an error into
    SIGSEGV)."""
    from replaylens.export.pdf import export_report
    from replaylens.export.png import render_full_page, render_view
    from replaylens.export.video import export_clip
    from replaylens.render.context import make_renderer
    from replaylens.render.frame import FrameOptions
    from replaylens.render.qt import ensure_gui_app

    ensure_gui_app()
    man = manifest_obj(screenshot=False)
    events = {"t": [0, 500, 1000], "kind": ["navigate", "resize", "click"], "x": [None, None, 5.0],
              "y": [None, None, 5.0], "width": [0, 0, 0], "height": [0, 0, 0]}
    s = open_session(_bundle(tmp_path, "z.rlsession", manifest=man, events=events))
    try:
        s.manifest.viewport_width = s.manifest.viewport_height = 0  # as if the boundary had let it through
        img = render_view(s, 900, width=320, height=240)
        assert img.width() == 320 and not img.isNull()
        r = make_renderer(s)
        for mode in ("viewport", "overview"):
            r.render(900, 200, 150, FrameOptions(mode=mode))
        assert not render_full_page(s, 1).isNull()  # page 1 declares 0×0
        export_report(s, tmp_path / "z.pdf")
        assert (tmp_path / "z.pdf").stat().st_size > 0
        export_clip(s, tmp_path / "z.mp4", 0, 1000, speed=8, size=(320, 240))
        assert (tmp_path / "z.mp4").stat().st_size > 0
    finally:
        s.close()


def test_parquet_footer_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_read(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the events table was read")

    rows = 3_000_000  # ~20 KB of Parquet, 48 MB decoded: far over 50× past the 16 MiB floor
    events = {"t": pa.repeat(pa.scalar(0, pa.int64()), rows), "kind": pa.repeat(pa.scalar("move"), rows)}
    path = _bundle(tmp_path, "bomb.rlsession", events=events)
    monkeypatch.setattr(SessionStore, "load_file", no_read)
    with pytest.raises(LimitExceededError, match="decode to"):
        open_session(path)
    monkeypatch.setattr(L, "MAX_EVENT_ROWS", 1_000_000)
    with pytest.raises(LimitExceededError, match="3,000,000 rows"):
        open_session(path)


def test_deeply_nested_event_columns(tmp_path: Path) -> None:
    deep: Any = 1
    for _ in range(12):
        deep = [deep]
    path = _bundle(tmp_path, "nest.rlsession", events={"t": [0], "kind": ["move"], "deep": [deep]})
    with pytest.raises(LimitExceededError, match="nested 12 levels deep"):
        open_session(path)
    text = b'{"t": 0, "kind": "click", "x": 1.0, "y": 1.0, "deep": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    lines = text + b"\n" + text.replace(b'"t": 0', b'"t": 5')
    nd = _bundle(tmp_path, "nest_nd.rlsession", member="events.ndjson", raw_events=lines)
    s = open_session(nd)  # NDJSON types are detected two levels deep: the rest stays JSON text
    try:
        assert len(s.arrays) == 2
    finally:
        s.close()


def test_declared_page_size_does_not_size_the_heatmap(tmp_path: Path) -> None:
    from replaylens.analysis.heatmaps.session import MAX_GRID_CELLS, compute_heatmap
    from replaylens.render.heatmap import MAX_EXPORT_PIXELS, render

    man = manifest_obj(screenshot=False)
    man["pages"][0].update(width=L.MAX_DIM, height=L.MAX_DIM)  # within the page limit: 2^36 px² declared
    s = open_session(_bundle(tmp_path, "tall.rlsession", manifest=man,
                             events={"t": [0, 10], "kind": ["click", "click"], "x": [1.0, 2.0], "y": [1.0, 2.0],
                                     "page": [0, 0]}))
    try:
        for kind in ("click", "scroll"):
            res = compute_heatmap([s], kind)
            assert res.grid.size <= MAX_GRID_CELLS and res.page_height == L.MAX_DIM
            img = render(res, None)
            assert img.shape[0] * img.shape[1] <= MAX_EXPORT_PIXELS
            assert abs(img.shape[0] / img.shape[1] - 1) < 0.01  # scaled down, not cropped
    finally:
        s.close()


def test_corrupt_deflate_stream_inside_a_member_is_typed(tmp_path: Path) -> None:
    path = _bundle(tmp_path, "ok.rlsession")
    data = bytearray(path.read_bytes())
    start = data.find(b"manifest.json") + len("manifest.json")
    for k in range(start + 5, start + 60):  # inside the deflated manifest: "invalid distance" and friends
        data[k] ^= 0x55
    path.write_bytes(bytes(data))
    with pytest.raises(BadInputError):
        open_session(path)


def test_every_shared_rrweb_recording_passes_the_schemas(shared_data: Path) -> None:
    from replaylens.io.rrweb import containers

    files = [p for p in shared_data.rglob("*") if p.suffix in (".json", ".js") and p.is_file()
             and containers.sniff(p, p.read_bytes()[:4096])]
    assert len(files) >= 40
    refused = []
    for p in files:
        try:
            containers.load(p)
        except BadInputError as exc:
            refused.append(str(exc))
    assert all("separate event lists" in r for r in refused), refused


def test_a_start_date_past_year_9999_is_refused_at_the_boundary(tmp_path: Path) -> None:
    """Found by the fuzz script: a manifest start in the year 33658 passed, then the PDF cover could not format it."""
    from replaylens.model.manifest import MAX_EPOCH_MS, ManifestError, parse_manifest

    base = {"format": "replaylens-session", "format_version": "1.0", "session_id": "s", "viewport":
            {"width": 1280, "height": 800}, "pages": [{"url": "https://x.test/"}]}
    parse_manifest({**base, "start_epoch_ms": MAX_EPOCH_MS}, max_pages=10, max_dim=100_000)
    for bad in (MAX_EPOCH_MS + 1, 1_000_000_000_000_000, -1):
        with pytest.raises(ManifestError, match="not a date"):
            parse_manifest({**base, "start_epoch_ms": bad}, max_pages=10, max_dim=100_000)
