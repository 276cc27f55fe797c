"""Replay and exports show the page state (DOM keyframe) in force at t (format 1.2 ``states``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QImage

from replaylens.io.bundle import write_bundle
from replaylens.io.registry import open_session
from replaylens.model.manifest import Manifest, Page, PageState


def png(colour: str, w: int = 400, h: int = 300) -> bytes:
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor(colour))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return bytes(buf.data().data())


def bundle(tmp_path: Path) -> Path:
    states = (PageState(5000, "pages/000-k000.png", 400, 300), PageState(9000, "pages/000-k001.png", 400, 300))
    m = Manifest(session_id="s", start_epoch_ms=1_700_000_000_000, viewport_width=400, viewport_height=300,
                 pages=[Page("https://bank.example/", screenshot="pages/000.png", width=400, height=300,
                             states=states)], duration_ms=12_000)
    events = {"t": [0, 4000, 8000, 12_000], "kind": ["navigate", "move", "move", "move"], "x": [0.0, 10, 20, 30],
              "y": [0.0, 10, 20, 30]}
    images = {"pages/000.png": png("#c00000"), "pages/000-k000.png": png("#00a000"),
              "pages/000-k001.png": png("#0000c0")}
    return write_bundle(tmp_path / "states.rlsession", m, events, images)


@pytest.mark.parametrize("t, rgb", [(0, (192, 0, 0)), (4999, (192, 0, 0)), (5000, (0, 160, 0)), (8999, (0, 160, 0)),
                                    (9000, (0, 0, 192)), (12_000, (0, 0, 192))])
def test_the_view_export_shows_the_state_at_t(qapp: object, tmp_path: Path, t: int, rgb: tuple[int, int, int]) -> None:
    from replaylens.export.png import render_view

    session = open_session(bundle(tmp_path))
    try:
        assert [s.t_ms for s in session.pages[0].states] == [5000, 9000]
        img = render_view(session, t, caption=False, trail_s=0)
        c = img.pixelColor(200, 250)  # away from the cursor
        assert (c.red(), c.green(), c.blue()) == rgb
    finally:
        session.close()


def test_a_state_naming_a_missing_image_is_refused(tmp_path: Path) -> None:
    from replaylens.errors import BadInputError

    m = Manifest(session_id="s", start_epoch_ms=0, viewport_width=400, viewport_height=300,
                 pages=[Page("u", screenshot="pages/000.png", states=(PageState(1, "pages/gone.png"),))])
    path = write_bundle(tmp_path / "bad.rlsession", m, {"t": [0], "kind": ["navigate"]},
                        {"pages/000.png": png("#fff")})
    with pytest.raises(BadInputError, match=r"gone\.png"):
        open_session(path)
