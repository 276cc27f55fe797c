"""Kill -9 during ingest, again and again: the library stays consistent (every catalogue session has all its
events, no partial session is visible, nothing is counted twice) and re-running ``add`` completes the job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from library_support import check_consistent, posthog_export

from replaylens.model.library import Goal
from replaylens.store.library import open_library

ROOT = Path(__file__).resolve().parents[2]
FILES = 24
#: Commits after every two sessions (batch_size=2, flush_s=0): many commit boundaries for the kills to hit.
DRIVER = """
import sys
import replaylens.io.rrweb, replaylens.analysis.findings.analyze  # imported before "go" so the kills land in the ingest
from replaylens.io.library import ingest
from replaylens.store.library import open_library
lib = open_library(sys.argv[1])
print("go", flush=True)
ingest(lib, [sys.argv[2]], workers=int(sys.argv[3]), batch_size=2, flush_s=0.0,
       progress=lambda p: print("done", p.done, flush=True))
lib.close()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "app") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _run_and_kill(lib: Path, src: Path, after: int | None, pause_s: float, workers: int) -> int | None:
    """Start an ingest and SIGKILL its whole process group ``pause_s`` after its ``after``-th progress report
    (a file read, summarised or committed), so the kill lands inside the ingest however fast or loaded the machine
    is; ``after`` None lets it finish. Returns its exit code."""
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(lib), str(src), str(workers)], env=_env(),
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()  # "go" (or EOF if the driver failed; the exit code check below tells)
    if after is not None:
        reports = 0
        while reports < after and proc.stdout.readline():
            reports += 1
        time.sleep(pause_s)  # somewhere between two reports: writing files, or committing the catalogue
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.stdout.read()
    proc.wait(timeout=30)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    assert proc.returncode in (0, -signal.SIGKILL), err[-2000:]
    return proc.returncode


@pytest.mark.slow
def test_kill_9_loop_leaves_a_consistent_library(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(FILES):
        posthog_export(src / f"s{i:02d}.json", f"crash-{i:02d}", shift_ms=i * 7,
                       custom=[("deposit_started", {})] if i % 3 == 0 else [])
    lib_dir = tmp_path / "lib"
    with open_library(lib_dir) as lib:
        lib.add_goal(Goal("deposit", "event", "deposit_started"))
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    counts = [0]
    killed = 0
    for attempt in range(7):
        # each run skips what earlier runs committed, so it reports fewer files: stay below what is left
        # (the first run goes past its first commit: after 4 reports the batch of the first two files is in)
        left = FILES - counts[-1]
        after = 4 if attempt == 0 else rng.randint(1, max(1, min(4, left - 2)))
        code = _run_and_kill(lib_dir, src, after, rng.uniform(0.0, 0.05), workers=2 if attempt % 4 == 3 else 0)
        killed += code != 0
        sessions = check_consistent(lib_dir)
        assert len(sessions) >= counts[-1], f"seed {seed}: sessions disappeared"
        assert set(sessions) <= {f"crash-{i:02d}" for i in range(FILES)}
        counts.append(len(sessions))
        with open_library(lib_dir) as lib:  # goal hits came in the same transaction as their sessions
            hits = lib.cursor().execute("SELECT count(*) FROM goal_hits").fetchall()[0][0]
            assert hits == sum(1 for s in sessions if int(s.split("-")[1]) % 3 == 0), f"seed {seed}"
    assert killed >= 4, f"seed {seed}: only {killed} runs were killed mid-way ({counts})"
    assert 0 < counts[-1] < FILES, f"seed {seed}: the kills did not land during the ingest ({counts})"
    assert _run_and_kill(lib_dir, src, None, 0.0, workers=0) == 0
    sessions = check_consistent(lib_dir)
    assert len(sessions) == FILES, f"seed {seed}"
    with open_library(lib_dir) as lib:
        named = {r[0] for r in lib.cursor().execute("SELECT DISTINCT events_file FROM sessions").fetchall()}
    on_disk = {p.relative_to(lib_dir).as_posix() for p in (lib_dir / "events").rglob("*") if p.is_file()}
    assert on_disk == named, f"seed {seed}: orphan files were not cleaned up"
    assert not any((lib_dir / "tmp").iterdir())
