"""Files that ship with Replay Lens, kept in the checkout's top-level ``resources/`` (the demo session, the icon,
the desktop entry and MIME description, the fetched rrweb) and carried by the build into the package as
``replaylens/assets/...`` (the wheel: a setuptools build step, ``packaging/build_backend.py``; the frozen bundle:
the PyInstaller spec; the Debian package: the bundle). ``resource`` finds each the same way in all three: the
package's own copy first (a wheel, a frozen bundle), else the checkout's ``resources/``. The docs live beside the
checkout or inside the frozen bundle; a plain wheel carries none."""

from __future__ import annotations

import atexit
import contextlib
import sys
from importlib import resources
from pathlib import Path

from replaylens.errors import ReplayLensError

DEMO_SESSION = "nimbus-demo.rlsession"
ICON_SVG = "replaylens.svg"
#: the checkout's resources folder (app/replaylens/assets -> the top level)
CHECKOUT_RESOURCES = Path(__file__).resolve().parents[3] / "resources"

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


class AssetMissingError(ReplayLensError):
    """A file that ships with Replay Lens is neither in this install nor in the checkout."""


def _packaged(*parts: str) -> Path | None:
    """A package-data file as a real path (extracted to a temporary file if the package is zipped), or None."""
    ref = resources.files(__name__).joinpath(*parts)
    if not ref.is_file():
        return None
    if isinstance(ref, Path):
        return ref
    return _extracted.enter_context(resources.as_file(ref))


def resource(*parts: str) -> Path:
    """``resources/PARTS`` of the checkout, or the package's copy ``replaylens/assets/PARTS`` (wheel, bundle)."""
    found = _packaged(*parts)
    if found is not None:
        return found
    here = CHECKOUT_RESOURCES.joinpath(*parts)
    if here.is_file():
        return here
    raise AssetMissingError(f"{'/'.join(parts)} is missing from this install (looked in the package's assets and "
                            f"{CHECKOUT_RESOURCES})")


def demo_session() -> Path:
    """The bundled demo session (a 5.8-minute sign-up on the fictional Nimbus bank, friction planted)."""
    return resource("samples", DEMO_SESSION)


def icon_svg() -> Path:
    return resource("icons", ICON_SVG)


def frozen_root() -> Path | None:
    """The unpacked bundle's data folder when running frozen (PyInstaller), else None."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if getattr(sys, "frozen", False) and root else None


def doc(name: str) -> Path | None:
    """``docs/NAME`` from the frozen bundle or the source checkout; None when this install carries no docs."""
    frozen = frozen_root()
    base = frozen / "docs" if frozen is not None else Path(__file__).resolve().parents[3] / "docs"
    path = base / name
    return path if path.is_file() else None
