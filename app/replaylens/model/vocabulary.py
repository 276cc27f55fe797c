"""The canonical attribute vocabulary: one key per concept, whatever the source calls it (docs/library.md,
"Attribute vocabulary").

A library stores each concept under its canonical key (``campaign``, ``source``, ``medium``, ``variant``,
``device_class``, ``user_type``, ``country``, ``referrer``); the names sources use (``utm_campaign``,
``$initial_utm_campaign``, ``$geoip_country_code``, the demo manifest's ``device`` …) are aliases: accepted in
filters, ``--by`` and the search box, never a second facet. Feature flags keep one key per flag
(``feature/<flag>``, alias ``$feature/<flag>``).

When several sources give a concept, the highest-ranked one wins: the attributes file, then the manifest, then the
session's own evidence (the entry URL, then its events' properties), then feature flags, then the PostHog person
(first touch), then what the recording measured (the viewport width). Within one source, the alias listed first
wins. Plain values; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The value ``(none)`` names the group of sessions that lack an attribute (a filter ``campaign=(none)``, a
#: ``--a (none)``, the extra group of a ``--by`` comparison).
NONE = "(none)"

#: Source kinds from strongest to weakest (``attributes.source``); a source not listed ranks below these.
SOURCE_RANK: tuple[str, ...] = ("file", "manifest", "url", "event", "flag", "posthog", "device", "survey")


@dataclass(frozen=True)
class Concept:
    key: str  # canonical key
    label: str  # "Campaign"
    none_label: str  # how the (none) group reads: "no campaign"
    aliases: tuple[str, ...]  # names sources use, strongest first (the canonical key itself is always accepted)
    sources: str  # where it comes from, in words (docs and `library vocabulary`)
    case: str = ""  # "lower" / "upper": values normalised so (Mobile, mobile) are one value


CONCEPTS: tuple[Concept, ...] = (
    Concept("campaign", "Campaign", "no campaign",
            ("utm_campaign", "$utm_campaign", "$initial_utm_campaign", "initial_utm_campaign"),
            "utm_campaign of the entry URL; PostHog utm_campaign / $initial_utm_campaign event or person "
            "properties; the manifest's campaign"),
    Concept("source", "Source", "no source",
            ("utm_source", "$utm_source", "$initial_utm_source", "initial_utm_source"),
            "utm_source of the entry URL; PostHog utm_source / $initial_utm_source"),
    Concept("medium", "Medium", "no medium",
            ("utm_medium", "$utm_medium", "$initial_utm_medium", "initial_utm_medium"),
            "utm_medium of the entry URL; PostHog utm_medium / $initial_utm_medium"),
    Concept("variant", "Variant", "no variant",
            ("ab", "ab_variant", "exp_variant", "experiment_variant", "$variant"),
            "variant, ab, ab_variant, exp_variant or experiment_variant of the entry URL; the manifest's variant; "
            "the value of the session's only PostHog feature flag ($feature/<flag>, $feature_flag_called)"),
    Concept("device_class", "Device", "no device",
            ("device", "device_type", "$device_type", "$initial_device_type"),
            "the first viewport width (desktop >= 1024 CSS px, tablet 600-1023, mobile < 600); the manifest's "
            "device; PostHog $device_type (only when the recording has no width)", case="lower"),
    Concept("user_type", "Customer type", "no customer type",
            ("customer_type", "usertype", "user_segment", "$user_type"),
            "the manifest's or attributes file's user_type (customer_type)"),
    Concept("country", "Country", "no country",
            ("$geoip_country_code", "$initial_geoip_country_code", "country_code", "geoip_country_code"),
            "PostHog $geoip_country_code / $initial_geoip_country_code; the manifest's country", case="upper"),
    Concept("referrer", "Referrer", "no referrer",
            ("$referrer", "$initial_referrer", "$referring_domain", "$initial_referring_domain", "referer"),
            "PostHog $referrer / $initial_referrer (then the referring domain); the manifest's referrer"),
)

BY_KEY: dict[str, Concept] = {c.key: c for c in CONCEPTS}
_ALIAS: dict[str, str] = {}
for _c in CONCEPTS:
    _ALIAS[_c.key] = _c.key
    for _a in _c.aliases:
        _ALIAS[_a.lower()] = _c.key
FLAG_PREFIX = "feature/"


def canonical_key(name: str) -> str:
    """The canonical key for a source's name (``utm_campaign`` -> ``campaign``, ``$feature/x`` -> ``feature/x``,
    ``Campaign`` -> ``campaign``); any other name is returned as it is."""
    low = name.strip().lower()
    if low in _ALIAS:
        return _ALIAS[low]
    if low.startswith("$feature/") and len(name.strip()) > 9:
        return FLAG_PREFIX + name.strip()[9:]
    for c in CONCEPTS:
        if low == c.label.lower():
            return c.key
    return name


def aliases_of(key: str) -> tuple[str, ...]:
    """Every name that means ``key`` (itself first)."""
    c = BY_KEY.get(key)
    if c is not None:
        return (c.key, *c.aliases)
    if key.startswith(FLAG_PREFIX):
        return (key, "$" + key)
    return (key,)


def resolve(name: str, known: Iterable[str]) -> str | None:
    """The key of ``known`` that ``name`` means: itself, else its canonical key, else another alias of that
    concept present in ``known`` (a library written before the vocabulary, read as it is). None: none of them."""
    keys = set(known)
    if name in keys:
        return name
    canon = canonical_key(name)
    for candidate in aliases_of(canon):
        if candidate in keys:
            return candidate
    low = {k.lower(): k for k in keys}
    return low.get(name.lower())


def none_label(key: str) -> str:
    """How the group of sessions without ``key`` reads: "no campaign", "no variant", "no feature/x"."""
    c = BY_KEY.get(canonical_key(key))
    return c.none_label if c is not None else f"no {key.replace('_', ' ')}"


def normalise_value(key: str, value: str) -> str:
    c = BY_KEY.get(key)
    if c is None or not c.case:
        return value
    return value.lower() if c.case == "lower" else value.upper()


def _rank(source: str) -> int:
    return SOURCE_RANK.index(source) if source in SOURCE_RANK else len(SOURCE_RANK)


def canonicalise(items: Iterable[tuple[str, str, str]], *, weak: Mapping[str, frozenset[str]] | None = None
                 ) -> dict[str, tuple[str, str]]:
    """``(key, value, source)`` triples (in the order the sources were read) -> {canonical key: (value, source)}.

    Canonical concepts take the strongest source (``SOURCE_RANK``), then the alias listed first; other keys keep
    the last value given (as before the vocabulary). ``weak`` maps a key to sources that give way to any other
    source of that key, whatever their rank (``device_class`` from PostHog only when the width says nothing)."""
    best: dict[str, tuple[tuple[int, int, int], str, str]] = {}
    for order, (key, value, source) in enumerate(items):
        canon = canonical_key(key)
        concept = BY_KEY.get(canon)
        if concept is None:
            best[canon] = ((0, 0, -order), value, source)  # the last one wins
            continue
        lows = [a.lower() for a in concept.aliases]
        low = key.strip().lower()
        alias_rank = 1 + lows.index(low) if low in lows else 0
        rank = (_rank(source), alias_rank, order)
        if weak and source in weak.get(canon, frozenset()):
            rank = (len(SOURCE_RANK) + 1, *rank[1:])
        old = best.get(canon)
        if old is None or rank < old[0]:
            best[canon] = (rank, normalise_value(canon, value), source)
    return {k: (v, s) for k, (_, v, s) in best.items()}
