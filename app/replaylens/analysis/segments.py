"""Segments from user text: the CLI ``--filter`` syntax and the Library window's filter box share this parser.

    KEY=V1,V2      attribute (or session column) equals one of the values
    KEY!=V1,V2     equals none of them
    KEY>=N  KEY<=N  KEY>N  KEY<N   numeric or ISO-date range
    goal=NAME   goal!=NAME        reached / did not reach a goal
    finding=KIND  finding!=KIND   has / has no finding of a kind
    page=PATTERN  page!=PATTERN   visited a page (glob; "/..." matches the path)
    tag=TAG  tag!=TAG             carries a tag
    date>=YYYY-MM-DD  date<YYYY-MM-DD   session start date range
    text=WORDS                    text in a visited URL, a page title or a clicked label

A value list splits on commas; write ``\\,`` for a literal comma. Values are data, never SQL: ``store`` binds them
as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

from replaylens.model.library import Goal
from replaylens.model.segment import Filter, Segment


class FilterSyntaxError(ValueError):
    """A filter expression cannot be parsed; the message says why."""


def parse_filter(expr: str) -> Filter:
    """One ``KEY<op>VALUE`` expression -> a filter. Raises FilterSyntaxError."""
    raise NotImplementedError


def parse_filters(exprs: Sequence[str], base: Segment | None = None) -> Segment:
    """AND of expressions (after ``base``'s filters)."""
    raise NotImplementedError


def goal_from_options(name: str, *, page: str | None = None, event: str | None = None,
                      click: str | None = None) -> Goal:
    """The goal of ``library goal add NAME --page P | --event E | --click L``. Raises ValueError."""
    raise NotImplementedError
