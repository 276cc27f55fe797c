"""The Library window: facets on the left, the session table, a search box and saved segments on top.

Every question to the library (counts, pages of rows, facets, tags) goes through one ``QueryWorker`` thread;
the window only draws answers. Double-click a session to watch it in the viewer; Ctrl+] / Ctrl+[ there move to
the next / previous session of the segment shown here. Drop a folder on the window to add its recordings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from replaylens.model.segment import Filter, Segment
from replaylens.ui.compare import attach as attach_analysis
from replaylens.ui.geometry import fit_to_screen
from replaylens.ui.library import actions, render_job
from replaylens.ui.library.audit_menu import privacy_menu
from replaylens.ui.library.collect_panel import file_menu
from replaylens.ui.library.columns import BUILTIN, DEFAULT_VISIBLE, Column, attribute_column, goal_column
from replaylens.ui.library.facets import FacetSidebar, describe, facet_counts_checked, search_filters, split_segment
from replaylens.ui.library.live import LiveRefresh
from replaylens.ui.library.table_model import QueryWorker, SessionTableModel

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore
    from replaylens.ui.library.ingest_job import IngestJob
    from replaylens.ui.library.render_job import RenderStageJob


class LibraryWindow(QMainWindow):
    """``open_requested(session_id, row)`` asks the viewer to show a session (the controller listens);
    ``open_at_requested(session_id, t_ms)`` asks it to show one at a moment (a funnel drop-off)."""

    open_requested = Signal(str, int)
    open_at_requested = Signal(str, float)

    def __init__(self, library: LibraryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.setObjectName("library_window")
        self.setWindowTitle(f"{library.root.name} — Library — Replay Lens")
        self.setAcceptDrops(True)
        self.settings = QSettings()
        self.worker = QueryWorker(self)  # rows, counts, writes: what the table waits for
        self.worker.done.connect(self._answer)
        self.worker.failed.connect(self._failed)
        self._unknown = ("", "")  # (search text, what the library said is unknown in it)
        self.facet_worker = QueryWorker(self)  # facet counts take longer: their own thread, so rows never wait
        self.facet_worker.done.connect(self._answer)
        self.facet_worker.failed.connect(self._failed)
        self.model = SessionTableModel(library, self.worker, self)
        self.model.count_changed.connect(self._counted)
        self.live = LiveRefresh(self)  # new sessions while the window is open (the collector)
        self.model.query_failed.connect(lambda m: self.statusBar().showMessage(f"The library could not answer: {m}"))
        self.extra_filters: list[Filter] = []  # conditions of a picked saved segment that are not facet ticks
        self.all_columns: list[Column] = list(BUILTIN)
        self._goals: list[Column] = []
        self.total_sessions: int | None = None
        self._facet_gen = 0
        self.ingest: IngestJob | None = None  # while a dropped folder is being added
        self.render_stage: RenderStageJob | None = None  # page pictures being made (ui/library/render_job.py)
        self.collector: Any = None  # ui.library.collect_panel.CollectService, once File ▸ Collect sessions… ran
        self.collect_panel: Any = None
        self._shut = False

        self.search = QLineEdit()
        self.search.setObjectName("library_search")
        self.search.setPlaceholderText("Search pages and buttons (e.g. deposit), or filter: campaign=songkran")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=350)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.segments = QComboBox()
        self.segments.setObjectName("library_segments")
        self.segments.setMinimumContentsLength(22)
        self.segments.setToolTip("Saved segments: pick one to show its sessions")
        self.segments.activated.connect(self._segment_picked)
        save = QPushButton("Save as segment…")
        save.setObjectName("library_save_segment")
        save.setToolTip("Keep the current filters under a name, for later and for the command line")
        save.clicked.connect(lambda: actions.save_segment_dialog(self))
        add = QPushButton("Add recordings…")
        add.setToolTip("Add a folder of session files to this library (or drop the folder on this window)")
        add.clicked.connect(lambda: actions.add_folder_dialog(self))
        surveys = QPushButton("Import survey answers…")
        surveys.setObjectName("library_import_surveys")
        surveys.setToolTip("Typeform, SurveyMonkey, PostHog, Zigpoll, Qualaroo, Hotjar or any CSV: answers are "
                           "matched to their sessions and show as columns, filters and on the replay timeline")
        surveys.clicked.connect(lambda: self._import_surveys())
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear_filters)
        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(QLabel("Segment:"))
        top.addWidget(self.segments, 1)
        top.addWidget(save)
        top.addWidget(self.clear_button)
        top.addWidget(add)
        top.addWidget(surveys)

        self.facets = FacetSidebar()
        self.facets.selection_changed.connect(lambda _s: self.apply_filters())
        self.table = QTableView()
        self.table.setObjectName("library_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setSectionsMovable(True)
        self.table.horizontalHeader().setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.horizontalHeader().customContextMenuRequested.connect(
            lambda pos: actions.columns_menu(self, self.table.horizontalHeader().mapToGlobal(pos)))
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setMinimumWidth(56)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(
            lambda pos: actions.rows_menu(self, self.table.viewport().mapToGlobal(pos)))
        self.table.doubleClicked.connect(lambda idx: self.open_row(idx.row()))
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, lambda: self.open_row(self.table.currentIndex().row()))
        self.empty = QLabel()
        self.empty.setObjectName("library_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #4b5563; font-size: 15px; padding: 40px;")
        self.empty.hide()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.empty)
        rl.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("library_split")
        split.addWidget(self.facets)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([320, 1200])
        split.setChildrenCollapsible(False)
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.addLayout(top)
        cl.addWidget(split, 1)
        self.setCentralWidget(central)
        self.count_label = QLabel("Counting sessions…")
        self.count_label.setObjectName("library_count")
        self.statusBar().addPermanentWidget(self.count_label)
        self.privacy_label = QLabel()
        self.privacy_label.setObjectName("library_privacy")
        self.privacy_label.setToolTip("The last privacy audit of this library (Privacy ▸ Run Privacy Audit)")
        self.statusBar().addPermanentWidget(self.privacy_label)
        self.audit_job: Any = None  # while a privacy audit runs
        self.statusBar().showMessage("Double-click a session to watch it · right-click to tag · drop a folder to add")
        fit_to_screen(self, 1500, 900)  # at most the screen it opens on
        self.analysis_views: list[Any] = []  # Compare / Funnel / A/B windows opened from the Analyse menu
        file_menu(self)  # File ▸ Collect sessions…, Add recordings… (leftmost)
        attach_analysis(self)
        privacy_menu(self)
        render_job.attach(self)
        self.reload_meta()
        # rrweb sessions added without their page pictures (`library add --no-render`, an interrupted stage)
        QTimer.singleShot(800, lambda: None if self._shut else render_job.start(self))

    # -- what the library has ---------------------------------------------------------------------------------
    def reload_meta(self) -> None:
        """Goals and saved segments (quick), then the rows and facets; the attribute keys (slower, only needed
        for the columns menu) come after the first rows."""
        lib = self.library
        self.worker.submit(("meta",), lambda: (lib.goals(), lib.segments(), lib.count()))
        self.facet_worker.submit(("attrs",), lib.attribute_keys)

    def live_refresh(self) -> None:
        """New sessions arrived (the collector): see ``ui.library.live``."""
        self.live.refresh()

    def _columns_wanted(self) -> list[str]:
        wanted = self.settings.value("library/columns")
        return [str(x) for x in wanted] if isinstance(wanted, list) and wanted else list(DEFAULT_VISIBLE)

    def _set_meta(self, goals: list[Any], segments: list[Any], total: int) -> None:
        self.total_sessions = total
        self._goals = [goal_column(g.name) for g in goals]
        wanted = self._columns_wanted()
        attrs = [attribute_column(k[5:]) for k in wanted if k.startswith("attr:")]
        self._set_all_columns(attrs)
        visible = [c for c in self.all_columns if c.key in wanted or (
            "goal:*" in wanted and c.key.startswith("goal:")) or (
            "answer:*" in wanted and c.key.startswith(("attr:answer:", "attr:answer_text:")))]
        self.model.set_columns(visible or list(BUILTIN[:4]), query=False)
        self._fit_columns()
        self.set_saved_segments([s.name for s in segments])
        self.apply_filters()

    def _set_all_columns(self, attrs: list[Column]) -> None:
        seen = {c.key for c in attrs}
        extra = [c for c in self.all_columns if c.key.startswith("attr:") and c.key not in seen]
        self.all_columns = [*BUILTIN[:2], *attrs, *extra, *self._goals, *BUILTIN[2:]]

    def _set_attribute_keys(self, keys: list[Any]) -> None:
        self._set_all_columns([attribute_column(k.name) for k in keys if k.name not in ("user_id", "device_class")])
        if "answer:*" in self._columns_wanted():  # survey questions are known only now: show their answers
            shown = {c.key for c in self.model.columns}
            answers = [c for c in self.all_columns if c.key.startswith(("attr:answer:", "attr:answer_text:"))
                       and c.key not in shown]
            if answers:
                self.model.set_columns([*self.model.columns, *answers])
                self._fit_columns()

    def _import_surveys(self) -> None:
        from replaylens.ui.library.survey_dialog import import_surveys_dialog

        import_surveys_dialog(self)

    def _fit_columns(self) -> None:
        widths = {"time": 150, "ms": 80, "int": 90, "url": 260, "tags": 160}
        fm = self.table.horizontalHeader().fontMetrics()
        for i, c in enumerate(self.model.columns):
            label = fm.horizontalAdvance(c.label) + 34  # room for the sort arrow
            self.table.setColumnWidth(i, max(label, widths.get(c.kind, 120)))

    def set_visible_columns(self, keys: list[str]) -> None:
        cols = [c for c in self.all_columns if c.key in keys]
        self.settings.setValue("library/columns", [c.key for c in cols])
        self.model.set_columns(cols)
        self._fit_columns()
        self._sync_sort_indicator()

    def set_saved_segments(self, names: list[str], current: str | None = None) -> None:
        self.segments.blockSignals(True)
        self.segments.clear()
        self.segments.addItem("All sessions" if not names else "All sessions (no segment)", None)
        for n in names:
            self.segments.addItem(n, n)
        if current is not None:
            self.segments.setCurrentIndex(max(0, self.segments.findData(current)))
        self.segments.blockSignals(False)

    # -- filters ----------------------------------------------------------------------------------------------
    def current_segment(self) -> Segment:
        return Segment(tuple(self.extra_filters) + tuple(self.facets.filters()) + tuple(self.search_part()))

    def search_part(self) -> list[Filter]:
        filters, error = search_filters(self.search.text())
        unknown = self.search.text() == self._unknown[0] and self._unknown[1]  # the library said: no such key
        self.search.setStyleSheet("border: 1px solid #c0392b;" if error or unknown else "")
        self.search.setToolTip(error or unknown or "Words are looked for in page addresses, page titles and "
                                                   "clicked labels")
        if error:
            self.statusBar().showMessage(error, 8000)
        return filters

    def apply_filters(self) -> None:
        seg = self.current_segment()
        self.model.set_query(seg)
        self.refresh_facets()

    def refresh_facets(self) -> None:
        self._facet_gen += 1
        base = Segment(tuple(self.extra_filters) + tuple(self.search_part()))
        sel, lib = dict(self.facets.selection), self.library
        self.facets.setHeaderLabels(["Filter by", "Counting…"])
        self.facet_worker.submit(("facets", self._facet_gen), lambda: facet_counts_checked(lib, base, sel))

    def clear_filters(self) -> None:
        self.extra_filters = []
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.set_saved_segments([self.segments.itemData(i) for i in range(1, self.segments.count())])
        self.facets.set_selection({}, emit=False)
        self.apply_filters()

    def apply_segment(self, name: str, segment: Segment) -> None:
        """Show a saved segment: its facet ticks in the sidebar, its words in the search box, the rest kept as
        extra conditions (listed in the status bar)."""
        selection, text, extra = split_segment(segment)
        self.extra_filters = extra
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)
        self.facets.set_selection(selection, emit=False)
        self.segments.setCurrentIndex(max(0, self.segments.findData(name)))
        self.apply_filters()
        if extra:
            self.statusBar().showMessage(f"“{name}” also keeps only sessions where: "
                                         + "; ".join(describe(f) for f in extra), 20_000)

    def _segment_picked(self, index: int) -> None:
        name = self.segments.itemData(index)
        if name is None:
            self.clear_filters()
            return
        lib = self.library
        self.worker.submit(("segment", name), lambda: lib.get_segment(name))

    # -- answers ----------------------------------------------------------------------------------------------
    def _answer(self, key: Any, result: Any) -> None:
        if not isinstance(key, tuple):
            return
        if key[0] == "meta":
            self._set_meta(*result)
        elif key[0] == "live":
            self.live.counted(*result)
        elif key[0] == "attrs":
            self._set_attribute_keys(result)
        elif key[0] == "facets" and key[1] == self._facet_gen and isinstance(result, str):
            self._unknown_name(result)
        elif key[0] == "facets" and key[1] == self._facet_gen:
            self.facets.set_counts(result)
            self.facets.setHeaderLabels(["Filter by", "Sessions"])
        elif key[0] == "segment" and result is not None:
            self.apply_segment(str(key[1]), result)
        elif key[0] == "action":
            actions.action_done(self, key, result)

    def _unknown_name(self, text: str) -> None:
        """A typed campaing=x: what is unknown, what the library has, the nearest match (never a silent zero)."""
        self._unknown = (self.search.text(), text)
        self.search.setStyleSheet("border: 1px solid #c0392b;")
        self.search.setToolTip(text)
        self.facets.setHeaderLabels(["Filter by", "Sessions"])
        self.statusBar().showMessage(text[:1].upper() + text[1:], 15_000)
        if not self.empty.isHidden():  # the table's own answer came first: say why it is empty
            self.empty.setText(text[:1].upper() + text[1:])

    def _failed(self, key: Any, message: str) -> None:
        if isinstance(key, tuple) and key[0] in ("meta", "attrs", "facets", "segment", "action"):
            self.statusBar().showMessage(f"Something went wrong asking the library: {message}", 15_000)

    def _counted(self, n: int) -> None:
        total = self.total_sessions
        filtered = bool(self.current_segment().filters)
        if total is not None and filtered:
            share = f" ({100 * n / total:.0f} %)" if total else ""
            self.count_label.setText(f"n = {n:,} of {total:,} sessions{share}")
        else:
            self.count_label.setText(f"n = {n:,} sessions")
        self.clear_button.setEnabled(filtered)
        unknown = self._unknown[1] if self.search.text() == self._unknown[0] else ""
        if n == 0:
            self.empty.setText("This library is empty. Drop a folder of recordings on this window, or use "
                               "Add recordings…" if not filtered else
                               (unknown[:1].upper() + unknown[1:]) if unknown else
                               "No session matches these filters. Untick a filter or press Clear filters.")
        self.empty.setVisible(n == 0)
        self._sync_sort_indicator()

    def _sync_sort_indicator(self) -> None:
        keys = [c.key for c in self.model.columns]
        header = self.table.horizontalHeader()
        if self.model.sort_key in keys:
            header.blockSignals(True)
            header.setSortIndicator(keys.index(self.model.sort_key), Qt.SortOrder.DescendingOrder
                                    if self.model.descending else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)

    @property
    def busy(self) -> bool:
        """A question to the library is still unanswered (rows, facets, a tag being written …)."""
        return self.worker.busy or self.facet_worker.busy

    # -- rows -------------------------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def open_row(self, row: int) -> None:
        sid = self.model.session_id(row) if row >= 0 else None
        if sid is not None:
            self.open_requested.emit(sid, row)

    # -- drop a folder ----------------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.isLocalFile() for u in e.mimeData().urls()):
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        if paths:
            e.acceptProposedAction()
            actions.start_ingest(self, paths)

    def closeEvent(self, event: Any) -> None:
        """Closing the window only hides it (File ▸ Show Library window brings it back, and next / previous
        session keep working); ``shutdown`` ends it for good."""
        if not self._shut:
            event.ignore()
            self.hide()
            return
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop an import (what it finished stays), the query threads and the timers; the window then closes."""
        if self.ingest is not None:
            self.ingest.cancel()
            self.ingest.wait()
        if self.collector is not None:
            self.collector.shutdown()
        if self.audit_job is not None:
            self.audit_job.cancel()
            self.audit_job.wait()
        render_job.stop(self)
        for view in list(self.analysis_views):
            view.close()
        self.worker.stop()
        self.facet_worker.stop()
        self._search_timer.stop()
        self.statusBar().clearMessage()  # its timeout timer goes with it
        self._shut = True
        self.close()
