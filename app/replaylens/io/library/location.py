"""Where the library lives: ``--library DIR``, else ``$REPLAYLENS_LIBRARY``, else ``<data dir>/library``
(the one user-data folder of ``model.userdata.data_dir``)."""

from __future__ import annotations

import os
from pathlib import Path

from replaylens.model.userdata import data_dir

LIBRARY_ENV = "REPLAYLENS_LIBRARY"


def default_library_dir() -> Path:
    """``$REPLAYLENS_LIBRARY`` if set, else ``<user data folder>/library`` (not created here)."""
    override = os.environ.get(LIBRARY_ENV)
    return Path(override) if override else data_dir() / "library"


def resolve_library_dir(option: str | Path | None) -> Path:
    """The ``--library`` option when given, else the default."""
    return Path(option) if option else default_library_dir()
