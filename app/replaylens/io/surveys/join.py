"""Join survey responses to library sessions (docs/surveys.md, "How a response finds its session").

1. ``session_id``: the response carries a session id (Typeform hidden field, SurveyMonkey custom variable,
   PostHog ``$session_id``, a mapped column) that is in the library. Confidence 1.
2. ``user_id``: it carries a user id the library knows (``sessions.user_id`` or ``identities``). One session of
   that user: 0.95; several: the one running when the answer was submitted, or ended at most 30 min before
   (0.9), else the latest one started before the answer (0.5).
3. ``time_page``: submitted while a session ran or up to 30 min after it ended, on a page the session showed
   (same host when the response names one). Sessions that showed the very URL (query string included) come
   before those that showed only its path; among several candidates the one that ended closest before the
   answer wins; the confidence is 0.9 (0.5 when the response names no page) times that candidate's share of
   ``exp(-gap / 5 min)`` over all candidates (a crowded hour says it is unsure) times ``1 - gap / 60 min`` (an
   answer given 30 min after the session ended counts half as sure as one given during it).
4. ``none``: listed with the reason, never dropped.

``import_file`` (``survey import``) reads one export, joins its responses, adds the new ones, and first joins
again the responses earlier imports left unmatched (sessions may have been added since).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from replaylens.io.surveys.reader import read_responses
from replaylens.model.survey import Join, SurveyResponse
from replaylens.store import surveys as S

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

AFTER_MS = 30 * 60_000
_GAP_SCALE_MS = 5 * 60_000


def _host_path(url: str | None) -> tuple[str | None, str | None]:
    if not url:
        return None, None
    try:
        parts = urlsplit(url if "://" in url or url.startswith("/") else f"https://{url}")
    except ValueError:
        return None, None
    return (parts.hostname or None), (parts.path or "/")


def _by_user(r: SurveyResponse, sessions: list[tuple[str, int, int]]) -> Join:
    if len(sessions) == 1:
        return Join(r.response_id, sessions[0][0], "user_id", 0.95, "the user's only session")
    t = r.submitted_ms
    if t is not None:
        running = [s for s in sessions if s[1] <= t <= s[2] + AFTER_MS]
        if running:
            best = min(running, key=lambda s: (max(0, t - s[2]), -s[1]))
            return Join(r.response_id, best[0], "user_id", 0.9 if len(running) == 1 else 0.7,
                        f"the user's session at the time ({len(sessions)} sessions of this user)")
        before = [s for s in sessions if s[1] <= t]
        if before:
            return Join(r.response_id, before[-1][0], "user_id", 0.5,
                        f"the user's latest session before the answer ({len(sessions)} sessions)")
    return Join(r.response_id, sessions[-1][0], "user_id", 0.4, f"the user's latest session ({len(sessions)})")


def _by_time(r: SurveyResponse, cands: list[tuple[str, int, int, int]]) -> Join:
    t = r.submitted_ms
    assert t is not None
    _, path = _host_path(r.url)
    best_fit = max((c[3] for c in cands), default=0)
    pool = [c for c in cands if c[3] == best_fit and c[3] > 0] if path is not None else cands
    if not pool:
        why = "no session showed that page in the 30 minutes before" if cands else "no session in the 30 minutes before"
        return Join(r.response_id, None, "none", 0.0, why)
    weights = [math.exp(-max(0, t - c[2]) / _GAP_SCALE_MS) for c in pool]
    i = max(range(len(pool)), key=lambda k: (weights[k], pool[k][1]))
    base = 0.9 if path is not None else 0.5
    gap = max(0, t - pool[i][2])
    conf = base * weights[i] / sum(weights) * (1 - 0.5 * min(gap, AFTER_MS) / AFTER_MS)
    return Join(r.response_id, pool[i][0], "time_page", round(conf, 3),
                f"{len(pool)} candidate session{'s' if len(pool) != 1 else ''} by time"
                + (" and page" if path is not None else " (no page given)"))


def join_responses(lib: LibraryStore, responses: Sequence[SurveyResponse]) -> dict[str, Join]:
    """A join for every response (``none`` when nothing fits)."""
    out: dict[str, Join] = {}
    hints = [r.session_hint for r in responses if r.session_hint]
    known = S.existing_sessions(lib, hints) if hints else set()
    rest: list[SurveyResponse] = []
    for r in responses:
        if r.session_hint and r.session_hint in known:
            out[r.response_id] = Join(r.response_id, r.session_hint, "session_id", 1.0, "session id in the response")
        else:
            rest.append(r)
    users = S.sessions_of_users(lib, [r.user_hint for r in rest if r.user_hint])
    timed: list[SurveyResponse] = []
    for r in rest:
        if r.user_hint and r.user_hint in users:
            out[r.response_id] = _by_user(r, users[r.user_hint])
        elif r.submitted_ms is not None:
            timed.append(r)
        else:
            out[r.response_id] = Join(r.response_id, None, "none", 0.0,
                                      "no session id, user id or submission time the library knows")
    probes = []
    for r in timed:
        host, path = _host_path(r.url)
        probes.append((r.response_id, int(r.submitted_ms or 0), host.lower() if host else None, path, r.url))
    cands: dict[str, list[tuple[str, int, int, int]]] = {}
    for rid, sid, start, end, visited in S.time_candidates(lib, probes, AFTER_MS):
        cands.setdefault(rid, []).append((sid, start, end, visited))
    for r in timed:
        j = _by_time(r, cands.get(r.response_id, []))
        if j.match == "none" and r.session_hint:
            j = Join(r.response_id, None, "none", 0.0, f"session {r.session_hint[:40]} is not in the library; {j.note}")
        out[r.response_id] = j
    return out


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
