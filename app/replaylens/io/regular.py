"""Readers read regular files only: ``/dev/zero``, a FIFO, a socket or a folder where a file is expected is refused
with one message and never read (a device can be endless; opening a FIFO can block for ever).

``open_regular`` opens without blocking (``O_NONBLOCK``, so a FIFO with no writer does not hang the open), checks
the opened descriptor with ``fstat`` (no race between the check and the read), then returns an ordinary binary
file object. ``check_regular`` is the same check for code that hands the path to a library (pyarrow, zipfile).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from replaylens.errors import BadInputError


def not_regular(mode: int) -> str:
    """The message for a path that is not a regular file."""
    if stat.S_ISDIR(mode):
        return "this is a folder, not a file"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"this is {kind}, not a file: it is not read"


def _fail(path: Path, exc: OSError) -> BadInputError:
    if isinstance(exc, FileNotFoundError):
        return BadInputError(path, "the file does not exist")
    if isinstance(exc, IsADirectoryError):
        return BadInputError(path, not_regular(stat.S_IFDIR))
    return BadInputError(path, f"the file cannot be read ({exc.strerror or exc})")


def check_regular(path: str | Path) -> os.stat_result:
    """``stat`` of ``path`` when it is a regular file; BadInputError (naming it) otherwise."""
    p = Path(path)
    try:
        st = os.stat(p)
    except (OSError, ValueError) as exc:
        raise _fail(p, exc if isinstance(exc, OSError) else OSError(str(exc))) from None
    if not stat.S_ISREG(st.st_mode):
        raise BadInputError(p, not_regular(st.st_mode))
    return st


def open_regular(path: str | Path) -> BinaryIO:
    """Open a regular file for binary reading, refusing anything else before a byte is read."""
    p = Path(path)
    check_regular(p)  # the common case answered without opening a device at all
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(p, flags)
    except OSError as exc:
        raise _fail(p, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped for something else since the check
            raise BadInputError(p, not_regular(st.st_mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, limit: int) -> bytes:
    """The whole file when it is regular and at most ``limit`` bytes (BadInputError otherwise)."""
    p = Path(path)
    with open_regular(p) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise BadInputError(p, f"the file is too large ({size / 2**20:,.0f} MiB; at most "
                                   f"{limit / 2**20:,.0f} MiB)")
        data = fh.read(size + 1)  # its own size (read(limit) would reserve the whole limit at once)
    if len(data) > limit:
        raise BadInputError(p, f"the file is too large (at most {limit / 2**20:,.0f} MiB)")
    return data
