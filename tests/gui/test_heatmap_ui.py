"""The heatmap layer in the viewer: computed off the UI thread, aligned with the page, counts shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _open(window, qtbot, path: Path) -> None:
    window.open_file(path)
    qtbot.waitUntil(lambda: window.session is not None, timeout=15_000)


def test_click_heatmap_lands_on_the_banner(window, qtbot, demo_path: Path) -> None:
    _open(window, qtbot, demo_path)
    truth = next(g for g in window.session.manifest.extra["ground_truth"] if g["kind"] == "rage_click")
    window.seek(truth["start_ms"])
    panel = window.heatmap_panel
    panel.kind.setCurrentIndex(panel.kind.findData("click"))
    panel.show_box.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.options.heatmap is not None, timeout=10_000)
    assert "session" in panel.counts.text() and "click" in panel.counts.text()
    window.canvas.repaint()
    with_map = window.canvas.grab().toImage()
    panel.show_box.setChecked(False)
    window.canvas.options.trail_s = 0
    window.canvas.options.show_cursor = False
    window.canvas.options.show_clicks = False
    window.canvas.repaint()
    without = window.canvas.grab().toImage()
    # where the heatmap changed the picture most is where the rage clicks were
    a = np.frombuffer(with_map.constBits(), np.uint8).reshape(with_map.height(), with_map.bytesPerLine() // 4, 4)
    b = np.frombuffer(without.constBits(), np.uint8).reshape(without.height(), without.bytesPerLine() // 4, 4)
    diff = np.abs(a[..., :3].astype(int) - b[..., :3].astype(int)).sum(axis=2)
    y, x = np.unravel_index(int(np.argmax(diff)), diff.shape)
    a_ = window.session.arrays
    clicks = a_.mask("click") & (a_.t >= truth["start_ms"]) & (a_.t <= truth["end_ms"])
    g = window.canvas.geometry_now()
    centre = g.to_device(float(np.mean(a_.page_x[clicks])), float(np.mean(a_.page_y[clicks])))
    assert abs(x - centre.x()) < 40 and abs(y - centre.y()) < 40


def test_time_window_scope_and_kinds(window, qtbot, demo_path: Path) -> None:
    _open(window, qtbot, demo_path)
    panel = window.heatmap_panel
    panel.show_box.setChecked(True)
    for kind in ("move", "scroll", "attention"):
        panel.kind.setCurrentIndex(panel.kind.findData(kind))
        qtbot.waitUntil(lambda k=kind: panel._key is not None and panel._key[2] == k
                        and window.canvas.options.heatmap is not None and "session" in panel.counts.text(),
                        timeout=10_000)
    panel.kind.setCurrentIndex(panel.kind.findData("click"))
    panel.scope.setCurrentIndex(panel.scope.findData(10_000))
    window.seek(5_000)  # nothing was clicked in the first seconds
    qtbot.waitUntil(lambda: "Nothing to show" in panel.counts.text(), timeout=10_000)


def test_changing_colours_repaints_without_recomputing(window, qtbot, demo_path: Path, monkeypatch) -> None:
    from replaylens.analysis.heatmaps import session as heatmaps

    _open(window, qtbot, demo_path)
    panel = window.heatmap_panel
    panel.kind.setCurrentIndex(panel.kind.findData("click"))
    panel.show_box.setChecked(True)
    qtbot.waitUntil(lambda: window.canvas.options.heatmap is not None and panel._result is not None,
                    timeout=10_000)
    before = window.canvas.options.heatmap.copy()
    calls: list[object] = []
    monkeypatch.setattr(heatmaps, "compute_heatmap", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(heatmaps, "gather_session", lambda *a, **k: calls.append(a))
    other = next(i for i in range(panel.cmap.count()) if i != panel.cmap.currentIndex())
    panel.cmap.setCurrentIndex(other)
    after = window.canvas.options.heatmap
    assert after is not None and after.size() == before.size() and after != before  # repainted at once
    qtbot.wait(200)
    assert calls == []  # nothing gathered or computed again
