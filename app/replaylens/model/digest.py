"""The one file hasher: SHA-256 of a file's bytes, streamed 1 MiB at a time (never the whole file in memory).

Used for the conversion cache key, the annotations' link to their recording and the library's source identity;
a file is hashed once per open (``io.opening``) and the digest travels with the session (``content_sha256``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20


def file_sha256(path: str | Path, chunk: int = CHUNK) -> str:
    """Hex SHA-256 of the file at ``path``; raises OSError as ``open`` does."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
