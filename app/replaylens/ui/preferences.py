"""Preferences: friction thresholds (with the PostHog / OpenReplay / Datadog presets), playback and privacy settings.
Every value names whose default it is; changes re-run the analysis of the open session.

Privacy: "Show recorded input values that are not secret" (QSettings ``show_input_values``, default off). Off, every
recorded input value is masked in the page screenshots and therefore in every export; on, values the recording
captured unmasked are shown in screenshots rendered from then on. Secret fields stay masked either way
(``io.rrweb.secrets``). The setting reaches the converter through ``io.cache.set_show_input_values``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from replaylens.io.cache import set_show_input_values
from replaylens.model.friction_settings import FrictionSettings
from replaylens.ui.state import setting_int

if TYPE_CHECKING:
    from replaylens.core.replay import ReplayIndex
    from replaylens.model.session import Session
    from replaylens.ui.docks import InfoDock
    from replaylens.ui.findings import FindingsController


class Viewer(Protocol):
    """What the preferences read and apply: the settings, the friction analysis, the open session."""

    settings: QSettings
    findings: FindingsController
    info_dock: InfoDock

    @property
    def session(self) -> Session | None: ...
    @property
    def index(self) -> ReplayIndex | None: ...
    def apply_inactivity(self, inactivity_ms: int) -> None: ...

PRESETS = ("posthog", "openreplay", "datadog")
SHOW_VALUES_KEY = "show_input_values"


def setting_bool(settings: Any, key: str, default: bool = False) -> bool:
    """A QSettings boolean (INI backends hand back the strings 'true'/'false')."""
    v = settings.value(key, default)
    return v.strip().lower() in ("true", "1", "yes") if isinstance(v, str) else bool(v)


def apply_privacy_settings(settings: Any) -> None:
    """Hand the stored privacy preference to the converter (called at start-up and when it changes)."""
    set_show_input_values(setting_bool(settings, SHOW_VALUES_KEY))


class PreferencesDialog(QDialog):
    def __init__(self, window: Viewer) -> None:
        super().__init__(window if isinstance(window, QWidget) else None)
        self.setWindowTitle("Preferences")
        self.window_ = window
        self.resize(640, 720)
        lay = QVBoxLayout(self)
        play = QGroupBox("Playback")
        pf = QFormLayout(play)
        self.inactivity = QDoubleSpinBox()
        self.inactivity.setRange(1, 3600)
        self.inactivity.setSuffix(" s")
        self.inactivity.setValue(setting_int(window.settings, "inactivity_ms", 10_000) / 1000)
        self.inactivity.setToolTip("Gaps longer than this between interactions are skipped (rrweb 10 s, PostHog 5 s)")
        pf.addRow("Skip gaps longer than (rrweb 10 s, PostHog 5 s)", self.inactivity)
        lay.addWidget(play)
        lay.addWidget(self._engine_box(window))

        priv = QGroupBox("Privacy")
        pv = QVBoxLayout(priv)
        self.show_values = QCheckBox("Show recorded input values that are not secret")
        self.show_values.setObjectName("show_input_values")
        self.show_values.setChecked(setting_bool(window.settings, SHOW_VALUES_KEY))
        self.show_values.setToolTip("Off (default, like Clarity's strict mode): every typed value is masked in page "
                                    "screenshots and exports. On: values the recording captured unmasked are shown "
                                    "in screenshots rendered from now on. Passwords, one-time codes, card data and "
                                    "masked fields are never shown.")
        pv.addWidget(self.show_values)
        lay.addWidget(priv)

        fr = QGroupBox("Friction signals")
        fl = QVBoxLayout(fr)
        self.preset = QComboBox()
        for name in PRESETS:
            self.preset.addItem(name.capitalize() if name != "openreplay" else "OpenReplay", name)
        self.preset.setCurrentIndex(max(0, self.preset.findData(str(window.settings.value("friction_preset",
                                                                                            "posthog")))))
        self.preset.currentIndexChanged.connect(self._load_preset)
        fl.addWidget(QLabel("Preset (sets every threshold below to that vendor's published definition):"))
        fl.addWidget(self.preset)
        self.form = QFormLayout()
        body = QWidget()
        body.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        fl.addWidget(scroll)
        lay.addWidget(fr, 1)
        self.editors: dict[str, QWidget] = {}
        self._build(window.findings.settings)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self._load_preset)
        lay.addWidget(buttons)

    def _engine_box(self, window: Viewer) -> QGroupBox:
        """Library queries: DuckDB on this computer, or Spark (docs/scale.md). Used by the next Library window."""
        box = QGroupBox("Library queries (docs/scale.md)")
        form = QFormLayout(box)
        self.engine = QLineEdit(str(window.settings.value("library/engine", "duckdb")))
        self.engine.setPlaceholderText("duckdb | spark | spark=local[4] | spark=spark://host:7077 | spark=sc://host:15002")
        self.engine.setToolTip("Where segment filters, aggregate heatmaps, funnels and A/B counts run")
        self.events_uri = QLineEdit(str(window.settings.value("library/spark_events_uri", "")))
        self.events_uri.setPlaceholderText("the library's events folder as the cluster sees it (empty: this path)")
        form.addRow("Engine", self.engine)
        form.addRow("Events folder for Spark", self.events_uri)
        return box

    def _build(self, settings: FrictionSettings) -> None:
        for key, (typ, _default, doc) in FrictionSettings.keys().items():
            value = settings.get(key)
            ed: QWidget
            if typ == "bool":
                ed = QCheckBox()
                ed.setChecked(bool(value))
            elif typ == "int":
                ed = QSpinBox()
                ed.setRange(0, 10_000_000)
                ed.setValue(int(value))
            elif typ == "float":
                ed = QDoubleSpinBox()
                ed.setRange(0, 1e9)
                ed.setDecimals(1)
                ed.setValue(float(value))
            else:
                ed = QComboBox()
                ed.addItem(str(value))
            ed.setToolTip(doc)
            label = QLabel(key)
            label.setToolTip(doc)
            self.form.addRow(label, ed)
            self.editors[key] = ed

    def _load_preset(self, *_: Any) -> None:
        s = FrictionSettings.preset(str(self.preset.currentData()))
        for key, ed in self.editors.items():
            v = s.get(key)
            if isinstance(ed, QCheckBox):
                ed.setChecked(bool(v))
            elif isinstance(ed, QSpinBox):
                ed.setValue(int(v))
            elif isinstance(ed, QDoubleSpinBox):
                ed.setValue(float(v))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, ed in self.editors.items():
            if isinstance(ed, QCheckBox):
                out[key] = ed.isChecked()
            elif isinstance(ed, QSpinBox | QDoubleSpinBox):
                out[key] = ed.value()
        return out

    def accept(self) -> None:
        w = self.window_
        from replaylens.store.engine import parse_engine

        try:
            parse_engine(self.engine.text())
        except ValueError as exc:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.warning(self, "Library queries", str(exc))
            return
        preset = str(self.preset.currentData())
        base = FrictionSettings.preset(preset)
        overrides = {k: v for k, v in self.values().items() if base.get(k) != v}
        settings = base.with_overrides(overrides) if overrides else base
        w.settings.setValue("friction_preset", preset)
        w.settings.setValue("friction_overrides", overrides)
        new_ms = int(self.inactivity.value() * 1000)
        reload = new_ms != setting_int(w.settings, "inactivity_ms", 10_000)
        w.settings.setValue("inactivity_ms", new_ms)
        w.settings.setValue(SHOW_VALUES_KEY, self.show_values.isChecked())
        apply_privacy_settings(w.settings)
        w.settings.setValue("library/engine", self.engine.text().strip() or "duckdb")
        w.settings.setValue("library/spark_events_uri", self.events_uri.text().strip())
        w.findings.set_settings(settings)
        if reload and w.session is not None:
            w.apply_inactivity(new_ms)
        elif w.session is not None:  # the Session dock's active time follows inactivity.gap_ms, as analyze does
            w.info_dock.set_session(w.session, w.index, settings.inactivity.gap_ms)
        super().accept()
