"""File ▸ Collect sessions…: start and stop a collector for the open library (docs/capture.md).

``CollectService`` owns the ``replaylens.collect.Collector`` (its server thread and ingest thread, never the UI
thread) and tells the Library window when sessions arrived, so the window fills live. ``CollectPanel`` is the
non-modal window: where to listen, the token, the site's origins, Start / Stop, the address, the snippet to paste,
sessions today and the last error.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from replaylens.collect.config import DEFAULT_HOST, DEFAULT_PORT

if TYPE_CHECKING:
    from replaylens.collect import Collector
    from replaylens.ui.library.window import LibraryWindow


class CollectService(QObject):
    """The collector of one Library window. ``arrived`` is emitted on the UI thread after sessions reached the
    library (the collector calls back from its ingest thread; the signal crosses threads queued)."""

    arrived = Signal(list)
    changed = Signal()

    def __init__(self, window: LibraryWindow) -> None:
        super().__init__(window)
        self.window = window
        self.collector: Collector | None = None
        self.label = QLabel()
        self.label.setObjectName("collect_state")
        window.statusBar().addPermanentWidget(self.label)
        self.arrived.connect(self._arrived)
        self.changed.connect(self._say)

    def _arrived(self, _ids: list[str]) -> None:
        self.window.live_refresh()
        self._say()

    def _say(self) -> None:
        st = self.status()
        self.label.setText("" if st is None else f"Collecting at {st.address} · {st.sessions_today:,} today")

    @property
    def running(self) -> bool:
        return self.collector is not None

    def start(self, listen: str, token: str, origins: str) -> str | None:
        """Start listening; returns None, or the one-line reason it cannot."""
        from replaylens.assets.rrweb import RrwebMissingError
        from replaylens.collect import CollectConfig, Collector, CollectorError, UsageError
        from replaylens.collect.config import check_token, is_loopback, parse_listen, parse_origin
        from replaylens.collect.recorder import recorder_js

        if self.collector is not None:
            return None
        try:
            host, port = parse_listen(listen)
            tok = token.strip() or None
            if tok is not None:
                check_token(tok, "The token")
            elif not is_loopback(host):
                return "Listening beyond this computer needs a token."
            allowed = tuple(dict.fromkeys(parse_origin(o) for o in origins.replace(",", " ").split()))
            recorder_js()
            config = CollectConfig(library=self.window.library.root, host=host, port=port, token=tok,
                                   origins=allowed)
            collector = Collector(config, self.window.library, on_ingested=self.arrived.emit)
            collector.start()
        except (UsageError, CollectorError, RrwebMissingError) as exc:
            return str(exc)
        self.collector = collector
        self.changed.emit()
        return None

    def stop(self) -> None:
        if self.collector is not None:
            self.collector.stop()
            self.collector = None
            self.changed.emit()

    def shutdown(self) -> None:
        self.stop()

    def status(self) -> Any:
        return None if self.collector is None else self.collector.status()


class CollectPanel(QDialog):
    """The Collect sessions window of one Library window."""

    def __init__(self, window: LibraryWindow, service: CollectService) -> None:
        super().__init__(window)
        self.setObjectName("collect_panel")
        self.setWindowTitle(f"Collect sessions — {window.library.root.name}")
        self.service = service
        self.settings = QSettings()
        self.listen = QLineEdit(str(self.settings.value("collect/listen", f"{DEFAULT_HOST}:{DEFAULT_PORT}")))
        self.listen.setObjectName("collect_listen")
        self.listen.setToolTip("HOST:PORT. 127.0.0.1 accepts sessions from this computer only; the bank's "
                               "reverse proxy forwards the site's recorders here (docs/capture.md)")
        self.token = QLineEdit(str(self.settings.value("collect/token", "")) or secrets.token_urlsafe(24))
        self.token.setObjectName("collect_token")
        self.token.setToolTip("The recorder sends this with every batch; empty: none needed (this computer only)")
        new_token = QPushButton("New token")
        new_token.clicked.connect(lambda: self.token.setText(secrets.token_urlsafe(24)))
        self.origins = QLineEdit(str(self.settings.value("collect/origins", "")))
        self.origins.setObjectName("collect_origins")
        self.origins.setPlaceholderText("https://www.bank.example https://app.bank.example")
        self.origins.setToolTip("The site's origins allowed to send sessions from the browser (CORS)")
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(new_token)
        form = QFormLayout()
        form.addRow("Listen on:", self.listen)
        form.addRow("Token:", token_row)
        form.addRow("Site origins:", self.origins)
        self.button = QPushButton()
        self.button.setObjectName("collect_start")
        self.button.clicked.connect(self._toggle)
        self.address = QLabel()
        self.address.setObjectName("collect_address")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.snippet = QPlainTextEdit()
        self.snippet.setObjectName("collect_snippet")
        self.snippet.setReadOnly(True)
        self.snippet.setMaximumHeight(70)
        copy = QPushButton("Copy snippet")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.snippet.toPlainText()))
        self.counts = QLabel()
        self.counts.setObjectName("collect_counts")
        self.error = QLabel()
        self.error.setObjectName("collect_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.address)
        layout.addWidget(QLabel("Paste into every page of the site (before </body>):"))
        layout.addWidget(self.snippet)
        layout.addWidget(copy, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.counts)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.timer = QTimer(self, interval=1000)
        self.timer.timeout.connect(self.update_status)
        service.changed.connect(self.update_status)
        self.resize(640, 380)
        self.update_status()

    def _toggle(self) -> None:
        if self.service.running:
            self.service.stop()
            return
        self.settings.setValue("collect/listen", self.listen.text())
        self.settings.setValue("collect/token", self.token.text())
        self.settings.setValue("collect/origins", self.origins.text())
        why = self.service.start(self.listen.text(), self.token.text(), self.origins.text())
        self.error.setText(why or "")

    def update_status(self) -> None:
        from replaylens.collect.recorder import snippet

        st = self.service.status()
        running = st is not None
        for w in (self.listen, self.token, self.origins):
            w.setEnabled(not running)
        self.button.setText("Stop collecting" if running else "Start collecting")
        if st is None:
            self.address.setText("Not collecting.")
            self.snippet.setPlainText("")
            self.counts.setText("")
            self.timer.stop()
            return
        if not self.timer.isActive():
            self.timer.start()
        self.address.setText(f"Collecting at {st.address}")
        self.snippet.setPlainText(snippet(st.address, self.service.collector.config.token
                                          if self.service.collector else None))
        self.counts.setText(f"Sessions today: {st.sessions_today:,} · recording now: {st.open_sessions:,} · "
                            f"added to the library: {st.ingested:,}" + (f" · waiting: {st.queued:,}"
                                                                        if st.queued else ""))
        self.error.setText(f"Last error: {st.last_error}" if st.last_error else "")

    def done(self, result: int) -> None:
        self.timer.stop()
        super().done(result)


def file_menu(window: LibraryWindow) -> QMenu:
    """The Library window's File menu: Collect sessions…, Add recordings…"""
    from replaylens.ui.library import actions

    menu = window.menuBar().addMenu("&File")
    collect = menu.addAction("&Collect sessions…")
    collect.setObjectName("act_library_collect")
    collect.setStatusTip("Run a collector for this library: the bank's own site sends sessions to it")
    collect.triggered.connect(lambda _c=False: open_collect_panel(window))
    add = menu.addAction("&Add recordings…")
    add.triggered.connect(lambda _c=False: actions.add_folder_dialog(window))
    return menu


def open_collect_panel(window: LibraryWindow, parent: QWidget | None = None) -> CollectPanel:
    """The window's panel (made once), shown and raised."""
    if window.collector is None:
        window.collector = CollectService(window)
    panel = getattr(window, "collect_panel", None)
    if panel is None:
        panel = CollectPanel(window, window.collector)
        window.collect_panel = panel
    panel.show()
    panel.raise_()
    panel.activateWindow()
    return panel
