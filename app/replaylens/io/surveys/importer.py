"""``survey import``: read one export, join its responses, add the new ones to the library, and try again to
join the responses earlier imports left unmatched (sessions may have been added since)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replaylens.io.surveys.join import join_responses
from replaylens.io.surveys.reader import read_responses
from replaylens.store import _surveys as S

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


@dataclass
class ImportResult:
    file: str
    format: str
    read: int
    added: int
    already: int
    matches: dict[str, int] = field(default_factory=dict)
    rejoined: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "read": self.read, "added": self.added,
                "already_in_library": self.already, "matches": self.matches, "rejoined": self.rejoined}


def rejoin(lib: LibraryStore) -> int:
    """Join again the responses that match no session in the library; returns how many now match one."""
    waiting = S.unmatched(lib)
    if not waiting:
        return 0
    joins = [j for j in join_responses(lib, waiting).values() if j.session_id is not None]
    with lib.write_lock:
        return S.update_joins(lib, joins)


def import_file(lib: LibraryStore, path: str | Path, fmt: str | None = None,
                mapping: dict[str, str] | None = None, *, mask: bool = True) -> ImportResult:
    """Import one survey export into ``lib``. Raises BadInputError for an unknown or broken file."""
    p = Path(path)
    name, responses = read_responses(p, fmt, mapping, mask=mask)
    already = S.known_ids(lib, [r.response_id for r in responses])
    new = [r for r in responses if r.response_id not in already]
    rejoined = rejoin(lib)
    joins = join_responses(lib, new)
    with lib.write_lock:
        added = S.insert(lib, new, joins, str(p.resolve()))
    counts = Counter(j.match for j in joins.values())
    return ImportResult(str(p), name, len(responses), added, len(already),
                        {m: counts.get(m, 0) for m in ("session_id", "user_id", "time_page", "none")}, rejoined)
