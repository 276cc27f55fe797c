"""Shared fixtures. Qt runs offscreen so a plain ``pytest`` is headless."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from replaylens.render.fonts import pin_fonts

pin_fonts()

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("REPLAYLENS_SHARED_DATA") or ROOT.parent / "shared" / "data")
DEMO = ROOT / "resources" / "samples" / "nimbus-demo.rlsession"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}); real-data tests need it")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_path() -> Path:
    assert DEMO.is_file(), f"the bundled demo {DEMO} is missing: run `make demo`"
    return DEMO


@pytest.fixture
def untouched():
    """Call with paths; asserts at teardown that their bytes and mtimes did not change."""
    watched: dict[Path, tuple[str, int]] = {}

    def watch(*paths: Path) -> None:
        for p in paths:
            watched[p] = (file_digest(p), p.stat().st_mtime_ns)

    yield watch
    for p, (digest, mtime) in watched.items():
        assert file_digest(p) == digest, f"{p} was modified"
        assert p.stat().st_mtime_ns == mtime, f"{p} was touched"


@pytest.fixture(scope="session", autouse=True)
def _one_widgets_application(qapp: object) -> object:
    """Some unit tests paint in this process (the demo library's page screenshots); Qt allows one application
    object per process, and if the first were a bare QGuiApplication the GUI tests after them would abort on
    their first QWidget. So the suite's one application is pytest-qt's QApplication, made before any test."""
    return qapp
