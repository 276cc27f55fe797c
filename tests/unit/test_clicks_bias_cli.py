"""``replaylens clicks`` and ``replaylens bias`` (issue 29): the JSON shapes with n and intervals, the quadrants,
the planted under-representation found and reweighted, bad population files (exit 3, one line naming the problem)
and unknown names (exit 2 with suggestions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compare_library import build

from replaylens.cli import main
from replaylens.errors import BadInputError
from replaylens.io.population import parse_population


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("cb") / "lib"
    return root, build(root, 900, deposit_a=0.12, lift=0.0)


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_clicks_json_quadrants_and_intervals(lib: tuple[Path, object], capsys: pytest.CaptureFixture[str]) -> None:
    root, truth = lib
    res = _json(capsys, ["clicks", "--library", str(root), "--page", "/", "--goal", "deposit", "--json"])
    assert res["sessions"] == 900 and res["page"] == "/" and res["goal"] == "goal:deposit"
    rows = {r["label"]: r for r in res["elements"]}
    cta = rows["Get started"]
    assert cta["clicked"] == sum(truth.cta)  # type: ignore[attr-defined]
    assert cta["click_rate"] == "high" and cta["conversion_level"] == "high"
    assert cta["quadrant"].startswith("many clicks, high conversion")
    lo, hi = cta["conversion_clickers_ci95"]
    assert lo < cta["conversion_clickers"] < hi and cta["significant"]
    banner = rows["Songkran: no fees on your first deposit"]
    assert banner["click_rate"] == "low" and banner["share_clicked_ci95"][0] < banner["share_clicked"]
    # the table names the quadrant too
    assert main(["clicks", "--library", str(root), "--page", "/", "--goal", "deposit"]) == 0
    assert "many clicks, high conversion" in capsys.readouterr().out
    # a filter narrows the sessions
    sub = _json(capsys, ["clicks", "--library", str(root), "--page", "/", "--goal", "deposit",
                         "--filter", "campaign=songkran", "--json"])
    assert sub["sessions"] == sum(c == "songkran" for c in truth.campaign)  # type: ignore[attr-defined]


def test_clicks_unknown_page_or_goal_suggests(lib: tuple[Path, object], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = lib
    assert main(["clicks", "--library", str(root), "--page", "/kycc", "--goal", "deposit"]) == 2
    err = capsys.readouterr().err
    assert "/kycc" in err and "/kyc" in err and len(err.strip().splitlines()) == 1
    assert main(["clicks", "--library", str(root), "--page", "/", "--goal", "depsit"]) == 2
    err = capsys.readouterr().err
    assert "depsit" in err and "deposit" in err


def _pop(tmp_path: Path, text: str) -> str:
    p = tmp_path / "pop.csv"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_bias_finds_the_under_represented_and_reweights(lib: tuple[Path, object], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root, truth = lib
    pop = _pop(tmp_path, "attribute,value,share\ncampaign,songkran,0.5\ncampaign,organic,0.5\n"
                         "variant,A,0.5\nvariant,B,0.5\n")
    before = Path(pop).read_bytes()
    res = _json(capsys, ["bias", "--library", str(root), "--population", pop, "--json"])
    assert Path(pop).read_bytes() == before
    assert res["under_represented"] == ["campaign=songkran"]  # 30 % in the library, 50 % in the population
    camp = next(a for a in res["attributes"] if a["attribute"] == "campaign")
    seg = {s["value"]: s for s in camp["segments"]}
    n_song = sum(c == "songkran" for c in truth.campaign)  # type: ignore[attr-defined]
    assert seg["songkran"]["sessions"] == n_song and seg["songkran"]["weight"] > 1.4
    assert camp["chi2_p"] < 1e-6
    # rage clicks come from banner clickers, mostly campaign visitors: reweighting to 50 % raises the rate
    rage = next(r for r in camp["friction"] if r["name"] == "rage_click")
    assert rage["reweighted"] > rage["raw"] and rage["ci95"][0] < rage["reweighted"] < rage["ci95"][1]
    # deposits do not depend on the campaign: the reweighted rate stays inside the raw interval
    dep = next(r for r in camp["conversion"] if r["name"] == "deposit")
    assert dep["raw_ci95"][0] < dep["reweighted"] < dep["raw_ci95"][1]
    variant = next(a for a in res["attributes"] if a["attribute"] == "variant")
    assert not any(s["under_represented"] for s in variant["segments"])
    assert main(["bias", "--library", str(root), "--population", pop]) == 0
    assert "UNDER-represented" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "needle"), [
    ("campaign,songkran\n", "row 1 has 2 fields"),
    ("campaign,songkran,lots\n", "is not a number"),
    ("campaign,songkran,0.7\ncampaign,organic,0.7\n", "add up to 1.4"),
    ("campaign,songkran,-0.5\ncampaign,organic,1.5\n", "at least 0"),
    ("campaign,songkran,0.5\ncampaign,songkran,0.5\n", "given twice"),
    ("", "no rows"),
])
def test_bias_bad_population_file_exit_3(lib: tuple[Path, object], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str], text: str, needle: str) -> None:
    root, _ = lib
    assert main(["bias", "--library", str(root), "--population", _pop(tmp_path, text)]) == 3
    err = capsys.readouterr().err.strip()
    assert needle in err and "pop.csv" in err and len(err.splitlines()) == 1


def test_bias_binary_missing_and_huge_files(lib: tuple[Path, object], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = lib
    b = tmp_path / "b.csv"
    b.write_bytes(b"\xff\xfe\x00\x01" * 10)
    assert main(["bias", "--library", str(root), "--population", str(b)]) == 3
    assert main(["bias", "--library", str(root), "--population", str(tmp_path / "none.csv")]) == 3
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b,0.1\n" * 200_000)
    assert main(["bias", "--library", str(root), "--population", str(big)]) == 3
    assert "KiB" in capsys.readouterr().err


def test_bias_unknown_attribute_or_value_suggests(lib: tuple[Path, object], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = lib
    assert main(["bias", "--library", str(root), "--population",
                 _pop(tmp_path, "campain,songkran,0.5\ncampain,organic,0.5\n")]) == 2
    err = capsys.readouterr().err
    assert "campain" in err and "campaign" in err
    assert main(["bias", "--library", str(root), "--population",
                 _pop(tmp_path, "campaign,songkan,0.5\ncampaign,organic,0.5\n")]) == 2
    err = capsys.readouterr().err
    assert "songkan" in err and "songkran" in err


def test_percentages_are_read_as_shares() -> None:
    assert parse_population("user_type,new,55\nuser_type,returning,45\n") == {
        "user_type": {"new": 0.55, "returning": 0.45}}
    with pytest.raises(BadInputError):
        parse_population("user_type,,1\n")


def test_the_median_element_counts_as_many_clicks() -> None:
    import numpy as np

    from replaylens.analysis.clicks import clicks_vs_conversion

    rng = np.random.default_rng(3)
    n = 1000
    clicked = np.stack([rng.random(n) < p for p in (0.41, 0.40, 0.06)], 1)
    res = clicks_vs_conversion(["Log in", "Get started", "Banner"], clicked, rng.random(n) < 0.13)
    rates = {r["label"]: r["click_rate"] for r in res["elements"]}
    assert rates == {"Log in": "high", "Get started": "high", "Banner": "low"}


def test_an_element_everyone_clicked_is_not_called_needs_work() -> None:
    import numpy as np

    from replaylens.analysis.clicks import EVERYONE, clicks_vs_conversion

    rng = np.random.default_rng(4)
    n = 500
    clicked = np.stack([np.ones(n, bool), rng.random(n) < 0.6], 1)
    res = clicks_vs_conversion(["Full legal name", "Continue"], clicked, rng.random(n) < 0.12)
    row = {r["label"]: r for r in res["elements"]}["Full legal name"]
    assert row["quadrant"] == EVERYONE and row["conversion_level"] == "same" and not row["significant"]
