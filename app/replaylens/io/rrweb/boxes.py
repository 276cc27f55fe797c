"""Element boxes: which elements the renderer measures on each page and keyframe, and the events' box columns.

When the converter renders a page (its first screenshot) or a keyframe (a page state), the renderer also measures
the boxes of the elements people clicked or hovered on that page (``measure_ids``; ``render.page.geometry``: a
trusted script in an isolated world, the page's own scripts off). The boxes are kept per (page, shot) in
``PageBoxes`` and joined to the events, columnar, by page, the shot in force at the event's time and the target's
rrweb node id (``Mapped.target_node``): click-like events gain ``target_box_x``, ``target_box_y``,
``target_box_w``, ``target_box_h`` (document CSS px, null when unknown). They travel with the events in the bundle
(the converted, cached bundle), so the viewer, the exports and the library read them back.

Shot 0 of a page is its first screenshot, shot ``k`` its ``k``-th page state (``Page.states`` in time order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Event columns filled from the boxes (float64, document CSS px; null when no box is known).
BOX_COLUMNS = ("target_box_x", "target_box_y", "target_box_w", "target_box_h")
#: Events whose target's box is measured and kept in the box columns.
CLICK_LIKE = ("click", "dblclick", "contextmenu", "touch_end", "down", "up")
#: Hovered elements measured too (after the clicked ones, within the renderer's per-page maximum).
HOVER = ("move",)
MAX_IDS = 2000  # the same bound as render.page.geometry.MAX_BOXES


def measure_ids(kind: pa.ChunkedArray | pa.Array, page: np.ndarray, target_node: np.ndarray, page_index: int
                ) -> tuple[int, ...]:
    """Distinct node ids clicked, then hovered, on ``page_index`` (at most ``MAX_IDS``)."""
    if target_node.shape[0] != page.shape[0] or not page.shape[0]:
        return ()
    on = (page == page_index) & (target_node >= 0)
    click = on & pc.is_in(kind, pa.array(CLICK_LIKE)).to_numpy(zero_copy_only=False)
    hover = on & pc.is_in(kind, pa.array(HOVER)).to_numpy(zero_copy_only=False)
    first = np.unique(target_node[click])
    rest = np.setdiff1d(np.unique(target_node[hover]), first)
    return tuple(int(i) for i in np.concatenate([first, rest])[:MAX_IDS])


@dataclass
class PageBoxes:
    """Measured boxes by (page, shot): rows of node id, x, y, w, h (document CSS px)."""

    shots: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    #: page -> times (ms from the session start) of its states, in order (shot k >= 1 is state k - 1)
    state_times: dict[int, Sequence[int]] = field(default_factory=dict)

    def add(self, page: int, shot: int, boxes: np.ndarray) -> None:
        if isinstance(boxes, np.ndarray) and boxes.ndim == 2 and boxes.shape[1] == 5 and boxes.shape[0]:
            self.shots[(page, shot)] = boxes

    def __len__(self) -> int:
        return sum(b.shape[0] for b in self.shots.values())


def add_box_columns(table: pa.Table, target_node: np.ndarray, boxes: PageBoxes) -> pa.Table:
    """``table`` with the four box columns (replaced when present), joined by page, shot and node; no Python loop
    per event (one ``searchsorted`` per page with states, one over every measured box)."""
    n = table.num_rows
    out = np.full((n, 4), np.nan)
    if boxes.shots and target_node.shape[0] == n and n:
        t = table["t"].to_numpy(zero_copy_only=False).astype(np.int64)
        page = table["page"].to_numpy(zero_copy_only=False).astype(np.int64)
        click = pc.is_in(table["kind"], pa.array(CLICK_LIKE)).to_numpy(zero_copy_only=False)
        shot = np.zeros(n, dtype=np.int64)
        for p, times in boxes.state_times.items():  # per page: the shot in force at each event's time
            on = page == p
            shot[on] = np.searchsorted(np.asarray(times, dtype=np.int64), t[on], side="right")
        keys = np.concatenate([_key(np.full(b.shape[0], p), np.full(b.shape[0], s), b[:, 0].astype(np.int64))
                               for (p, s), b in boxes.shots.items()])
        vals = np.concatenate(list(boxes.shots.values()))[:, 1:]
        order = np.argsort(keys, kind="stable")
        keys, vals = keys[order], vals[order]
        want = click & (target_node >= 0) & (page >= 0)
        q = _key(page[want], shot[want], target_node[want])
        pos = np.clip(np.searchsorted(keys, q), 0, keys.size - 1)
        hit = keys[pos] == q
        rows = np.flatnonzero(want)[hit]
        out[rows] = vals[pos[hit]]
    for j, name in enumerate(BOX_COLUMNS):
        col = pa.array(out[:, j], mask=np.isnan(out[:, j]), type=pa.float64())
        if name in table.column_names:
            table = table.set_column(table.column_names.index(name), name, col)
        else:
            table = table.append_column(name, col)
    return table


def _key(page: np.ndarray, shot: np.ndarray, node: np.ndarray) -> np.ndarray:
    """One int64 per (page < 2^20, shot < 2^11, node < 2^32)."""
    return ((page.astype(np.int64) & 0xFFFFF) << 43) | ((shot.astype(np.int64) & 0x7FF) << 32) | (
        node.astype(np.int64) & 0xFFFFFFFF)
