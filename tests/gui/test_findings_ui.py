"""Friction findings in the viewer: dock, seek-to-a-second-before, timeline markers, preferences."""

from __future__ import annotations

from pathlib import Path

from replaylens.model.friction_settings import FrictionSettings


def test_findings_dock_and_seek(window, qtbot, demo_path: Path) -> None:
    window.open_file(demo_path)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    tree = window.findings.dock.tree
    kinds = {f.kind for f in window.findings.analysis.findings}
    assert {"rage_click", "dead_click", "hesitation", "error_click", "form_abandonment", "quick_back",
            "excessive_scroll", "thrashed_cursor"} <= kinds
    assert tree.topLevelItemCount() == len(window.findings.analysis.findings)
    rage = next(i for i in range(tree.topLevelItemCount()) if "Rage click" in tree.topLevelItem(i).text(1))
    item = tree.topLevelItem(rage)
    tree.itemClicked.emit(item, 0)
    start = next(f.start_ms for f in window.findings.analysis.findings if f.kind == "rage_click")
    assert window.clock.time_ms == start - 1000
    assert len(window.finding_times) == tree.topLevelItemCount()
    # the canvas highlights it: the label colour appears while it plays
    window.seek(start + 200)
    img = window.canvas.grab().toImage()
    red = sum(1 for x in range(0, img.width(), 3) for y in range(0, img.height(), 3)
              if img.pixelColor(x, y).name() == "#e5383b")
    assert red > 20
    # Shift+→ with "Friction" jumps between findings
    window.transport.jump_kind.setCurrentIndex(window.transport.jump_kind.findData("finding"))
    window.seek(0)
    window.jump(1)
    assert window.clock.time_ms == window.finding_times[0]


def test_settings_rerun_analysis(window, qtbot, demo_path: Path) -> None:
    window.open_file(demo_path)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    n_before = len(window.findings.analysis.of_kind("rage_click"))
    assert n_before == 1
    window.findings.set_settings(FrictionSettings.preset("posthog").with_overrides({"rage.min_clicks": 50}))
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    assert window.findings.analysis.of_kind("rage_click") == []


def test_preferences_dialog_applies_preset(window, qtbot, demo_path: Path, monkeypatch) -> None:
    from replaylens.ui.preferences import PreferencesDialog

    window.open_file(demo_path)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    dlg = PreferencesDialog(window)
    dlg.preset.setCurrentIndex(dlg.preset.findData("openreplay"))
    assert dlg.values()["rage.max_gap_ms"] == 300
    dlg.inactivity.setValue(5)
    dlg.accept()
    assert window.settings.value("friction_preset") == "openreplay"
    assert window.findings.settings.get("rage.max_gap_ms") == 300
    assert int(window.settings.value("inactivity_ms")) == 5000
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)


def test_dock_rows_are_plain_and_details_keep_the_rules(window, qtbot, demo_path: Path) -> None:
    window.open_file(demo_path)
    qtbot.waitUntil(lambda: window.findings.analysis is not None, timeout=15_000)
    dock = window.findings.dock
    tree = dock.tree
    assert [tree.headerItem().text(c) for c in range(tree.columnCount())] == ["Time", "Finding", "Points"]
    fs = window.findings.analysis.findings
    for i, f in enumerate(fs):
        item = tree.topLevelItem(i)
        assert item.text(1) == f.title and item.text(2) == str(f.points)
        assert "#" not in item.text(1) and "_" not in item.text(1)
    rage = next(i for i, f in enumerate(fs) if f.kind == "rage_click")
    item = tree.topLevelItem(rage)
    assert item.text(1) == "Rage click ×5 on the 'Lantern Festival' banner, which isn't clickable"
    tree.itemClicked.emit(item, 0)
    details = dock.details.text()
    assert "festival-banner" in details and "not_interactive" in details and "posthog" in details
    assert "Dead click ×5" in details and "Adds 9 points" in details
    assert "festival-banner" in item.toolTip(1)
    assert f"{window.findings.analysis.metrics['score_points']} points" in dock.summary.text()
    # a long title wraps to more than one line instead of being cut
    dock.resize(420, 600)
    tree.doItemsLayout()
    one_line = tree.fontMetrics().height()
    long_row = max(range(len(fs)), key=lambda i: len(fs[i].title))
    assert tree.visualItemRect(tree.topLevelItem(long_row)).height() > 1.5 * one_line


def test_privacy_preference_reaches_the_converter(window, tmp_path: Path, monkeypatch) -> None:
    from replaylens.io import cache
    from replaylens.ui.preferences import SHOW_VALUES_KEY, PreferencesDialog, apply_privacy_settings, setting_bool
    from replaylens.ui.render_job import convert_command

    monkeypatch.setattr(cache, "_OPTIONS", {"show_values": False})
    monkeypatch.setenv("REPLAYLENS_DATA_DIR", str(tmp_path / "data"))
    rec = tmp_path / "rec.json"
    rec.write_text("[]")
    masked_entry = cache.cached_bundle_path(rec)
    dlg = PreferencesDialog(window)
    box = dlg.findChild(type(dlg.show_values), "show_input_values")
    assert box is not None and not box.isChecked()  # default: every recorded value masked
    assert "--show-values" not in convert_command(rec, masked_entry)
    box.setChecked(True)
    dlg.accept()
    assert setting_bool(window.settings, SHOW_VALUES_KEY) and cache.show_input_values()
    assert "--show-values" in convert_command(rec, masked_entry)
    assert cache.cached_bundle_path(rec) != masked_entry  # screenshots made under the other setting are not reused
    window.settings.setValue(SHOW_VALUES_KEY, "false")  # INI files give strings back
    apply_privacy_settings(window.settings)
    assert not cache.show_input_values() and cache.cached_bundle_path(rec) == masked_entry
