"""The search box: plain words search page addresses, titles and clicked labels; ``key=value`` expressions
(the command line's ``--filter`` syntax, parsed by ``analysis.segments``) filter. And the reverse: a saved
segment split back into facet ticks, search text and the conditions that are neither."""

from __future__ import annotations

import re
import shlex

from replaylens.analysis.segments import parse_filter
from replaylens.model.segment import Filter, Segment, TextSearch
from replaylens.ui.library.facets import selection_from_filter

_EXPR = re.compile(r"^[\w$/.:-]+\s*(!=|>=|<=|=|>|<)")


def search_filters(text: str) -> tuple[list[Filter], str | None]:
    """Filters for the search box text, and an error message in plain words (or None)."""
    text = text.strip()
    if not text:
        return [], None
    if not _EXPR.match(text):
        return [TextSearch(text)], None
    try:
        parts = shlex.split(text)
    except ValueError:
        parts = text.split()
    out: list[Filter] = []
    words: list[str] = []
    for part in parts:
        if _EXPR.match(part):
            try:
                out.append(parse_filter(part))
            except ValueError as exc:
                return [], f"Cannot read the filter {part!r}: {exc}"
        else:
            words.append(part)
    if words:
        out.append(TextSearch(" ".join(words)))
    return out, None


def split_segment(segment: Segment) -> tuple[dict[str, list[str]], str, list[Filter]]:
    """(facet ticks, search words, other conditions) of a saved segment; ANDed together they are the segment."""
    selection: dict[str, list[str]] = {}
    words: list[str] = []
    extra: list[Filter] = []
    for f in segment.filters:
        tick = selection_from_filter(f)
        if isinstance(f, TextSearch) and not words:
            words.append(f.text)
        elif tick is not None and (tick[0] not in selection or tick[0] in ("goal", "finding", "tag")):
            key, values = tick
            selection.setdefault(key, []).extend(v for v in values if v not in selection.get(key, []))
        else:
            extra.append(f)
    return selection, " ".join(words), extra
