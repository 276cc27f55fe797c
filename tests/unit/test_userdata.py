"""One user-data folder: every piece of user data (converted recordings, annotation sidecars, the default library)
lives under ``model.userdata.data_dir``, and the environment overrides still redirect it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import replaylens
from replaylens.io import cache
from replaylens.io.library import location
from replaylens.model import annotations, userdata
from replaylens.model.annotations import AnnotationStore


def test_one_definition_in_the_source_tree() -> None:
    root = Path(replaylens.__file__).parent
    defining = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
                if re.search(r"^def data_dir\(", p.read_text(encoding="utf-8"), re.MULTILINE)]
    assert defining == ["model/userdata.py"]
    assert cache.data_dir is userdata.data_dir and annotations.data_dir is userdata.data_dir
    assert location.data_dir is userdata.data_dir


def test_data_dir_override_moves_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("REPLAYLENS_LIBRARY", raising=False)
    assert userdata.data_dir() == tmp_path / "d"
    assert cache.cache_dir() == tmp_path / "d" / "converted"
    assert AnnotationStore("sid", "ab" * 32).base_dir == tmp_path / "d" / "annotations"
    assert location.default_library_dir() == tmp_path / "d" / "library"
    monkeypatch.setenv("REPLAYLENS_LIBRARY", str(tmp_path / "lib"))
    assert location.default_library_dir() == tmp_path / "lib"  # the library's own override wins


def test_xdg_moves_everything_on_linux(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("REPLAYLENS_DATA_DIR", raising=False)
    monkeypatch.delenv("REPLAYLENS_LIBRARY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    base = tmp_path / "replaylens"
    assert (cache.cache_dir(), AnnotationStore("s", "0" * 64).base_dir, location.default_library_dir()) == (
        base / "converted", base / "annotations", base / "library")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/ignored")
    assert userdata.data_dir() == Path.home() / ".local" / "share" / "replaylens"


@pytest.mark.parametrize(("platform", "expect"), [("darwin", ("Library", "Application Support", "replaylens")),
                                                  ("win32", ("C:/local", "replaylens"))])
def test_platform_folders(monkeypatch: pytest.MonkeyPatch, platform: str, expect: tuple[str, ...]) -> None:
    monkeypatch.delenv("REPLAYLENS_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("LOCALAPPDATA", "C:/local")
    want = Path(*expect).parts
    assert userdata.data_dir().parts[-len(want):] == want


def test_sidecars_of_the_old_macos_folder_are_still_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from replaylens.model.annotations import AnnotationSet, new_annotation

    monkeypatch.delenv("REPLAYLENS_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    store = AnnotationStore("sid", "ab" * 32)
    assert store.base_dir == tmp_path / "Library" / "Application Support" / "replaylens" / "annotations"
    legacy = tmp_path / "Library" / "Application Support" / "Replay Lens" / "annotations"
    old = AnnotationStore("sid", "ab" * 32, legacy)
    old.save(AnnotationSet([new_annotation("rect", 0, 1, 2, 3, 4, 1000, text="from before")]))
    aset, warning = store.load()
    assert warning is None and [a.text for a in aset] == ["from before"]
    assert store.save(aset) == store.path and store.path.is_file()  # saved into the one folder from now on
    assert old.path.is_file()  # the old file is left as it was
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "elsewhere"))
    assert len(AnnotationStore("sid", "ab" * 32).load()[0]) == 0  # an override looks nowhere else
