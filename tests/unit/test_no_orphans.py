"""No orphans: after a ``kill -9`` of the process running an ingest, its worker processes and multiprocessing's
resource tracker exit by themselves (io.library.orphans)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from library_support import posthog_export

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = textwrap.dedent("""
    import json, multiprocessing, sys, time
    from multiprocessing import resource_tracker
    from replaylens.io.library import ingest
    from replaylens.store.library import open_library

    out, root, *files = sys.argv[1:]
    told = []

    def progress(p):
        if p.done >= 1 and not told:  # the pool is up and busy: say who is who, then hang here
            told.append(1)
            pids = [c.pid for c in multiprocessing.active_children()]
            tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
            with open(out, "w") as fh:
                json.dump({"workers": pids, "tracker": tracker}, fh)
            time.sleep(120)

    lib = open_library(root)
    ingest(lib, files, workers=2, progress=progress)
""")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie waiting for a reaper has exited


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the processes")
def test_workers_and_tracker_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    files = [str(posthog_export(tmp_path / f"s{i}.json", f"orph-{i}", shift_ms=i)) for i in range(8)]
    out = tmp_path / "pids.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "app")}
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(out), str(tmp_path / "lib"), *files], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not out.exists() or not out.read_text():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the ingest never reported its first file"
            time.sleep(0.1)
        time.sleep(0.2)
        pids = json.loads(out.read_text())
        watched = [p for p in [*pids["workers"], pids["tracker"]] if p]
        assert pids["workers"] and all(_alive(p) for p in pids["workers"])
        assert pids["tracker"] and _alive(pids["tracker"])  # the spawn pool's resource tracker is running too
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    deadline = time.monotonic() + 20  # bounded: the watchdog polls every 0.5 s, PDEATHSIG is immediate
    while any(_alive(p) for p in watched) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in watched if _alive(p)]
    for p in left:  # never leave them behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert not left, f"still running after the parent was killed: {left}"
