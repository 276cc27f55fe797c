"""Atomic file output for the writers: a temp file in the destination's folder replaces the target on success and
is deleted on failure, so a failed export never leaves half a file."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from PySide6.QtGui import QImage

from replaylens.errors import BadInputError
from replaylens.model.atomic import atomic_path


@contextlib.contextmanager
def atomic_output(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temp path in the destination's folder; on success it replaces ``path``, on failure it is deleted.
    Unwritable destinations raise BadInputError naming the file."""
    dest = Path(path)
    if not dest.parent.is_dir():
        raise BadInputError(dest, f"the folder {dest.parent} does not exist")
    stack = contextlib.ExitStack()
    try:
        tmp = stack.enter_context(atomic_path(dest, suffix=f".partial{suffix}"))
    except OSError as exc:
        raise BadInputError(dest, f"cannot write here: {exc.strerror or exc}") from None
    with stack:
        yield tmp


def save_image(img: QImage, path: str | Path, fmt: str = "PNG") -> Path:
    """Write ``img`` atomically (temp file + rename)."""
    dest = Path(path)
    with atomic_output(dest, suffix=f".{fmt.lower()}") as tmp:
        if not img.save(str(tmp), fmt):  # type: ignore[call-overload]  # stubs say bytes; the binding takes only str
            raise BadInputError(dest, "the image could not be written (disk full or unsupported format?)")
    return dest
