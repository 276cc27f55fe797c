"""URL templates: the page a URL shows, without the parts that differ per customer (docs/library.md, "Pages").

``url_template("https://bank.example/account/48213/transfer?utm_source=line&tab=fx")`` is
``/account/<id>/transfer?tab=fx``: numeric, UUID, hash-like and e-mail-like path segments and query values become
``<id>``, tracking parameters (``utm_*``, ``gclid``, ``fbclid`` … the click ids PostHog lists) are dropped, the
remaining query parameters are sorted by name, and a fragment is kept only when it is a single-page-app route
(``#/account/9/x`` -> ``#/account/<id>/x``). The host is not part of the template (it is the session's ``site``).

User rules (``TemplateRule``: a regular expression and its replacement, applied in order with ``re.sub`` to the
URL's path and query before the built-in rules) cover the rest, e.g. ``^/blog/[^/?]+`` -> ``/blog/<post>``.
Standard library only: the store's writer and its migration call it per distinct URL, never per event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

ID = "<id>"
MAX_RULES = 200
MAX_PATTERN = 300
MAX_URL = 4096

#: Query parameters that say where a visit came from, not which page it is (PostHog's campaign and click-id
#: parameters, plus common analytics cookies passed in links). Any ``utm_*`` parameter is one too.
TRACKING_PARAMS = frozenset({
    "gclid", "gad_source", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "twclid", "li_fat_id",
    "mc_cid", "mc_eid", "igshid", "ttclid", "rdt_cid", "yclid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
    "ref_src", "epik", "irclickid", "sc_cid", "s_cid", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid",
})

_NUMERIC = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{12,}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,}$")
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[A-Za-z]")
#: A group containing a repetition, itself repeated: (a+)+, (x*y)*, (a|aa){2,} … (catastrophic backtracking).
_NESTED = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


@dataclass(frozen=True)
class TemplateRule:
    """A user rule: ``re.sub(pattern, alias, path_and_query)``."""

    pattern: str
    alias: str


def check_rule(pattern: str, alias: str) -> re.Pattern[str]:
    """The compiled rule; ValueError naming what is wrong (empty, too long, not a regular expression)."""
    if not pattern or len(pattern) > MAX_PATTERN:
        raise ValueError(f"a template rule's pattern is 1-{MAX_PATTERN} characters")
    if len(alias) > MAX_PATTERN or any(ord(c) < 32 for c in pattern + alias):
        raise ValueError(f"a template rule's alias is at most {MAX_PATTERN} characters, no control characters")
    if _NESTED.search(pattern):  # Python's re backtracks: (a+)+ over a long URL would never finish
        raise ValueError(f"{pattern[:60]!r} repeats a group that itself repeats (like (a+)+), which can take "
                         "forever on a long URL: write it without the nested repetition")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern[:60]!r} is not a regular expression ({exc})") from None


def is_id(text: str) -> bool:
    """Numeric, UUID, hash-like (12+ hex digits with a digit, or a 20+ character token mixing letters and digits)
    or e-mail-like."""
    t = unquote(text)
    if not t:
        return False
    if _NUMERIC.match(t) or _UUID.match(t) or _EMAIL.match(t):
        return True
    if _HEX.match(t) and _HAS_DIGIT.search(t):
        return True
    return bool(_TOKEN.match(t) and _HAS_DIGIT.search(t) and _HAS_ALPHA.search(t))


def is_tracking(name: str) -> bool:
    low = name.lower()
    return low.startswith("utm_") or low in TRACKING_PARAMS


def _path(path: str) -> str:
    parts = path.split("/")
    return "/".join(p if not p or (p.startswith("<") and p.endswith(">")) or not is_id(p) else ID for p in parts)


def _query(query: str) -> str:
    try:
        pairs = parse_qsl(query, keep_blank_values=True)
    except ValueError:
        return ""
    kept = sorted((k, ID if v and is_id(v) else v) for k, v in pairs if k and not is_tracking(k))
    return "&".join(f"{k}={v}" if v else k for k, v in dict(kept).items())


def _builtin(path_query: str) -> str:
    path, sep, query = path_query.partition("?")
    out = _path(path or "/")
    q = _query(query) if sep else ""
    return f"{out}?{q}" if q else out


def url_template(url: str, rules: Sequence[tuple[re.Pattern[str], str]] = ()) -> str:
    """The template of ``url`` (see the module doc). ``rules``: compiled user rules with their aliases, in order.
    Never raises: an unparsable URL is its own template (cut to ``MAX_URL`` characters)."""
    url = (url or "")[:MAX_URL]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path or ("/" if parts.netloc or parts.scheme else url)
    path_query = path + (f"?{parts.query}" if parts.query else "")
    for rx, alias in rules:
        try:
            path_query = rx.sub(alias, path_query)
        except (re.error, IndexError):  # a bad group reference in the alias: the rule does nothing
            continue
    out = _builtin(path_query)
    frag = parts.fragment
    if frag.startswith(("/", "!/")):
        out += "#" + ("!" if frag.startswith("!") else "") + _builtin(frag.lstrip("!"))
    return out


def compile_rules(rules: Sequence[TemplateRule]) -> list[tuple[re.Pattern[str], str]]:
    """Compiled rules in order (a rule that does not compile is skipped: rules are checked when added)."""
    out = []
    for r in rules[:MAX_RULES]:
        try:
            out.append((check_rule(r.pattern, r.alias), r.alias))
        except ValueError:
            continue
    return out
