"""PDF report read back with QtPdf; clips read back with PyAV; cancel leaves nothing; CLI commands end to end."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from export_scene import SOLID, T_RAGE, scene

from replaylens.errors import BadInputError, CancelledError
from replaylens.export.pdf import export_report
from replaylens.export.video import export_clip, frame_times
from replaylens.io.registry import open_session
from replaylens.model.annotations import AnnotationSet, export_annotations
from replaylens.render.context import make_renderer, session_findings


@pytest.fixture(scope="module")
def demo(qapp, demo_path):
    s = open_session(demo_path)
    yield s, make_renderer(s)
    s.close()


def _pdf_pages(path: Path) -> list[str]:
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    return [doc.getAllText(i).text() for i in range(doc.pageCount())]


def test_pdf_report_pages_and_text(demo, tmp_path: Path) -> None:
    s, r = demo
    aset = AnnotationSet([a for a in scene() if a.kind in ("text", "redact_solid")])
    out = export_report(s, tmp_path / "r.pdf", annotations=aset, renderer=r)
    pages = _pdf_pages(out)
    n_find = len(session_findings(s))
    assert len(pages) == 1 + n_find + 1  # the note and the redaction were drawn at the same moment: one page
    assert s.manifest.session_id in pages[0] and "Pages visited" in pages[0]
    assert all(f"Page {i + 1} of {len(pages)}" in t for i, t in enumerate(pages))
    note = " ".join(pages[1 + n_find].split())
    assert "Annotation 1 of 2" in note and "Customers rage-click the festival banner" in note
    assert "Annotation 2 of 2" in note and "Redaction" in note
    if n_find:
        assert "Finding 1 of" in pages[1]
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


def test_frame_times() -> None:
    t = frame_times(1000, 3000, speed=2.0, fps=10)  # 2 s of session at 2x = 1 s of video = 10 frames
    assert len(t) == 10 and t[0] == 1000 and t[1] == 1200 and t[-1] == 2800


@pytest.mark.parametrize("ext,codec", [(".mp4", "h264"), (".webm", "vp9")])
def test_clip_read_back(demo, tmp_path: Path, ext: str, codec: str) -> None:
    s, r = demo
    seen: list[float] = []
    res = export_clip(s, tmp_path / f"c{ext}", T_RAGE - 1000, T_RAGE + 1000, speed=2.0, size=(321, 201), fps=15,
                      annotations=scene(), renderer=r, progress=seen.append)
    assert (res.width, res.height, res.frames) == (320, 200, 15)  # odd sizes made even; 2 s at 2x, 15 fps
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) == 15
    with av.open(str(res.path)) as c:
        st = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(st)]
        assert st.codec_context.name == codec and (st.width, st.height) == (320, 200)
        assert abs(len(frames) - 15) <= 1
        assert c.duration is not None and abs(c.duration / 1e6 - 1.0) <= 1 / 15 + 1e-6
    # the solid redaction is burned into the video too. The 1280x800 view is fitted into 320x166 (+ caption strip)
    k = min(320 / 1280, 166 / 800)
    left, top = (320 - 1280 * k) / 2, (166 - 800 * k) / 2
    x1, y1, x2, y2 = (int(left + SOLID[0] * k) + 2, int(top + SOLID[1] * k) + 2, int(left + SOLID[2] * k) - 2,
                      int(top + SOLID[3] * k) - 2)
    box = frames[7][y1:y2, x1:x2].astype(int)
    assert box.size and box.max() < 90 and box.mean() < 40  # dark everywhere: the white "Log in" button is gone
    assert [p.name for p in tmp_path.iterdir()] == [f"c{ext}"]


def test_clip_cancel_deletes_partial(demo, tmp_path: Path) -> None:
    s, r = demo
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(CancelledError):
        export_clip(s, tmp_path / "c.mp4", 0, 5000, size=(320, 180), fps=10, renderer=r, cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(BadInputError, match="speed"):
        export_clip(s, tmp_path / "c.mp4", 0, 5000, speed=16, renderer=r)
    with pytest.raises(BadInputError, match=r"\.mp4 or \.webm"):
        export_clip(s, tmp_path / "c.gif", 0, 5000, renderer=r)


def test_clip_audio_codec_is_bad_input(demo, tmp_path: Path) -> None:
    s, r = demo
    with pytest.raises(BadInputError, match="not a video codec"):
        export_clip(s, tmp_path / "c.mp4", 0, 1000, size=(320, 180), fps=10, renderer=r, codec="aac")
    assert list(tmp_path.iterdir()) == []


def test_cli_export_clip_report(demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                qapp, capsys) -> None:
    from PySide6.QtGui import QImage

    from replaylens.cli import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    notes = export_annotations(scene(), tmp_path / "notes.json")
    png = tmp_path / "v.png"
    assert main(["export", str(demo_path), "--at", "1:07.463", "--out", str(png), "--annotations", str(notes)]) == 0
    assert (QImage(str(png)).width(), QImage(str(png)).height()) == (1280, 834)
    full = tmp_path / "f.png"
    assert main(["export", str(demo_path), "--full-page", "--page", "1", "--out", str(full)]) == 0
    assert QImage(str(full)).width() == 1280
    clip = tmp_path / "c.webm"
    assert main(["clip", str(demo_path), "--from", "60", "--to", "61", "--out", str(clip), "--size", "320x180",
                 "--speed", "4"]) == 0
    assert "clip 100 %" in capsys.readouterr().err
    pdf = tmp_path / "r.pdf"
    assert main(["report", str(demo_path), "--out", str(pdf), "--no-findings", "--annotations", str(notes)]) == 0
    assert len(_pdf_pages(pdf)) == 1 + 1  # the scene's 8 annotations were all drawn at one moment: one page
    assert main(["export", str(demo_path), "--at", "9999", "--out", str(png)]) == 3
    assert main(["clip", str(demo_path), "--from", "5", "--to", "2", "--out", str(clip)]) == 3
    assert main(["export", str(demo_path), "--out", str(tmp_path / "no" / "x.png")]) == 3
    err = capsys.readouterr().err
    assert "past the end of the session" in err and "does not exist" in err
    assert not (tmp_path / "xdg").exists()  # the CLI only reads the viewer's store, never creates it


def test_pdf_one_page_per_moment(demo, tmp_path: Path) -> None:
    """Annotations drawn within a second of each other share a page; one drawn later gets its own."""
    from dataclasses import replace

    from replaylens.export.pdf import group_annotations

    s, r = demo
    same = list(scene())  # 8 annotations, all drawn at T_RAGE
    near = replace(same[0], id="near", at_ms=T_RAGE + 800)
    later = replace(same[1], id="later", t_start_ms=T_RAGE + 3000, t_end_ms=T_RAGE + 9000, at_ms=T_RAGE + 4000)
    aset = AnnotationSet([*same, near, later])
    groups = group_annotations(list(aset))
    assert [len(g) for g in groups] == [9, 1] and groups[1][0].id == "later"
    pages = _pdf_pages(export_report(s, tmp_path / "g.pdf", annotations=aset, renderer=r, include_findings=False))
    assert len(pages) == 1 + 2
    first = " ".join(pages[1].split())
    assert "Annotations 1–9 of 10" in first and "Annotation 9 of 10" in first
    assert "Annotation 10 of 10" in pages[2]
