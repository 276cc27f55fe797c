"""The attribute vocabulary, URL templates in the library, unknown names (exit 2 with a suggestion) and the
``(none)`` group, on libraries of generated PostHog-style exports (library_support.posthog_export)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from library_support import posthog_export

from replaylens.analysis.experiments import abtest, funnel, parse_step
from replaylens.analysis.vocabulary import check_key, check_segment, check_values
from replaylens.cli import main
from replaylens.errors import UnknownNameError
from replaylens.io.library import ingest
from replaylens.model.library import Goal
from replaylens.model.segment import AttrIn, Segment, VisitedPage
from replaylens.model.vocabulary import NONE, canonical_key, canonicalise, none_label
from replaylens.store.library import LibraryStore, open_library

URL = "https://bank.example/account/{n}/transfer"


def _attrs(lib: LibraryStore, sid: str) -> dict[str, str]:
    detail = lib.session(sid)
    assert detail is not None
    return dict(detail["attributes"])


def test_canonical_keys_and_precedence() -> None:
    assert canonical_key("utm_campaign") == "campaign" and canonical_key("$initial_utm_campaign") == "campaign"
    assert canonical_key("$geoip_country_code") == "country" and canonical_key("$referrer") == "referrer"
    assert canonical_key("device") == "device_class" and canonical_key("$feature/new-kyc") == "feature/new-kyc"
    assert canonical_key("Campaign") == "campaign" and canonical_key("balance") == "balance"
    got = canonicalise([("$initial_utm_campaign", "first-touch", "posthog"), ("utm_campaign", "songkran", "url"),
                        ("tier", "gold", "posthog"), ("tier", "platinum", "file"), ("$geoip_country_code", "th",
                                                                                   "posthog")])
    assert got["campaign"] == ("songkran", "url")  # the session's own entry URL beats the person's first touch
    assert got["tier"] == ("platinum", "file") and got["country"] == ("TH", "posthog")
    assert canonicalise([("campaign", "manual", "manifest"), ("utm_campaign", "songkran", "url")])["campaign"] \
        == ("manual", "manifest")
    assert none_label("campaign") == "no campaign" and none_label("utm_campaign") == "no campaign"
    assert none_label("variant") == "no variant"


def _songkran_library(root: Path, tmp: Path, *, plant: bool = True) -> dict[str, set[str]]:
    """24 PostHog exports: 8 with utm_campaign=songkran on the entry URL, 3 with it only as the person's
    $initial_utm_campaign, 2 with it in a $pageview's properties, the rest organic. A deposit event in some."""
    src = tmp / "src"
    src.mkdir()
    planted: dict[str, set[str]] = {"url": set(), "person": set(), "event": set(), "none": set()}
    for i in range(24):
        sid = f"ph-{i:02d}"
        kind = ("url" if i < 8 else "person" if i < 11 else "event" if i < 13 else "none") if plant else "none"
        entry = URL.format(n=40_000 + i) + ("?utm_campaign=songkran&utm_source=line&gclid=abc" if kind == "url"
                                            else "?tab=fx")
        props = {"$initial_utm_campaign": "songkran"} if kind == "person" else {"plan": "basic"}
        custom: list[tuple[str, object]] = [("deposit", {})] if i % 3 == 0 else []
        if kind == "event":
            custom.append(("$pageview", {"properties": {"utm_campaign": "songkran", "$geoip_country_code": "th"}}))
        posthog_export(src / f"{sid}.json", sid, entry_url=entry, shift_ms=i * 10, custom=custom,
                       person={"distinct_ids": [f"u-{i}"], "properties": props})
        planted[kind].add(sid)
    with open_library(root) as lib:
        result = ingest(lib, [src], workers=0)
        assert result.added == 24, result.failed
        lib.add_goal(Goal("deposit", "event", "deposit"))
    return planted


@pytest.fixture(scope="module")
def songkran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, set[str]]]:
    tmp = tmp_path_factory.mktemp("songkran")
    return tmp / "lib", _songkran_library(tmp / "lib", tmp)


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_the_issue_songkran_vs_everyone_else(songkran: tuple[Path, dict[str, set[str]]],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root, planted = songkran
    lib = ["--library", str(root)]
    want = planted["url"] | planted["person"] | planted["event"]
    listed = _json(capsys, ["library", "ls", "--filter", "campaign=songkran", "--json", *lib])
    assert listed["count"] == len(want) == 13 and {s["id"] for s in listed["sessions"]} == want
    # the source's own names mean the same concept
    for key in ("utm_campaign", "$initial_utm_campaign"):
        assert _json(capsys, ["library", "ls", "--filter", f"{key}=songkran", "--json", *lib])["count"] == 13
    rest = _json(capsys, ["library", "ls", "--filter", "campaign=(none)", "--json", *lib])
    assert {s["id"] for s in rest["sessions"]} == planted["none"]
    ab = _json(capsys, ["abtest", "--by", "campaign", "--goal", "deposit", "--json", *lib])
    assert [g["name"] for g in ab["groups"]] == [NONE, "songkran"]  # (none) is the baseline of one value
    assert [g["label"] for g in ab["groups"]] == ["no campaign", "songkran"]
    assert [g["sessions"] for g in ab["groups"]] == [11, 13] and ab["sessions_without_group"] == 0
    deposits = {f"ph-{i:02d}" for i in range(24) if i % 3 == 0}
    assert ab["groups"][1]["conversions"] == len(deposits & want)
    assert ab["comparisons"][0]["variant"] == "songkran" and ab["comparisons"][0]["control"] == NONE
    assert main(["abtest", "--by", "utm_campaign", "--goal", "deposit", *lib]) == 0  # the alias: the same groups
    text = capsys.readouterr().out
    assert "songkran vs no campaign" in text and "Only one group" not in text
    only = _json(capsys, ["abtest", "--by", "campaign", "--goal", "deposit", "--exclude-none", "--json", *lib])
    assert [g["name"] for g in only["groups"]] == ["songkran"] and only["sessions_without_group"] == 11
    # facets: one campaign facet, no utm_campaign / $initial_utm_campaign facet beside it
    with open_library(root, read_only=True) as store:
        facets = store.facets(None)
        assert {v.value: v.count for v in facets["campaign"]} == {"songkran": 13}
        assert not {"utm_campaign", "$initial_utm_campaign", "utm_source"} & set(facets)
        assert {v.value for v in facets["source"]} == {"line"}
        assert _attrs(store, "ph-11")["country"] == "TH"  # from the $pageview's properties, upper-cased
        sources = store.session("ph-00")["attribute_sources"]
        assert sources["campaign"] == "url" and store.session("ph-08")["attribute_sources"]["campaign"] == "posthog"
        assert store.session("ph-11")["attribute_sources"]["campaign"] == "event"


def test_nothing_is_found_where_nothing_was_planted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planted = _songkran_library(tmp_path / "lib", tmp_path, plant=False)
    assert len(planted["none"]) == 24
    lib = ["--library", str(tmp_path / "lib")]
    assert main(["library", "ls", "--filter", "campaign=songkran", *lib]) == 2  # no such key: not "0 sessions"
    err = capsys.readouterr().err
    assert "no attribute 'campaign'" in err and err.count("\n") == 1
    assert main(["abtest", "--by", "campaign", "--goal", "deposit", *lib]) == 2
    with open_library(tmp_path / "lib", read_only=True) as store:
        facets = store.facets(None)
        assert not facets.get("campaign") and not facets.get("country")
        assert store.count(Segment((AttrIn("plan", ("basic",)),))) == 24


def test_unknown_keys_and_values_exit_2_with_the_nearest_match(songkran: tuple[Path, dict[str, set[str]]],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = songkran
    lib = ["--library", str(root)]
    cases = [
        (["library", "ls", "--filter", "campaing=songkran"], "no attribute 'campaing'; did you mean 'campaign'?"),
        (["library", "ls", "--filter", "campaign=sonkgran"], "no campaign value 'sonkgran'; did you mean "
                                                             "'songkran'? (campaign has: songkran)"),
        (["library", "ls", "--filter", "goal=depsit"], "no goal 'depsit'; did you mean 'deposit'?"),
        (["library", "ls", "--filter", "tag=vip"], "no tag 'vip'"),
        (["abtest", "--by", "campain", "--goal", "deposit"], "did you mean 'campaign'?"),
        (["abtest", "--by", "campaign", "--goal", "deposti"], "no goal 'deposti'; did you mean 'deposit'?"),
        (["abtest", "--by", "campaign", "--goal", "deposit", "--control", "organic"], "no campaign value 'organic'"),
        (["funnel", "--step", "page:/", "--step", "goal:deposits", "--by", "campaign"], "did you mean 'deposit'?"),
        (["funnel", "--step", "page:/", "--by", "utm_campain"], "did you mean 'utm_campaign'?"),
        (["compare", "--by", "campaign", "--a", "songkran", "--b", "songkarn", "--page", "/", "--json"],
         "no campaign value 'songkarn'; did you mean 'songkran'?"),
        (["library", "ls", "--filter", "device_class=phone"], "no device_class value 'phone'"),
    ]
    for argv, said in cases:
        assert main([*argv, *lib]) == 2, argv
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, (argv, err)
        listed = err.partition("(")[2].partition(": ")[2].rstrip(")\n").split(", ")
        assert len(listed) == len(set(listed)), err  # each key or value named once
    # a known value with no session in the selection is a real zero, not an error
    assert _json(capsys, ["library", "ls", "--filter", "campaign=songkran", "--filter", "campaign=(none)",
                          "--json", *lib])["count"] == 0
    with open_library(root, read_only=True) as store:
        assert check_key(store, "utm_campaign") == "campaign" and check_key(store, "device") == "device_class"
        assert check_values(store, "campaign", [NONE, "songkran"]) == "campaign"
        with pytest.raises(UnknownNameError, match="has: songkran"):
            check_segment(store, Segment((AttrIn("campaign", ("Songkran",)),)))


def test_none_groups_in_funnel_and_compare(songkran: tuple[Path, dict[str, set[str]]]) -> None:
    root, _ = songkran
    with open_library(root, read_only=True) as lib:
        steps = [parse_step("page:/account/<id>/transfer*"), parse_step("deposit", {"deposit"})]
        res = funnel(lib, None, steps, by="campaign")
        assert [(g["name"], g["label"], g["sessions"]) for g in res["groups"]] == [("songkran", "songkran", 13),
                                                                                  (NONE, "no campaign", 11)]
        assert res["groups"][0]["steps"][0]["converted"] == 13  # every URL of the template is the first step
        assert {c["b"] for c in res["comparisons"]} == {NONE}
        assert [g["name"] for g in funnel(lib, None, steps, by="campaign", exclude_none=True)["groups"]] == \
            ["songkran"]
        from replaylens.analysis.heatmaps.library import compare

        cmp = compare(lib, None, "campaign", "songkran", NONE, "/account/<id>/transfer*", "click",
                      device="desktop")
        assert (cmp.diff.n_a, cmp.diff.n_b) == (13, 11)
        assert "no campaign" in cmp.sentence


def test_holm_runs_over_every_pair_when_none_adds_a_group() -> None:
    from replaylens.analysis.funnel import compare_all, compare_groups

    def steps(conv: list[int], n: int) -> list[dict]:
        out, entered = [], n
        for c in conv:
            out.append({"step": f"s{len(out)}", "entered": entered, "converted": c, "rate": c / entered})
            entered = c
        return out

    a, b, none = steps([900, 400], 1000), steps([860, 330], 1000), steps([880, 420], 1000)
    two = compare_all([("A", a), ("B", b)])
    assert two == compare_groups(a, b, "A", "B")
    three = compare_all([("A", a), ("B", b), (NONE, none)])
    assert len(three) == 4
    pair_only = compare_groups(a, b, "A", "B")
    for joint, alone in zip(three[:2], pair_only, strict=True):  # a bigger family: never a smaller p
        assert joint["p_adjusted"] >= alone["p_adjusted"] - 1e-12


def test_abtest_srm_with_the_none_group(songkran: tuple[Path, dict[str, set[str]]]) -> None:
    root, _ = songkran
    with open_library(root, read_only=True) as lib:
        goal = parse_step("deposit", {"deposit"})
        res = abtest(lib, None, "campaign", goal, split=[50, 50])  # shares for both groups
        assert res["comparisons"][0]["srm_p"] is not None
        named = abtest(lib, None, "campaign", goal, control="songkran", split=[100])  # shares for the value alone
        assert named["groups"][0]["name"] == "songkran" and named["comparisons"][0]["srm_p"] == pytest.approx(1.0)
        with pytest.raises(ValueError, match="--split has 3 shares"):
            abtest(lib, None, "campaign", goal, split=[30, 30, 40])


def test_templates_in_the_library_and_user_rules(songkran: tuple[Path, dict[str, set[str]]], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(songkran[0], root)
    lib = ["--library", str(root)]
    pages = _json(capsys, ["library", "pages", "--json", *lib])["templates"]
    by = {p["template"]: p for p in pages}
    assert by["/account/<id>/transfer?tab=fx"]["urls"] == 16 and by["/account/<id>/transfer"]["urls"] == 8
    with open_library(root, read_only=True) as store:  # what a map's --page holds (heatmap prints it)
        assert store.page_urls("/account/<id>/transfer") == 8 and store.page_urls("/account/<id>/*") == 24
    info = _json(capsys, ["library", "info", "--json", *lib])
    assert {p["template"] for p in info["pages"]} == set(by)
    assert _json(capsys, ["library", "ls", "--filter", "page=/account/<id>/transfer", "--json", *lib])["count"] == 8
    assert _json(capsys, ["library", "ls", "--filter", "page=/account/<id>/*", "--json", *lib])["count"] == 24
    assert main(["library", "goal", "add", "fx", "--page", "/account/<id>/transfer?tab=fx", *lib]) == 0
    capsys.readouterr()
    # a user rule folds the tab into the page; page goals follow
    assert main(["library", "template", "add", r"\?tab=fx$", "", *lib]) == 0
    assert "rule 1" in capsys.readouterr().out
    pages = _json(capsys, ["library", "pages", "--json", *lib])["templates"]
    assert [(p["template"], p["urls"], p["sessions"]) for p in pages if p["template"].startswith("/account")] == \
        [("/account/<id>/transfer", 24, 24)]
    assert {p["template"] for p in pages} == {"/account/<id>/transfer", "/wallet", "/staking"}  # the other pages
    assert _json(capsys, ["library", "template", "ls", "--json", *lib])["rules"] == [
        {"position": 1, "regex": r"\?tab=fx$", "alias": ""}]
    assert _json(capsys, ["library", "goal", "ls", "--json", *lib])["goals"][1]["sessions"] == 0
    assert main(["library", "template", "rm", "1", *lib]) == 0
    capsys.readouterr()
    assert len(_json(capsys, ["library", "pages", "--json", *lib])["templates"]) == 4
    assert main(["library", "template", "add", "(unclosed", "x", *lib]) == 3
    assert "not a regular expression" in capsys.readouterr().err


def _as_layout_4(root: Path) -> None:
    """What a library written before the vocabulary and the templates looks like: source names as keys, no
    template column, no rules table, layout_version 4."""
    con = duckdb.connect(str(root / "catalogue.duckdb"))
    for table in ("attributes", "attr_keys", "attr_values"):
        con.execute(f"UPDATE {table} SET key = 'utm_campaign' WHERE key = 'campaign'")
        con.execute(f"UPDATE {table} SET key = 'utm_source' WHERE key = 'source'")
    con.execute("UPDATE attributes SET key = '$initial_utm_campaign' WHERE key = 'utm_campaign' "
                "AND source = 'posthog'")
    from replaylens.store import _wide

    _wide.sync_attributes(con, None)  # the facet index of those keys, as that library had it
    con.execute("ALTER TABLE pages DROP COLUMN template")
    con.execute("DROP TABLE url_rules")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'layout_version'")
    con.close()


def test_the_layout_5_migration_derives_templates_and_keys_from_the_catalogue(
        songkran: tuple[Path, dict[str, set[str]]], tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "v4"
    shutil.copytree(songkran[0], root)
    with open_library(root, read_only=True) as lib:
        before = {(r[0], r[1], r[2]) for r in lib.cursor().execute(
            "SELECT session_id, key, v_text FROM attributes").fetchall()}
    _as_layout_4(root)
    with open_library(root, read_only=True) as lib:  # read as it is: source names, no templates
        assert lib.count(Segment((AttrIn("campaign", ("songkran",)),))) == 10  # its strongest alias: utm_campaign
        assert lib.count(Segment((VisitedPage("/account/*/transfer"),))) == 24
    (root / "events").rename(tmp_path / "events-away")  # the migration must not need a session's events
    try:
        with open_library(root) as lib:
            version = lib.cursor().execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall()
            assert version == [("5",)]
            after = {(r[0], r[1], r[2]) for r in lib.cursor().execute(
                "SELECT session_id, key, v_text FROM attributes").fetchall()}
            assert after == before
            assert lib.count(Segment((AttrIn("campaign", ("songkran",)),))) == 13
            assert {t.template for t in lib.templates()} == {"/account/<id>/transfer", "/account/<id>/transfer?tab=fx",
                                                             "/wallet", "/staking"}
            assert "utm_campaign" not in lib.facets(None)
            keys = {str(r[0]) for r in lib.cursor().execute("SELECT key FROM attr_keys").fetchall()}
            assert "utm_campaign" not in keys and "$initial_utm_campaign" not in keys and "campaign" in keys
    finally:
        shutil.rmtree(root / "events", ignore_errors=True)
        (tmp_path / "events-away").rename(root / "events")
    with open_library(root) as lib:  # and the events are still there
        assert lib.events("ph-00").num_rows > 0
