"""Element-anchored click cells over a library: every click re-projected onto its element's reference box.

Microsoft Clarity stores each click relative to the clicked element's box and re-projects it onto the element's
position on the page it draws, so sessions at different widths land on the same element. Here, per click on the
page's visits (docs/analysis.md, "Element-anchored click maps"):

- its offset in its element's box at the event time: ``rx = (page_x - box_x) / box_w`` and ``ry`` likewise,
  clamped to [0, 1] (page and box both in document CSS px; the box columns ``target_box_x/y/w/h`` of the events);
- the element's *reference box*: per session of the reference selection whose page has the reference width, the
  median box of that element key (``target``) over its clicks, then the median of those over the sessions (a box
  of a fixed element is taken in viewport coordinates, as fixed clicks are drawn);
- the click is drawn at ``ref_x + rx * ref_w, ref_y + ry * ref_h`` and binned into cells as ``store.aggregate``.

Clicks without a box (or without an element key) and clicks on elements with no reference box are counted, never
drawn. The box columns are optional: a library whose events files have none of them answers that no element box
is known (every click is counted as without a box). rrweb sessions get their boxes from the library's render stage
(table ``click_boxes``, store._pictures), used where the event's own columns are NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.model.segment import Segment
from replaylens.store import _compile
from replaylens.store import aggregate as Q

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: The events columns of the clicked element's box (document CSS px at the event time; NULL when unknown).
BOX_COLUMNS = ("target_box_x", "target_box_y", "target_box_w", "target_box_h")
#: Status of a click in the anchored query: no usable box or key, no reference box for its key, drawn.
NO_BOX, NO_REFERENCE, DRAWN = 0, 1, 2


@dataclass(frozen=True)
class AnchoredCells:
    """The drawn clicks as cells (``Cells``: points = clicks drawn) and what was left out."""

    cells: Q.Cells
    no_box: int  # clicks without a usable box (or without an element key): left out
    no_reference: int  # clicks on an element with no box at the reference width: left out
    boxes_known: bool  # the library's events carry the box columns at all
    reference_width: int
    reference_elements: int  # element keys with a reference box


def boxes_known(lib: LibraryStore) -> bool:
    """Does any event of the library carry an element box? (Libraries written since the box columns exist have
    them in every file, NULL where nothing was measured, e.g. rrweb files ingested without rendering; older
    libraries lack them.) Stops at the first box found."""
    known = lib.cached("anchor:boxes_known")  # a scan of the whole library when it has none: once per write
    if known is None:
        found = _rendered(lib) and Q._engine(lib).execute(
            "SELECT 1 AS one FROM click_boxes LIMIT 1").num_rows > 0
        if not found:
            names = set(Q._engine(lib).execute("SELECT * FROM events LIMIT 0").column_names)
            found = all(c in names for c in BOX_COLUMNS) and Q._engine(lib).execute(
                "SELECT 1 AS one FROM events WHERE target_box_w IS NOT NULL LIMIT 1").num_rows > 0
        known = lib.remember("anchor:boxes_known", found)
    return bool(known)


def _rendered(lib: LibraryStore) -> bool:
    """Has the library's render stage stored boxes of rrweb clicks (table ``click_boxes``, store._pictures)?"""
    from replaylens.store import _pictures

    return _pictures.has_tables(lib)


def _box_sql(lib: LibraryStore, boxes: bool) -> tuple[str, str]:
    """The box columns of a click (the events' own, else the render stage's ``click_boxes``) and the join."""
    if not boxes:
        return ", ".join(f"CAST(NULL AS DOUBLE) AS {c.removeprefix('target_')}" for c in BOX_COLUMNS), ""
    own = lib.cached("anchor:own_boxes")
    if own is None:
        names = set(Q._engine(lib).execute("SELECT * FROM events LIMIT 0").column_names)
        own = lib.remember("anchor:own_boxes", all(c in names for c in BOX_COLUMNS))
    if not _rendered(lib):
        return ", ".join(f"CAST(e.{c} AS DOUBLE) AS {c.removeprefix('target_')}" for c in BOX_COLUMNS), ""
    cols = []
    for c, short in zip(BOX_COLUMNS, ("x", "y", "w", "h"), strict=True):
        expr = f"coalesce(CAST(e.{c} AS DOUBLE), cb.{short})" if own else f"cb.{short}"
        cols.append(f"{expr} AS {c.removeprefix('target_')}")
    join = "LEFT JOIN click_boxes cb ON cb.session_id = e.session_id AND cb.sha256 = e.sha256 AND cb.i = e.i "
    return ", ".join(cols), join


def _clicks(lib: LibraryStore, segment: Segment | None, page: str, device: str | None, name: str,
            boxes: bool) -> tuple[str, list[Any]]:
    """A CTE ``name`` of the clicks on the visits of ``page``: session, element key, page width, document
    position, the fixed-element shift and the box (NULL without box columns)."""
    pairs, params = Q._pairs_cte(lib, segment, page, device)
    days, dparams = _compile.day_bounds(segment)
    box, box_join = _box_sql(lib, boxes)
    sql = (f"{name} AS (SELECT e.session_id, e.target AS k, pw.width AS page_width, "
           "e.x + coalesce(e.scroll_x, 0) AS dx, e.y + coalesce(e.scroll_y, 0) AS dy, "
           "CASE WHEN e.fixed THEN coalesce(e.scroll_x, 0) ELSE 0 END AS fx, "
           f"CASE WHEN e.fixed THEN coalesce(e.scroll_y, 0) ELSE 0 END AS fy, {box} FROM events e "
           f"JOIN ({pairs}) v ON v.session_id = e.session_id AND v.sha256 = e.sha256 AND v.page = e.page "
           f"JOIN pages pw ON pw.session_id = e.session_id AND pw.page = e.page {box_join}"
           f"WHERE {days} AND e.kind = 'click' AND e.x IS NOT NULL AND e.y IS NOT NULL)")
    return sql, [*params, *dparams]


_BOXED = "coalesce(k IS NOT NULL AND box_x IS NOT NULL AND box_y IS NOT NULL AND box_w > 0 AND box_h > 0, false)"


def _reference_cte(lib: LibraryStore, reference: Segment | None, page: str, device: str | None,
                   width: int) -> tuple[str, list[Any]]:
    """CTEs ``rc`` (the reference selection's clicks) and ``rb`` (one reference box per element key)."""
    clicks, params = _clicks(lib, reference, page, device, "rc", True)
    sql = (f"{clicks}, sb AS (SELECT session_id, k, median(box_x - fx) AS bx, median(box_y - fy) AS by_, "
           f"median(box_w) AS bw, median(box_h) AS bh FROM rc WHERE {_BOXED} AND page_width = ? "
           "GROUP BY session_id, k), "
           "rb AS (SELECT k AS rk, median(bx) AS rx0, median(by_) AS ry0, median(bw) AS rw, median(bh) AS rh, "
           "count(*) AS rn FROM sb GROUP BY k)")
    return sql, [*params, int(width)]


def reference_boxes(lib: LibraryStore, reference: Segment | None, page: str, width: int, *,
                    device: str | None = None) -> dict[str, tuple[float, float, float, float, int]]:
    """Per element key: its reference box (x, y, w, h) and the number of sessions it is the median of."""
    if not boxes_known(lib):
        return {}
    cte, params = _reference_cte(lib, reference, page, device, width)
    rows = Q._engine(lib).execute(f"WITH {cte} SELECT rk, rx0, ry0, rw, rh, rn FROM rb ORDER BY rk",
                                  params).to_pylist()
    return {str(r["rk"]): (float(r["rx0"]), float(r["ry0"]), float(r["rw"]), float(r["rh"]), int(r["rn"]))
            for r in rows}


def anchored_cells(lib: LibraryStore, segment: Segment | None, page: str, *, width: int,
                   device: str | None = None, cell_px: float = 16.0,
                   reference: Segment | None = None) -> AnchoredCells:
    """Anchored click cells of ``page`` for ``segment``; reference boxes from the sessions of ``reference``
    (default: ``segment``) whose page has width ``width`` (the map's reference page)."""
    pairs, pparams = Q._pairs_cte(lib, segment, page, device)
    eng = Q._engine(lib)
    on_page = int(eng.execute(f"SELECT count(DISTINCT session_id) AS n FROM ({pairs}) v", pparams)
                  .column("n")[0].as_py() or 0)
    known = boxes_known(lib)
    empty = np.zeros(0, np.int64)
    nothing = Q.Cells(empty, empty, empty.astype(float), empty, sessions_on_page=on_page, points=0)
    if on_page == 0:
        return AnchoredCells(nothing, 0, 0, known, int(width), 0)
    clicks, cparams = _clicks(lib, segment, page, device, "ck", known)
    if not known:
        res = eng.execute(f"WITH {clicks} SELECT count(*) AS n FROM ck", cparams)
        return AnchoredCells(nothing, int(res.column("n")[0].as_py() or 0), 0, False, int(width), 0)
    ref, rparams = _reference_cte(lib, segment if reference is None else reference, page, device, width)
    res = eng.execute(
        f"WITH {clicks}, {ref}, pts AS (SELECT c.session_id, "
        f"CASE WHEN NOT {_BOXED} THEN {NO_BOX} WHEN r.rk IS NULL THEN {NO_REFERENCE} "
        f"ELSE {DRAWN} END AS status, "
        "r.rx0 + least(greatest((c.dx - c.box_x) / c.box_w, 0), 1) * r.rw AS ax, "
        "r.ry0 + least(greatest((c.dy - c.box_y) / c.box_h, 0), 1) * r.rh AS ay "
        "FROM ck c LEFT JOIN rb r ON r.rk = c.k) "
        "SELECT status, CAST(floor(CASE WHEN status = 2 THEN ax END / ?) AS BIGINT) AS cx, "
        "CAST(floor(CASE WHEN status = 2 THEN ay END / ?) AS BIGINT) AS cy, count(*) AS n_events, "
        "count(DISTINCT session_id) AS n_sessions, (SELECT count(*) FROM rb) AS n_ref FROM pts "
        "GROUP BY status, cx, cy ORDER BY status, cx, cy",
        [*cparams, *rparams, float(cell_px), float(cell_px)])
    status = Q._np(res, "status", np.int64)
    events = Q._np(res, "n_events", np.int64)
    cx = np.nan_to_num(np.asarray(res.column("cx").to_numpy(zero_copy_only=False), float), nan=-1).astype(np.int64)
    cy = np.nan_to_num(np.asarray(res.column("cy").to_numpy(zero_copy_only=False), float), nan=-1).astype(np.int64)
    drawn = (status == DRAWN) & (cx >= 0) & (cy >= 0)  # as ``Q.cells``: nothing left of or above the page
    cells = Q.Cells(cx[drawn], cy[drawn], events[drawn].astype(float), Q._np(res, "n_sessions", np.int64)[drawn],
                    sessions_on_page=on_page, points=int(events[drawn].sum()))
    n_ref = int(res.column("n_ref")[0].as_py() or 0) if res.num_rows else 0
    return AnchoredCells(cells, int(events[status == NO_BOX].sum()), int(events[status == NO_REFERENCE].sum()),
                         True, int(width), n_ref)
