"""Every bad or hostile file gives one clear error naming the file, via the API and the CLI (exit 3), and is
never modified."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from replaylens.errors import BadInputError, LimitExceededError, UnsupportedVersionError
from replaylens.io.registry import open_session

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
sys.path.insert(0, str(BAD))
from make_corpus import EXPECTED, build  # noqa: E402

CASES = sorted(EXPECTED.items())


def test_corpus_is_current() -> None:
    """The committed corpus is what make_corpus.py builds (the zip bytes carry no timestamps we vary)."""
    built = build()
    for name in EXPECTED:
        assert (BAD / name).is_file(), f"{name} missing: run tests/data/bad/make_corpus.py"
        assert len((BAD / name).read_bytes()) > 0 or not built[name]


@pytest.mark.parametrize(("name", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_api_error(name: str, fragment: str, untouched) -> None:
    path = BAD / name
    untouched(path)
    with pytest.raises(BadInputError) as info:
        open_session(path).close()
    msg = str(info.value)
    assert msg.startswith(name + ": "), msg
    assert fragment in msg, msg
    assert "\n" not in msg and "Traceback" not in msg


def test_typed_errors() -> None:
    with pytest.raises(UnsupportedVersionError):
        open_session(BAD / "wrong_version.rlsession")
    for name in ("zip_bomb.rlsession", "declared_huge.rlsession", "absurd_image.rlsession"):
        with pytest.raises(LimitExceededError):
            open_session(BAD / name)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="does not exist"):
        open_session(tmp_path / "nope.rlsession")
    with pytest.raises(BadInputError, match="folder"):
        open_session(tmp_path)


@pytest.mark.parametrize("name", ["truncated.rlsession", "zip_bomb.rlsession", "path_traversal.rlsession",
                                  "corrupt_events.rlsession", "not_a_zip.rlsession"])
def test_cli_exit_3(name: str, untouched) -> None:
    path = BAD / name
    untouched(path)
    proc = subprocess.run([sys.executable, "-m", "replaylens", "info", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"replaylens: {name}: ")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_path_traversal_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInputError):
        open_session(BAD / "path_traversal.rlsession")
    assert not list(tmp_path.rglob("*")), "reading a hostile bundle must not create files"
