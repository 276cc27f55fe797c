"""Every library query on DuckDB and on a local Spark over the same planted library: identical results.

One Spark session for the module (``local[2]``, 2 shuffle partitions, UI off), stopped at the end. Skipped only
where no Java runtime can be found (pyspark needs one)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from replaylens.analysis import experiments as X
from replaylens.analysis.heatmaps.library import aggregate_heatmap, compare
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
from replaylens.store import aggregate as Q
from replaylens.store.engine import DuckDBEngine, parse_engine
from replaylens.store.library import LibraryStore, open_library

sys.path.insert(0, str(Path(__file__).parent))
from compare_library import KYC, LANDING, Truth, build

JAVA = shutil.which("java") or (os.environ.get("JAVA_HOME") and shutil.which("java", path=os.path.join(
    os.environ["JAVA_HOME"], "bin")))
NO_JAVA = "no Java runtime found (the Spark engine needs Java 17: apt-get install openjdk-17-jre-headless)"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if not JAVA:
        pytest.skip(NO_JAVA)
    from replaylens.store.spark import start_session

    session = start_session("local[2]", {"spark.sql.shuffle.partitions": "2", "spark.driver.memory": "512m"})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[tuple[LibraryStore, Truth, Any]]:
    from replaylens.store.spark import SparkEngine

    root = tmp_path_factory.mktemp("engines") / "lib"
    truth = build(root, 300, deposit_a=0.2, lift=0.5)
    lib = open_library(root)
    lib.tag(truth.ids[:40], "reviewed")
    engine = SparkEngine(lib, session=spark)
    yield lib, truth, engine
    lib.use_engine(DuckDBEngine(lib))
    engine.close()
    lib.close()


def both(planted: tuple[LibraryStore, Truth, Any], fn: Callable[[LibraryStore], Any]) -> tuple[Any, Any]:
    lib, _, engine = planted
    lib.use_engine(DuckDBEngine(lib))
    duck = fn(lib)
    lib.use_engine(engine)
    try:
        sp = fn(lib)
    finally:
        lib.use_engine(DuckDBEngine(lib))
    return duck, sp


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal, floats within 1e-9 (NaN equals NaN), recursing through dicts, lists and arrays."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        b = np.asarray(b)
        assert a.shape == b.shape, where
        if a.dtype.kind == "f":
            assert np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True), where
        else:
            assert a.dtype.kind == b.dtype.kind and (a == b).all(), where
    elif isinstance(a, float):
        assert isinstance(b, float | int), where
        assert a == b or (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-9, f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


DAY = "2026-03-31"
SEGMENTS = {
    "all": None,
    "variant B": Segment((AttrIn("variant", ("B",)),)),
    "not A": Segment((AttrIn("variant", ("A",), negate=True),)),
    "songkran or x": Segment((AttrIn("campaign", ("songkran", "nope")), AttrIn("aa", ("x",)))),
    "kyc path": Segment((VisitedPage("/kyc"),)),
    "glob, class, deposit": Segment((VisitedPage("https://app.nimbus.*/"), VisitedPage("/[kx]y?"),
                                     ReachedGoal("deposit"))),
    "not kyc, rage": Segment((VisitedPage("/kyc", negate=True), HasFinding("rage_click"))),
    "tagged, text": Segment((Tagged("reviewed"), TextSearch("KYC"))),
    "clicks>=2, device": Segment((AttrRange("clicks", low=2), AttrIn("device_class", ("desktop",)))),
    "clicks in": Segment((AttrIn("clicks", ("1", 2)),)),
    "date, start>=": Segment((DateRange(start="2026-03-30", end="2026-04-02"),
                              AttrRange("start", low="2026-03-31T23:35:00"))),
    "no days": Segment((DateRange(start="2027-01-01"),)),
}


@pytest.mark.parametrize("glob", ["*", "/kyc", "/k?c", "https://*.example/*", "/[kx]yc", "/[!k]yc", "/[a-l]yc*",
                                  "a.b(c)+", "50%_off*", "\\*star", "[", "x]y", "*/kyc?step=[0-9]"])
def test_globs_match_as_duckdb_glob(glob: str) -> None:
    import duckdb

    from replaylens.store._compile import glob_regex

    texts = ["/kyc", "/kxc", "/xyc", "/yyc", "/kycX", "https://app.nimbus.example/kyc", "a.b(c)+", "aXb(c)+",
             "50%_off now", "500_off", "*star", "xstar", "[", "x]y", "/app/kyc?step=3", "", "multi\nline"]
    con = duckdb.connect()
    for text in texts:
        want, got = con.execute("SELECT ? GLOB ?, regexp_matches(?, ?)", [text, glob, text, glob_regex(glob)]
                                ).fetchall()[0]
        assert want == got, (glob, text, glob_regex(glob))


def test_engine_specs() -> None:
    assert parse_engine(None).kind == "duckdb"
    assert parse_engine("spark").master == "local[*]"
    assert parse_engine("spark=local[2]").master == "local[2]"
    assert parse_engine("spark=sc://cluster:15002").master == "sc://cluster:15002"
    for bad in ("spark=", "spark=ftp://x", "oracle"):
        with pytest.raises(ValueError):
            parse_engine(bad)


def test_segment_filters(planted: tuple[LibraryStore, Truth, Any]) -> None:
    def run(lib: LibraryStore) -> Any:
        return ({name: lib.ids(seg, sort="start") for name, seg in SEGMENTS.items()},
                Q.members(lib, SEGMENTS["not A"], "variant"), Q.members(lib, None, "clicks"),
                lib.ids(None, sort="attr:variant", descending=False))

    duck, sp = both(planted, run)
    sizes = {k: len(v) for k, v in duck[0].items()}
    assert len(set(sizes.values())) > 6 and sizes["no days"] == 0, sizes  # the filters select different sessions
    assert min(n for k, n in sizes.items() if k != "no days") > 0, sizes
    same(duck, sp)


def test_segment_counts_match_the_truth(planted: tuple[LibraryStore, Truth, Any]) -> None:
    _, truth, _ = planted
    deposit = Segment((ReachedGoal("deposit"),))
    duck, sp = both(planted, lambda lib: [lib.count(s) for s in (SEGMENTS["variant B"], SEGMENTS["kyc path"],
                                                                 deposit, SEGMENTS["all"], SEGMENTS["no days"])])
    expected = [truth.variant.count("B"), sum(truth.cta), sum(truth.deposit), 300, 0]
    assert duck == expected and sp == expected


@pytest.mark.parametrize("kind,width,device", [("move", None, "desktop"), ("click", None, None)])
def test_heatmap_cells(planted: tuple[LibraryStore, Truth, Any], kind: str, width: float | None,
                       device: str | None) -> None:
    seg = SEGMENTS["songkran or x"] if kind == "move" else None
    duck, sp = both(planted, lambda lib: Q.cells(lib, seg, LANDING, kind, device=device, relative_width=width))
    assert duck.cx.size > 10 and duck.points > 0
    same(vars(duck), vars(sp), kind)


def test_reach_page_ref_and_aggregate_map(planted: tuple[LibraryStore, Truth, Any]) -> None:
    seg = SEGMENTS["variant B"]

    def run(lib: LibraryStore) -> Any:
        hm = aggregate_heatmap(lib, seg, "/", "scroll")
        diff = compare(lib, None, "campaign", "songkran", "organic", "/", "click")
        return (Q.reach(lib, seg, "/kyc|/"), Q.page_ref(lib, seg, KYC), hm.grid, hm.values, hm.sessions_used,
                hm.points, hm.fold_y, diff.to_json(), diff.diff.p_adjusted)

    duck, sp = both(planted, run)
    assert duck[0][0].size > 0 and duck[1] is not None and duck[7]["cells_tested"] > 0
    same(duck, sp)


@pytest.mark.parametrize("kind,pattern", [("page", "/kyc"), ("event", "deposit_started"), ("click", "get STARTED"),
                                          ("goal", "staked")])
def test_step_hits(planted: tuple[LibraryStore, Truth, Any], kind: str, pattern: str) -> None:
    _, truth, _ = planted
    ids = truth.ids[::2]
    duck, sp = both(planted, lambda lib: Q.step_hits(lib, ids, kind, pattern))
    assert duck[0].size > 0
    same(duck, sp, kind)
    if kind in ("page", "event"):
        scoped = both(planted, lambda lib: Q.step_hits(lib, ids, kind, pattern, SEGMENTS["variant B"]))
        assert 0 < scoped[0][0].size < duck[0].size
        same(scoped[0], scoped[1], kind)


def test_funnel_abtest_clicks_and_friction(planted: tuple[LibraryStore, Truth, Any]) -> None:
    steps = [X.Step("page", "/"), X.Step("click", "Get started"), X.Step("page", "/kyc"), X.Step("goal", "deposit")]
    goal = X.Step("goal", "deposit")

    def run(lib: LibraryStore) -> Any:
        ids, _ = Q.members(lib, None)
        return (X.funnel(lib, None, steps, by="variant", within_ms=3_600_000),
                X.abtest(lib, None, "variant", goal, control="A"),
                X.clicks_conversion(lib, None, "/", goal, min_clicks=3),
                Q.finding_flags(lib, ids), Q.page_clicks(lib, ids, "/"))

    duck, sp = both(planted, run)
    assert duck[0]["groups"][0]["sessions"] > 0 and duck[3] and duck[4][1]
    same(duck, sp)


def test_date_range_prunes_day_partitions(planted: tuple[LibraryStore, Truth, Any]) -> None:
    lib, _, engine = planted
    seg = Segment((DateRange(start=DAY, end="2026-04-01"),))
    cte, params, _ = Q._visits(lib, seg, "/", None)
    sql = f"{cte} SELECT count(*) AS n FROM ev"
    plan = engine.explain(sql, params)
    assert "PartitionFilters: [isnotnull(day" in plan and "day#" in plan and "<= 2026-03-31" in plan
    duck_plan = DuckDBEngine(lib).explain(sql, params)
    assert "READ_PARQUET" in duck_plan.upper()
    same(*both(planted, lambda lib: Q.cells(lib, seg, "/", "click").cx))


def test_cli_engine_option(planted: tuple[LibraryStore, Truth, Any], capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from replaylens.cli import main

    lib, truth, _ = planted
    args = ["abtest", "--library", str(lib.root), "--by", "variant", "--goal", "deposit", "--json"]
    out = []
    for engine in ([], ["--engine", "spark=local[2]"]):
        assert main([*args, *engine]) == 0
        out.append(json.loads(capsys.readouterr().out))
    same(out[0], out[1])
    assert main(["library", "ls", "--library", str(lib.root), "--filter", "variant=B", "--json", "--limit", "3",
                 "--engine", "spark"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == truth.variant.count("B")


def test_duckdb_path_never_imports_spark(tmp_path: Path) -> None:
    import subprocess

    code = ("import sys; from replaylens.store.library import open_library; import replaylens.cli.funnel; "
            "import replaylens.analysis.experiments; lib = open_library(sys.argv[1]); lib.count(); lib.close(); "
            "print(sorted(m for m in ('pyspark', 'py4j', 'sqlglot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "lib")], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(Path(Q.__file__).parents[2])})
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.parametrize("kind", ["click", "move"])
def test_stored_cells_and_events_routes_agree_on_both_engines(planted: tuple[LibraryStore, Truth, Any],
                                                              kind: str) -> None:
    seg = SEGMENTS["date, start>="]

    def run(lib: LibraryStore) -> Any:
        return (vars(Q.cells(lib, seg, LANDING, kind, cell_px=32.0, stored=True)),
                vars(Q.cells(lib, seg, LANDING, kind, cell_px=32.0, stored=False)),
                Q.reach(lib, seg, "/kyc|/", stored=True), Q.reach(lib, seg, "/kyc|/", stored=False))

    duck, sp = both(planted, run)
    assert duck[0]["cx"].size > 0 and duck[2][0].size > 0
    same(duck[0], duck[1], "duckdb cells")
    same(duck[2], duck[3], "duckdb reach")
    same(duck, sp)


def test_anchored_click_cells_same_on_both_engines(spark: Any, tmp_path: Path) -> None:
    from anchor_library import build as build_anchored

    from replaylens.store import anchored as A
    from replaylens.store.spark import SparkEngine

    build_anchored(tmp_path / "lib")
    lib = open_library(tmp_path / "lib")
    engine = SparkEngine(lib, session=spark)
    try:
        def run(lib: LibraryStore) -> Any:
            c = A.anchored_cells(lib, Segment(()), "/", width=1280, device="desktop", cell_px=8.0)
            return (c.boxes_known, c.no_box, c.no_reference, c.reference_elements, c.cells.points,
                    c.cells.cx.tolist(), c.cells.cy.tolist(), c.cells.weight.tolist(), c.cells.sessions.tolist(),
                    A.reference_boxes(lib, Segment(()), "/", 1280))
        duck, sp = both((lib, Truth(), engine), run)
        assert duck == sp and duck[1:5] == (10, 4, 1, 30)
    finally:
        lib.use_engine(DuckDBEngine(lib))
        engine.close()
        lib.close()
