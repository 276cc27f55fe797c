"""The pages a segment's sessions showed, for the comparison views' page picker: URL template (ids dropped:
store._templates), the most common title, how many URLs the template holds and how many sessions of the segment
showed it (per device class when asked). SQL lives here, not in the UI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from replaylens.model.segment import Segment
from replaylens.store import _compile, _wide

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


@dataclass(frozen=True)
class PageChoice:
    path: str  # the URL template ("/account/<id>/transfer", "/kyc"); usable as a page pattern as it is
    title: str
    sessions: int
    urls: int = 1  # distinct URLs the template holds


def page_choices(lib: LibraryStore, segment: Segment | None = None, *, device: str | None = None,
                 limit: int = 200) -> list[PageChoice]:
    """Pages shown by the segment's sessions (optionally on one device class), most sessions first."""
    wide = _wide.names(lib)
    cond, params = _compile.where(segment, wide)
    if device is not None:
        cond = f"({cond}) AND s.device_class = ?"
        params = [*params, device]
    page = "coalesce(p.template, p.path, p.url)" if wide.templates else "coalesce(p.path, p.url)"
    rows = lib.cursor().execute(
        f"SELECT {page} AS path, mode(p.title) AS title, count(DISTINCT p.session_id) AS n, "
        "count(DISTINCT p.url) AS urls "
        f"FROM pages p JOIN sessions s ON s.session_id = p.session_id WHERE {cond} AND p.first_ms IS NOT NULL "
        "GROUP BY 1 ORDER BY n DESC, path LIMIT ?", [*params, int(limit)]).fetchall()
    return [PageChoice(str(r[0]), str(r[1] or ""), int(r[2]), int(r[3])) for r in rows if r[0] is not None]
