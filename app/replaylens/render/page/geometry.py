"""Element geometry: the boxes of chosen elements of a rendered page, measured by a trusted script.

Page pictures are drawn by rrweb's Replayer in our host page (render/page/replay.py). After a state is grabbed,
``replay_box_script`` calls the host page's ``rlBoxes``: rrweb's mirror maps each wanted rrweb node id to the
element it rebuilt, and ``getBoundingClientRect`` plus the replayed document's scroll offsets give document
coordinates in CSS px, returned as JSON text (PySide6 hands a script's array back as an empty string). The
recording cannot forge an id (ids are rrweb's own, and the recorded document runs no script).

``box_script``/``measure`` do the same for a raw HTML page (``render_html``, tests) whose elements carry
``data-rl-id``, in Qt's isolated ``ApplicationWorld`` (it runs although JavaScript is off for that page).
The scripts are built here from integers only (the wanted ids); what comes back is checked to be finite numbers
and cut at ``MAX_BOXES``. Boxes of zero area (hidden elements) are left out.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: At most this many boxes per page or keyframe (the ids asked for are cut to this many first).
MAX_BOXES = 2000
#: One row per box: node id, x, y, w, h (document CSS px).
BOX_COLUMNS = ("node", "x", "y", "w", "h")

_BOX_JS = """(function (want, cap) {
  var keep = new Set(want), out = [], sx = window.scrollX || 0, sy = window.scrollY || 0;
  var els = document.querySelectorAll('[data-rl-id]');
  for (var i = 0; i < els.length && out.length < 5 * cap; i++) {
    var id = parseInt(els[i].getAttribute('data-rl-id'), 10);
    if (!keep.has(id)) continue;
    keep.delete(id);
    var r = els[i].getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.push(id, r.left + sx, r.top + sy, r.width, r.height);
  }
  return JSON.stringify(out);
})(%s, %d)"""


def empty_boxes() -> np.ndarray:
    return np.zeros((0, 5), dtype=np.float64)


def box_script(ids: Sequence[int]) -> str:
    """The measuring script for these node ids (integers only reach the script text)."""
    want = sorted({int(i) for i in ids if 0 <= int(i) <= 0xFFFFFFFF})[:MAX_BOXES]
    return _BOX_JS % ("[" + ",".join(str(i) for i in want) + "]", MAX_BOXES)


def replay_box_script(ids: Sequence[int]) -> str:
    """The call of the host page's ``rlBoxes`` (render/page/replay.py: rrweb's mirror, node id -> element) for
    these node ids; integers only reach the script text. Runs in the page's main world, where rrweb lives."""
    want = sorted({int(i) for i in ids if 0 <= int(i) <= 0xFFFFFFFF})[:MAX_BOXES]
    return "window.rlBoxes([" + ",".join(str(i) for i in want) + f"], {MAX_BOXES})"


def parse_boxes(value: Any) -> np.ndarray:
    """The script's flat [id, x, y, w, h, ...] list (JSON text) as a (k, 5) float64 array; anything malformed is
    dropped."""
    if isinstance(value, str) and len(value) <= 64 * 5 * MAX_BOXES:
        try:
            value = json.loads(value)
        except ValueError:
            return empty_boxes()
    if not isinstance(value, list) or not value:
        return empty_boxes()
    nums = [v if isinstance(v, int | float) and not isinstance(v, bool) else math.nan
            for v in value[: 5 * MAX_BOXES]]
    k = len(nums) // 5
    arr = np.asarray(nums[: 5 * k], dtype=np.float64).reshape(k, 5)
    ok = np.isfinite(arr).all(axis=1) & (arr[:, 3] > 0) & (arr[:, 4] > 0) & (arr[:, 0] >= 0)
    ok &= (np.abs(arr[:, 1:]) <= 1e7).all(axis=1)
    return arr[ok]


def measure(page: Any, ids: Sequence[int], deadline: float, wait: Callable[[Callable[[], bool], float, int], bool],
            crashed: Callable[[], bool]) -> np.ndarray:
    """Boxes of the elements ``ids`` on the loaded ``page`` (a QWebEnginePage), (k, 5) rows of ``BOX_COLUMNS``."""
    if not ids:
        return empty_boxes()
    from PySide6.QtWebEngineCore import QWebEngineScript

    got: list[Any] = []
    page.runJavaScript(box_script(ids), QWebEngineScript.ScriptWorldId.ApplicationWorld, got.append)
    wait(lambda: bool(got) or crashed(), min(deadline, time.perf_counter() + 2.0), 5)
    return parse_boxes(got[0]) if got else empty_boxes()
