"""A virtualised table over the library catalogue: the model knows the row count and holds a few pages of rows.

Windowed paging: ``rowCount`` is the number of matching sessions (so the scroll bar is true from the start); a
row not in the cache shows empty and asks the background worker for its page (``PAGE`` rows, sorted and
filtered by the store). When the page arrives the rows repaint. A filter, sort or column change starts a new
*generation*: older answers are dropped. At most ``MAX_PAGES`` pages stay cached (least recently used go first),
so 100,000 rows scroll with a few thousand rows in memory. The questions run in a ``QueryWorker`` (one worker thread).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from replaylens.model.segment import Segment
from replaylens.ui.jobs import QtJobRunner
from replaylens.ui.library.columns import Column, display

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

# -- one worker thread per asker (a one-thread ``QtJobRunner``): ``submit(key, fn)`` queues ``fn``; the answer
# comes back on the UI thread as ``done(key, result)`` (or ``failed(key, message)``), in the order asked. Keys carry
# a generation so answers to questions no longer asked are dropped. The thread keeps its own DuckDB cursor (the
# store's rule), so queries never block the window.


class QueryWorker(QObject):
    done = Signal(object, object)  # (key, result)
    failed = Signal(object, str)  # (key, message)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = QtJobRunner(self, max_workers=1, name="replaylens-query")
        self._asked = 0

    def submit(self, key: Hashable, fn: Callable[[], Any]) -> None:
        self._asked += 1  # every question is its own job: none supersedes another (writes are among them)
        job = self._runner.submit((self._asked, key), lambda _token, _progress: fn())
        job.done.connect(lambda result: self.done.emit(key, result))
        job.failed.connect(lambda message: self.failed.emit(key, message))

    @property
    def busy(self) -> bool:
        """Jobs submitted whose answer has not reached the UI thread yet."""
        return self._runner.running()

    def stop(self, wait_ms: int = 10_000) -> None:
        """Let the questions already asked finish (writes among them), then end the thread."""
        self._runner.runner.wait(wait_ms / 1000)
        self._runner.shutdown(wait_ms)


PAGE = 200
MAX_PAGES = 40
RECENT = 6  # a page asked for before the last six (a fast scroll went past it) is not fetched
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class SessionTableModel(QAbstractTableModel):
    """Rows of ``library.rows(segment, sort=…)``; call ``set_query`` to filter or sort, ``refresh`` after tags."""

    count_changed = Signal(int)  # matching sessions, once the store has counted them
    page_loaded = Signal(int)  # page number
    query_failed = Signal(str)

    def __init__(self, library: LibraryStore, worker: QueryWorker, parent: Any = None) -> None:
        super().__init__(parent)
        self.library = library
        self.worker = worker
        self.worker.done.connect(self._answer)
        self.worker.failed.connect(self._failed)
        self.columns: list[Column] = []
        self.segment = Segment()
        self.sort_key = "start"
        self.descending = True
        self.total = 0
        self.counted = False
        self._has_total = False  # a count of the current columns arrived (so a refresh can keep the rows)
        self._gen = 0
        self._pages: OrderedDict[int, dict[str, list[Any]]] = OrderedDict()
        self._asked: set[int] = set()
        self._page_gen: dict[int, int] = {}  # page -> the generation it was fetched in
        self._recent: deque[int] = deque(maxlen=RECENT)  # the pages asked for last: the ones worth fetching
        self._grow = False  # a live refresh: new rows are inserted, the rows shown and the selection stay

    # -- the query --------------------------------------------------------------------------------------------
    def set_columns(self, columns: list[Column], query: bool = True) -> None:
        """Show these columns; ``query`` False when a ``set_query`` follows at once (one question, not two)."""
        self.beginResetModel()
        self.columns = list(columns)
        self._pages.clear()
        self._page_gen.clear()
        self._asked.clear()
        self._gen += 1
        self._has_total = False
        self.endResetModel()
        if query:
            self._count()

    def set_query(self, segment: Segment | None = None, sort: str | None = None,
                  descending: bool | None = None) -> None:
        if segment is not None:
            self.segment = segment
        if sort is not None:
            self.sort_key = sort
        if descending is not None:
            self.descending = descending
        self.refresh()

    def refresh(self, grow: bool = False) -> None:
        """Ask again (after tagging, an import, a new filter); the rows shown stay until the new count comes.
        ``grow``: sessions were added (a collector): more rows are inserted instead of a reset, so the view keeps
        its selection and scroll position while the new pages come."""
        self._grow = grow
        self._gen += 1
        self._asked.clear()
        self._count()

    def _count(self) -> None:
        gen, seg = self._gen, self.segment
        self.counted = False
        self.worker.submit(("count", gen), lambda: self.library.count(seg))
        self._ask(0)

    def _ask(self, page: int) -> None:
        if page in self._asked:
            return
        self._asked.add(page)
        self._recent.append(page)
        recent = self._recent
        gen, seg, sort, desc = self._gen, self.segment, self.sort_key, self.descending
        attrs = [c.key[5:] for c in self.columns if c.key.startswith("attr:")]

        def fetch() -> dict[str, list[Any]] | None:
            if page not in list(recent):  # scrolled past while queued: skip it (asked again if it shows)
                return None
            t = self.library.rows(seg, sort=sort, descending=desc, limit=PAGE, offset=page * PAGE,
                                  attributes=attrs, goals=True)
            return {name: t.column(name).to_pylist() for name in t.column_names}

        self.worker.submit(("page", gen, page), fetch)

    def _answer(self, key: Any, result: Any) -> None:
        if not isinstance(key, tuple) or key[0] not in ("count", "page") or key[1] != self._gen:
            return  # another asker's answer, or an answer to an older question
        if key[0] == "count":
            n = int(result)
            if self._grow and self._has_total and n > self.total:
                self.beginInsertRows(_ROOT, self.total, n - 1)
                self.total = n
                self.endInsertRows()
            elif n != self.total or not self._has_total:
                self.beginResetModel()
                self.total = n
                for stale in [p for p, g in self._page_gen.items() if g != self._gen]:
                    self._pages.pop(stale, None)
                    self._page_gen.pop(stale)
                self.endResetModel()
                self._has_total = True
            elif n:  # same count (a tag was added): the old rows and the selection stay until fresh pages come
                self.dataChanged.emit(self.index(0, 0), self.index(n - 1, max(0, len(self.columns) - 1)))
            self._grow = False
            self.counted = True
            self.count_changed.emit(self.total)
        elif key[0] == "page" and result is None:
            self._asked.discard(int(key[2]))
        elif key[0] == "page":
            page = int(key[2])
            self._pages[page] = result
            self._pages.move_to_end(page)
            self._page_gen[page] = self._gen
            while len(self._pages) > MAX_PAGES:
                old, _ = self._pages.popitem(last=False)
                self._page_gen.pop(old, None)
                self._asked.discard(old)
            if self.counted:
                first, last = page * PAGE, min(self.total, (page + 1) * PAGE) - 1
                if last >= first:
                    self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))
            self.page_loaded.emit(page)

    def _failed(self, key: Any, message: str) -> None:
        if isinstance(key, tuple) and key[0] in ("count", "page") and key[1] == self._gen:
            self.query_failed.emit(message)

    # -- rows -------------------------------------------------------------------------------------------------
    def row_values(self, row: int, stale_ok: bool = False) -> dict[str, Any] | None:
        """Every fetched column of ``row`` (None while its page is on its way). ``stale_ok``: also a page from
        before the last change (what the screen shows meanwhile; never used to act on a session)."""
        page = self._pages.get(row // PAGE)
        if page is None or not (stale_ok or self._page_gen.get(row // PAGE) == self._gen):
            return None
        i = row % PAGE
        ids = page.get("session_id", [])
        if i >= len(ids):
            return None
        return {k: v[i] for k, v in page.items()}

    def session_id(self, row: int) -> str | None:
        vals = self.row_values(row)
        return None if vals is None else str(vals["session_id"])

    def loaded_pages(self) -> list[int]:
        return sorted(self._pages)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            vals = self.row_values(row, stale_ok=True)
            if vals is None or self._page_gen.get(row // PAGE) != self._gen:
                self._ask(row // PAGE)  # missing, or from before the last change: shown until the new one comes
            if vals is None:
                return "…" if index.column() == 0 else ""
            return display(col, vals.get(col.key))
        if role == Qt.ItemDataRole.TextAlignmentRole and col.kind in ("int", "ms", "goal"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.kind == "goal":
            vals = self.row_values(row, stale_ok=True)
            if vals is not None and vals.get(col.key) is not None:
                return QColor("#1b7f3b")
        if role == Qt.ItemDataRole.ToolTipRole:
            vals = self.row_values(row, stale_ok=True)
            if vals is not None and col.kind == "url":
                return str(vals.get(col.key) or "")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].label
            if role == Qt.ItemDataRole.ToolTipRole:
                c = self.columns[section]
                return (c.tip + "\n" if c.tip else "") + "Click to sort; right-click to choose columns"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return f"{section + 1:,}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the store's job: a new query, never a Python sort."""
        if 0 <= column < len(self.columns):
            self.set_query(sort=self.columns[column].key, descending=order == Qt.SortOrder.DescendingOrder)
