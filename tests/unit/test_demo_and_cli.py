"""The demo generator and the `info` command agree; --help is fast and Qt-free; exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from replaylens.cli import main
from replaylens.demo.generate import DEMO_SEED, RICH_ATTRS, build_session, segment_attrs
from replaylens.io.registry import open_session


def _info_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["info", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_info_counts_match_generator(demo_path: Path, capsys: pytest.CaptureFixture[str], untouched) -> None:
    untouched(demo_path)
    rec, _pages = build_session(DEMO_SEED, dict(RICH_ATTRS), rich=True)
    cols = rec.columns()
    kinds, counts = np.unique(np.array(cols["kind"]), return_counts=True)
    expected = {str(k): int(n) for k, n in zip(kinds, counts, strict=True)}
    info = _info_json(demo_path, capsys)
    assert info["counts"] == expected, "the committed demo is stale: run `make demo`"
    assert info["events"] == len(cols["t"])
    assert info["duration_ms"] == max(cols["t"])
    assert 5 * 60_000 <= info["duration_ms"] <= 10 * 60_000
    assert [p["url"].split("/")[3].split("?")[0] for p in info["pages"]] == [
        "festival", "signup", "kyc", "wallet", "earn"]
    assert info["viewport"] == {"width": 1280, "height": 800}
    assert info["attributes"]["campaign"] == "lantern-festival"
    assert info["warnings"] == []


def test_demo_plants_the_story(demo_path: Path) -> None:
    s = open_session(demo_path)
    truth = s.manifest.extra["ground_truth"]
    kinds = [g["kind"] for g in truth]
    for k in ("rage_click", "dead_click", "hesitation", "error_click", "quick_back", "excessive_scroll",
              "thrashed_cursor", "form_abandonment"):
        assert k in kinds
    a = s.arrays
    # the banner is not interactive and gets the rage clicks
    banner = next(i for i, t in enumerate(a.targets) if "festival-banner" in t)
    clicks = a.mask("click") & (a.target == banner)
    assert clicks.sum() >= 5 and (a.interactive[clicks] == 0).all()
    # the hesitation is a real pointer rest: no move during it
    h = next(g for g in truth if g["kind"] == "hesitation")
    moves = a.t[a.mask("move")]
    assert not ((moves > h["start_ms"]) & (moves < h["end_ms"])).any()
    assert h["end_ms"] - h["start_ms"] >= 15_000
    # never a deposit click
    dep = [i for i, t in enumerate(a.targets) if "btn-deposit" in t]
    assert not (a.mask("click") & np.isin(a.target, dep)).any()
    # moves at ~60 Hz while moving
    dt = np.diff(moves)
    assert 14 <= np.median(dt) <= 19
    s.close()


def test_generator_is_deterministic() -> None:
    a, _ = build_session(7, {"device": "mobile", "variant": "B", "user_type": "new", "campaign": "none"})
    b, _ = build_session(7, {"device": "mobile", "variant": "B", "user_type": "new", "campaign": "none"})
    assert a.columns() == b.columns()
    assert a.viewport == (390, 844)


def test_segments_vary() -> None:
    rng = np.random.default_rng(1)
    attrs = [segment_attrs(rng) for _ in range(60)]
    for key in ("user_type", "campaign", "variant", "device"):
        assert len({a[key] for a in attrs}) >= 2


def test_help_imports_no_qt() -> None:
    code = ("import sys; from replaylens.cli import build_parser; build_parser().format_help(); "
            "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','pyqtgraph','duckdb','numpy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "replaylens", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and "info" in proc.stdout


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["info"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["info", "x", "--bogus"])
    assert e.value.code == 2


def test_info_text(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(demo_path)]) == 0
    out = capsys.readouterr().out
    assert "05:" in out and "1280×800" in out and "rage" not in out and "move" in out
