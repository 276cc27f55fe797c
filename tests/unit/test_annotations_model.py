"""Annotations model and sidecar store: JSON round trip, editing geometry, atomic crash-safe persistence."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from replaylens.errors import BadInputError
from replaylens.model import atomic
from replaylens.model.annotations import (
    Annotation,
    AnnotationSet,
    AnnotationStore,
    export_annotations,
    handles,
    import_annotations,
    new_annotation,
    resized,
)


def _a(kind: str = "rect", **kw: object) -> Annotation:
    base = dict(kind=kind, page=0, x1=10.0, y1=20.0, x2=110.0, y2=70.0, t_start_ms=1000, t_end_ms=8000)
    base.update(kw)
    return Annotation(**base)  # type: ignore[arg-type]


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


@pytest.fixture
def fake_session(tmp_path: Path) -> SimpleNamespace:
    f = tmp_path / "input" / "s.rlsession"
    f.parent.mkdir()
    f.write_bytes(b"session bytes")
    return SimpleNamespace(path=f, manifest=SimpleNamespace(session_id="abc/../123"))


def test_new_annotation_default_range_and_clamp() -> None:
    a = new_annotation("arrow", 2, 1, 2, 3, 4, t_ms=10_000, duration_ms=12_000)
    assert (a.t_start_ms, a.t_end_ms, a.at_ms, a.page) == (8_000, 12_000, 10_000, 2)  # t-2 s .. min(t+5 s, end)
    b = new_annotation("rect", 0, 0, 0, 1, 1, t_ms=500)
    assert (b.t_start_ms, b.t_end_ms) == (0, 5_500)
    with pytest.raises(ValueError):
        new_annotation("circle", 0, 0, 0, 1, 1, t_ms=0)


def test_json_round_trip_and_strict_parse() -> None:
    s = AnnotationSet([_a(), _a("text", text="Banner is not a link", color="#2d7ff9"), _a("step", step=3)])
    back = AnnotationSet.from_json(json.loads(json.dumps(s.to_json("sid", "f" * 64))))
    assert list(back) == list(s)
    bad = s.to_json()
    bad["annotations"][0]["x1"] = float("nan")
    with pytest.raises(ValueError, match=r"annotations\[0\]: x1"):
        AnnotationSet.from_json(json.loads(json.dumps(bad)))
    for field, value in (("kind", "blob"), ("color", "red"), ("t_end_ms", 0), ("id", "../x")):
        obj = s.to_json()
        obj["annotations"][1][field] = value
        with pytest.raises(ValueError):
            AnnotationSet.from_json(obj)
    with pytest.raises(ValueError, match="version"):
        AnnotationSet.from_json({**s.to_json(), "version": 99})


def test_set_edits_order_and_visibility() -> None:
    s = AnnotationSet()
    seen: list[int] = []
    s.listeners.append(lambda aset: seen.append(len(aset)))
    # a redaction narrowed to its time range (an explicit choice) follows the same time rule as other marks
    arrow, red, rect = _a("arrow"), _a("redact_solid", whole_session=False), _a("rect", page=1)
    for a in (arrow, red, rect):
        s.add(a)
    assert seen == [1, 2, 3]
    assert [a.kind for a in s.visible(0, 5000)] == ["redact_solid", "arrow"]  # redactions painted first
    assert s.visible(0, 9000) == [] and len(s.visible(0, None)) == 2
    s.update(arrow.id, text="hi")
    assert s.find(arrow.id).text == "hi" and s.index(arrow.id) == 0  # type: ignore[union-attr]
    s.remove(red.id)
    s.add(red, index=1)  # undo of a delete puts it back at its place
    assert [a.id for a in s] == [arrow.id, red.id, rect.id]
    assert s.next_step() == 1
    s.add(_a("step", step=4))
    assert s.next_step() == 5


def test_redactions_cover_their_area_for_the_whole_session_by_default() -> None:
    red, blur, arrow = _a("redact_solid"), _a("redact_blur"), _a("arrow")
    s = AnnotationSet([arrow, red, blur])
    assert red.whole_session and blur.whole_session and red.always and not arrow.always
    for t in (0, 999, 5000, 8001, 10**9):  # before, inside and after their time range
        assert [a.id for a in s.visible(0, t) if a.is_redaction] == [red.id, blur.id]
    assert s.visible(1, 5000) == []  # still only on their page
    assert arrow not in s.visible(0, 9000)  # other marks keep their time range
    new = new_annotation("redact_blur", 0, 1, 2, 3, 4, t_ms=60_000)
    assert new.always and new.visible_at(0, 0) and new.visible_at(0, 3_600_000)


def test_whole_session_round_trips_and_old_sidecars_load_as_whole_session() -> None:
    narrowed = _a("redact_solid", whole_session=False)
    s = AnnotationSet([narrowed, _a("redact_blur")])
    back = AnnotationSet.from_json(json.loads(json.dumps(s.to_json())))
    assert [a.whole_session for a in back] == [False, True] and list(back) == list(s)
    old = s.to_json()
    for item in old["annotations"]:
        del item["whole_session"]  # written before the field existed
    assert all(a.always for a in AnnotationSet.from_json(old))
    bad = s.to_json()
    bad["annotations"][0]["whole_session"] = "no"
    with pytest.raises(ValueError, match="whole_session"):
        AnnotationSet.from_json(bad)


def test_handles_and_resize_normalise() -> None:
    r = _a()
    assert [h[0] for h in handles(r)] == ["tl", "t", "tr", "r", "br", "b", "bl", "l"]
    dragged = resized(r, "tl", 200.0, 100.0)  # dragged past the opposite corner: box flips, stays normalised
    assert (dragged.x1, dragged.y1, dragged.x2, dragged.y2) == (110.0, 70.0, 200.0, 100.0)
    line = resized(_a("arrow"), "p2", 5.0, 6.0)
    assert (line.x2, line.y2) == (5.0, 6.0) and handles(_a("step")) == []


def test_store_location_round_trip_and_key(data_home: Path, fake_session: SimpleNamespace, tmp_path: Path) -> None:
    store = AnnotationStore.for_session(fake_session)
    assert store.path.parent == data_home / "replaylens" / "annotations"
    assert store.path.name == f"abc____123-{store.input_sha256[:16]}.json"  # id sanitised: no path tricks
    assert fake_session.path.parent not in store.path.parents
    s = AnnotationSet([_a(), _a("text", text="note")])
    store.save(s)
    back, warn = store.load()
    assert warn is None and list(back) == list(s)
    assert sorted(p.name for p in fake_session.path.parent.iterdir()) == ["s.rlsession"]  # nothing beside input
    copy = tmp_path / "elsewhere.rlsession"
    copy.write_bytes(fake_session.path.read_bytes())
    moved = SimpleNamespace(path=copy, manifest=fake_session.manifest)
    assert AnnotationStore.for_session(moved).path == store.path  # same content: same notes
    copy.write_bytes(b"other bytes")
    assert AnnotationStore.for_session(moved).path != store.path


def test_corrupt_sidecar_moved_aside(data_home: Path, fake_session: SimpleNamespace) -> None:
    store = AnnotationStore.for_session(fake_session)
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"format": "replaylens-annotations", "version": 1, "annotations": [{"kind": 5')
    aset, warn = store.load(quarantine=False)
    assert len(aset) == 0 and warn and store.path.exists()  # read-only callers leave it
    aset, warn = store.load()
    assert len(aset) == 0 and warn is not None and "moved aside" in warn
    assert not store.path.exists()
    aside = list(store.path.parent.glob(store.path.name + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().endswith('"kind": 5')


def test_crash_mid_write_keeps_previous_file(data_home: Path, fake_session: SimpleNamespace,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = AnnotationStore.for_session(fake_session)
    store.save(AnnotationSet([_a(text="old")]))
    before = store.path.read_bytes()

    def half_then_fail(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", half_then_fail)
    big = AnnotationSet([_a(text="new " * 50) for _ in range(20)])
    with pytest.raises(OSError):
        store.save(big)
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.path.parent.iterdir()) == [store.path.name]  # no temp file left
    assert [a.text for a in store.load()[0]] == ["old"]


def test_export_import_user_file(tmp_path: Path) -> None:
    s = AnnotationSet([_a("highlight", color="#ffd60a")])
    out = export_annotations(s, tmp_path / "notes.json", "sid")
    assert list(import_annotations(out)) == list(s)
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x89PNG not json")
    with pytest.raises(BadInputError, match=r"junk\.json: not a valid annotations file"):
        import_annotations(junk)
    with pytest.raises(BadInputError, match=r"missing\.json: cannot read"):
        import_annotations(tmp_path / "missing.json")
