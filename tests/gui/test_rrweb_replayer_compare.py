"""Optional: our DOM keyframes against rrweb's own Replayer (the pinned `rrweb` npm package) at the moments the
keyframe reference tests use (tests/gui/test_keyframes.py): the mobile recording's opened menu at 80 s and the demo
app's clock reading 6 at 5.6 s.

Skipped unless rrweb has been fetched (`bash tests/bench/fetch_rrweb.sh`, into ~/.cache, never into git or CI) and
../shared/data is present. rrweb replays inside a test-only QtWebEngine page with JavaScript on
(tests/gui/rrweb_replayer.py); the first test checks, without rrweb, that the product's page renderer still has
JavaScript off — that boundary is the product's, this comparison must not move it.

Both pictures come from the same Chromium (QtWebEngine) and, since page pictures are drawn by rrweb's Replayer too
(render/page/replay.py), from the same rebuild; ours is a full-page picture in our host page (height-relative units
pinned, masked events), theirs the test page at the viewport size; the recordings' web fonts and images are
blocked in both, and rrweb's document gets the page pictures' "animations at their end state" rule
(rrweb_replayer.RrwebReplayer.frame_at). Here the two
measured pixel-identical, but with another Chromium or font set (Debian's chromium, another rrweb version) glyph
positions and anti-aliased edges move by a pixel, so pixel equality is not the test. The figures are SSIM (Wang
et al. 2004, 7×7 uniform window on grey levels, as scikit-image's default, written with numpy/scipy), the mean
absolute difference per channel (0..255) and the worst 48-px tile's mean difference (says whether one region, e.g.
the menu, is missing), at full resolution (reported) and on thumbnails downscaled SCALE× as the stored references
are (asserted). Thresholds, measured on the smartx page at 80 s (thumbnails): the page shifted by 1 CSS px scores
SSIM 0.968 / mean 2.44 and must pass; shifted by 2 px (rrweb's default iframe border) 0.902 / 4.98; rrweb at 1 s
against our 80 s keyframe (menu closed vs open, the control asserted below) 0.573 / 22.5; rrweb at 1 s with its
fade-in frozen at the first frame (heading invisible) 0.897 / 3.70. Hence SSIM ≥ 0.93 and mean ≤ 4.0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from rrweb_replayer import RrwebReplayer, rrweb_missing
from test_keyframes import DIGIT, SCALE, TOLERANCE, _load_ref, demoit_state_png, smartx_state_png

from replaylens.render.page import prepare_qt

prepare_qt()

APP = Path(__file__).resolve().parents[2] / "app" / "replaylens"
MIN_SSIM = 0.93  # on SCALE× thumbnails; see the module docstring for the measurements behind both numbers
MAX_MEAN_DIFF = 4.0  # per channel, 0..255
TILE = 48  # CSS px: 8×8 px tiles on the thumbnails


def grey(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def ssim(a: np.ndarray, b: np.ndarray, win: int = 7) -> float:
    from scipy.ndimage import uniform_filter

    x, y = grey(a).astype(np.float64), grey(b).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = uniform_filter(x, win), uniform_filter(y, win)
    vx = uniform_filter(x * x, win) - mx * mx
    vy = uniform_filter(y * y, win) - my * my
    cov = uniform_filter(x * y, win) - mx * my
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    pad = win // 2
    return float(s[pad:-pad or None, pad:-pad or None].mean())


def worst_tile(a: np.ndarray, b: np.ndarray, tile: int = TILE) -> float:
    h, w = a.shape[:2]
    d = np.abs(a - b).mean(axis=2)
    return max(float(d[y:y + tile, x:x + tile].mean()) for y in range(0, h, tile) for x in range(0, w, tile))


def similar(f: dict[str, float]) -> bool:
    return f["ssim"] >= MIN_SSIM and f["mean_diff"] <= MAX_MEAN_DIFF


def compare(rr: QImage, ours: QImage, w: int, h: int) -> dict[str, dict[str, float]]:
    """Figures at full resolution (reported) and on SCALE× thumbnails (asserted: a 1-px shift blurs away)."""
    return {"full": figures(pixels(rr.copy(0, 0, w, h)), pixels(ours.copy(0, 0, w, h))),
            "thumb": figures(thumb(rr, w, h), thumb(ours, w, h), tile=TILE // SCALE)}


def figures(a: np.ndarray, b: np.ndarray, tile: int = TILE) -> dict[str, float]:
    assert a.shape == b.shape, (a.shape, b.shape)
    return {"ssim": round(ssim(a, b), 4), "mean_diff": round(float(np.abs(a - b).mean()), 2),
            "worst_tile": round(worst_tile(a, b, tile), 2)}


def pixels(img: QImage) -> np.ndarray:
    """QImage -> float32 H×W×3 (RGB)."""
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    return raw[:, : img.width(), 2::-1].astype(np.float32)  # BGRA in memory -> RGB


def thumb(img: QImage, w: int, h: int) -> np.ndarray:
    """As test_keyframes.thumb: the top w×h CSS px downscaled SCALE×, to compare with the stored references."""
    from PySide6.QtCore import Qt

    small = img.copy(0, 0, w, h).scaled(w // SCALE, h // SCALE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)
    return pixels(small)


def ref_rgb(name: str) -> np.ndarray:
    return _load_ref(name)[:, :, ::-1]  # test_keyframes reads QImage memory order (BGR); same order as pixels()


@pytest.fixture(scope="module")
def rrweb() -> None:
    why = rrweb_missing()
    if why is not None:
        pytest.skip(why)


@contextmanager
def replayer(shared_data: Path, name: str) -> Iterator[RrwebReplayer]:
    events = json.loads((shared_data / name).read_text("utf-8"))
    events = sorted(events, key=lambda e: e["timestamp"])
    meta = next(e["data"] for e in events if e.get("type") == 4)
    # rrweb counts time from the first event (sorted), the keyframe tests from the earliest timestamp: one instant
    rr = RrwebReplayer(events, int(meta["width"]), int(meta["height"]))
    try:
        yield rr
    finally:
        rr.close()


def report(request: pytest.FixtureRequest, moment: str, **found: object) -> None:
    line = f"rrweb replayer vs {moment}: " + "; ".join(f"{k} {v}" for k, v in found.items())
    print(line)
    request.node.user_properties.append((moment, found))


def test_the_product_never_enables_javascript_for_recorded_pages(qapp: object) -> None:
    """The product's page settings have JavaScript off, and no module of app/ sets a Javascript* attribute other
    than through network.py's lists: off for every page, on only for our host page of rrweb's Replayer (its one
    user is render/page/replay.py), whose recorded document rrweb puts in an iframe without allow-scripts (no
    option or script of ours can grant it)."""
    from PySide6.QtWebEngineCore import QWebEngineSettings

    from replaylens.render.page import network

    profile, _interceptor, page = network.private_page()
    try:
        off = page.settings().testAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled)
        assert off is False
    finally:  # the page goes before its profile, each deletion carried out at once (as capture's close does):
        from PySide6.QtCore import QCoreApplication, QEvent  # a profile released under a live page crashes Chromium

        page.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        profile.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    uses = {p.relative_to(APP).as_posix() for p in APP.rglob("*.py")
            if re.search(r"Javascript\w*Enabled|JavascriptCan", p.read_text("utf-8"))}
    assert uses == {"render/page/network.py"}, uses
    text = (APP / "render" / "page" / "network.py").read_text("utf-8")
    assert '"JavascriptEnabled"' in text.split("_OFF_ATTRIBUTES = (", 1)[1].split(")", 1)[0]
    assert "_ON_ATTRIBUTES" in text and "Javascript" not in text.split("_ON_ATTRIBUTES = (", 1)[1].split(")", 1)[0]
    # JavaScript is on for our host page of rrweb's Replayer only (render/page/replay.py), never for the recorded
    # document: rrweb rebuilds it in an iframe sandboxed with allow-same-origin alone
    assert text.split("_HOST_PAGE_ON = (", 1)[1].split(")", 1)[0] == '"JavascriptEnabled",'
    hosts = {p.relative_to(APP).as_posix() for p in APP.rglob("*.py")
             if re.search(r"HOST_SCRIPTS\s*=\s*True|host_scripts\s*=\s*True", p.read_text("utf-8"))}
    assert hosts == {"render/page/replay.py"}, hosts
    from replaylens.render.page import replay

    assert replay.REPLAYER_OPTIONS["UNSAFE_replayCanvas"] is False  # rrweb adds allow-scripts when it is on
    assert "iframeAttributes" not in replay.REPLAYER_OPTIONS and "sandbox" not in replay._BOOT
    for p in APP.rglob("*"):  # nothing in app/ grants the recorded iframe scripts ("without allow-scripts" only)
        if p.is_file() and p.suffix in (".py", ".js", ".html"):
            body = p.read_text("utf-8", errors="replace")
            for m in re.finditer(r"allow-scripts", body):
                assert body[max(0, m.start() - 9):m.start()].endswith("without "), (p, body[m.start() - 60:m.end()])


@pytest.mark.slow
def test_smartx_menu_at_80s_matches_rrwebs_replayer(rrweb: None, shared_data: Path,
                                                     request: pytest.FixtureRequest) -> None:
    """rrweb and our keyframe agree with the menu open at 80 s and closed at 1 s; rrweb's 1 s against our 80 s
    keyframe is the control that must fail the thresholds."""
    w, h = 414, 798  # the region the keyframe reference covers (test_keyframes.thumb)
    ours80 = QImage.fromData(smartx_state_png(shared_data, 80_000))
    ours1 = QImage.fromData(smartx_state_png(shared_data, 1_000))
    with replayer(shared_data, "rrweb-sizer-smartx-mobile/e1.json") as rr:
        sandbox = rr.sandbox()
        frozen1 = rr.frame_at(1_000, settle=False)  # as a paused Replayer shows it: fade-ins frozen (reported)
        at80, at1 = rr.frame_at(80_000), rr.frame_at(1_000)
        assert all(u.startswith(("http:", "https:")) for u in rr.interceptor.blocked), rr.interceptor.blocked
    assert sandbox is not None and "allow-scripts" not in sandbox, sandbox  # the recording's scripts stay off
    open80, closed1, control = compare(at80, ours80, w, h), compare(at1, ours1, w, h), compare(at1, ours80, w, h)
    vs_ref = figures(thumb(at80, w, h), ref_rgb("smartx-menu-open-80s.png"))
    report(request, "smartx", at_80s=open80, at_1s=closed1, at_1s_animations_frozen=compare(frozen1, ours1, w, h),
           control_rrweb_1s_vs_keyframe_80s=control,
           rrweb_80s_vs_stored_reference=vs_ref)
    for agree in (open80, closed1):
        assert similar(agree["thumb"]), agree
    assert not similar(control["thumb"]), control  # the thresholds tell the closed menu from the open one
    assert vs_ref["mean_diff"] < TOLERANCE, vs_ref  # rrweb also passes test_keyframes' check against its reference


@pytest.mark.slow
def test_demoit_clock_at_5_6s_matches_rrwebs_replayer(rrweb: None, shared_data: Path,
                                                      request: pytest.FixtureRequest) -> None:
    """The demo app's page and its clock digit (a text mutation every second) at 5.6 s, as rrweb replays it."""
    ours = QImage.fromData(demoit_state_png(shared_data, 5600))
    with replayer(shared_data, "rrweb-demoit-player/events.json") as rr:
        at56, at1 = rr.frame_at(5600), rr.frame_at(1000)
        vw, vh = rr.width, rr.height
    page = compare(at56, ours, vw, vh)
    digit = figures(pixels(at56.copy(*DIGIT)), pixels(ours.copy(*DIGIT)))
    digit_vs_ref = figures(pixels(at56.copy(*DIGIT)), ref_rgb("demoit-time-6.png"))
    control = figures(pixels(at1.copy(*DIGIT)), ref_rgb("demoit-time-6.png"))
    report(request, "demoit", page_at_5_6s=page, digit_at_5_6s=digit, digit_vs_stored_reference=digit_vs_ref,
           control_rrweb_digit_1s_vs_reference=control)
    assert similar(page["thumb"]), page
    # the digit is 10×13 px, too small for SSIM or a thumbnail: test_keyframes' own check and control
    assert digit["mean_diff"] < TOLERANCE and digit_vs_ref["mean_diff"] < TOLERANCE, (digit, digit_vs_ref)
    assert control["mean_diff"] > 2 * TOLERANCE, control
