"""A Library window that fills live: sessions added while it is open (by its collector, File ▸ Collect sessions…)
appear as new rows, the facet counts and the footer's n follow, and the user's selection and scroll position stay
on the sessions they were on (the table model inserts rows instead of resetting; once the new pages are in, the
same sessions are selected again and the session that was at the top of the view is put back there)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView

from replaylens.ui.library.table_model import PAGE

if TYPE_CHECKING:
    from replaylens.ui.library.window import LibraryWindow


class LiveRefresh:
    def __init__(self, window: LibraryWindow) -> None:
        self.w = window
        self.keep: tuple[list[str], str | None] | None = None  # (selected ids, id of the top row) until restored
        window.model.page_loaded.connect(self.restore)

    def refresh(self) -> None:
        w = self.w
        if w._shut:
            return
        if self.keep is None:
            top = w.table.indexAt(w.table.viewport().rect().topLeft())
            at_top = w.table.verticalScrollBar().value() == 0
            ids = [w.model.session_id(r) for r in w.selected_rows()]
            top_id = None if at_top or not top.isValid() else w.model.session_id(top.row())
            self.keep = ([i for i in ids if i is not None], top_id)
        lib = w.library
        w.worker.submit(("live",), lambda: (lib.count(), lib.goals()))

    def counted(self, total: int, goals: list[Any]) -> None:
        w = self.w
        w.total_sessions = total
        if len(goals) != len(w._goals):  # a goal column more: the whole table is asked again
            self.keep = None
            w.reload_meta()
            return
        w.model.refresh(grow=True)
        w.refresh_facets()

    def restore(self, _page: int) -> None:
        keep, w = self.keep, self.w
        if keep is None or not w.model.counted:
            return
        ids, top_id = keep
        rows: dict[str, int] = {}
        for p in w.model.loaded_pages():
            for r in range(p * PAGE, min(w.model.total, (p + 1) * PAGE)):
                sid = w.model.session_id(r)
                if sid is not None:
                    rows[sid] = r
        if any(i not in rows for i in ids) or (top_id is not None and top_id not in rows):
            return  # their pages are still coming
        self.keep = None
        if [rows[i] for i in ids] != w.selected_rows():
            selection = QItemSelection()
            for i in ids:
                selection.select(w.model.index(rows[i], 0), w.model.index(rows[i], 0))
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
            w.table.selectionModel().select(selection, flags)
        if top_id is not None:
            w.table.scrollTo(w.model.index(rows[top_id], 0), QAbstractItemView.ScrollHint.PositionAtTop)
