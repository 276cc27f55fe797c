"""The one per-user data folder of Replay Lens: converted recordings (``io.cache``), annotation sidecars
(``model.annotations``), the default library (``io.library.location``) all live under it.

Linux: ``$XDG_DATA_HOME/replaylens`` (an absolute ``XDG_DATA_HOME`` only, as the XDG spec says) or
``~/.local/share/replaylens``; macOS: ``~/Library/Application Support/replaylens``; Windows:
``%LOCALAPPDATA%\\replaylens``. ``$REPLAYLENS_DATA_DIR`` overrides all three. Nothing is created here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Set to a folder to keep every piece of user data there (tests, portable installs).
DATA_DIR_ENV = "REPLAYLENS_DATA_DIR"


def data_dir() -> Path:
    """The per-user data folder of Replay Lens (not created here)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "replaylens"
    if sys.platform.startswith("win"):
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "replaylens"
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "replaylens"


def legacy_dirs() -> list[Path]:
    """Folders earlier versions kept annotation sidecars in on macOS and Windows ("Replay Lens", roaming
    APPDATA), read when a sidecar is not in the one folder yet; none on Linux or under ``$REPLAYLENS_DATA_DIR``."""
    if os.environ.get(DATA_DIR_ENV):
        return []
    if sys.platform == "darwin":
        return [Path.home() / "Library" / "Application Support" / "Replay Lens"]
    if sys.platform.startswith("win"):
        return [Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / "Replay Lens"]
    return []
