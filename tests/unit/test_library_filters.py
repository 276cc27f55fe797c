"""Segments: every filter kind against hand-countable synthetic sessions, hostile keys and values compiled
safely (bound parameters, never SQL text), saved segments, sorting and paging, facets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from library_support import synthetic_record

from replaylens.analysis.segments import FilterSyntaxError, parse_filter, parse_filters
from replaylens.model.library import Goal
from replaylens.model.segment import (
    AttrIn,
    AttrRange,
    DateRange,
    HasFinding,
    ReachedGoal,
    Segment,
    Tagged,
    TextSearch,
    VisitedPage,
)
from replaylens.store.library import LibraryStore, open_library

N = 300


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> LibraryStore:
    store = open_library(tmp_path_factory.mktemp("filters") / "lib")
    rng = np.random.default_rng(7)
    records = [synthetic_record(i, rng, events=3) for i in range(N)]
    store.commit(records)
    store.add_goal(Goal("deposit", "page", "/deposit"))
    store.tag([f"syn-{i:07d}" for i in range(0, N, 10)], "songkran-2026")
    yield store
    store.close()


def _py_count(lib: LibraryStore, sql: str, params: list[object] | None = None) -> int:
    return int(lib.cursor().execute(sql, params or []).fetchall()[0][0])


def _attr_count(lib: LibraryStore, key: str, values: list[str]) -> int:
    return _py_count(lib, "SELECT count(DISTINCT session_id) FROM attributes WHERE key = ? AND "
                          "list_contains(?::VARCHAR[], v_text)", [key, values])


def test_each_filter_kind_counts_what_it_says(lib: LibraryStore) -> None:
    assert lib.count() == N
    assert lib.count(Segment((AttrIn("campaign", ("songkran",)),))) == _attr_count(lib, "campaign", ["songkran"])
    both = lib.count(Segment((AttrIn("campaign", ("songkran", "none")),)))
    assert both == _attr_count(lib, "campaign", ["songkran", "none"])
    assert lib.count(Segment((AttrIn("campaign", ("songkran",), negate=True),))) == N - _attr_count(
        lib, "campaign", ["songkran"])
    rich = _py_count(lib, "SELECT count(*) FROM attributes WHERE key = 'balance' AND v_num >= 500000")
    assert lib.count(parse_filters(["balance>=500000"])) == rich
    assert lib.count(parse_filters(["balance<500000"])) == N - rich
    assert lib.count(parse_filters(["vip=true"])) == _attr_count(lib, "vip", ["true"])
    long_ = _py_count(lib, "SELECT count(*) FROM sessions WHERE duration_ms > 600000")
    assert lib.count(parse_filters(["duration_ms>600000"])) == long_
    assert lib.count(parse_filters(["device_class=mobile"])) == _py_count(
        lib, "SELECT count(*) FROM sessions WHERE device_class = 'mobile'")
    deposit = _py_count(lib, "SELECT count(*) FROM sessions WHERE pages_visited >= 2")
    assert lib.count(Segment((VisitedPage("/deposit"),))) == deposit
    assert lib.count(Segment((VisitedPage("*nimbus.example/deposit"),))) == deposit
    assert lib.count(Segment((ReachedGoal("deposit"),))) == deposit
    assert lib.count(Segment((ReachedGoal("deposit", reached=False),))) == N - deposit
    rage = _py_count(lib, "SELECT count(*) FROM findings WHERE kind = 'rage_click' AND n > 0")
    assert lib.count(Segment((HasFinding("rage_click"),))) == rage
    assert lib.count(parse_filters(["finding!=rage_click"])) == N - rage
    assert lib.count(Segment((Tagged("songkran-2026"),))) == N // 10
    assert lib.count(Segment((TextSearch("LEARN more"),))) == N // 2  # a clicked label, case-insensitive
    assert lib.count(Segment((TextSearch("earn/staking"),))) == N  # a page URL
    first = _py_count(lib, "SELECT count(*) FROM sessions WHERE start < TIMESTAMP '2026-11-25'")
    assert lib.count(Segment((DateRange(end="2026-11-25"),))) == first
    assert lib.count(parse_filters(["date<2026-11-25"])) == first
    # AND of several
    seg = parse_filters(["campaign=songkran", "device_class=mobile", "goal=deposit"])
    expect = _py_count(lib, "SELECT count(*) FROM sessions s WHERE device_class = 'mobile' AND pages_visited >= 2 "
                            "AND EXISTS (SELECT 1 FROM attributes a WHERE a.session_id = s.session_id AND "
                            "a.key = 'campaign' AND a.v_text = 'songkran')")
    assert lib.count(seg) == expect and 0 < expect < N


HOSTILE = ["'", "''", "\"", "'; DROP TABLE sessions; --", "\" OR 1=1 --", "x') OR ('1'='1", "%", "_", "*",
           "\\", "Songkrän 🎉 สงกรานต์", "\u202e\u200b", "a" * 200_000, "$1", "?", "NULL", ");--"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_data(lib: LibraryStore, value: str) -> None:
    for f in (AttrIn("campaign", (value,)), AttrIn(value, ("x",)), AttrIn("duration_ms", (value,)),
              VisitedPage(value), ReachedGoal(value), HasFinding(value), Tagged(value), TextSearch(value),
              AttrIn("campaign", (value,), negate=True)):
        n = lib.count(Segment((f,)))
        assert n in (0, N), (f, n)
        assert lib.rows(Segment((f,)), limit=5).num_rows == min(n, 5)
    assert lib.count() == N  # nothing was dropped or changed
    facets = lib.facets(Segment((AttrIn(value, (value,)),)), keys=[value, "campaign"])
    assert facets[value] == [] and facets["campaign"] == []


def test_hostile_ranges_and_sorts_are_refused_cleanly(lib: LibraryStore) -> None:
    for bound in ("'; DROP TABLE sessions; --", "1e999", "nan", "2026-13-45x"):
        with pytest.raises(ValueError):
            lib.count(Segment((AttrRange("balance", low=bound),)))
    for sort in ("start; DROP TABLE sessions", "attr", "goal:", "finding:nope", "1", "s.session_id"):
        with pytest.raises(ValueError):
            lib.rows(sort=sort)
    assert lib.count() == N


def test_nul_and_huge_filters(lib: LibraryStore) -> None:
    with pytest.raises(FilterSyntaxError):
        parse_filter("campaign=a\x00b")
    with pytest.raises(FilterSyntaxError):
        parse_filter("x=" + "v," * 20_000)
    with pytest.raises(FilterSyntaxError):
        parse_filter("k=" + "a" * 200_000)
    many = parse_filter("campaign=" + ",".join(f"c{i}" for i in range(5000)) + ",songkran")
    assert lib.count(Segment((many,))) == _attr_count(lib, "campaign", ["songkran"])
    # a NUL that reaches the store directly (the GUI builds filters itself) is data too
    n = lib.count(Segment((AttrIn("campaign", ("song\x00kran",)),)))
    assert n == 0 and lib.count() == N


def test_parse_filter_syntax() -> None:
    assert parse_filter("campaign=songkran,lantern-festival") == AttrIn("campaign", ("songkran", "lantern-festival"))
    assert parse_filter("variant!=B") == AttrIn("variant", ("B",), negate=True)
    assert parse_filter("balance>=1000") == AttrRange("balance", low="1000")
    assert parse_filter("balance<5") == AttrRange("balance", high="5", high_inclusive=False)
    assert parse_filter(r"label=a\,b,c") == AttrIn("label", ("a,b", "c"))
    assert parse_filter("goal!=deposit") == ReachedGoal("deposit", reached=False)
    assert parse_filter("page=/kyc/*") == VisitedPage("/kyc/*")
    assert parse_filter("url=https://x/?a=b") == AttrIn("url", ("https://x/?a=b",))
    for bad in ("", "novalue=", "=x", "noop", "goal>=3", "finding=nonsense", "date=2026-01-01", "text!=x"):
        with pytest.raises(FilterSyntaxError):
            parse_filter(bad)


def test_saved_segments_round_trip(lib: LibraryStore) -> None:
    seg = parse_filters(["campaign=songkran", "balance>=1000", "goal!=deposit", "tag=songkran-2026",
                         "text=learn", "page=/deposit", "finding=rage_click", "date>=2026-11-01"])
    lib.save_segment("Songkran 🎉 'quoted'", seg)
    assert lib.get_segment("Songkran 🎉 'quoted'") == seg
    assert [s.name for s in lib.segments()] == ["Songkran 🎉 'quoted'"]
    assert Segment.from_json(seg.to_json()) == seg
    with pytest.raises(ValueError):
        lib.save_segment("bad\x00name", seg)
    assert lib.delete_segment("Songkran 🎉 'quoted'") and not lib.delete_segment("Songkran 🎉 'quoted'")


def test_sort_and_paging_are_stable(lib: LibraryStore) -> None:
    for sort in ("start", "duration_ms", "friction_score", "attr:campaign", "attr:balance", "goal:deposit",
                 "finding:rage_click", "device_class"):
        for desc in (True, False):
            all_ids = lib.ids(sort=sort, descending=desc)
            pages = [lib.rows(sort=sort, descending=desc, limit=64, offset=o)["session_id"].to_pylist()
                     for o in range(0, N, 64)]
            assert [i for p in pages for i in p] == all_ids and len(set(all_ids)) == N
    durations = lib.rows(sort="duration_ms", descending=True, limit=N)["duration_ms"].to_pylist()
    assert durations == sorted(durations, reverse=True)
    balances = lib.rows(sort="attr:balance", descending=False, limit=N, attributes=["balance"])
    values = [int(v) for v in balances["attr:balance"].to_pylist()]
    assert values == sorted(values)  # numeric order, not text order


def test_rows_columns_and_facets(lib: LibraryStore) -> None:
    page = lib.rows(limit=10, attributes=["campaign", "no-such-key"])
    names = page.column_names
    assert {"session_id", "start", "duration_ms", "tags", "finding:rage_click", "attr:campaign", "goal:deposit",
            "attr:no-such-key"} <= set(names)
    assert page["attr:no-such-key"].null_count == 10
    seg = parse_filters(["device_class=mobile"])
    f = lib.facets(seg)
    n = lib.count(seg)
    assert sum(v.count for v in f["campaign"]) == n
    assert [v.value for v in f["device_class"]] == ["mobile"]
    assert {v.value: v.count for v in f["goal"]}.get("deposit", 0) == lib.count(seg.and_(ReachedGoal("deposit")))
    assert {v.value for v in f["tag"]} <= {"songkran-2026"}
    assert len(lib.facets(keys=["balance"], limit=5)["balance"]) == 5


def test_library_refuses_foreign_folders(tmp_path: Path) -> None:
    from replaylens.store.library import LibraryError

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"x")
    with pytest.raises(LibraryError):
        open_library(tmp_path / "photos")
    with pytest.raises(LibraryError):
        open_library(tmp_path / "nothing", create=False)
