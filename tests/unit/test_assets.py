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


def test_assets_come_from_the_checkouts_resources_folder() -> None:
    """In a checkout nothing is copied into the package: the demo and the icon are the top-level resources/."""
    root = Path(__file__).resolve().parents[2] / "resources"
    assert root == assets.CHECKOUT_RESOURCES
    assert assets.demo_session() == root / "samples" / assets.DEMO_SESSION
    assert assets.icon_svg() == root / "icons" / assets.ICON_SVG


def test_the_packages_own_copy_wins_and_a_missing_asset_is_named(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel or a frozen bundle carries replaylens/assets/<folder>/<file>: found before the checkout's copy."""
    packaged = tmp_path / "pkg" / "samples" / assets.DEMO_SESSION
    packaged.parent.mkdir(parents=True)
    packaged.write_bytes(b"PK\x03\x04")
    monkeypatch.setattr(assets, "_packaged", lambda *parts: packaged if parts == ("samples", assets.DEMO_SESSION)
                        else None)
    assert assets.demo_session() == packaged
    monkeypatch.setattr(assets, "CHECKOUT_RESOURCES", tmp_path / "nowhere")
    with pytest.raises(assets.AssetMissingError, match=r"icons/replaylens\.svg"):
        assets.icon_svg()


def test_rrweb_is_looked_for_in_the_package_then_the_checkout() -> None:
    from replaylens.assets import rrweb

    package_dir = Path(rrweb.__file__).resolve().parent
    assert rrweb._candidates()[-2:] == [package_dir / "rrweb", assets.CHECKOUT_RESOURCES / "rrweb"]
