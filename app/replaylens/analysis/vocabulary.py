"""No silent zeros: every key, value and goal a filter, ``--by``, ``--a``/``--b``, ``--control`` or goal names is
checked against the library before anything is counted. An unknown one raises ``UnknownNameError`` with one line:
what is unknown, what the library has, and the nearest match (difflib), e.g.
``no attribute 'campaing'; did you mean 'campaign'? (this library has: campaign, device_class, variant)``.

A known key whose value has no session in the current selection is a real zero; a value no session of the whole
library has is an error. Keys resolve through the vocabulary (``model.vocabulary``): ``utm_campaign`` and
``campaign`` are one key. The value ``(none)`` (sessions without the key) is always known.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from replaylens.errors import UnknownNameError
from replaylens.model.segment import SESSION_COLUMNS, AttrIn, AttrRange, ReachedGoal, Segment, Tagged
from replaylens.model.vocabulary import NONE, aliases_of, canonical_key, none_label, resolve

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Session columns whose values are checked like an attribute's (few distinct values); other columns are ids,
#: addresses or numbers, where an absent value is a plain zero.
CHECKED_COLUMNS = ("device_class", "site", "source_format")
#: Keys the filter syntax handles itself (parse_filter), never attribute keys.
_SPECIAL = ("answered",)
_SHOWN = 8


def _nearest(name: str, candidates: Iterable[str]) -> str | None:
    cands = list(dict.fromkeys(candidates))
    low = {c.lower(): c for c in cands}
    hit = difflib.get_close_matches(name.lower(), list(low), n=1, cutoff=0.6)
    return low[hit[0]] if hit else None


def _listing(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f", … {len(items) - _SHOWN} more" if len(items) > _SHOWN else "") if items else "none"


def unknown(what: str, name: str, have: Sequence[str], candidates: Iterable[str] | None = None,
            has_word: str = "this library has", tail: str = "") -> UnknownNameError:
    """The one-line error: ``no <what> '<name>'; did you mean '<x>'? (<has_word>: a, b, c<tail>)``."""
    best = _nearest(name, have if candidates is None else candidates)
    hint = f"; did you mean {best!r}?" if best is not None and best != name else ""
    return UnknownNameError(f"no {what} {name[:60]!r}{hint} ({has_word}: {_listing(list(have))}{tail})")


def known_keys(lib: LibraryStore) -> list[str]:
    """Attribute keys (most sessions first), then the session columns."""
    return [k.name for k in lib.attribute_keys()] + [c for c in SESSION_COLUMNS if c not in ("start", "day")]


def check_key(lib: LibraryStore, key: str) -> str:
    """The library's key for ``key`` (itself, its canonical key or a stored alias); raises UnknownNameError."""
    attrs = [k.name for k in lib.attribute_keys()]
    if key in SESSION_COLUMNS:
        return key
    found = resolve(key, attrs)
    if found is not None:
        return found
    canon = canonical_key(key)
    if canon in SESSION_COLUMNS:
        return canon
    names = known_keys(lib)
    candidates = [*names, *(a for k in attrs for a in aliases_of(k))]
    return _raise(unknown("attribute", key, list(dict.fromkeys([*attrs, *CHECKED_COLUMNS])), candidates))


def _raise(exc: UnknownNameError) -> str:
    raise exc


def check_values(lib: LibraryStore, key: str, values: Sequence[object]) -> str:
    """``key`` resolved, and every value in ``values`` held by some session (``(none)`` always is); raises
    UnknownNameError naming the first unknown value, the key's values and the nearest one."""
    resolved = check_key(lib, key)
    if resolved in SESSION_COLUMNS and resolved not in CHECKED_COLUMNS:
        return resolved
    if resolved not in SESSION_COLUMNS and _numeric(lib, resolved):
        return resolved  # a number nobody has is a range question, not a typo
    texts = [("true" if v else "false") if isinstance(v, bool) else str(v) for v in values]
    texts = [t for t in texts if t != NONE]
    missing = [t for t in texts if t not in lib.values_present(resolved, texts)]
    if missing:
        have = [v for v, _ in lib.attribute_values(resolved, limit=10_000)]
        raise unknown(f"{resolved} value", missing[0], have, has_word=f"{resolved} has")
    return resolved


def _numeric(lib: LibraryStore, key: str) -> bool:
    return any(k.name == key and k.type in ("int", "float") for k in lib.attribute_keys())


def check_goal(lib: LibraryStore, name: str) -> str:
    goals = [g.name for g in lib.goals()]
    if name not in goals:
        raise unknown("goal", name, goals, has_word="goals")
    return name


def check_segment(lib: LibraryStore, segment: Segment | None) -> None:
    """Every attribute key and value, goal and tag the segment names exists in the library."""
    for f in segment.filters if segment is not None else ():
        if isinstance(f, AttrIn) and f.key not in _SPECIAL and not f.key.startswith("answer:"):
            check_values(lib, f.key, f.values)
        elif isinstance(f, AttrRange) and f.key not in ("start", "day"):
            check_key(lib, f.key)
        elif isinstance(f, ReachedGoal):
            check_goal(lib, f.goal)
        elif isinstance(f, Tagged):
            tags = [t.value for t in lib.tags()]
            if f.tag not in tags:
                raise unknown("tag", f.tag, tags, has_word="tags")


def group_label(key: str, value: str) -> str:
    """How a group of a ``--by`` comparison reads: its value, or "no campaign" for ``(none)``."""
    return none_label(key) if value == NONE else value
