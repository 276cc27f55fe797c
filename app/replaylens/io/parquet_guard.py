"""The decoded size of a bundle's events Parquet, bounded before the store decodes it (``decoded_bytes``).

A column chunk's ``total_uncompressed_size`` is what its pages hold once decompressed, not what they decode to:
for a dictionary-encoded text column it is the dictionary plus the run-length-encoded indices, so 40 KB can
stand for 350 MB of strings (every row pointing at one long dictionary value). Per column chunk:

- fixed-width values: ``rows * width`` (at least its uncompressed size);
- text (BYTE_ARRAY) stored PLAIN or DELTA_LENGTH_BYTE_ARRAY: at most its uncompressed size plus 8 bytes a value
  (the bytes are stored as they decode);
- text with a dictionary: exact, read with a byte cap — the column is read as dictionary indices, one batch at a
  time (a few MB), and each batch adds the lengths of the dictionary values its rows point at; reading stops as
  soon as the running total passes the cap;
- DELTA_BYTE_ARRAY text (prefix-shared, unbounded expansion; never written by Replay Lens or pyarrow's defaults):
  refused.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.errors import BadInputError, LimitExceededError
from replaylens.io.limits import MiB

BATCH_ROWS = 65_536
_DICT_ENCODINGS = {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}


class _Over(Exception):
    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.total = total


def _dictionary_bytes(pf: pq.ParquetFile, column: str, cap: int, total: int) -> int:
    """``total`` plus the decoded bytes of a flat dictionary text column; raises _Over past ``cap``."""
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=[column], use_threads=False):
        arr = batch.column(0)
        if isinstance(arr, pa.DictionaryArray):
            lengths = pc.fill_null(pc.binary_length(arr.dictionary), 0)
            total += int(pc.sum(pc.take(lengths, arr.indices)).as_py() or 0) + 8 * len(arr)
        else:  # written without a dictionary in some pages: already decoded, bounded by its page size
            total += int(arr.nbytes)
        if total > cap:
            raise _Over(total)
    return total


def decoded_bytes(path: Path, cap: int, *, name: Path | None = None) -> int:
    """An upper bound of the decoded size of every column of the Parquet file at ``path`` (exact for dictionary
    text columns), read with a byte cap: LimitExceededError as soon as it passes ``cap``; BadInputError for a
    file pyarrow cannot read or a text column encoded DELTA_BYTE_ARRAY. ``name``: the file named in messages."""
    shown = name or path
    try:
        pf = pq.ParquetFile(path, read_dictionary=None, memory_map=False)
        md = pf.metadata
        schema = pf.schema
        measure: list[str] = []
        total = 0
        for j in range(md.num_columns):
            col = schema.column(j)
            flat = "." not in col.path
            for g in range(md.num_row_groups):
                cc = md.row_group(g).column(j)
                size = int(cc.total_uncompressed_size or 0)
                values = int(cc.num_values or 0)
                if col.physical_type != "BYTE_ARRAY":
                    width = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT96": 12}.get(col.physical_type, 8)
                    if col.physical_type == "FIXED_LEN_BYTE_ARRAY":
                        width = int(col.length or 0)
                    total += max(size, values * width)
                    continue
                encodings = set(cc.encodings)
                if "DELTA_BYTE_ARRAY" in encodings:
                    raise BadInputError(shown, f"the events column {col.path[:60]!r} is DELTA_BYTE_ARRAY-encoded, "
                                               "which a session bundle never uses")
                if encodings & _DICT_ENCODINGS or cc.has_dictionary_page:
                    if flat:
                        if col.path not in measure:
                            measure.append(col.path)
                    else:  # nested text: every value could be the longest dictionary entry
                        total += values * max(size, 1)
                else:
                    total += size + 8 * values
        if total > cap:
            raise _Over(total)
        if measure:
            pf = pq.ParquetFile(path, read_dictionary=measure, memory_map=False)
            for column in measure:
                total = _dictionary_bytes(pf, column, cap, total)
    except _Over as over:
        raise LimitExceededError(shown, f"the events table would decode to more than {over.total / MiB:,.0f} MiB"
                                 ) from None
    except (pa.ArrowException, OSError, ValueError, IndexError, KeyError, TypeError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise BadInputError(shown, f"the events table cannot be read ({detail})") from None
    return total
