"""SQL pieces shared by the row and facet queries: the id-list semi-join and the sort expression."""

from __future__ import annotations

from typing import Any

from replaylens.model.findings import FINDING_KINDS
from replaylens.model.segment import SESSION_COLUMNS

#: ``session_id`` in a bound list of ids (a hash semi-join, fast for long lists).
IN_IDS = "session_id IN (SELECT unnest(?::VARCHAR[]))"

_JOINS = {
    "attr": "LEFT JOIN (SELECT session_id, max(v_num) AS n, max(v_text) AS t FROM attributes WHERE key = ? "
            "GROUP BY session_id) srt ON srt.session_id = s.session_id",
    "goal": "LEFT JOIN (SELECT session_id, min(reached_ms) AS n, NULL::VARCHAR AS t FROM goal_hits WHERE goal = ? "
            "GROUP BY session_id) srt ON srt.session_id = s.session_id",
    "finding": "LEFT JOIN (SELECT session_id, sum(n) AS n, NULL::VARCHAR AS t FROM findings WHERE kind = ? "
               "GROUP BY session_id) srt ON srt.session_id = s.session_id",
}


def order_by(sort: str, descending: bool) -> tuple[str, str, list[Any]]:
    """(join, ORDER BY list, join params) for a sort column: a session column, ``attr:<key>``,
    ``goal:<name>`` (reach time) or ``finding:<kind>`` (count). Ties: session id. Raises ValueError."""
    direction = "DESC" if descending else "ASC"
    if sort in SESSION_COLUMNS:
        return "", f"s.{sort} {direction} NULLS LAST, s.session_id {direction}", []
    prefix, sep, name = sort.partition(":")
    if not sep or prefix not in _JOINS or not name:
        raise ValueError(f"cannot sort by {sort[:60]!r}: use a session column, attr:KEY, goal:NAME or finding:KIND")
    if prefix == "finding" and name not in FINDING_KINDS:
        raise ValueError(f"unknown finding kind {name[:60]!r}")
    value = "coalesce(srt.n, 0)" if prefix == "finding" else "srt.n"
    return (_JOINS[prefix], f"{value} {direction} NULLS LAST, srt.t {direction} NULLS LAST, "
                            f"s.session_id {direction}", [name])
