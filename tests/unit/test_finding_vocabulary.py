"""One finding vocabulary (kinds, names, labels) for the analysis, the dock, the highlights and the reports; and
exports analyse with the user's saved friction preset, as the Findings dock does."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from replaylens.analysis.findings import analyze as findings
from replaylens.model import finding_text
from replaylens.model.finding_text import FINDING_KINDS, FINDING_NAMES, finding_label, title_of
from replaylens.model.friction_settings import (
    SAVED_OVERRIDES_KEY,
    SAVED_PRESET_KEY,
    FrictionSettings,
    SettingsError,
    saved_settings,
)


def test_one_table_of_kinds_and_names() -> None:
    from replaylens.render import findings_paint

    assert findings.FINDING_KINDS is FINDING_KINDS and tuple(FINDING_NAMES) == FINDING_KINDS
    assert findings_paint.FINDING_NAMES is FINDING_NAMES and findings_paint.finding_label is finding_label
    assert set(findings_paint.FINDING_COLORS) == set(FINDING_KINDS)  # every kind has its colour, no stray one


def test_labels_and_titles_use_the_names() -> None:
    f = SimpleNamespace(kind="rage_click", count=5, kinds=("rage_click", "dead_click"))
    assert finding_label(f) == "Rage click ×5 · dead click"
    assert title_of(("rage_click",), {"rage_click": 5}, {}, "", "the page").startswith(FINDING_NAMES["rage_click"])
    assert title_of(("brand_new_kind",), {}, {}, "", "the page") == "Brand new kind"
    assert finding_text.finding_name("excessive_scroll") == "Excessive scrolling"


def test_saved_settings() -> None:
    s, ok = saved_settings("datadog", {"rage.max_gap_ms": "500"})
    assert ok and s.preset_name == "datadog" and s.rage.max_gap_ms == 500.0
    s, ok = saved_settings("openreplay", {"rage.no_such_key": 1})
    assert not ok and s == FrictionSettings.preset("openreplay")  # stale overrides are dropped
    assert saved_settings(None) == (FrictionSettings.preset("posthog"), True)
    with pytest.raises(SettingsError):
        saved_settings("nonsense")


class _Store(dict[str, Any]):
    def value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)


def test_exports_use_the_users_preset_without_a_findings_dock() -> None:
    pytest.importorskip("PySide6.QtWidgets")
    from replaylens.ui.annotations.export_actions import ExportActions

    store = _Store({SAVED_PRESET_KEY: "datadog", SAVED_OVERRIDES_KEY: {"rage.min_clicks": 6}})
    fake = SimpleNamespace(state=SimpleNamespace(settings=store, friction=None))
    got = ExportActions._friction_settings(fake)  # type: ignore[arg-type]
    assert got.preset_name == "datadog" and got.rage.min_clicks == 6
    dock = SimpleNamespace(settings=FrictionSettings.preset("openreplay"))
    fake.state.friction = dock.settings
    assert ExportActions._friction_settings(fake) is dock.settings  # type: ignore[arg-type]
