"""Write a file so that it is either the old one or the whole new one: a temporary file in the same folder,
renamed over the target at the end (deleted on failure). The result gets the permissions a plain ``open()``
would give (0666 less the umask), not the 0600 of ``mkstemp``: exports are files people share."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from replaylens.model.tempfiles import temp_prefix


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; on success it replaces ``dest``. OSError propagates."""
    dest = Path(dest)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(dest), suffix=suffix)  # names its writer
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
