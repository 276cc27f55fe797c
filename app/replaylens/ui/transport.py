"""The transport bar: play/pause, time, speed, skip inactivity, previous/next event of a kind, loop, view mode."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QStyle, QToolBar, QToolButton, QWidget

from replaylens.core.timefmt import fmt_ms
from replaylens.model.clock import SPEEDS, PlaybackClock

JUMP_KINDS = (("Any interaction", "interaction"), ("Click", "click"), ("Page", "navigate"), ("Input", "input"),
              ("Scroll", "scroll"), ("Error", "error"), ("Custom", "custom"), ("Friction", "finding"))


class TransportBar(QToolBar):
    play_toggled = Signal()
    speed_chosen = Signal(float)
    skip_toggled = Signal(bool)
    jump = Signal(int)  # -1 previous, +1 next
    loop_toggled = Signal(bool)
    mode_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Playback", parent)
        self.setObjectName("transport")
        self.setMovable(False)
        self._icons = {k: self.style().standardIcon(v) for k, v in (
            ("play", QStyle.StandardPixmap.SP_MediaPlay), ("pause", QStyle.StandardPixmap.SP_MediaPause),
            ("prev", QStyle.StandardPixmap.SP_MediaSkipBackward), ("next", QStyle.StandardPixmap.SP_MediaSkipForward))}
        self.play_btn = QToolButton()
        self.play_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_btn.setIcon(self._icons["play"])
        self.play_btn.setText("Play")
        self.play_btn.setToolTip("Play / pause (Space, K)")
        self.play_btn.setMinimumWidth(84)
        self.play_btn.clicked.connect(self.play_toggled)
        self.addWidget(self.play_btn)
        self.time_label = QLabel("00:00.000 / 00:00.000")
        self.time_label.setMinimumWidth(190)
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.time_label.setStyleSheet("font-family: monospace; font-size: 13px; padding: 0 8px;")
        self.addWidget(self.time_label)
        self.addSeparator()
        self.speed = QComboBox()
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Playback speed ([ slower, ] faster)")
        self.speed.currentIndexChanged.connect(lambda i: self.speed_chosen.emit(float(self.speed.itemData(i))))
        self.addWidget(QLabel(" Speed "))
        self.addWidget(self.speed)
        self.skip = QCheckBox("Skip inactivity")
        self.skip.setChecked(True)
        self.skip.setToolTip("Jump over idle stretches (threshold in Preferences; rrweb: 10 s, PostHog: 5 s)")
        self.skip.toggled.connect(self.skip_toggled)
        self.addWidget(self.skip)
        self.addSeparator()
        self.jump_kind = QComboBox()
        for label, key in JUMP_KINDS:
            self.jump_kind.addItem(label, key)
        self.jump_kind.setToolTip("Kind of event Shift+←/→ jumps to")
        prev_btn, next_btn = QToolButton(), QToolButton()
        prev_btn.setIcon(self._icons["prev"])
        prev_btn.setToolTip("Previous event of this kind (Shift+←)")
        next_btn.setIcon(self._icons["next"])
        next_btn.setToolTip("Next event of this kind (Shift+→)")
        prev_btn.clicked.connect(lambda: self.jump.emit(-1))
        next_btn.clicked.connect(lambda: self.jump.emit(1))
        self.addWidget(prev_btn)
        self.addWidget(self.jump_kind)
        self.addWidget(next_btn)
        self.addSeparator()
        self.loop = QCheckBox("Loop range")
        self.loop.setToolTip("Loop a range: drag its edges on the timeline")
        self.loop.toggled.connect(self.loop_toggled)
        self.addWidget(self.loop)
        self.addSeparator()
        self.mode = QComboBox()
        self.mode.addItem("Follow viewport", "follow")
        self.mode.addItem("Whole page", "overview")
        self.mode.setToolTip("Follow the customer's screen, or show the whole page with their viewport (V)")
        self.mode.currentIndexChanged.connect(lambda i: self.mode_chosen.emit(str(self.mode.itemData(i))))
        self.addWidget(self.mode)

    def show_clock(self, clock: PlaybackClock) -> None:
        self.play_btn.setText("Pause" if clock.playing else "Play")
        self.play_btn.setIcon(self._icons["pause" if clock.playing else "play"])
        self.time_label.setText(f"{fmt_ms(clock.time_ms)} / {fmt_ms(clock.duration_ms)}")
        i = self.speed.findData(clock.speed)
        if i >= 0 and i != self.speed.currentIndex():
            self.speed.blockSignals(True)
            self.speed.setCurrentIndex(i)
            self.speed.blockSignals(False)
