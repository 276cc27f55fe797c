"""``replaylens library``: the documented JSON shapes, goals, segments, tags and notes through the CLI, exit codes,
and Ctrl+C during ``add`` (exit 130, what finished is kept)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from library_support import check_consistent, posthog_export

from replaylens.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib")]
    src = tmp_path / "src"
    src.mkdir()
    posthog_export(src / "a.json", "cli-a", entry_url="https://bank.example/wallet?utm_campaign=songkran",
                   custom=[("deposit_started", {})])
    posthog_export(src / "b.json", "cli-b", shift_ms=5, width=390)
    (src / "bad.json").write_text("{")
    attrs = tmp_path / "crm.csv"
    attrs.write_text("session_id,hnw\ncli-a,true\n", encoding="utf-8")
    added = _json(capsys, ["library", "add", str(src), "--attributes", str(attrs), "--json", "--workers", "0", *lib])
    assert added["added"] == 2 and added["skipped"] == 0
    assert [set(f) for f in added["failed"]] == [{"file", "reason"}] and added["failed"][0]["file"].endswith("bad.json")
    assert main(["library", "goal", "add", "deposit", "--event", "deposit_started", *lib]) == 0
    assert main(["library", "tag", "cli-a", "songkran-2026", *lib]) == 0
    assert main(["library", "note", "cli-a", "stuck on KYC", *lib]) == 0
    listed = _json(capsys, ["library", "ls", "--json", "--sort", "session_id", "--asc", *lib])
    assert listed["count"] == 2 and [s["id"] for s in listed["sessions"]] == ["cli-a", "cli-b"]
    a = listed["sessions"][0]
    assert set(a) == {"id", "start", "duration_ms", "attributes", "goals", "findings", "tags"}
    assert a["start"].endswith("Z") and a["goals"] == {"deposit": 1900} and a["tags"] == ["songkran-2026"]
    # stored under the canonical key (model.vocabulary); the source's own name still filters (below)
    assert a["attributes"]["campaign"] == "songkran" and a["attributes"]["hnw"] == "true"
    assert listed["sessions"][1]["attributes"]["device_class"] == "mobile"
    only = _json(capsys, ["library", "ls", "--json", "--filter", "utm_campaign=songkran", "--filter", "goal=deposit",
                          *lib])
    assert [s["id"] for s in only["sessions"]] == ["cli-a"]
    assert main(["library", "segment", "save", "mobile", "--filter", "device_class=mobile", *lib]) == 0
    segs = _json(capsys, ["library", "segment", "ls", "--json", *lib])
    assert segs["segments"][0]["name"] == "mobile" and segs["segments"][0]["sessions"] == 1
    seg = _json(capsys, ["library", "ls", "--json", "--segment", "mobile", "--limit", "5", *lib])
    assert seg["count"] == 1 and seg["sessions"][0]["id"] == "cli-b"
    info = _json(capsys, ["library", "info", "--json", *lib])
    assert info["sessions"] == 2 and info["goals"] == {"deposit": 1} and info["tags"] == {"songkran-2026": 1}
    assert info["attributes"]["device_class"] == {"desktop": 1, "mobile": 1}
    assert main(["library", "untag", "cli-a", "songkran-2026", *lib]) == 0
    assert _json(capsys, ["library", "info", "--json", *lib])["tags"] == {}
    # bad input exits 3 with one message; usage errors exit 2
    assert main(["library", "ls", "--filter", "nonsense", *lib]) == 3
    assert main(["library", "ls", "--segment", "no-such", *lib]) == 3
    assert main(["library", "ls", "--sort", "x; DROP TABLE sessions", *lib]) == 3
    assert main(["library", "tag", "no-such-id", "x", *lib]) == 3
    with pytest.raises(SystemExit) as e:
        main(["library", "goal", "add", "g", *lib])
    assert e.value.code == 2
    assert _json(capsys, ["library", "info", "--json", *lib])["sessions"] == 2


def test_default_location_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from replaylens.io.library import default_library_dir, resolve_library_dir

    monkeypatch.setenv("REPLAYLENS_LIBRARY", str(tmp_path / "env-lib"))
    assert default_library_dir() == tmp_path / "env-lib"
    assert resolve_library_dir(tmp_path / "opt") == tmp_path / "opt"
    monkeypatch.delenv("REPLAYLENS_LIBRARY")
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "data"))
    assert default_library_dir() == tmp_path / "data" / "library"


@pytest.mark.slow
def test_ctrl_c_during_add_exits_130_and_keeps_what_finished(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    # many more files than an ingest can read before its first commit (about 2 s in): the interrupt lands mid-way
    # however fast the machine (with 40, an idle machine had read them all by the first commit)
    files = 400
    for i in range(files):
        posthog_export(src / f"s{i:03d}.json", f"int-{i:03d}", shift_ms=i)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "app"))
    proc = subprocess.Popen([sys.executable, "-m", "replaylens", "library", "add", str(src), "--library",
                             str(tmp_path / "lib"), "--workers", "2"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a background
    # runner may start us with SIGINT ignored, which the child would inherit
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any((tmp_path / "lib" / "events").rglob("*.parquet")):
        time.sleep(0.05)  # wait for the first committed batch
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert "Traceback" not in err and "cancelled" in err
    sessions = check_consistent(tmp_path / "lib")
    assert 0 < len(sessions) < files
