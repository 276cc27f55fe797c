"""Package data (replaylens.assets): the demo and the icon are found through importlib.resources, the docs beside
the checkout or inside a frozen bundle; ``replaylens demo --path`` prints the demo's location."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from replaylens import assets
from replaylens.cli import main


def test_demo_path_command_prints_the_packaged_demo(demo_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--path"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed.resolve() == demo_path.resolve()
    assert assets.demo_session().read_bytes()[:2] == b"PK"  # a zip, the .rlsession bundle


def test_icon_is_package_data() -> None:
    icon = assets.icon_svg()
    assert icon.is_file() and icon.read_text().lstrip().startswith("<svg")


def test_docs_from_the_checkout() -> None:
    found = assets.doc("format.md")
    assert found is not None and found.parent.name == "docs"
    assert assets.doc("no-such-page.md") is None


def test_docs_from_a_frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "format.md").write_text("# format")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert assets.frozen_root() == tmp_path
    assert assets.doc("format.md") == tmp_path / "docs" / "format.md"
    assert assets.doc("rrweb.md") is None  # not in this bundle, though the checkout has it
