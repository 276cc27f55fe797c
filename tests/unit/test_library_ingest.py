"""Library ingest: bundles and rrweb files with attributes from every source, incremental re-ingest, bad files,
tags kept across re-ingest, goals, cancel, opening a session for replay."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from library_support import check_consistent, posthog_export

from replaylens.io.library import CancelToken, IngestProgress, ingest, open_library_session
from replaylens.io.registry import open_session
from replaylens.model.library import Goal
from replaylens.model.segment import AttrIn, AttrRange, Segment
from replaylens.store.library import LibraryStore, open_library


@pytest.fixture()
def lib(tmp_path: Path) -> LibraryStore:
    store = open_library(tmp_path / "lib")
    yield store
    store.close()


def _attrs(lib: LibraryStore, sid: str) -> dict[str, str]:
    detail = lib.session(sid)
    assert detail is not None
    return detail["attributes"]


def test_bundles_with_manifest_attributes(lib: LibraryStore, demo_bundles: list[Path], tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for p in demo_bundles:
        shutil.copy(p, src / p.name)
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    result = ingest(lib, [src], workers=0)
    assert result.to_json() == {"added": 6, "skipped": 0, "failed": [], "conflicts": [], "replaced": []}
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # inputs never modified
    assert lib.count() == 6
    for p in demo_bundles:
        s = open_session(p)
        try:
            a = _attrs(lib, s.manifest.session_id)
            for key in ("user_type", "campaign", "variant"):
                assert a[key] == s.manifest.attributes[key]
            assert "device" not in a  # the manifest's device is the device_class concept: one key, one facet
            expected = {"desktop": "desktop", "tablet": "tablet", "mobile": "mobile"}[s.manifest.attributes["device"]]
            assert a["device_class"] == expected
            assert lib.events(s.manifest.session_id).num_rows == len(s.arrays)
            assert lib.session(s.manifest.session_id)["summary"]["events"] == len(s.arrays)
        finally:
            s.close()
    # screenshots are stored once per content hash: sessions of the same page share them
    pages = lib.cursor().execute("SELECT count(*), count(DISTINCT screen) FROM pages WHERE screen IS NOT NULL"
                                 ).fetchall()[0]
    screens = [p for p in (lib.root / "screens").rglob("*") if p.is_file()]
    assert len(screens) == pages[1] < pages[0]
    # hive-partitioned Parquet any engine reads
    files = list((lib.root / "events").rglob("*.parquet"))
    assert files and all(f.parent.name.startswith("day=") and f.parent.parent.name.startswith("site=")
                         for f in files)
    total = sum(pq.read_metadata(f).num_rows for f in files)
    assert total == sum(int(lib.session(i)["summary"]["events"]) for i in lib.ids())
    facets = lib.facets()
    assert sum(v.count for v in facets["variant"]) == 6
    assert {v.value for v in facets["device_class"]} <= {"desktop", "tablet", "mobile"}
    check_consistent(lib.root)


def test_rrweb_posthog_attributes_url_flags_device(lib: LibraryStore, tmp_path: Path) -> None:
    person = {"distinct_ids": ["cust-42", "anon-1"], "properties": {"tier": "gold", "age": 41, "kyc_done": True}}
    posthog_export(tmp_path / "a.json", "ph-1", person=person, width=390,
                   entry_url="https://bank.example/wallet?utm_campaign=songkran&utm_source=line&utm_medium=social"
                             "&variant=B",
                   custom=[("$feature_flag_called", {"$feature_flag": "new-deposit", "$feature_flag_response": "test"}),
                           ("pageview", {"$feature/dark-mode": True})])
    result = ingest(lib, [tmp_path / "a.json"], workers=0)
    assert result.added == 1, result.failed
    a = _attrs(lib, "ph-1")
    assert a["tier"] == "gold" and a["age"] == "41" and a["kyc_done"] == "true"
    assert a["user_id"] == "cust-42"
    # stored under the canonical keys (model.vocabulary): utm_campaign -> campaign, utm_source -> source …
    assert (a["campaign"], a["source"], a["medium"], a["variant"]) == ("songkran", "line", "social", "B")
    assert "utm_campaign" not in a
    assert a["feature/new-deposit"] == "test" and a["feature/dark-mode"] == "true"
    assert a["device_class"] == "mobile"
    sources = lib.session("ph-1")["attribute_sources"]
    assert sources["tier"] == "posthog" and sources["campaign"] == "url" and sources["feature/dark-mode"] == "flag"
    types = {k.name: k.type for k in lib.attribute_keys()}
    assert types["age"] == "int" and types["kyc_done"] == "bool" and types["tier"] == "text"
    assert lib.count(Segment((AttrRange("age", low=40, high=41),))) == 1
    assert lib.count(Segment((AttrRange("age", low=42),))) == 0


def test_attributes_file_csv_and_json_typed(lib: LibraryStore, tmp_path: Path) -> None:
    posthog_export(tmp_path / "a.json", "ph-a", person={"distinct_ids": ["u-1"], "properties": {}})
    posthog_export(tmp_path / "b.json", "ph-b", person={"distinct_ids": ["u-2"], "properties": {}}, shift_ms=50)
    csv_file = tmp_path / "crm.csv"
    csv_file.write_text("user_id,segment,balance,since,vip\nu-1,hnw,250000.5,2024-01-31,yes\n"
                        "u-2,retail,1200,2025-06-01,no\nu-9,ghost,1,2020-01-01,no\n", encoding="utf-8")
    result = ingest(lib, [tmp_path / "a.json", tmp_path / "b.json"], attributes_file=csv_file, workers=0)
    assert result.added == 2
    assert _attrs(lib, "ph-a")["segment"] == "hnw"
    types = {k.name: k.type for k in lib.attribute_keys()}
    assert (types["balance"], types["since"], types["vip"], types["segment"]) == ("float", "date", "bool", "text")
    assert lib.ids(Segment((AttrRange("balance", low=100_000),))) == ["ph-a"]
    assert lib.ids(Segment((AttrRange("since", low="2025-01-01"),))) == ["ph-b"]
    # a JSON file keyed by session id, applied to sessions already in; replaces the earlier file value
    js = tmp_path / "a.json.attrs"
    js.write_text(json.dumps({"ph-b": {"segment": "hnw", "score": 7}}), encoding="utf-8")
    ingest(lib, [], attributes_file=js, workers=0)
    assert _attrs(lib, "ph-b")["segment"] == "hnw" and _attrs(lib, "ph-b")["score"] == "7"
    assert lib.count(Segment((AttrIn("segment", ("hnw",)),))) == 2


def test_incremental_reingest_and_tags_kept(lib: LibraryStore, demo_bundles: list[Path], tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for p in demo_bundles[:3]:
        shutil.copy(p, src / p.name)
    assert ingest(lib, [src], workers=0).added == 3
    sid = lib.ids(sort="session_id", descending=False)[0]
    lib.tag([sid], "songkran-2026")
    lib.add_note([sid], "watch the KYC step")
    again = ingest(lib, [src], workers=0)
    assert (again.added, again.skipped) == (0, 3)
    # the same content under another name is skipped by content digest
    shutil.copy(demo_bundles[0], src / "copy-of-0.rlsession")
    assert ingest(lib, [src], workers=0).to_json() == {"added": 0, "skipped": 4, "failed": [], "conflicts": [],
                                                       "replaced": []}
    # a changed file (same session id, new content) replaces the session when asked (--replace; by default it is
    # kept beside it, tests/unit/test_session_identity.py); tags and notes stay
    target = next(p for p in src.iterdir() if open_session(p).manifest.session_id == sid)
    _rewrite_manifest(target, {"campaign": "songkran"})
    changed = ingest(lib, [src], workers=0, replace=True)
    assert changed.added == 0 and [r["id"] for r in changed.replaced] == [sid] and lib.count() == 3
    assert [t.value for t in lib.tags()] == ["songkran-2026"]
    assert _attrs(lib, sid)["campaign"] == "songkran"
    assert [n.text for n in lib.notes(sid)] == ["watch the KYC step"]
    assert lib.sessions_json(Segment((AttrIn("session_id", (sid,)),)), sort="start", descending=True,
                             limit=None, offset=0)[0]["tags"] == ["songkran-2026"]
    check_consistent(lib.root)


def _rewrite_manifest(path: Path, attrs: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["attributes"].update(attrs)
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


def test_bad_file_in_a_folder_is_listed_and_skipped(lib: LibraryStore, demo_bundles: list[Path],
                                                    tmp_path: Path) -> None:
    src = tmp_path / "in" / "nested"
    src.mkdir(parents=True)
    shutil.copy(demo_bundles[0], src / "good.rlsession")
    (src / "broken.rlsession").write_bytes(b"PK\x03\x04 truncated")
    (src / "notes.json").write_text('{"hello": "world"}')
    (src / ".hidden.json").write_text("junk")
    (src / "readme.txt").write_text("not a session")
    result = ingest(lib, [tmp_path / "in", tmp_path / "missing.json"], workers=0)
    assert result.added == 1
    failed = dict(result.failed)
    assert set(failed) == {str(src / "broken.rlsession"), str(src / "notes.json"), str(tmp_path / "missing.json")}
    assert all(reason for reason in failed.values())
    assert "broken.rlsession" in failed[str(src / "broken.rlsession")]


def test_goals_computed_from_stored_events(lib: LibraryStore, tmp_path: Path) -> None:
    posthog_export(tmp_path / "a.json", "ph-a", custom=[("deposit_started", {"amount": 1})])
    posthog_export(tmp_path / "b.json", "ph-b", shift_ms=10)
    ingest(lib, [tmp_path / "a.json", tmp_path / "b.json"], workers=0)
    assert lib.add_goal(Goal("staking", "page", "/staking")) == 2
    assert lib.add_goal(Goal("deposit", "event", "deposit_started")) == 1
    assert lib.add_goal(Goal("clicked-deposit", "click", "deposit")) == 2
    rows = {r["id"]: r["goals"] for r in lib.sessions_json(None, sort="start", descending=False, limit=None,
                                                          offset=0)}
    assert rows["ph-a"]["staking"] == 2000  # the staking page is shown 2 s after the start
    assert rows["ph-a"]["deposit"] == 1900 and "deposit" not in rows["ph-b"]
    # a goal defined before an ingest is computed for the new sessions in the same commit
    posthog_export(tmp_path / "c.json", "ph-c", custom=[("deposit_started", {})], shift_ms=20)
    ingest(lib, [tmp_path / "c.json"], workers=0)
    assert lib.info()["goals"] == {"clicked-deposit": 3, "deposit": 2, "staking": 3}


def test_cancel_commits_what_finished_and_rerun_completes(lib: LibraryStore, tmp_path: Path) -> None:
    for i in range(6):
        posthog_export(tmp_path / f"s{i}.json", f"ph-{i}", shift_ms=i)
    token = CancelToken()
    seen: list[IngestProgress] = []

    def progress(p: IngestProgress) -> None:
        seen.append(p)
        if p.done >= 2:
            token.cancel()

    result = ingest(lib, [tmp_path], workers=0, cancel=token, progress=progress)
    assert result.cancelled and result.added == 2 and lib.count() == 2
    assert seen[-1].total == 6 and seen[-1].eta_s is not None
    rest = ingest(lib, [tmp_path], workers=0)
    assert (rest.added, rest.skipped, rest.cancelled) == (4, 2, False)
    check_consistent(lib.root)


def test_worker_pool_ingest(lib: LibraryStore, tmp_path: Path) -> None:
    for i in range(4):
        posthog_export(tmp_path / f"s{i}.json", f"pool-{i}", shift_ms=i)
    (tmp_path / "bad.json").write_text("[1, 2")
    result = ingest(lib, [tmp_path], workers=2)
    assert result.added == 4 and len(result.failed) == 1
    assert sorted(lib.ids()) == [f"pool-{i}" for i in range(4)]


def test_open_session_from_source_and_from_library(lib: LibraryStore, demo_bundles: list[Path],
                                                   tmp_path: Path) -> None:
    src = tmp_path / "one.rlsession"
    shutil.copy(demo_bundles[1], src)
    ingest(lib, [src], workers=0)
    sid = lib.ids()[0]
    original = open_session(src)
    shot = original.screenshot(0)
    s1 = open_library_session(lib, sid)
    assert s1.path == src and len(s1.arrays) == len(original.arrays)
    s1.close()
    os.rename(src, tmp_path / "moved.rlsession")  # the source is gone: the library alone rebuilds it
    s2 = open_library_session(lib, sid)
    try:
        assert len(s2.arrays) == len(original.arrays)
        assert (s2.arrays.t == original.arrays.t).all() and (s2.arrays.kind == original.arrays.kind).all()
        assert [p.url for p in s2.pages] == [p.url for p in original.pages]
        assert shot and s2.screenshot(0) == shot
        assert s2.manifest.attributes["variant"] == original.manifest.attributes["variant"]
    finally:
        s2.close()
        original.close()
    with pytest.raises(KeyError):
        open_library_session(lib, "no-such-session")


@pytest.mark.shared
def test_real_shared_recordings(lib: LibraryStore, shared_data: Path) -> None:
    demoit = shared_data / "rrweb-demoit-player" / "events.json"
    smartx = next((shared_data / "rrweb-sizer-smartx-mobile").glob("*.json"))
    result = ingest(lib, [demoit, smartx], workers=0)
    assert result.added == 2, result.failed
    classes = {r["attributes"]["device_class"] for r in lib.sessions_json(None, sort="start", descending=True,
                                                                          limit=None, offset=0)}
    assert classes == {"desktop", "mobile"}  # 1166 px and 414 px wide
    for sid in lib.ids():
        assert lib.events(sid).num_rows == lib.session(sid)["summary"]["events"] > 0
