"""The real entry point, in a subprocess: `replaylens FILE` opens a window on the file (what `run` does)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


def _run(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", REPLAYLENS_EXIT_AFTER_LOAD="1", XDG_CONFIG_HOME=str(tmp),
               HOME=str(tmp))
    return subprocess.run([sys.executable, "-m", "replaylens", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_open_demo_from_command_line(demo_path: Path, tmp_path: Path) -> None:
    proc = _run(str(demo_path), tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "loaded 3495 events" in proc.stdout


def test_open_bad_file_from_command_line(tmp_path: Path) -> None:
    proc = _run("open", str(BAD / "zip_bomb.rlsession"), tmp=tmp_path)
    assert proc.returncode == 3
    assert "zip_bomb.rlsession" in proc.stderr and "zip bomb" in proc.stderr
