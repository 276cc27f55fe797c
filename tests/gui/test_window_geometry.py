"""Windows sized to the screen they open on (issue 29): on a 1280×800 screen the viewer, the Library window and
every Analyse view fit the available geometry with every button inside the window and on the screen; saved
geometry is restored only when it fits; on 1920×1080 the windows keep their preferred sizes.

The windows are opened in a subprocess whose offscreen screen has the size under test (the offscreen platform's
``configfile``); ``screen_probe.py`` reports what it found as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from library_synth import build
from PySide6.QtCore import QRect

from replaylens.ui.geometry import FRAME_H, FRAME_W, fits, fitted_rect, framed

HERE = Path(__file__).resolve().parent
WINDOWS = ("viewer", "library", "compare", "funnel", "abtest", "clicks", "bias")


@pytest.fixture(scope="module")
def lib_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("geo") / "library", 60)


def _probe(tmp_path: Path, lib: Path, width: int, height: int, saved: str | None) -> dict[str, Any]:
    cfg = tmp_path / f"screen-{width}x{height}.json"
    cfg.write_text(json.dumps({"screens": [{"name": "probe", "x": 0, "y": 0, "width": width, "height": height}]}))
    settings = tmp_path / f"settings-{width}"
    settings.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={cfg}",
           "PYTHONPATH": os.pathsep.join([str(HERE.parents[1] / "app"), os.environ.get("PYTHONPATH", "")])}
    argv = [sys.executable, str(HERE / "screen_probe.py"), str(lib), str(settings), *([saved] if saved else [])]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_every_window_fits_a_1280x800_laptop(tmp_path: Path, lib_path: Path) -> None:
    # saved by a bigger screen: not restored, the viewer is fitted instead
    res = _probe(tmp_path, lib_path, 1280, 800, "0,0,1900,1150")
    assert set(res) == set(WINDOWS)
    for name, r in res.items():
        avail = QRect(*r["available"])
        assert avail.size().width() == 1280 and avail.size().height() == 800
        assert avail.contains(QRect(*r["frame"])), (name, r)
        assert r["minimum"][0] <= avail.width() and r["minimum"][1] <= avail.height(), (name, r)
        assert r["hidden"] == [], (name, r["hidden"])
    assert res["viewer"]["buttons"] > 10 and res["library"]["buttons"] >= 3 and res["compare"]["buttons"] >= 3


def test_big_screen_keeps_preferred_sizes_and_restores_what_fits(tmp_path: Path, lib_path: Path) -> None:
    res = _probe(tmp_path, lib_path, 1920, 1080, "100,120,1000,700")
    x, y, w, h = res["viewer"]["geometry"]  # the saved geometry fits: restored
    assert (x, y, w) == (100, 120, 1000) and abs(h - 700) <= 8
    assert res["library"]["geometry"][2:] == [1500, 900]
    assert res["compare"]["geometry"][2:] == [1500, 950] and res["abtest"]["geometry"][2:] == [1300, 820]
    for name, r in res.items():
        assert r["hidden"] == [], (name, r["hidden"])


def test_fitted_rect() -> None:
    small = QRect(0, 0, 1280, 800)
    r = fitted_rect(1600, 1000, small)
    assert r.width() == 1280 - FRAME_W and r.height() == 800 - FRAME_H
    assert small.contains(framed(r)) and fits(r, small)
    big = QRect(0, 0, 1920, 1080)
    r = fitted_rect(1600, 1000, big)
    assert (r.width(), r.height()) == (1600, 1000) and fits(r, big)
    # a second screen to the right, with a panel on top
    right = QRect(1920, 40, 1280, 760)
    r = fitted_rect(1500, 900, right)
    assert fits(r, right) and r.x() >= 1920
    assert not fits(QRect(0, 0, 1500, 900), small)
    assert not fits(QRect(1, 25, 1278, 774), small)  # what Qt makes of a bigger screen's geometry: no frame room
