"""DOM keyframes of the shared real recordings (io/rrweb/keyframes.py): the state rendered at a chosen time shows
what the recording had then, compared (tolerantly, downscaled) with a stored reference image."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from replaylens.render.page import RenderJob, prepare_qt, render_snapshots

prepare_qt()

REF = Path(__file__).resolve().parents[1] / "data" / "reference"
SCALE = 6  # references are the first 414×800 CSS px of the page, downscaled 6×
TOLERANCE = 6.0  # mean absolute difference per channel (0..255) still counted as "the same picture" (a 1 px shift: 2.4)


def thumb(png: bytes, w: int = 414, h: int = 798) -> np.ndarray:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    img = QImage.fromData(png).copy(0, 0, w, h).scaled(w // SCALE, h // SCALE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    return raw[:, : img.width(), :3].astype(np.float32)



def _load_ref(name: str) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage(str(REF / name)).convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    return raw[:, : img.width(), :3].astype(np.float32)


def smartx_state_png(shared_data: Path, t_rel_ms: int) -> bytes:
    from replaylens.io.rrweb.keyframes import state_job
    from replaylens.io.rrweb.reader import load_recording

    loaded = load_recording(shared_data / "rrweb-sizer-smartx-mobile" / "e1.json")
    info, hist = loaded.mapped.pages[0], loaded.mapped.histories[0]
    assert info.snapshot is not None and len(hist.changes) > 20
    job: RenderJob = state_job(loaded, 0, t_rel_ms)
    [res] = render_snapshots([job], timeout_s=20)
    assert res.png is not None and not res.wireframe, res.error
    return res.png


@pytest.mark.slow
def test_smartx_keyframe_shows_the_opened_menu(shared_data: Path) -> None:
    """At 80 s the mobile recording's user has opened the navigation menu (a class mutation at 77.985 s) and its
    product tab (79.914 s); the first snapshot alone shows the page with the menu closed."""
    ref = _load_ref("smartx-menu-open-80s.png")
    menu = thumb(smartx_state_png(shared_data, 80_000))
    assert menu.shape == ref.shape
    closed = thumb(smartx_state_png(shared_data, 1000))
    same = float(np.abs(menu - ref).mean())
    differs = float(np.abs(closed - ref).mean())
    assert same < TOLERANCE, same
    assert differs > 2 * TOLERANCE, differs  # control: the comparison tells the closed menu from the open one


def demoit_state_png(shared_data: Path, t_rel_ms: int) -> bytes:
    from replaylens.io.rrweb.keyframes import state_job
    from replaylens.io.rrweb.reader import load_recording

    loaded = load_recording(shared_data / "rrweb-demoit-player" / "events.json")
    job: RenderJob = state_job(loaded, 0, t_rel_ms)
    [res] = render_snapshots([job], timeout_s=20)
    assert res.png is not None and not res.wireframe, res.error
    return res.png


DIGIT = (55, 519, 10, 13)  # x, y, w, h: the seconds digit of the demo app's "Time N" line (CSS px)


def crop(png: bytes) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage.fromData(png).copy(*DIGIT).convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    return raw[:, : img.width(), :3].astype(np.float32)


@pytest.mark.slow
def test_demoit_keyframe_shows_a_text_changed_by_a_mutation(shared_data: Path) -> None:
    """The demo app's clock text ("Time N") is a text mutation every second: at 5.6 s it reads 6 (reference),
    at 1 s it read 1."""
    ref = _load_ref("demoit-time-6.png")
    six = crop(demoit_state_png(shared_data, 5600))
    one = crop(demoit_state_png(shared_data, 1000))
    assert six.shape == ref.shape
    assert float(np.abs(six - ref).mean()) < TOLERANCE
    assert float(np.abs(one - ref).mean()) > 2 * TOLERANCE  # control: another digit does not pass as a 6
