"""Files that ship with Replay Lens: the demo session and the application icon (package data, found with
``importlib.resources`` the same way from a checkout, an installed wheel and the frozen bundle), and the docs
(beside the checkout, or inside the frozen bundle; a plain wheel carries none)."""

from __future__ import annotations

import atexit
import contextlib
import sys
from importlib import resources
from pathlib import Path

DEMO_SESSION = "nimbus-demo.rlsession"
ICON_SVG = "replaylens.svg"

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def _path(*parts: str) -> Path:
    """A real file for a package-data resource (extracted to a temporary file if the package is zipped)."""
    ref = resources.files(__name__).joinpath(*parts)
    if isinstance(ref, Path):
        return ref
    return _extracted.enter_context(resources.as_file(ref))


def demo_session() -> Path:
    """The bundled demo session (a 5.8-minute sign-up on the fictional Nimbus bank, friction planted)."""
    return _path("samples", DEMO_SESSION)


def icon_svg() -> Path:
    return _path("icons", ICON_SVG)


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
