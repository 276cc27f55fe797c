"""What the Library window's menus and buttons do: choose columns, tag / untag / note the selected sessions, save a
segment, add a folder. Writes run in the window's worker thread; the table and facets refresh when they finish."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

if TYPE_CHECKING:
    from replaylens.ui.library.window import LibraryWindow


def columns_menu(w: LibraryWindow, at: QPoint) -> QMenu:
    """Header right-click: tick the columns to show."""
    menu = QMenu(w)
    menu.setObjectName("columns_menu")
    shown = [c.key for c in w.model.columns]
    for col in w.all_columns:
        act = QAction(col.label, menu)
        act.setCheckable(True)
        act.setChecked(col.key in shown)
        act.setData(col.key)
        act.toggled.connect(lambda on, k=col.key: _toggle_column(w, k, on))
        menu.addAction(act)
    menu.addSeparator()
    menu.addAction("Default columns", lambda: _default_columns(w))
    menu.popup(at)
    return menu


def _default_columns(w: LibraryWindow) -> None:
    w.settings.remove("library/columns")
    w.reload_meta()


def _toggle_column(w: LibraryWindow, key: str, on: bool) -> None:
    keys = {c.key for c in w.model.columns}
    if on:
        keys.add(key)
    elif len(keys) > 1:
        keys.discard(key)
    w.set_visible_columns(list(keys))


def rows_menu(w: LibraryWindow, at: QPoint) -> QMenu | None:
    """Right-click on rows: watch, tag, untag, note."""
    rows = w.selected_rows()
    if not rows:
        return None
    n = len(rows)
    what = "this session" if n == 1 else f"these {n:,} sessions"
    menu = QMenu(w)
    menu.setObjectName("rows_menu")
    menu.addAction("Watch the replay", lambda: w.open_row(rows[0]))
    menu.addSeparator()
    menu.addAction(f"Add a tag to {what}…", lambda: tag_dialog(w, rows, add=True))
    menu.addAction(f"Remove a tag from {what}…", lambda: tag_dialog(w, rows, add=False))
    menu.addAction(f"Add a note to {what}…", lambda: note_dialog(w, rows))
    menu.popup(at)
    return menu


def selected_ids(w: LibraryWindow, rows: list[int]) -> list[str]:
    """Ids of the rows (the pages of selected rows are loaded: they were on screen when selected)."""
    return [sid for r in rows if (sid := w.model.session_id(r)) is not None]


def tag_dialog(w: LibraryWindow, rows: list[int], add: bool) -> None:
    known = w.facets.values("tag")
    if add:
        tag, ok = QInputDialog.getText(w, "Add a tag", f"Tag for {len(rows):,} session(s), e.g. songkran-2026:")
    else:
        tag, ok = QInputDialog.getItem(w, "Remove a tag", "Tag to remove:", known or [""], 0, True)
    if ok and tag.strip():
        tag_rows(w, rows, tag.strip(), add)


def tag_rows(w: LibraryWindow, rows: list[int], tag: str, add: bool) -> None:
    ids, lib = selected_ids(w, rows), w.library
    fn = (lambda: lib.tag(ids, tag)) if add else (lambda: lib.untag(ids, tag))
    w.worker.submit(("action", "tag" if add else "untag", tag), fn)


def note_dialog(w: LibraryWindow, rows: list[int]) -> None:
    text, ok = QInputDialog.getMultiLineText(w, "Add a note", f"Note for {len(rows):,} session(s):")
    if ok and text.strip():
        note_rows(w, rows, text.strip())


def note_rows(w: LibraryWindow, rows: list[int], text: str) -> None:
    ids, lib = selected_ids(w, rows), w.library
    w.worker.submit(("action", "note", ""), lambda: lib.add_note(ids, text))


def save_segment_dialog(w: LibraryWindow) -> None:
    name, ok = QInputDialog.getText(w, "Save as segment", "Name for the current filters (e.g. Songkran mobile):")
    if ok and name.strip():
        save_segment(w, name.strip())


def save_segment(w: LibraryWindow, name: str) -> None:
    seg, lib = w.current_segment(), w.library

    def run() -> list[str]:
        lib.save_segment(name, seg)
        return [s.name for s in lib.segments()]

    w.worker.submit(("action", "segment", name), run)


def action_done(w: LibraryWindow, key: tuple[Any, ...], result: Any) -> None:
    kind, arg = key[1], key[2]
    if kind == "survey":
        from replaylens.ui.library.survey_dialog import survey_done

        survey_done(w, str(arg), result)
        return
    if kind == "segment":
        w.set_saved_segments(list(result), current=str(arg))
        w.statusBar().showMessage(f"Saved the segment “{arg}”", 6000)
        return
    if kind in ("tag", "untag"):
        verb = "Tagged" if kind == "tag" else "Removed the tag from"
        w.statusBar().showMessage(f"{verb} {int(result):,} session(s) “{arg}”", 6000)
    elif kind == "note":
        w.statusBar().showMessage(f"Added a note to {int(result):,} session(s)", 6000)
    w.model.refresh()
    w.refresh_facets()


def add_folder_dialog(w: LibraryWindow) -> None:
    path = QFileDialog.getExistingDirectory(w, "Add recordings from a folder", str(Path.home()))
    if path:
        start_ingest(w, [path])


def start_ingest(w: LibraryWindow, paths: list[str]) -> None:
    from replaylens.ui.library.ingest_job import IngestJob

    if w.ingest is not None:
        QMessageBox.information(w, "Adding recordings", "Recordings are already being added; wait for that "
                                "to finish or cancel it.")
        return
    from replaylens.ui.library import render_job

    render_job.stop(w)  # one writer at a time: the pictures go on after the ingest
    job = IngestJob(w, w.library, paths)
    w.ingest = job
    job.finished_all.connect(lambda result: _ingested(w, result))
    job.start()


def _ingested(w: LibraryWindow, result: Any) -> None:
    from replaylens.ui.library import render_job

    w.ingest = None
    w.reload_meta()
    render_job.start(w)  # page pictures of the new rrweb sessions, in the background
