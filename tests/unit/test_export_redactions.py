"""A redaction drawn at one moment hides its page area at every other moment too: in a PNG, a clip, the PDF's
cover thumbnail and its annotation pages (read back with QtPdf). Narrowing it to its time range is an explicit
choice, and the narrowed control case shows the original pixels (so these checks can fail)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from export_scene import SOLID, T_RAGE, to_array
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage

from replaylens.export.pdf import export_report
from replaylens.export.png import export_view_png, render_view
from replaylens.export.video import export_clip
from replaylens.io.registry import open_session
from replaylens.model.annotations import AnnotationSet, new_annotation
from replaylens.render.context import make_renderer
from replaylens.render.frame import FrameOptions

INK = (0x16, 0x18, 0x1D)  # the solid redaction colour
T_OTHER = 20_000  # landing page at the top again, 45 s before the redaction was drawn (outside its time range)


@pytest.fixture(scope="module")
def demo(qapp, demo_path):
    s = open_session(demo_path)
    yield s, make_renderer(s)
    s.close()


def _drawn_at_rage() -> AnnotationSet:
    x1, y1, x2, y2 = SOLID
    red = new_annotation("redact_solid", 0, x1, y1, x2, y2, t_ms=T_RAGE, duration_ms=346_742)
    assert not red.t_start_ms <= T_OTHER <= red.t_end_ms and not red.t_start_ms <= 0 <= red.t_end_ms
    note = new_annotation("text", 0, 400, 400, 600, 600, t_ms=T_OTHER, text="The sign-up buttons")
    return AnnotationSet([red, note])


def _narrowed(aset: AnnotationSet) -> AnnotationSet:
    return AnnotationSet([replace(a, whole_session=False) if a.is_redaction else a for a in aset])


def _device_box(renderer, t: float) -> tuple[int, int, int, int]:
    g = renderer.geometry(t, QRectF(0, 0, 1280, 800), FrameOptions())
    x1, y1, x2, y2 = SOLID
    r = g.rect_to_device(QRectF(x1, y1, x2 - x1, y2 - y1))
    return int(r.left()), int(r.top()), int(r.right()), int(r.bottom())


def test_png_at_another_time_has_no_original_pixel_in_the_redaction(demo, tmp_path: Path) -> None:
    s, r = demo
    x1, y1, x2, y2 = _device_box(r, T_OTHER)
    assert (x1, y1, x2, y2) == SOLID  # scrolled to the top at that time: page px = view px
    before = to_array(render_view(s, T_OTHER, renderer=r, caption=False, trail_s=0))[y1:y2, x1:x2]
    assert before.std() > 20  # the Log in / Sign up buttons are there to hide
    out = export_view_png(s, T_OTHER, tmp_path / "later.png", annotations=_drawn_at_rage(), renderer=r,
                          caption=False, trail_s=0)
    red = to_array(QImage(str(out)))[y1:y2, x1:x2]
    assert np.all(red == INK)
    narrowed = to_array(render_view(s, T_OTHER, annotations=_narrowed(_drawn_at_rage()), renderer=r, caption=False,
                                    trail_s=0))[y1:y2, x1:x2]
    assert np.array_equal(narrowed, before)  # the explicit choice: outside its range the area is shown


def test_clip_far_from_the_redaction_time_burns_it_in(demo, tmp_path: Path) -> None:
    s, r = demo
    res = export_clip(s, tmp_path / "c.mp4", T_OTHER, T_OTHER + 400, size=(640, 400), fps=5,
                      annotations=_drawn_at_rage(), renderer=r, caption=False, trail_s=0)
    k = 640 / 1280
    x1, y1, x2, y2 = (int(v * k) for v in SOLID)
    with av.open(str(res.path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
    assert frames
    for f in frames:
        box = f[y1 + 2:y2 - 2, x1 + 2:x2 - 2].astype(int)
        assert box.max() < 70 and box.mean() < 40  # dark everywhere (H.264 rounding aside): the buttons are gone


def _pdf_images(path: Path) -> list[np.ndarray]:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    return [to_array(doc.render(i, QSize(1240, 1754))) for i in range(doc.pageCount())]


def _changed_box(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 60)
    assert ys.size, "the two reports do not differ here"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_pdf_cover_thumbnail_and_pages_at_other_times_burn_the_redaction_in(demo, tmp_path: Path) -> None:
    """The same report twice: the redaction as drawn (whole session) and narrowed to its time range. Where the
    rendered pages differ is the redacted area (its shape is checked); in the default report it is solid ink."""
    s, r = demo
    aset = _drawn_at_rage()
    whole = _pdf_images(export_report(s, tmp_path / "whole.pdf", annotations=aset, renderer=r,
                                      include_findings=False))
    narrow = _pdf_images(export_report(s, tmp_path / "narrow.pdf", annotations=_narrowed(aset), renderer=r,
                                       include_findings=False))
    assert len(whole) == len(narrow) == 3  # cover (thumbnail at 0:00), the redaction, the note at 0:20
    from replaylens.export.pdf import report_items

    order = [it.annotation.kind if it.annotation else "" for it in report_items(s, aset, r, include_findings=False)]
    note_page = 1 + order.index("text")  # pages follow the annotations' times: the note (0:20) comes first
    ratio = (SOLID[2] - SOLID[0]) / (SOLID[3] - SOLID[1])
    for page, top_half in ((0, True), (note_page, False)):  # the cover's "Generated hh:mm" may differ: top only
        a, b = whole[page], narrow[page]
        if top_half:
            a, b = a[: a.shape[0] // 2], b[: b.shape[0] // 2]
        x1, y1, x2, y2 = _changed_box(a, b)
        assert abs((x2 - x1) / (y2 - y1) - ratio) < 0.6, "the difference is not the redacted box"
        inner_w, inner = a[y1 + 2:y2 - 2, x1 + 2:x2 - 2].astype(int), b[y1 + 2:y2 - 2, x1 + 2:x2 - 2].astype(int)
        assert inner_w.size and np.abs(inner_w - INK).max() <= 12  # solid ink: no original pixel left
        assert inner.max() > 200  # the narrowed report shows the white buttons there
