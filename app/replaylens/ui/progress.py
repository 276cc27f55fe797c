"""The progress surface of one background job: a strip in the window's status bar (text, bar, Cancel) that is
never modal, so a job that ends, fails or hangs can never block the window.

One ``JobProgress`` belongs to exactly one job. It appears only when the job is still running after
``SHOW_DELAY_MS`` (a quick open shows nothing), through a single-shot timer it owns. ``close()`` stops that
timer, takes the strip out of the status bar and deletes it; every outcome calls it (loaded, failed, cancelled,
superseded, window closed) and it is idempotent, so a closed surface cannot come back: nothing else shows it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QToolButton, QWidget

SHOW_DELAY_MS = 400  # jobs shorter than this show no progress at all


class JobProgress(QObject):
    """``cancel_requested`` fires when the user presses Cancel (the surface is closed by then)."""

    cancel_requested = Signal()

    def __init__(self, window: QMainWindow, text: str, delay_ms: int = SHOW_DELAY_MS) -> None:
        super().__init__(window)
        self._window = window
        self._closed = False
        self.widget = QWidget()
        self.widget.setObjectName("job_progress")
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(6, 0, 6, 0)
        self.label = QLabel(text)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop this job")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never takes the keys from the player
        self.cancel_button.clicked.connect(self._cancel)
        row.addWidget(self.label)
        row.addWidget(self.bar)
        row.addWidget(self.cancel_button)
        self.widget.hide()
        window.statusBar().addPermanentWidget(self.widget)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self._show)
        self._show_timer.start(max(0, delay_ms))

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def shown(self) -> bool:
        return not self._closed and self.widget.isVisible()

    def set_busy(self) -> None:
        """No fraction known (a child process): the bar just moves."""
        if not self._closed:
            self.bar.setRange(0, 0)

    def update(self, fraction: float, text: str) -> None:
        if self._closed:
            return
        self.label.setText(text)
        self.bar.setRange(0, 100)
        self.bar.setValue(int(min(max(fraction, 0.0), 1.0) * 100))

    @Slot(int)
    def set_permille(self, value: int) -> None:
        if not self._closed:
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(max(value, 0), 1000))

    @Slot()
    def close(self) -> None:
        """Stop the show timer and delete the strip; safe to call any number of times, from any outcome."""
        if self._closed:
            return
        self._closed = True
        self._show_timer.stop()
        self.cancel_button.clicked.disconnect(self._cancel)
        self.widget.hide()
        self._window.statusBar().removeWidget(self.widget)
        self.widget.setParent(None)
        self.widget.deleteLater()
        self.deleteLater()

    def _show(self) -> None:
        if not self._closed:
            self.widget.show()

    def _cancel(self) -> None:
        if self._closed:
            return
        self.close()
        self.cancel_requested.emit()
