"""Exports show what the viewer shows: finding highlights painted by the shared frame renderer, analysed with the
user's friction preset (the CLI's --preset/--set, the GUI's settings); one definition of active time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage

from replaylens.export.png import export_batch, render_view
from replaylens.io.registry import open_session
from replaylens.model.friction_settings import FrictionSettings
from replaylens.render.context import analysis_findings, make_renderer
from replaylens.render.findings_paint import FINDING_COLORS, RING_PX, finding_label
from replaylens.render.frame import FrameOptions

NO_DEAD = FrictionSettings().with_overrides(["dead.not_interactive=false", "dead.no_response=false"])


@pytest.fixture(scope="module")
def demo(qapp, demo_path):
    s = open_session(demo_path)
    yield s, make_renderer(s)
    s.close()


def _first_dead_click(session, settings=None):
    return next(f for f in analysis_findings(session, settings) if f.kind == "dead_click")


def _label_pixel(renderer, f, t: float, w: int = 1280, h: int = 800) -> tuple[int, int]:
    """Device px inside the finding's label box (left of its text), for a frame of w×h."""
    g = renderer.geometry(t, QRectF(0, 0, w, h), FrameOptions())
    at = g.to_device(float(f.x), float(f.y))
    return int(at.x() + RING_PX + 6 + 3), int(at.y() - RING_PX + 7)


def _close(c: QColor, hex_: str, tol: int = 12) -> bool:
    ref = QColor(hex_)
    return max(abs(c.red() - ref.red()), abs(c.green() - ref.green()), abs(c.blue() - ref.blue())) <= tol


def test_exported_png_has_the_finding_highlight(demo) -> None:
    s, r = demo
    f = _first_dead_click(s)
    t = f.start_ms + 300
    x, y = _label_pixel(r, f, t)
    with_hl = render_view(s, t, renderer=r, trail_s=0, findings=analysis_findings(s))
    without = render_view(s, t, renderer=r, trail_s=0)
    assert _close(with_hl.pixelColor(x, y), FINDING_COLORS["dead_click"])
    assert not _close(without.pixelColor(x, y), FINDING_COLORS["dead_click"])
    # the dashed ring around the spot: some pixels on it carry the finding's colour
    g = r.geometry(t, QRectF(0, 0, 1280, 800), FrameOptions())
    at = g.to_device(float(f.x), float(f.y))
    ring = [with_hl.pixelColor(int(at.x() + RING_PX * np.cos(a)), int(at.y() + RING_PX * np.sin(a)))
            for a in np.linspace(0, 2 * np.pi, 72, endpoint=False)]
    assert sum(_close(c, FINDING_COLORS["dead_click"], 40) for c in ring) >= 10


def test_highlights_follow_the_settings(demo, tmp_path: Path) -> None:
    s, r = demo
    f = _first_dead_click(s)
    t = f.start_ms + 300
    x, y = _label_pixel(r, f, t)
    img = render_view(s, t, renderer=r, trail_s=0, findings=analysis_findings(s, NO_DEAD))
    assert not any(g.kind == "dead_click" for g in analysis_findings(s, NO_DEAD))
    assert not _close(img.pixelColor(x, y), FINDING_COLORS["dead_click"])
    default = export_batch(s, tmp_path / "default", renderer=r)
    user = export_batch(s, tmp_path / "user", renderer=r, settings=NO_DEAD)
    assert sum("dead-click" in p.name for p in default) >= 1
    assert not any("dead-click" in p.name for p in user)
    assert len(user) == len(analysis_findings(s, NO_DEAD))


def test_highlight_label_names_the_finding(demo) -> None:
    s, _r = demo
    rage = next(f for f in analysis_findings(s) if f.kind == "rage_click")
    assert finding_label(rage).startswith("Rage click") and "×" in finding_label(rage)


def test_cli_export_takes_the_preset(demo, demo_path: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from replaylens.cli import main

    s, r = demo
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    f = _first_dead_click(s)
    t = f.start_ms + 300
    x, y = _label_pixel(r, f, t)
    plain, user = tmp_path / "plain.png", tmp_path / "user.png"
    at = f"{t / 1000:.3f}"
    assert main(["export", str(demo_path), "--at", at, "--out", str(plain), "--trail", "0"]) == 0
    assert main(["export", str(demo_path), "--at", at, "--out", str(user), "--trail", "0",
                 "--set", "dead.not_interactive=false", "--set", "dead.no_response=false"]) == 0
    assert _close(QImage(str(plain)).pixelColor(x, y), FINDING_COLORS["dead_click"])
    assert not _close(QImage(str(user)).pixelColor(x, y), FINDING_COLORS["dead_click"])
    assert main(["export", str(demo_path), "--out", str(plain), "--set", "no.such=1"]) == 2
    assert main(["report", str(demo_path), "--out", str(tmp_path / "r.pdf"), "--set", "no.such=1"]) == 2
    assert main(["clip", str(demo_path), "--from", "1", "--to", "2", "--out", str(tmp_path / "c.mp4"),
                 "--set", "no.such=1"]) == 2
    assert not (tmp_path / "c.mp4").exists()
    assert "no.such" in capsys.readouterr().err


def test_report_uses_the_settings(demo, tmp_path: Path) -> None:
    from PySide6.QtPdf import QPdfDocument

    from replaylens.export.pdf import export_report

    s, r = demo
    out = export_report(s, tmp_path / "r.pdf", renderer=r, settings=NO_DEAD)
    doc = QPdfDocument()
    assert doc.load(str(out)) == QPdfDocument.Error.None_
    assert doc.pageCount() == 1 + len(analysis_findings(s, NO_DEAD)) < 1 + len(analysis_findings(s))


def test_one_active_time(demo) -> None:
    """The Session dock, ``analyze`` and the model share one definition (docs/friction.md, Metrics)."""
    from replaylens.analysis.activity import session_active_ms
    from replaylens.analysis.findings.analyze import analyze_session

    s, _r = demo
    m = analyze_session(s).metrics
    assert m["active_ms"] == session_active_ms(s.arrays, s.duration_ms)
    five = analyze_session(s, FrictionSettings().with_overrides(["inactivity.gap_ms=5000"])).metrics
    assert five["active_ms"] == session_active_ms(s.arrays, s.duration_ms, 5000) <= m["active_ms"]


def test_legend_scale_counts_the_busiest_spot(demo) -> None:
    """The five rage clicks on the festival banner sit on a grid line (y ≈ 400 = 12.5 squares): still one spot."""
    from replaylens.analysis.heatmaps.legend import EXPLAIN, marks, scale_labels
    from replaylens.analysis.heatmaps.session import compute_heatmap

    s, _r = demo
    click = compute_heatmap([s], "click", page=0)
    assert scale_labels(click) == ("fewer clicks", "more · up to 5 clicks in one spot")
    assert marks(click) == []
    scroll = compute_heatmap([s], "scroll", page=0)
    labels = [label for _y, label in marks(scroll)]
    assert labels[0] == f"average fold · {scroll.fold_y:.0f} px"
    assert all("of sessions reach here" in label for label in labels[1:])
    attention = compute_heatmap([s], "attention", page=0)
    assert scale_labels(attention)[1].startswith("more · up to") and "per session" in scale_labels(attention)[1]
    assert set(EXPLAIN) == {"click", "move", "scroll", "attention"}


@pytest.mark.parametrize("background", ["#e5484d", "#ffffff", "#14171f"])
def test_annotation_strokes_stay_readable_on_any_background(qapp, background: str) -> None:
    """A red rectangle (the default colour) on red, white and near-black: across its stroke there is a pixel far
    darker and one far lighter than the background wherever that is possible (outline + halo + colour)."""
    from PySide6.QtGui import QPainter

    from replaylens.model.annotations import Annotation
    from replaylens.render.annotations_paint import paint_annotations
    from replaylens.render.frame import FrameGeometry

    img = QImage(200, 120, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(background))
    g = FrameGeometry(0, QRectF(0, 0, 200, 120), QRectF(0, 0, 200, 120), (0.0, 0.0), (200, 120))
    a = Annotation(kind="rect", page=0, x1=40, y1=30, x2=160, y2=90, t_start_ms=0, t_end_ms=1000,
                   color="#e5484d", width=3.0)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint_annotations(p, g, 500.0, [a])
    p.end()
    across = [QColor(img.pixelColor(100, y)).lightness() for y in range(20, 41)]  # through the top edge
    bg = QColor(background).lightness()
    assert min(across) <= bg - 60 or bg < 60  # a dark outline shows on light and mid backgrounds
    assert max(across) >= bg + 60 or bg > 195  # a light halo shows on dark and mid backgrounds
