"""Between the viewer and the library: File ▸ Open Library, the Library window, opening a session from it, and
next / previous session of the segment shown there (Ctrl+] / Ctrl+[ in the viewer)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from replaylens.ui.jobs import QtJob

if TYPE_CHECKING:
    from replaylens.model.session import Session
    from replaylens.store.library import LibraryStore
    from replaylens.ui.library.window import LibraryWindow
    from replaylens.ui.loader import SessionLoader
    from replaylens.ui.state import ViewerState
    from replaylens.ui.timeline import Timeline

CATALOGUE = "catalogue.duckdb"


def show_answers(timeline: Timeline, library: LibraryStore, session_id: str) -> int:
    """Put the session's survey answers on the timeline's answers row; returns how many."""
    from replaylens.ui.library.survey_dialog import answer_marks

    times, labels, captions = answer_marks(library, session_id)
    timeline.set_answers(times, labels, captions)
    return len(labels)


class LibraryController(QObject):
    session_opened = Signal(str)  # session id, once it shows in the viewer

    def __init__(self, state: ViewerState, main: QMainWindow, timeline: Timeline, loader: SessionLoader) -> None:
        super().__init__(main)
        self.state = state
        self.main = main  # the viewer window: parent of dialogs, raised when a session opens
        self.timeline = timeline
        self.loader = loader  # the viewer's one opener: a library session opens like a file
        self.library: LibraryStore | None = None
        self.window: LibraryWindow | None = None
        self.nav: list[str] = []  # the segment's session ids in table order
        self.pos = -1
        self.current: str | None = None
        self._job: QtJob | None = None  # the library open in flight
        state.session_changed.connect(self._session_shown)
        self.nav_actions: list[Any] = []

    # -- the library ------------------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        from replaylens.io.library import default_library_dir

        start = str(self.state.settings.value("library/last", str(default_library_dir())))
        path = QFileDialog.getExistingDirectory(self.main, "Open a library folder", start)
        if path:
            self.open_library(Path(path))

    def open_library(self, path: Path, *, ask_to_create: bool = True) -> LibraryWindow | None:
        from replaylens.store.library import LibraryError, open_library
        from replaylens.ui.library.window import LibraryWindow

        if ask_to_create and not (path / CATALOGUE).is_file():
            answer = QMessageBox.question(
                self.main, "Create a library?", f"{path} is not a library yet.\n\nCreate an empty library in this "
                "folder? You can then drop folders of recordings on the Library window.")
            if answer != QMessageBox.StandardButton.Yes:
                return None
        try:
            lib = open_library(path)
        except (LibraryError, OSError) as exc:
            QMessageBox.critical(self.main, "Cannot open the library", f"{path}\n\n{exc}")
            return None
        self._apply_engine(lib)
        self.close_library()
        self.library = lib
        self.state.settings.setValue("library/last", str(path))
        self.window = LibraryWindow(lib)
        self.window.open_requested.connect(self.open_from_table)
        self.window.open_at_requested.connect(lambda sid, t: self.open_session(sid, seek_ms=t))
        self.window.worker.done.connect(self._nav_answer)
        self.window.show()
        self.window.raise_()
        return self.window

    def _apply_engine(self, lib: LibraryStore) -> None:
        """The Preferences' engine (Spark starts at the first query, in the window's worker thread)."""
        from replaylens.store.engine import parse_engine

        choice = str(self.state.settings.value("library/engine", "duckdb"))
        try:
            spec = parse_engine(choice, str(self.state.settings.value("library/spark_events_uri", "")) or None)
            if spec.kind != "duckdb":
                lib.use_engine(spec)
        except ValueError as exc:
            QMessageBox.warning(self.main, "Library queries", f"{exc}\n\nUsing DuckDB on this computer.")

    def collect_dialog(self) -> None:
        """File ▸ Collect sessions…: the collector of the open library (a library is asked for first)."""
        from replaylens.ui.library.collect_panel import open_collect_panel

        if self.window is None:
            self.open_dialog()
        if self.window is not None:
            self.window.show()
            open_collect_panel(self.window)

    def show_window(self) -> None:
        if self.window is None:
            self.open_dialog()
        else:
            self.window.show()
            self.window.raise_()
            self.window.activateWindow()

    def close_library(self) -> None:
        if self.window is not None:
            self.window.shutdown()
            self.window.deleteLater()
            self.window = None
        self.wait()
        if self.library is not None:
            self.library.close()
            self.library = None
        self.state.library = self.state.library_session = None
        self.nav, self.pos = [], -1
        self._update_actions()

    # -- sessions ---------------------------------------------------------------------------------------------
    def open_from_table(self, session_id: str, row: int) -> None:
        """A double-click: remember the segment's order for next / previous, then open the session."""
        w, lib = self.window, self.library
        assert w is not None and lib is not None
        seg, sort, desc = w.model.segment, w.model.sort_key, w.model.descending
        self.nav, self.pos = [session_id], 0
        w.worker.submit(("nav", session_id), lambda: lib.ids(seg, sort=sort, descending=desc))
        self.open_session(session_id)

    def _nav_answer(self, key: Any, result: Any) -> None:
        if isinstance(key, tuple) and key[0] == "nav" and self.nav and key[1] == self.nav[self.pos]:
            ids = list(result)
            self.nav = ids
            self.pos = ids.index(key[1]) if key[1] in ids else -1
            self._update_actions()
            self._say()

    def open_session(self, session_id: str, seek_ms: float | None = None) -> None:
        """Open a library session in the viewer, at ``seek_ms`` (ms from its start) when given."""
        if self.library is None:
            return
        job = self.loader.open_library(self.library, session_id, keep_time=seek_ms)
        job.done.connect(lambda _opened: self._opened(session_id))  # after the loader showed it
        self._job = job

    def _session_shown(self, session: Session | None) -> None:
        """The same library session shown again (its page pictures swapped in): its answers stay on the timeline."""
        if session is not None and self.library is not None and self.current == session.manifest.session_id:
            show_answers(self.timeline, self.library, self.current)

    def _opened(self, sid: str) -> None:
        self.current = sid
        self.state.library, self.state.library_session = self.library, sid
        if self.library is not None:
            show_answers(self.timeline, self.library, sid)
        self.main.show()
        self.main.raise_()
        self.main.activateWindow()
        self._update_actions()
        self._say()
        if self.window is not None and self.nav and 0 <= self.pos < self.window.model.rowCount():
            self.window.table.selectRow(self.pos)
        self.session_opened.emit(sid)

    def step(self, delta: int) -> None:
        """Next (+1) or previous (−1) session of the segment."""
        if not self.nav or self.pos < 0:
            self.main.statusBar().showMessage("Open a session from the Library window first", 5000)
            return
        new = self.pos + delta
        if not 0 <= new < len(self.nav):
            self.main.statusBar().showMessage("That was the " + ("last" if delta > 0 else "first")
                                              + " session of this segment", 5000)
            return
        self.pos = new
        self.open_session(self.nav[new])

    def _say(self) -> None:
        if self.nav and self.pos >= 0 and self.current == self.nav[self.pos]:
            self.main.statusBar().showMessage(
                f"Library session {self.pos + 1:,} of {len(self.nav):,} in this segment · "
                "Ctrl+] next · Ctrl+[ previous")

    def _update_actions(self) -> None:
        for act in self.nav_actions:
            act.setEnabled(bool(self.nav))

    def wait(self, ms: int = 10_000) -> None:
        """Stop the library open in flight (the library is about to close under it)."""
        job, self._job = self._job, None
        if job is not None and job.running:
            self.loader.cancel()
            job.wait(ms)
