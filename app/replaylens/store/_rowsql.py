"""SQL pieces shared by the row and facet queries: the id-list semi-join and the sort expression."""

from __future__ import annotations

from typing import Any

from replaylens.model.segment import SESSION_COLUMNS
from replaylens.store._wide import FINDING_COLUMNS, Wide

#: ``session_id`` in a bound list of ids (a hash semi-join, fast for long lists).
IN_IDS = "session_id IN (SELECT unnest(?::VARCHAR[]))"


def order_by(sort: str, descending: bool, wide: Wide) -> tuple[str, str, list[Any]]:
    """(join, ORDER BY list, join params) for a sort column: a session column, ``attr:<key>`` (numbers before
    text), ``goal:<name>`` (reach time) or ``finding:<kind>`` (count). Ties: session id. Column names come from
    fixed tables and our own index numbers. Raises ValueError for anything else."""
    d = "DESC" if descending else "ASC"
    if sort in SESSION_COLUMNS:
        return "", f"s.{sort} {d} NULLS LAST, s.session_id {d}", []
    prefix, sep, name = sort.partition(":")
    if not sep or not name or prefix not in ("attr", "goal", "finding"):
        raise ValueError(f"cannot sort by {sort[:60]!r}: use a session column, attr:KEY, goal:NAME or finding:KIND")
    if prefix == "finding":
        if name not in FINDING_COLUMNS:
            raise ValueError(f"unknown finding kind {name[:60]!r}")
        return "", f"coalesce(s.{FINDING_COLUMNS[name]}, 0) {d}, s.session_id {d}", []
    if prefix == "goal":
        if name not in wide.goal_cols:
            raise ValueError(f"there is no goal named {name[:60]!r}")
        return "", f"s.{wide.goal_cols[name]} {d} NULLS LAST, s.session_id {d}", []
    col = wide.attr_cols.get(name)
    if col is None:  # nobody has the attribute: every value is missing
        return "", f"s.session_id {d}", []
    return (f"LEFT JOIN attr_values srt ON srt.vid = s.{col}",
            f"srt.v_num {d} NULLS LAST, srt.v_text {d} NULLS LAST, s.session_id {d}", [])
