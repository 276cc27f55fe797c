"""Arrow arrays to and from numpy without ``pyarrow.array``, ``fill_null`` or ``to_numpy(zero_copy_only=False)``.

Those pyarrow calls import pandas on their first use (to check for pandas inputs, to build a scalar, to convert):
~0.5 s of CPU and ~38 MB on a large import, for nothing (our inputs are numpy arrays and lists). These do the same
from the Arrow and numpy buffers directly (no copy of numeric values), strings through Arrow's builder.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
from pyarrow.lib import StringBuilder


def from_numpy(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """``pa.array(values, mask=mask)`` for a 1-d numeric or boolean array: nulls where ``mask`` is True (the values
    buffer keeps what ``values`` holds there). NaN stays a value, as with ``pa.array``."""
    values = np.ascontiguousarray(values)
    if values.ndim != 1:
        raise ValueError("a 1-d array is expected")
    n = len(values)
    typ = pa.from_numpy_dtype(values.dtype)
    data = pa.py_buffer(np.packbits(values, bitorder="little") if values.dtype == np.bool_ else values)
    nulls = 0 if mask is None else int(np.count_nonzero(mask))
    if nulls == 0:
        return pa.Array.from_buffers(typ, n, [None, data], null_count=0)
    if mask is None or mask.shape != values.shape:
        raise ValueError("the mask must have the values' length")
    valid = pa.py_buffer(np.packbits(~mask.astype(bool, copy=False), bitorder="little"))
    return pa.Array.from_buffers(typ, n, [valid, data], null_count=nulls)


def strings(values: Iterable[str | None]) -> pa.Array:
    """``pa.array(values, type=pa.string())`` for a list of str or None (None: null)."""
    b = StringBuilder()
    for v in values:
        b.append(v)
    out: pa.Array = b.finish()
    return out


def _flat(col: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not (pa.types.is_boolean(arr.type) or pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)):
        raise TypeError(f"a numeric or boolean column is expected, not {arr.type}")
    return arr


def _bits(buf: pa.Buffer, offset: int, n: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(buf, np.uint8), bitorder="little", count=offset + n)[offset:].astype(bool)


def valid(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """``pc.is_valid(col).to_numpy(zero_copy_only=False)``: True where ``col`` is not null."""
    arr = _flat(col)
    validity = arr.buffers()[0]
    if arr.null_count == 0 or validity is None:
        return np.ones(len(arr), dtype=bool)
    return _bits(validity, arr.offset, len(arr))


def values(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The values buffer of a numeric or boolean column as numpy (a view for numeric columns; what nulls hold
    there is unspecified)."""
    arr = _flat(col)
    n, off = len(arr), arr.offset
    if pa.types.is_boolean(arr.type):
        return _bits(arr.buffers()[1], off, n) if n else np.zeros(0, dtype=bool)
    dtype = np.dtype(arr.type.to_pandas_dtype())
    if n == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=off + n)[off:]


def filled(col: pa.Array | pa.ChunkedArray, fill: float | bool) -> np.ndarray:
    """``col.fill_null(fill).to_numpy()``: the values, ``fill`` where null (the column's numpy type kept)."""
    arr = _flat(col)
    v = values(arr)
    if arr.null_count == 0:
        return v
    return np.where(valid(arr), v, np.array(fill).astype(v.dtype))
