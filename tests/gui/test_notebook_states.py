"""A single-page app with hundreds of mutations (a notebook: cells typed character by character, outputs appended,
the page scrolled along) converted with page states, then exported at a time: a text added late is on the export
after it was added and not before (the issue's 18.6 s case, where the old rebuild still showed the previous cell)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from replaylens.render.page import prepare_qt

prepare_qt()

APP = Path(__file__).resolve().parents[2] / "app"
W, H = 1000, 700
CELLS = 36
STEP_MS = 1500
LATE = (214, 40, 160)  # the last output's background: a colour nothing else on the page has
EARLY = (40, 150, 90)  # the first output's


def _el(nid: int, tag: str, attrs: dict[str, str] | None = None, kids: list[Any] | None = None) -> dict[str, Any]:
    return {"type": 2, "id": nid, "tagName": tag, "attributes": attrs or {}, "childNodes": kids or []}


def notebook() -> tuple[list[dict[str, Any]], int]:
    """rrweb events of the notebook, and the epoch ms at which the late output appears."""
    t0 = 1_700_000_000_000
    css = ("body{margin:0;font:16px sans-serif;background:#fafafa}.tb{height:40px;background:#334;color:#fff}"
           ".cell{margin:8px 16px;padding:8px;background:#fff;border:1px solid #ccd;font-family:monospace;"
           "height:22px}.out{margin:0 16px 8px;padding:6px;height:20px;background:#e8e8ee}")
    head = _el(3, "head", {}, [_el(4, "style", {}, [{"type": 3, "id": 5, "textContent": css, "isStyle": True}])])
    body = _el(6, "body", {}, [_el(7, "div", {"class": "tb"}, [{"type": 3, "id": 8, "textContent": "Code ▾"}]),
                               _el(9, "div", {"id": "nb"})])
    node = {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html", "publicId": "", "systemId": ""},
                                               _el(10, "html", {}, [head, body])]}
    events: list[dict[str, Any]] = [
        {"type": 4, "timestamp": t0, "data": {"href": "https://nb.example/lab", "width": W, "height": H}},
        {"type": 2, "timestamp": t0 + 10, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}}]
    nid = 100
    late_at = 0
    for k in range(CELLS):
        t = t0 + 1000 + k * STEP_MS
        cell, text = nid, nid + 1
        nid += 2
        events.append({"type": 3, "timestamp": t, "data": {"source": 0, "texts": [], "attributes": [], "removes": [],
                       "adds": [{"parentId": 9, "nextId": None, "node": _el(cell, "div", {"class": "cell"})},
                                {"parentId": cell, "nextId": None, "node": {"type": 3, "id": text,
                                                                            "textContent": ""}}]}})
        code = f"print(step_{k})"
        for j in range(1, len(code) + 1, 3):  # typed: a text mutation per few characters
            events.append({"type": 3, "timestamp": t + 40 * j, "data": {
                "source": 0, "adds": [], "removes": [], "attributes": [], "texts": [{"id": text, "value": code[:j]}]}})
        out, out_text = nid, nid + 1
        nid += 2
        last = k == CELLS - 1
        style = {"class": "out"}
        if k == 0:
            style["style"] = f"background:rgb{EARLY}"
        if last:
            style["style"] = f"background:rgb{LATE};color:#fff"
        t_out = t + 900
        late_at = t_out if last else late_at
        events.append({"type": 3, "timestamp": t_out, "data": {"source": 0, "texts": [], "attributes": [],
                       "removes": [], "adds": [
                           {"parentId": 9, "nextId": None, "node": _el(out, "div", style)},
                           {"parentId": out, "nextId": None, "node": {"type": 3, "id": out_text,
                                                                      "textContent": f"step {k} = {k * k}"}}]}})
        content = 40 + (k + 1) * (40 + 16 + 34 + 8)
        events.append({"type": 3, "timestamp": t_out + 50, "data": {"source": 3, "id": 1, "x": 0,
                                                                     "y": max(0, content - H + 40)}})
        events.append({"type": 3, "timestamp": t_out + 60, "data": {"source": 1, "positions": [
            {"x": 300, "y": 400, "id": out, "timeOffset": 0}]}})
    events.append({"type": 3, "timestamp": late_at + 3000, "data": {"source": 1, "positions": [
        {"x": 310, "y": 410, "id": 9, "timeOffset": 0}]}})
    return events, late_at - t0


def colour_count(png: Path, rgb: tuple[int, int, int], tol: int = 6) -> int:
    from PySide6.QtGui import QImage

    img = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes()).reshape(img.height(), -1, 4)
    px = raw[:, : img.width(), 2::-1].astype(np.int16)
    return int((np.abs(px - np.array(rgb)).max(axis=2) <= tol).sum())


def export_at(bundle: Path, t_ms: int, out: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(APP), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "replaylens", "export", str(bundle), "--at", f"{t_ms / 1000:.3f}",
                           "--out", str(out), "--trail", "0", "--no-caption"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_a_text_added_late_is_on_the_export_after_it_and_not_before(tmp_path: Path, qapp: object) -> None:
    from rrweb_replayer import rrweb_missing

    why = rrweb_missing()
    if why is not None:
        pytest.skip(why)
    from replaylens.io.registry import open_session
    from replaylens.io.rrweb.convert import convert_rrweb

    events, late_ms = notebook()
    mutations = sum(1 for e in events if e["type"] == 3 and e["data"]["source"] == 0)
    assert mutations >= 200  # hundreds of mutations, as a notebook app produces
    src = tmp_path / "notebook.json"
    src.write_text(json.dumps(events), "utf-8")
    res = convert_rrweb(src, tmp_path / "nb.rlsession", keyframes=True)
    s = open_session(res.path)
    try:
        states = [st.t_ms for p in s.pages for st in p.states]
    finally:
        s.close()
    assert res.states >= CELLS, (res.states, res.render_note)  # every appended output became a page state
    assert any(late_ms <= t < late_ms + 400 for t in states), (late_ms, states[-5:])
    after = colour_count(export_at(res.path, late_ms + 500, tmp_path / "after.png"), LATE)
    before = colour_count(export_at(res.path, late_ms - 300, tmp_path / "before.png"), LATE)
    first = colour_count(export_at(res.path, 1000 + 900 + 500, tmp_path / "first.png"), EARLY)
    assert after > 5_000, after  # the late output (its 968×32 px block) is on the export after it appeared
    assert before == 0, before  # and not before
    assert first > 5_000, first  # control: an output is found when it is there


def export_exact(src: Path, t_ms: int, out: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(APP), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "replaylens", "export", str(src), "--at", f"{t_ms / 1000:.3f}",
                           "--out", str(out), "--trail", "0", "--no-caption", "--exact"], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_an_exact_export_renders_the_moment_itself(tmp_path: Path) -> None:
    """``export --exact`` of the recording renders the page at that very time (no conversion, no page states):
    100 ms after the late output appeared it is there, 100 ms before it is not."""
    from rrweb_replayer import rrweb_missing

    why = rrweb_missing()
    if why is not None:
        pytest.skip(why)
    events, late_ms = notebook()
    src = tmp_path / "notebook.json"
    src.write_text(json.dumps(events), "utf-8")
    after = colour_count(export_exact(src, late_ms + 100, tmp_path / "after.png"), LATE)
    before = colour_count(export_exact(src, late_ms - 100, tmp_path / "before.png"), LATE)
    assert after > 5_000 and before == 0, (after, before)
