"""Non-regular files (/dev/zero, a FIFO with no writer, a folder) are refused by every reader with one clear
message and never read: a device can be endless, a FIFO's open can block for ever."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from replaylens.cli import main
from replaylens.errors import BadInputError
from replaylens.io import bundle
from replaylens.io.cache import content_key
from replaylens.io.library import ingest
from replaylens.io.library.attributes import read_attributes_file
from replaylens.io.library.prepare import prepare
from replaylens.io.registry import open_session
from replaylens.io.rrweb import containers
from replaylens.io.surveys.reader import read_responses
from replaylens.model.annotations import import_annotations
from replaylens.store.library import open_library

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")

READERS: dict[str, Callable[[Path], Any]] = {
    "open_session": open_session,
    "bundle": bundle.import_bundle,
    "rrweb": containers.load,
    "attributes (CSV/JSON)": read_attributes_file,
    "survey export (CSV/JSON)": read_responses,
    "annotations": import_annotations,
    "conversion cache key": content_key,
}


@pytest.fixture(params=["dev-zero", "fifo", "folder"])
def special(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    if request.param == "dev-zero":
        yield Path("/dev/zero")
    elif request.param == "fifo":
        fifo = tmp_path / "pipe.json"
        os.mkfifo(fifo)
        yield fifo
    else:
        folder = tmp_path / "folder.rlsession"
        folder.mkdir()
        yield folder


def _bounded(fn: Callable[[], Any], seconds: float = 20.0) -> BaseException | None:
    """Run ``fn`` in a thread; it must finish (a blocked FIFO open or an endless read fails the test)."""
    out: list[BaseException | None] = []

    def target() -> None:
        try:
            fn()
            out.append(None)
        except BaseException as exc:  # handed to the test
            out.append(exc)

    th = threading.Thread(target=target, daemon=True)
    th.start()
    th.join(seconds)
    assert out, "the reader blocked or read for ever"
    return out[0]


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_refuses_without_reading(special: Path, reader: str) -> None:
    exc = _bounded(lambda: READERS[reader](special))
    assert isinstance(exc, BadInputError), f"{reader}: {exc!r}"
    assert special.name in str(exc) and ("not a" in str(exc) or "folder" in str(exc)), str(exc)


def test_ingest_lists_them_as_failed(special: Path, tmp_path: Path) -> None:
    assert "not a" in prepare(str(special), str(tmp_path)).reason or special.is_dir()
    lib = open_library(tmp_path / "lib")
    try:
        result = _bounded(lambda: ingest(lib, [special], workers=0))
    finally:
        lib.close()
    assert result is None


def test_cli_survey_import_dev_zero_exits_3_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    holder: list[int] = []
    assert _bounded(lambda: holder.append(main(["survey", "import", "/dev/zero", "--library", str(tmp_path)]))
                    ) is None
    assert holder == [3]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "zero" in err[0] and "not a file" in err[0]
