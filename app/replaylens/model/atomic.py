"""The one atomic writer: a file is either the old one or the whole new one, never a torn one.

``atomic_path(dest)`` yields a temporary path in ``dest``'s folder (named after its writer, see
``model.tempfiles``) and renames it over ``dest`` when the block succeeds; on any failure the temporary file is
deleted and the error propagates. ``write_atomic(dest, data)`` writes bytes that way, durably (fsync of the file
and of the folder). A process killed half-way leaves its temporary file behind; ``model.tempfiles.clean_stale``
removes such leftovers.

Permissions: by default the result gets what a plain ``open()`` would give (0666 less the umask), not the 0600 of
``mkstemp``: exports are files people share. ``private=True`` keeps 0600 (the user's own data, e.g. annotations).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from replaylens.model.tempfiles import TMP_SUFFIX, fsync_dir, temp_prefix


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | Path, suffix: str = TMP_SUFFIX, *, private: bool = False,
                durable: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; on success it replaces ``dest``. OSError propagates.
    ``durable``: fsync the folder after the rename (the caller fsyncs the file it wrote)."""
    dest = Path(dest)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(dest), suffix=suffix)  # names its writer
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not private:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(dest.parent)  # make the rename itself durable (POSIX)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer). Its own function so a test can make it fail half-way."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view[: 1 << 16])
        view = view[n:]


def write_atomic(path: Path, data: bytes, *, private: bool = True) -> None:
    """Replace ``path`` with ``data`` (creating its folder) so a crash leaves either the old or the new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, private=private, durable=True) as tmp:
        fd = os.open(tmp, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
