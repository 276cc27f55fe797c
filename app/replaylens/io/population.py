"""The population shares file of the sampling-bias report: CSV rows ``attribute,value,share`` (an optional
header ``attribute,value,share``; shares as fractions, or percentages when an attribute's shares add up to 100).

``read_population(path)`` validates everything before anything is computed and raises ``BadInputError`` with
one line naming the file, the row and the problem. The file is only read, never modified; at most
``MAX_POPULATION_BYTES`` are read.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from replaylens.errors import BadInputError

MAX_POPULATION_BYTES = 1 << 20  # a population table is a few rows; 1 MiB is far beyond any real one
MAX_ROWS = 10_000
#: An attribute's shares must add up to 1 (or 100 %) within this.
SUM_TOLERANCE = 0.01
HEADER = ("attribute", "value", "share")

Population = dict[str, dict[str, float]]


def parse_population(text: str, name: str = "population") -> Population:
    """``{attribute: {value: share}}`` from the CSV text; raises BadInputError naming ``name``."""
    out: Population = {}
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS:
        raise BadInputError(name, f"more than {MAX_ROWS:,} rows; a population table has a few")
    data = 0
    for i, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if data == 0 and tuple(c.lower() for c in cells) == HEADER:
            continue
        if len(cells) != 3:
            raise BadInputError(name, f"row {i} has {len(cells)} fields; each row is attribute,value,share "
                                      "(for example user_type,new,0.5)")
        attr, value, raw = cells
        if not attr or not value:
            raise BadInputError(name, f"row {i}: the attribute and the value must not be empty")
        try:
            share = float(raw.rstrip("%"))
        except ValueError:
            raise BadInputError(name, f"row {i}: share {raw!r} is not a number") from None
        if not math.isfinite(share) or share < 0:
            raise BadInputError(name, f"row {i}: share {raw!r} must be a finite number of at least 0")
        if value in out.setdefault(attr, {}):
            raise BadInputError(name, f"row {i}: {attr}={value} is given twice")
        out[attr][value] = share
        data += 1
    if not out:
        raise BadInputError(name, "no rows; expected attribute,value,share rows (for example user_type,new,0.5)")
    for attr, shares in out.items():
        total = sum(shares.values())
        if abs(total - 100.0) <= 100 * SUM_TOLERANCE and total > 1 + SUM_TOLERANCE:
            out[attr] = shares = {v: s / 100.0 for v, s in shares.items()}
            total = sum(shares.values())
        if abs(total - 1.0) > SUM_TOLERANCE:
            raise BadInputError(name, f"the shares of {attr} add up to {total:g}, not 1 (or 100 %)")
    return out


def read_population(path: str | Path) -> Population:
    """Read and validate the population file at ``path`` (see ``parse_population``)."""
    p = Path(path)
    if not p.is_file():
        raise BadInputError(p, "no such file" if not p.exists() else "not a regular file")
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_POPULATION_BYTES + 1)
    except OSError as exc:
        raise BadInputError(p, f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_POPULATION_BYTES:
        raise BadInputError(p, f"larger than {MAX_POPULATION_BYTES // 1024} KiB; a population table has a few rows")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInputError(p, "is not UTF-8 text (a CSV of attribute,value,share)") from None
    if "\x00" in text:
        raise BadInputError(p, "is binary, not a CSV of attribute,value,share")
    return parse_population(text, p.name)
