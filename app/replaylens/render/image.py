"""numpy ↔ ``QImage``, in one place. A ``QImage`` made over a numpy buffer, or a numpy view of a ``QImage``'s bits,
dangles as soon as the other side is freed or changed (a flaky test once came from exactly that), so every
conversion copies; ``pixels`` lends a read-only view for the length of a with block only. Arrays are (h, w, 4)
uint8 in the byte order of the 32-bit format asked for: RGBA for ``Format_RGBA8888`` (the default, ``fmt=None``),
B, G, R, A on little-endian machines for ``Format_ARGB32`` and its premultiplied variant. Qt is imported inside the
functions (importing this module never needs Qt)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PySide6.QtGui import QImage


def to_qimage(arr: np.ndarray, fmt: QImage.Format | None = None) -> QImage:
    """A ``QImage`` owning a copy of the (h, w, 4) uint8 array's pixels, read in ``fmt`` byte order."""
    from PySide6.QtGui import QImage

    a = np.ascontiguousarray(arr, dtype=np.uint8)
    h, w = a.shape[:2]
    # copy: the image must not point into ``a``
    return QImage(a.data, w, h, w * 4, fmt or QImage.Format.Format_RGBA8888).copy()


def to_array(img: QImage, fmt: QImage.Format | None = None) -> np.ndarray:
    """A copy of the image's pixels as an (h, w, 4) uint8 array, converted to the 32-bit ``fmt`` first."""
    from PySide6.QtGui import QImage

    img = img.convertToFormat(fmt or QImage.Format.Format_RGBA8888)
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, :w * 4].reshape(h, w, 4).copy()  # copy: the view dies with ``img``


@contextlib.contextmanager
def pixels(img: QImage) -> Iterator[np.ndarray]:
    """A read-only (h, w, 4) uint8 view of a 32-bit image's bits for the length of a with block, for hot loops that
    hand the pixels straight to a copying consumer (a video encoder). Do not keep it: copy what must outlive it."""
    h, w, bpl = img.height(), img.width(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    view = buf[:, :w * 4].reshape(h, w, 4)
    try:
        yield view
    finally:
        del view, buf


def is_uniform(img: QImage) -> bool:
    """True when the 32-bit image is one flat colour (or empty). Reads the bits in place: the view never leaves."""
    px = np.frombuffer(img.constBits(), dtype=np.uint32, count=img.width() * img.height())
    return not (bool(px.size) and bool((px != px[0]).any()))


def png_bytes(img: QImage, quality: int = -1) -> bytes:
    """The image encoded as PNG (Qt's zlib encoder; ``quality`` 0–100 trades size for speed, -1 Qt's default).
    Raises OSError when encoding fails."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = img.save(buf, "PNG", quality)  # type: ignore[call-overload]  # the stubs say bytes; PySide6 wants str
    buf.close()
    if not ok:
        raise OSError("the PNG encoder failed")
    return bytes(data.data())

