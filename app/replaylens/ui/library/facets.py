"""The facet sidebar: for each facet (customer type, campaign, variant, device, goals, problems, tags …) its values
with how many sessions have them. Clicking a value ticks it and filters the table; ticked values of one facet are
alternatives (campaign = Songkran *or* organic), different facets narrow each other (and). Goals, problems and
tags narrow too: ticking two goals keeps sessions that reached both.

Counts are those of the sessions the *other* facets leave (so a ticked facet still shows its alternatives), as in
every shop's filter sidebar; the store computes them in the window's facet thread (``facet_counts``). The search
box's text becomes filters here too (``search_filters``), and a saved segment goes back into ticks and words
(``split_segment``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from replaylens.analysis.segments import parse_filter
from replaylens.model.segment import (
    AttrIn,
    AttrRange,
    DateRange,
    Filter,
    HasFinding,
    ReachedGoal,
    Segment,
    Tagged,
    TextSearch,
    VisitedPage,
)
from replaylens.model.vocabulary import NONE
from replaylens.ui.library.columns import amount, key_label, value_label

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Facets shown open; others (country, utm_source, feature flags …) start folded.
OPEN_FACETS = ("user_type", "campaign", "variant", "device_class", "goal", "finding", "tag", "answered")
HIDDEN_FACETS = ("user_id", "session_id")
SORT_BY_VALUE = ("variant",)  # A before B, whichever has more sessions
ROLE_KEY = int(Qt.ItemDataRole.UserRole)
ROLE_VALUE = int(Qt.ItemDataRole.UserRole) + 1


def facet_filters(key: str, values: Sequence[str]) -> list[Filter]:
    """The segment filters for ticked ``values`` of facet ``key``."""
    if not values:
        return []
    if key == "goal":
        return [ReachedGoal(v) for v in values]
    if key == "finding":
        return [HasFinding(v) for v in values]
    if key == "tag":
        return [Tagged(v) for v in values]
    return [AttrIn(key, tuple(values))]


def selection_from_filter(f: Filter) -> tuple[str, list[str]] | None:
    """The facet ticks a filter stands for, or None when it is not a facet tick (a range, a negation …)."""
    if isinstance(f, AttrIn) and not f.negate:
        return f.key, [str(v) for v in f.values]
    if isinstance(f, ReachedGoal) and f.reached:
        return "goal", [f.goal]
    if isinstance(f, HasFinding) and not f.negate and f.min_count == 1:
        return "finding", [f.kind]
    if isinstance(f, Tagged) and not f.negate:
        return "tag", [f.tag]
    return None


# -- the search box: plain words search page addresses, titles and clicked labels; ``key=value`` expressions (the
# command line's ``--filter`` syntax, parsed by ``analysis.segments``) filter. And back: a saved segment split into
# facet ticks, search words and the conditions that are neither.
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


def describe(f: Filter) -> str:
    """A condition the sidebar cannot tick, in words (for the status bar)."""
    if isinstance(f, AttrIn):
        return f"{key_label(f.key)} is not {' or '.join(map(str, f.values))}"
    if isinstance(f, AttrRange):
        lo = f"from {amount(f.key, f.low)}" if f.low is not None else ""
        hi = f"up to {amount(f.key, f.high)}" if f.high is not None else ""
        return f"{key_label(f.key)} {lo} {hi}".strip()
    if isinstance(f, DateRange):
        return f"started {'from ' + f.start if f.start else ''} {'before ' + f.end if f.end else ''}".strip()
    if isinstance(f, VisitedPage):
        return f"{'did not visit' if f.negate else 'visited'} {f.pattern}"
    if isinstance(f, ReachedGoal):
        return f"did not reach {value_label('goal', f.goal)}"
    if isinstance(f, HasFinding):
        return f"{'no' if f.negate else f'at least {f.min_count}'} {value_label('finding', f.kind).lower()}"
    if isinstance(f, Tagged):
        return f"not tagged {f.tag}"
    return str(f)


def facet_counts(library: LibraryStore, base: Segment, selection: dict[str, list[str]]
                 ) -> dict[str, list[tuple[str, int]]]:
    """Runs in the worker: counts for every facet, each one over the sessions the other facets leave."""
    others = [k for k in selection if selection[k]]
    everything = base.and_(*[f for k in others for f in facet_filters(k, selection[k])])
    out: dict[str, list[tuple[str, int]]] = {}
    for key, values in library.facets(everything, with_none=True).items():
        if key not in others:
            out[key] = [(fv.value, fv.count) for fv in values]
    for key in others:
        rest = base.and_(*[f for k in others if k != key for f in facet_filters(k, selection[k])])
        out[key] = [(fv.value, fv.count) for fv in _one_facet(library, rest, key)]
    return out


def facet_counts_checked(library: LibraryStore, base: Segment, selection: dict[str, list[str]]
                         ) -> dict[str, list[tuple[str, int]]] | str:
    """``facet_counts``, or the one line saying what the typed search names that the library does not have
    (an unknown key, value, goal or tag: shown in the status bar, never a silent zero)."""
    from replaylens.analysis.vocabulary import check_segment
    from replaylens.errors import UnknownNameError

    try:
        check_segment(library, base)
    except UnknownNameError as exc:
        return str(exc)
    return facet_counts(library, base, selection)


def _one_facet(library: LibraryStore, segment: Segment, key: str) -> list[Any]:
    """One facet's counts. Adapter: the store's ``facets(keys=[k])`` fails for ``goal`` / ``finding`` / ``tag``
    alone (reported to the library core); then all facets are asked for and one is kept."""
    try:
        return list(library.facets(segment, keys=[key], with_none=True).get(key, []))
    except Exception:
        return list(library.facets(segment, with_none=True).get(key, []))


class FacetSidebar(QTreeWidget):
    """Emits ``selection_changed`` with {facet key: [ticked values]} after every click."""

    selection_changed = Signal(dict)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("facets")
        self.setColumnCount(2)
        self.setHeaderLabels(["Filter by", "Sessions"])
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.header().setStretchLastSection(False)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setMinimumWidth(280)
        self.selection: dict[str, list[str]] = {}
        self._open: dict[str, bool] = {}  # facets the user folded or unfolded
        self.itemClicked.connect(self._clicked)
        self.itemCollapsed.connect(lambda it: self._open.__setitem__(str(it.data(0, ROLE_KEY)), False))
        self.itemExpanded.connect(lambda it: self._open.__setitem__(str(it.data(0, ROLE_KEY)), True))

    # -- state ------------------------------------------------------------------------------------------------
    def filters(self) -> list[Filter]:
        return [f for k, vs in self.selection.items() for f in facet_filters(k, vs)]

    def set_selection(self, selection: dict[str, list[str]], emit: bool = True) -> None:
        self.selection = {k: list(v) for k, v in selection.items() if v}
        self._sync_checks()
        if emit:
            self.selection_changed.emit(dict(self.selection))

    def toggle(self, key: str, value: str) -> None:
        """Tick or untick one value (what a click does)."""
        vals = self.selection.setdefault(key, [])
        if value in vals:
            vals.remove(value)
        else:
            vals.append(value)
        if not vals:
            del self.selection[key]
        self._sync_checks()
        self.selection_changed.emit(dict(self.selection))

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        value = item.data(0, ROLE_VALUE)
        if value is None:  # a facet title (folds with its arrow) or the "none yet" line
            return
        self.toggle(str(item.data(0, ROLE_KEY)), str(value))

    def _tops(self) -> list[QTreeWidgetItem]:
        return [t for i in range(self.topLevelItemCount()) if (t := self.topLevelItem(i)) is not None]

    @staticmethod
    def _children(top: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        return [c for j in range(top.childCount()) if (c := top.child(j)) is not None]

    def _sync_checks(self) -> None:
        for top in self._tops():
            key = str(top.data(0, ROLE_KEY))
            for child in self._children(top):
                if child.data(0, ROLE_VALUE) is None:  # the "none yet" line
                    continue
                on = str(child.data(0, ROLE_VALUE)) in self.selection.get(key, [])
                child.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    # -- counts -----------------------------------------------------------------------------------------------
    def value_count(self, key: str, value: str) -> int | None:
        """The count shown beside a value (for tests and the status line)."""
        item = self.value_item(key, value)
        return None if item is None else int(item.data(1, ROLE_VALUE))

    def values(self, key: str) -> list[str]:
        """The values listed under a facet."""
        for top in self._tops():
            if top.data(0, ROLE_KEY) == key:
                return [str(c.data(0, ROLE_VALUE)) for c in self._children(top) if c.data(0, ROLE_VALUE) is not None]
        return []

    def value_item(self, key: str, value: str) -> QTreeWidgetItem | None:
        for top in self._tops():
            if top.data(0, ROLE_KEY) == key:
                for child in self._children(top):
                    if child.data(0, ROLE_VALUE) == value:
                        return child
        return None

    def set_counts(self, counts: dict[str, list[tuple[str, int]]]) -> None:
        """Rebuild the tree with new counts, keeping ticks, folds and the scroll position."""
        bar = self.verticalScrollBar().value()
        self.clear()
        keys = [k for k in OPEN_FACETS if k in counts] + sorted(k for k in counts if k not in OPEN_FACETS)
        bold = QFont(self.font())
        bold.setBold(True)
        for key in keys:
            values = sorted(counts[key]) if key in SORT_BY_VALUE else list(counts[key])
            values = [v for v in values if v[0] != NONE] + [v for v in values if v[0] == NONE]  # "No campaign" last
            if key in HIDDEN_FACETS or key.startswith("answer_text:") or self._id_like(values):
                continue
            for v in self.selection.get(key, []):  # a ticked value stays visible at 0
                if v not in {x for x, _ in values}:
                    values.append((v, 0))
            top = QTreeWidgetItem([key_label(key), ""])
            top.setData(0, ROLE_KEY, key)
            top.setFont(0, bold)
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addTopLevelItem(top)
            if not values:
                empty = QTreeWidgetItem(["none yet", ""])
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                empty.setForeground(0, QBrush(QColor("#6b7280")))
                top.addChild(empty)
            for value, n in values:
                child = QTreeWidgetItem([value_label(key, value), f"{n:,}"])
                child.setData(0, ROLE_KEY, key)
                child.setData(0, ROLE_VALUE, value)
                child.setData(1, ROLE_VALUE, n)
                child.setToolTip(0, f"{key_label(key)}: {value_label(key, value)} — {n:,} sessions. Click to filter.")
                child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                top.addChild(child)
            top.setExpanded(self._open.get(key, key in OPEN_FACETS or key in self.selection
                                                or key.startswith("answer:")))
        self._sync_checks()
        self.verticalScrollBar().setValue(bar)

    @staticmethod
    def _id_like(values: list[tuple[str, int]]) -> bool:
        """A column of ids (every value once) is no use as a facet."""
        return len(values) >= 20 and all(n == 1 for _, n in values)
