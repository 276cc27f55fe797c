"""What the viewer shows, in one object the panels share: the open session and its replay index, the clock, the
settings, the findings of the open session and the selection. Panels read it and subscribe to its signals; they
change the viewer through it (``seek``, ``set_findings``), never by writing into the main window. The main window
owns one ``ViewerState``, feeds it (``set_session``) and follows its requests (``seek_requested``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal

from replaylens.core.replay import ReplayIndex
from replaylens.model.clock import PlaybackClock
from replaylens.model.friction_settings import FrictionSettings
from replaylens.model.session import Session

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


def setting_int(settings: QSettings, key: str, default: int) -> int:
    """A QSettings integer (INI backends hand back strings)."""
    v = settings.value(key, default)
    return int(v) if isinstance(v, int | float | str) else default


class ViewerState(QObject):
    session_changed = Signal(object)  # the new Session or None
    time_changed = Signal(float)  # the clock's time (ms), after every change
    findings_changed = Signal(object)  # the list of findings of the open session ([] while none)
    selection_changed = Signal(object)  # whatever a panel selected (a finding, an annotation, None)
    seek_requested = Signal(float)  # a panel asks the viewer to go to a time (ms)
    message = Signal(str, int)  # a line for the status bar and how long it stays (ms)

    def __init__(self, clock: PlaybackClock, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.settings = settings
        self.session: Session | None = None
        self.index: ReplayIndex | None = None
        self.findings: list[Any] = []
        self.finding_times = np.zeros(0, np.int64)
        self.selection: Any = None
        self.friction: FrictionSettings | None = None  # what the Findings dock analyses with (exports use it too)
        self.library: LibraryStore | None = None  # the open library and the id of its session the viewer shows
        self.library_session: str | None = None

    # -- read ------------------------------------------------------------------------------------------------
    @property
    def time_ms(self) -> float:
        return float(self.clock.time_ms)

    def page_now(self) -> int | None:
        """The page shown at the clock's time, or None without a session."""
        return None if self.index is None else int(self.index.page_at(self.clock.time_ms))

    # -- change ----------------------------------------------------------------------------------------------
    def set_session(self, session: Session | None, index: ReplayIndex | None) -> None:
        """The main window's call: this session (or none) is open; ``announce_session`` tells the panels once
        the window's own widgets show it."""
        self.session, self.index = session, index

    def announce_session(self) -> None:
        self.select(None)
        self.session_changed.emit(self.session)

    def set_findings(self, findings: list[Any]) -> None:
        self.findings = list(findings)
        self.finding_times = np.array([f.start_ms for f in self.findings], np.int64)
        self.findings_changed.emit(self.findings)

    def select(self, item: Any) -> None:
        if item is not self.selection:
            self.selection = item
            self.selection_changed.emit(item)

    def seek(self, t_ms: float) -> None:
        self.seek_requested.emit(float(t_ms))

    def notify_time(self, t_ms: float) -> None:
        """The main window's call after the clock moved."""
        self.time_changed.emit(float(t_ms))
