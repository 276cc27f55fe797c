"""Joining responses to sessions on a three-session library (survey_support): by session id, by user id, by time
and page within 30 minutes, unmatched ones listed with the reason; duplicate imports add nothing; responses
match once their session arrives; filters, facets, tallies, funnel drop-offs and the CLI JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from survey_support import HOST, T0, build, write

from replaylens.analysis.experiments import parse_step
from replaylens.analysis.segments import parse_filters
from replaylens.analysis.stats import wilson
from replaylens.analysis.surveys import dropped_answers, tally
from replaylens.cli import main
from replaylens.io.surveys import import_file
from replaylens.io.surveys.join import rejoin
from replaylens.store.library import open_library

Q = "What stopped you?"
MIN = 60_000


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _hotjar(path: Path, rows: list[tuple[str, int, str, str]]) -> Path:
    lines = [f"Number,User,Date Submitted,Country,Source URL,Device,Browser,OS,{Q}"]
    lines += [f"{n},Visitor,{_iso(t)},TH,{url},Desktop,Chrome,Windows,{a}" for n, t, url, a in rows]
    return write(path, "\n".join(lines) + "\n")


@pytest.fixture
def lib_root(tmp_path: Path) -> Path:
    return build(tmp_path / "lib")


def _by_id(root: Path) -> dict[str, dict]:
    with open_library(root, read_only=True) as lib:
        return {r["response_id"]: r for r in lib.survey_responses()}


def test_each_join_method_and_unmatched_are_listed(lib_root: Path, tmp_path: Path) -> None:
    staking, kyc = f"https://{HOST}/earn/staking", f"https://{HOST}/kyc"
    tf = {"items": [
        {"token": "a", "response_id": "a", "submitted_at": "2026-04-13T09:00:00Z", "hidden": {"session_id": "s-alpha"},
         "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": "Fees"}}]},
        {"token": "b", "response_id": "b", "submitted_at": "2026-04-13T09:00:00Z", "hidden": {"user_id": "u-1"},
         "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": "Rewards"}}]},
        {"token": "c", "response_id": "c", "submitted_at": _iso(T0 + 7_200_000 + 40_000).replace(" ", "T") + "Z",
         "hidden": {"user_id": "u-2"},  # u-2 has two sessions: the one running at the time wins
         "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": "Other"}}]},
        {"token": "d", "response_id": "d", "submitted_at": "2026-04-13T09:00:00Z", "hidden": {"session_id": "s-zulu"},
         "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": "Other"}}]},
    ]}
    r = import_file(open_library(lib_root), write(tmp_path / "tf.json", tf))
    assert r.matches == {"session_id": 1, "user_id": 2, "time_page": 0, "none": 1}
    hj = _hotjar(tmp_path / "hj.csv", [
        ("1", T0 + 30_000, staking, "Fees"),               # during s-alpha, on a page it showed
        ("2", T0 + 60_000 + 29 * MIN, staking, "Fees"),    # 29 min after s-alpha ended
        ("3", T0 + 60_000 + 31 * MIN, staking, "Fees"),    # 31 min after: too late
        ("4", T0 + 3_600_000 + 95_000, staking, "Fees"),   # just after s-bravo, which never showed staking
        ("5", T0 + 3_600_000 + 95_000, kyc, "Unclear ID"),  # ... and on the page it did show
        ("6", T0 + 30_000, "https://other.example/earn/staking", "Fees"),  # another site
    ])
    r = import_file(open_library(lib_root), hj)
    assert r.matches == {"session_id": 0, "user_id": 0, "time_page": 3, "none": 3}
    got = _by_id(lib_root)
    want = {"typeform:a": ("s-alpha", "session_id"), "typeform:b": ("s-alpha", "user_id"),
            "typeform:c": ("s-charlie", "user_id"), "typeform:d": (None, "none"),
            "hotjar:1": ("s-alpha", "time_page"), "hotjar:2": ("s-alpha", "time_page"), "hotjar:3": (None, "none"),
            "hotjar:4": (None, "none"), "hotjar:5": ("s-bravo", "time_page"), "hotjar:6": (None, "none")}
    assert {k: (v["session_id"], v["match"]) for k, v in got.items()} == want
    assert got["typeform:a"]["confidence"] == 1.0
    assert got["typeform:b"]["confidence"] == 0.95 and got["typeform:c"]["confidence"] == 0.9
    assert 0 < got["hotjar:2"]["confidence"] < got["hotjar:1"]["confidence"] <= 0.9
    assert "s-zulu" in got["typeform:d"]["note"] and "page" in got["hotjar:4"]["note"]
    assert all(v["answers"] for v in got.values())  # unmatched answers are kept


def test_reimport_adds_nothing_and_a_late_session_is_joined(lib_root: Path, tmp_path: Path) -> None:
    hj = _hotjar(tmp_path / "hj.csv", [("1", T0 + 30_000, f"https://{HOST}/earn/staking", "Fees"),
                                        ("2", T0 + 86_400_000, f"https://{HOST}/", "Other")])
    with open_library(lib_root) as lib:
        first = import_file(lib, hj)
        again = import_file(lib, hj)
        copy = import_file(lib, shutil.copy(hj, tmp_path / "renamed.csv"))
    assert (first.added, again.added, again.already, copy.added) == (2, 0, 2, 0)
    assert len(_by_id(lib_root)) == 2
    con = duckdb.connect(str(lib_root / "catalogue.duckdb"))
    assert con.execute("SELECT count(*) FROM survey_answers").fetchall()[0][0] == 2
    con.close()
    # a session recorded a day later arrives: the waiting response finds it
    from survey_support import SESSIONS

    SESSIONS["s-delta"] = (T0 + 86_400_000 - 20_000, 10_000, "u-9", ["/"])
    try:
        build(tmp_path / "lib2")  # the same sessions plus s-delta
    finally:
        del SESSIONS["s-delta"]
    root2 = tmp_path / "lib2"
    with open_library(root2) as lib:
        import_file(lib, hj)
    assert _by_id(root2)["hotjar:2"]["session_id"] == "s-delta"
    with open_library(lib_root) as lib:
        assert rejoin(lib) == 0  # still nothing for it in the first library


def test_filters_facets_and_columns_come_from_the_answers(lib_root: Path, tmp_path: Path) -> None:
    tf = {"items": [{"token": t, "response_id": t, "submitted_at": "2026-04-13T09:00:00Z",
                     "hidden": {"session_id": sid},
                     "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": a}},
                                 {"field": {"id": "g", "ref": "More"}, "type": "text", "text": f"long {t}"}]}
                    for t, sid, a in (("a", "s-alpha", "Fees"), ("b", "s-bravo", "Unclear ID"))]}
    with open_library(lib_root) as lib:
        import_file(lib, write(tmp_path / "tf.json", tf))
        assert lib.count(parse_filters(["answered=yes"])) == 2
        assert lib.count(parse_filters(["answered=no"])) == 1
        assert lib.ids(parse_filters([f"answer:{Q}=Unclear ID"])) == ["s-bravo"]
        assert set(lib.ids(parse_filters([f"answer:{Q}!=Unclear ID"]))) == {"s-alpha", "s-charlie"}
        assert lib.ids(parse_filters([f"answer:{Q}=Fees,Unclear ID", "campaign=organic"]), sort="session_id",
                       descending=False) == ["s-alpha", "s-bravo"]
        f = lib.facets(keys=["answered", f"answer:{Q}"])
        assert [(v.value, v.count) for v in f[f"answer:{Q}"]] == [("Fees", 1), ("Unclear ID", 1)]
        assert [(v.value, v.count) for v in f["answered"]] == [("yes", 2)]
        rows = lib.rows(attributes=[f"answer:{Q}", "answer_text:More"], sort="session_id", descending=False)
        assert rows[f"attr:answer:{Q}"].to_pylist() == ["Fees", "Unclear ID", None]
        assert rows["attr:answer_text:More"].to_pylist() == ["long a", "long b", None]
    # re-ingesting a session keeps its answers (the survey attribute rows are kept like file attributes)
    con = duckdb.connect(str(lib_root / "catalogue.duckdb"))
    n = con.execute("SELECT count(*) FROM attributes WHERE source = 'survey'").fetchall()[0][0]
    con.close()
    build(lib_root)  # commits the same sessions again (replaced)
    con = duckdb.connect(str(lib_root / "catalogue.duckdb"))
    assert con.execute("SELECT count(*) FROM attributes WHERE source = 'survey'").fetchall()[0][0] == n == 6
    con.close()


def test_tally_counts_shares_wilson_themes_and_dropoffs(lib_root: Path, tmp_path: Path) -> None:
    answers = [("a", "s-alpha", "Fees", "the fees are too high"), ("b", "s-bravo", "Unclear ID",
               "which passport do you accept"), ("c", "s-charlie", "Fees", "fees too high, and slow")]
    tf = {"items": [{"token": t, "response_id": t, "submitted_at": "2026-04-13T09:00:00Z",
                     "hidden": {"session_id": sid},
                     "answers": [{"field": {"id": "f", "ref": Q}, "type": "choice", "choice": {"label": a}},
                                 {"field": {"id": "g", "ref": "More"}, "type": "text", "text": txt}]}
                    for t, sid, a, txt in answers]}
    with open_library(lib_root) as lib:
        import_file(lib, write(tmp_path / "tf.json", tf))
        res = tally(lib)
        choice = next(q for q in res["questions"] if q["question"] == Q)
        assert [(c["value"], c["count"]) for c in choice["choices"]] == [("Fees", 2), ("Unclear ID", 1)]
        lo, hi = (float(x) for x in wilson(2, 3))
        assert choice["choices"][0]["share"] == pytest.approx(2 / 3, abs=1e-4)
        assert (choice["choices"][0]["low"], choice["choices"][0]["high"]) == pytest.approx((lo, hi), abs=1e-4)
        text = next(q for q in res["questions"] if q["question"] == "More")
        themes = {t["theme"]: t["count"] for t in text["themes"]}
        assert themes["Fees and charges"] == 2 and themes["ID and verification"] == 1
        assert themes["Speed and errors"] == 1 and themes["Trust and safety"] == 0
        assert {"phrase": "fees", "count": 2} not in text["phrases"]  # covered by "fees high" (same count)
        assert {"phrase": "fees high", "count": 2} in text["phrases"]
        lib.set_survey_theme("Paperwork", ["passport", "document"])
        mine = tally(lib, question="More")["questions"][0]["themes"]
        assert [(t["theme"], t["count"]) for t in mine] == [("Paperwork", 1)]
        only = tally(lib, parse_filters([f"answer:{Q}=Fees"]))
        assert only["sessions"] == 2 and only["responses"] == 2
        steps = [parse_step("page:/"), parse_step("page:/earn/staking")]
        drop = dropped_answers(lib, None, steps, 2, question=Q)
        assert drop["dropped_sessions"] == 1 and drop["got_past_sessions"] == 2
        assert [(c["value"], c["count"]) for c in drop["dropped"]["questions"][0]["choices"]] == [("Unclear ID", 1)]
        assert [(c["value"], c["count"]) for c in drop["got_past"]["questions"][0]["choices"]] == [("Fees", 2)]
        with pytest.raises(ValueError, match="no step 3"):
            dropped_answers(lib, None, steps, 3)


def test_cli_import_ls_tally_and_exit_codes(lib_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    hj = _hotjar(tmp_path / "hj.csv", [("1", T0 + 30_000, f"https://{HOST}/earn/staking", "Fees"),
                                        ("2", T0 - 86_400_000, f"https://{HOST}/", "Other")])
    assert main(["survey", "import", str(hj), "--library", str(lib_root), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["imports"][0]["format"] == "hotjar" and out["imports"][0]["added"] == 2
    assert main(["survey", "ls", "--library", str(lib_root), "--json"]) == 0
    resp = json.loads(capsys.readouterr().out)["responses"]
    assert [set(r) >= {"response_id", "source", "submitted_at", "session_id", "match", "confidence", "answers"}
            for r in resp] == [True, True]
    by = {r["response_id"]: r for r in resp}
    assert by["hotjar:2"]["session_id"] is None and by["hotjar:2"]["match"] == "none"
    assert by["hotjar:1"] | {"confidence": 0} == {
        "response_id": "hotjar:1", "source": "hotjar", "submitted_at": "2026-04-12T13:20:30Z",
        "session_id": "s-alpha", "match": "time_page", "confidence": 0, "answers": {Q: "Fees"},
        "url": f"https://{HOST}/earn/staking", "note": "1 candidate session by time and page"}
    assert main(["survey", "tally", "--library", str(lib_root), "--filter", "answered=yes", "--json"]) == 0
    t = json.loads(capsys.readouterr().out)
    assert t["responses"] == 1 and t["questions"][0]["choices"][0]["value"] == "Fees"
    assert main(["survey", "tally", "--library", str(lib_root), "--funnel", "page:/", "--funnel",
                 "page:/kyc", "--dropped-at", "2", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["dropped_sessions"] == 2 and d["dropped"]["responses"] == 1
    bad = write(tmp_path / "weird.csv", "colour,size\nred,1\n")
    assert main(["survey", "import", str(bad), "--library", str(lib_root)]) == 3
    assert "weird.csv" in capsys.readouterr().err
    assert main(["survey", "import", str(bad), "--library", str(lib_root), "--map", "colour=x"]) == 3
    assert main(["survey", "tally", "--library", str(lib_root), "--dropped-at", "2"]) == 3


def test_a_layout_1_library_is_migrated(lib_root: Path) -> None:
    con = duckdb.connect(str(lib_root / "catalogue.duckdb"))
    for t in ("survey_responses", "survey_answers", "survey_themes"):
        con.execute(f"DROP TABLE {t}")
    con.execute("UPDATE meta SET value = '1' WHERE key = 'layout_version'")
    con.close()
    with open_library(lib_root, read_only=True) as lib:  # read as it is
        assert lib.survey_responses() == [] and lib.count() == 3
    with open_library(lib_root) as lib:
        assert lib.survey_responses() == []
    con = duckdb.connect(str(lib_root / "catalogue.duckdb"))
    assert con.execute("SELECT value FROM meta WHERE key = 'layout_version'").fetchall() == [("5",)]
    con.close()
