"""Element-anchored click maps over a library segment (Clarity's re-projection; docs/analysis.md).

The cells come from ``store.anchored`` (each click re-projected onto its element's reference box); the grid,
blur and normalisation are the aggregate map's (``analysis.heatmaps.library``). The reference page is the map's
usual one (the most common screenshot of the page), taken over ``reference`` (the selection the reference boxes
come from: the segment itself, or in a comparison the base segment, so both sides are drawn on the same boxes).
Clicks left out are counted in ``extra`` and said in ``extra["anchor_note"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from replaylens.analysis.heatmaps.session import HeatmapResult
from replaylens.core.colormaps import DEFAULT_CMAP
from replaylens.core.heatmap import DEFAULT_SIGMA_PX, finish, grid_shape
from replaylens.model.segment import Segment
from replaylens.store import aggregate as Q
from replaylens.store import anchored as A

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

ANCHOR_MODES = ("element",)


def left_out_note(c: A.AnchoredCells) -> str | None:
    """The sentence shown under an anchored map about the clicks it leaves out (None: none left out)."""
    if not c.boxes_known:
        return ("No element boxes are known in this library: nothing could be anchored "
                f"({c.no_box:,} click{'s' if c.no_box != 1 else ''} left out).")
    parts = []
    if c.no_box:
        parts.append(f"{c.no_box:,} click{'s' if c.no_box != 1 else ''} had no element box")
    if c.no_reference:
        parts.append(f"{c.no_reference:,} click{'s' if c.no_reference != 1 else ''} were on elements with no box "
                     f"at the reference width ({c.reference_width} px)")
    if not parts:
        return None
    return " and ".join(parts) + (" and are left out." if len(parts) == 1 else "; they are left out.")


def _grid(c: Q.Cells, rows: int, cols: int, unique: bool) -> tuple[np.ndarray, int]:
    keep = (c.cx < cols) & (c.cy < rows)
    grid = np.zeros(rows * cols, np.float64)
    w = np.asarray(c.sessions if unique else c.weight, float)
    grid[c.cy[keep] * cols + c.cx[keep]] = w[keep]
    return grid.reshape(rows, cols).astype(np.float32), int(c.weight[~keep].sum())


def anchored_cells(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None, cell: float,
                   reference: Segment | None = None) -> tuple[Q.PageRef, A.AnchoredCells]:
    """The reference page (over ``reference``, default the segment) and the anchored cells of the segment."""
    ref_seg = segment if reference is None else reference
    ref = Q.page_ref(lib, ref_seg, page, device)
    if ref is None:
        where = f" on {device}" if device else ""
        raise ValueError(f"no session in this selection showed a page matching {page!r}{where}")
    return ref, A.anchored_cells(lib, segment, page, width=ref.width, device=device, cell_px=cell,
                                 reference=ref_seg)


def presence(lib: LibraryStore, segment: Segment | None, page: str, device: str | None, cell: float,
             reference: Segment | None) -> tuple[np.ndarray, int]:
    """Per test cell, the number of sessions with an anchored click there; and the sessions on the page."""
    ref, c = anchored_cells(lib, segment, page, device=device, cell=cell, reference=reference)
    rows, cols = grid_shape(max(ref.width, 1), max(ref.height, 1), cell)
    grid, _ = _grid(c.cells, rows, cols, unique=True)
    return grid.astype(np.int64), c.cells.sessions_on_page


def anchored_heatmap(lib: LibraryStore, segment: Segment | None, page: str, *, device: str | None = None,
                     unique: bool = False, cell: float = 8.0, sigma: float = DEFAULT_SIGMA_PX, norm: str = "max",
                     cmap: str = DEFAULT_CMAP, reference: Segment | None = None) -> HeatmapResult:
    """An element-anchored click map of ``page`` over the segment's sessions (``unique``: sessions per cell).
    Raises ValueError when no session of the selection showed the page."""
    from replaylens.analysis.heatmaps.library import small_sample_warning

    ref, c = anchored_cells(lib, segment, page, device=device, cell=cell, reference=reference)
    width, height = max(ref.width, 1), max(ref.height, 1)
    rows, cols = grid_shape(width, height, cell)
    raw, outside = _grid(c.cells, rows, cols, unique)
    grid, values = finish(raw, sigma / cell, norm)
    used = c.cells.sessions_on_page
    n_segment = len(Q.members(lib, segment)[0])
    return HeatmapResult(
        kind="click", page_url=ref.url, page_title=ref.title, page_width=width, page_height=height, cell=cell,
        sigma=sigma, norm=norm, cmap=cmap, grid=grid, values=values, sessions_total=n_segment,
        sessions_used=used, sessions_without_page=max(n_segment - used, 0), sessions_outside_width=0,
        points=c.cells.points, points_outside_page=outside, total_weight=float(raw.sum()), fold_y=None,
        profile=None, max_alpha=0.8,
        extra={"screen": ref.screen, "device": device, "unique": unique, "relative_x": False,
               "warning": small_sample_warning(used), "anchor": "element", "anchor_boxes_known": c.boxes_known,
               "anchor_no_box": c.no_box, "anchor_no_reference": c.no_reference,
               "anchor_reference_width": c.reference_width, "anchor_elements": c.reference_elements,
               "anchor_note": left_out_note(c)})


def check_anchor(anchor: str, kind: str, relative_x: bool) -> None:
    """Raise ValueError unless ``anchor`` can apply to this map."""
    if anchor not in ANCHOR_MODES:
        raise ValueError(f"unknown anchor {anchor!r} (known: {', '.join(ANCHOR_MODES)})")
    if kind != "click":
        raise ValueError(f"element-anchored maps are click maps, not {kind!r}")
    if relative_x:
        raise ValueError("element-anchored maps place clicks by their elements: relative x does not apply")
