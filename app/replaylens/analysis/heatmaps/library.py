"""Heatmaps over a library segment, and the difference of two segments' maps.

The cells come from ``store.aggregate`` (DuckDB's GROUP BY over the library's Parquet); here they become a grid
on the reference page's screenshot (gather → sum → blur and normalise with ``core.heatmap.finish``, as the
one-session maps of ``analysis.heatmaps.session``; the colour applied when painting), and for
comparisons a per-cell test of the share of sessions on each side (``analysis.heatmaps.diff``).
One device class at a time unless asked: mixing widths misplaces everything below the first breakpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from replaylens.analysis import vocabulary as V
from replaylens.analysis.heatmaps.diff import CellDiff, compare_cells, sentence
from replaylens.analysis.heatmaps.session import HeatmapResult
from replaylens.core.colormaps import DEFAULT_CMAP
from replaylens.core.heatmap import DEFAULT_SIGMA_PX, finish, grid_shape, normalize
from replaylens.core.heatmap_kinds import band_time, reach_profile
from replaylens.model.segment import AttrIn, Segment
from replaylens.model.vocabulary import NONE
from replaylens.store import aggregate as Q

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Below this many sessions a map is shown with a warning (Microsoft Clarity: filtered views need > 100).
MIN_SESSIONS = 100
#: Display grid (CSS px) and the coarser grid the difference test runs on (areas, not pixels: more power).
DISPLAY_CELL_PX = 8.0
TEST_CELL_PX = 32.0
_WHAT = {"click": "clicked", "move": "rested the pointer", "scroll": "reached", "attention": "had on screen"}
KINDS = ("click", "move", "scroll", "attention")
#: Attention "presence": a session counts for a band of the page when that band was on screen at least this long
#: (ms) — the unique-sessions attention map and the attention comparison (docs/analysis.md).
ATTENTION_PRESENCE_MS = 1_000.0


def small_sample_warning(n: int) -> str | None:
    if n >= MIN_SESSIONS:
        return None
    return (f"Only {n:,} session{'s' if n != 1 else ''}: too few to read this map reliably "
            f"(at least {MIN_SESSIONS} are needed).")


def _grid(c: Q.Cells, width: int, height: int, cell: float, unique: bool) -> np.ndarray:
    rows, cols = grid_shape(width, height, cell)
    keep = (c.cx < cols) & (c.cy < rows)
    grid = np.zeros(rows * cols, np.float64)
    w = c.sessions if unique else c.weight
    grid[c.cy[keep] * cols + c.cx[keep]] = np.asarray(w, float)[keep]  # GROUP BY gave one row per cell
    return grid.reshape(rows, cols).astype(np.float32)


def attention_rows(b: Q.Bands, rows: int, cell: float) -> np.ndarray:
    """Per session (``b.session`` indices) and page row, the ms that row's centre was on screen (sessions × rows):
    ``core.heatmap_kinds.band_time`` per session, as a difference array over all sessions at once."""
    n = int(b.session.max()) + 1 if b.session.size else 0
    centre0 = 0.5 * cell
    start = np.clip(np.ceil((b.top - centre0) / cell), 0, rows).astype(np.int64)
    stop = np.clip(np.ceil((b.bottom - centre0) / cell), 0, rows).astype(np.int64)
    ok = (stop > start) & (b.ms > 0)
    diff = np.zeros((n, rows + 1))
    np.add.at(diff, (b.session[ok], start[ok]), b.ms[ok])
    np.add.at(diff, (b.session[ok], stop[ok]), -b.ms[ok])
    return np.cumsum(diff[:, :rows], axis=1)


def attention_presence(lib: LibraryStore, segment: Segment | None, page: str, device: str | None, rows: int,
                       cell: float) -> tuple[np.ndarray, int, int]:
    """Per page row, the sessions that had it on screen at least ``ATTENTION_PRESENCE_MS``; sessions on the page
    and events."""
    b = Q.bands(lib, segment, page, device=device, per_session=True)
    return _present(b, rows, cell), b.sessions_on_page, b.points


def _present(b: Q.Bands, rows: int, cell: float) -> np.ndarray:
    return (attention_rows(b, rows, cell) >= ATTENTION_PRESENCE_MS).sum(axis=0).astype(np.int64)


def aggregate_heatmap(lib: LibraryStore, segment: Segment | None, page: str, kind: str, *,
                      device: str | None = None, unique: bool = False, relative_x: bool = False,
                      cell: float = DISPLAY_CELL_PX, sigma: float = DEFAULT_SIGMA_PX, norm: str = "max",
                      cmap: str = DEFAULT_CMAP, anchor: str | None = None,
                      reference: Segment | None = None) -> HeatmapResult:
    """A click, movement, scroll-reach or attention map of ``page`` over the segment's sessions. ``unique`` counts
    sessions per cell instead of events (attention: the share of sessions that had the row on screen at least
    ``ATTENTION_PRESENCE_MS``; otherwise the mean seconds per session, as the one-session map).
    ``anchor="element"``: clicks re-projected onto their elements' reference boxes (``heatmaps.anchored``; boxes
    from ``reference``, default the segment). Raises ValueError when no session of the segment showed the page."""
    if anchor is not None:
        from replaylens.analysis.heatmaps.anchored import anchored_heatmap, check_anchor

        check_anchor(anchor, kind, relative_x)
        return anchored_heatmap(lib, segment, page, device=device, unique=unique, cell=cell, sigma=sigma, norm=norm,
                                cmap=cmap, reference=reference)
    known = Q.page_scope(lib, segment, page, device)  # one catalogue statement for every query below
    ref = known.ref
    if ref is None:
        where = f" on {device}" if device else ""
        raise ValueError(f"no session in this selection showed a page matching {page!r}{where}")
    width, height = max(ref.width, 1), max(ref.height, 1)
    rows, cols = grid_shape(width, height, cell)
    profile = None
    fold = None
    if kind == "scroll":
        bottoms, folds = Q.reach(lib, segment, page, device=device, known=known)
        used = points = int(bottoms.size)
        centres = (np.arange(rows) + 0.5) * cell
        profile = reach_profile(bottoms, centres) if bottoms.size else np.zeros(rows)
        values = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
        grid, total, outside, sig = values, float(used), 0, 0.0
        fold = float(np.mean(folds)) if folds.size else None
    elif kind in ("click", "move"):
        c = Q.cells(lib, segment, page, kind, device=device, cell_px=cell,
                    relative_width=float(width) if relative_x else None, known=known)
        used, points = c.sessions_on_page, c.points
        raw = _grid(c, width, height, cell, unique)
        outside = int(c.weight[(c.cx >= cols) | (c.cy >= rows)].sum()) if kind == "click" else 0
        grid, values = finish(raw, sigma / cell, norm)
        total, sig = float(raw.sum()), sigma
    elif kind == "attention":
        # the bands and every session's fold line in one statement (no separate reach query)
        b = Q.bands(lib, segment, page, device=device, per_session=unique, known=known, folds=True)
        if unique:
            present, used, points = _present(b, rows, cell), b.sessions_on_page, b.points
            profile = present / max(used, 1)
            values = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
            total = float(present.sum())
        else:
            used, points = b.sessions_on_page, b.points
            secs = band_time(b.top, b.bottom, b.ms, rows, cell)
            profile = secs / 1000.0 / max(used, 1)
            values = normalize(np.repeat(profile.astype(np.float32)[:, None], cols, axis=1), norm)
            total = float(b.ms.sum())
        grid = np.repeat(profile.astype(np.float32)[:, None], cols, axis=1)
        folds = b.folds if b.folds is not None else np.zeros(0)
        fold = float(np.mean(folds)) if folds.size else None
        outside, sig = 0, 0.0
    else:
        raise ValueError(f"library heatmaps are click, move, scroll or attention, not {kind!r}")
    max_alpha = 0.8 if kind in ("click", "move") else 0.5
    shown_norm = "share" if kind == "scroll" or (kind == "attention" and unique) else norm
    n_segment = lib.count(segment)
    return HeatmapResult(
        kind=kind, page_url=ref.url, page_title=ref.title, page_width=width, page_height=height, cell=cell,
        sigma=sig, norm=shown_norm, cmap=cmap, grid=grid, values=values,
        sessions_total=n_segment,
        sessions_used=used, sessions_without_page=max(n_segment - used, 0), sessions_outside_width=0,
        points=points, points_outside_page=max(outside, 0), total_weight=total, fold_y=fold, profile=profile,
        max_alpha=max_alpha,
        extra={"screen": ref.screen, "device": device, "unique": unique, "relative_x": relative_x,
               "warning": small_sample_warning(used)})


@dataclass(frozen=True)
class Comparison:
    label_a: str
    label_b: str
    map_a: HeatmapResult
    map_b: HeatmapResult
    diff: CellDiff
    cell: float
    sentence: str
    elements: tuple[dict[str, Any], ...] = ()  # clicked elements whose click share differs (click maps)

    def to_json(self) -> dict[str, Any]:
        d = self.diff
        sig = np.argwhere(d.significant)
        areas = [{"x": int(c * self.cell), "y": int(r * self.cell), "w": int(self.cell), "h": int(self.cell),
                  "share_a": float(d.share_a[r, c]), "share_b": float(d.share_b[r, c]),
                  "p_adjusted": float(d.p_adjusted[r, c])} for r, c in sig]
        areas.sort(key=lambda a: -abs(a["share_a"] - a["share_b"]))
        return {"page": self.map_a.page_url, "kind": self.map_a.kind, "a": self.label_a, "b": self.label_b,
                "sessions_a": d.n_a, "sessions_b": d.n_b, "cell_px": self.cell, "cells_tested": d.tested,
                "significant_cells": int(d.significant.sum()), "areas": areas[:50], "sentence": self.sentence,
                "elements": list(self.elements),
                "warnings": [w for w in (self.map_a.extra.get("warning"), self.map_b.extra.get("warning")) if w]}


def _presence(lib: LibraryStore, segment: Segment | None, page: str, kind: str, device: str | None,
              width: int, height: int, cell: float, relative_x: bool, anchor: str | None = None,
              reference: Segment | None = None) -> tuple[np.ndarray, int]:
    """Per test cell, the number of sessions with a point there (scroll: whose viewport reached the row;
    attention: that had the row on screen at least ``ATTENTION_PRESENCE_MS``)."""
    if anchor is not None:
        from replaylens.analysis.heatmaps.anchored import presence

        return presence(lib, segment, page, device, cell, reference)
    rows, cols = grid_shape(width, height, cell)
    if kind == "attention":
        present, used, _ = attention_presence(lib, segment, page, device, rows, cell)
        return np.repeat(present[:, None], cols, axis=1), used
    if kind == "scroll":
        bottoms, _ = Q.reach(lib, segment, page, device=device)
        tops = np.arange(rows) * cell
        counts = (bottoms[:, None] > tops[None, :]).sum(axis=0)
        return np.repeat(counts[:, None], cols, axis=1).astype(np.int64), int(bottoms.size)
    c = Q.cells(lib, segment, page, kind, device=device, cell_px=cell,
                relative_width=float(width) if relative_x else None)
    return _grid(c, width, height, cell, unique=True).astype(np.int64), c.sessions_on_page


def compare(lib: LibraryStore, base: Segment | None, by: str, a: str, b: str, page: str, kind: str, *,
            device: str | None = None, relative_x: bool = False, cell: float = TEST_CELL_PX,
            anchor: str | None = None) -> Comparison:
    """Maps of ``page`` for the sessions whose ``by`` is ``a`` and ``b`` (within ``base``), and their difference.
    ``anchor="element"`` (click maps): both sides anchored onto the reference boxes of ``base``. ``a`` or ``b``
    may be ``(none)``: the sessions without ``by``. Raises UnknownNameError for a key or value the library lacks."""
    by = V.check_values(lib, by, [a, b])
    filters = base.filters if base is not None else ()
    seg_a = Segment((*filters, AttrIn(by, (a,))))
    seg_b = Segment((*filters, AttrIn(by, (b,))))
    anc: dict[str, Any] = {"anchor": anchor, "reference": base or Segment(())} if anchor is not None else {}
    maps = []
    for name, value, seg in (("A", a, seg_a), ("B", b, seg_b)):
        try:
            maps.append(aggregate_heatmap(lib, seg, page, kind, device=device, unique=True, relative_x=relative_x,
                                          **anc))
        except ValueError as exc:  # say which group is empty: "this selection" alone reads as the whole library
            raise ValueError(f"group {name} ({by} = {value}): {exc}; nothing to compare") from None
    map_a, map_b = maps
    width, height = map_a.page_width, map_a.page_height
    pa_, na = _presence(lib, seg_a, page, kind, device, width, height, cell, relative_x, **anc)
    pb_, nb = _presence(lib, seg_b, page, kind, device, width, height, cell, relative_x, **anc)
    diff = compare_cells(pa_, na, pb_, nb)
    where = None
    spot = diff.strongest()
    if spot is not None:
        r, _ = spot
        where = f"the area {int(r * cell)}–{int((r + 1) * cell)} px down the page"
    side_a, side_b = _side(by, a), _side(by, b)
    text = sentence(diff, side_a, side_b, where=where, what=_WHAT[kind])
    elements: list[dict[str, Any]] = []
    if kind == "click":
        dev = (AttrIn("device_class", (device,)),) if device else ()
        elements = compare_elements(lib, Segment((*seg_a.filters, *dev)), Segment((*seg_b.filters, *dev)), page)
        top = next((e for e in elements if e["significant"]), None)
        if top is not None:
            more, less = (side_a, side_b) if top["share_a"] > top["share_b"] else (side_b, side_a)
            hi, lo = max(top["share_a"], top["share_b"]), min(top["share_a"], top["share_b"])
            text += (f" By element: {more} clicked '{_short(top['label'])}' more often than {less}: {hi:.0%} vs "
                     f"{lo:.0%} of sessions (p = {top['p_adjusted']:.2g} after correcting for {len(elements)}).")
    return Comparison(a, b, map_a, map_b, diff, cell, text, tuple(elements))


def _side(by: str, value: str) -> str:
    """"campaign = songkran", or "no campaign" for the (none) group."""
    return V.group_label(by, value) if value == NONE else f"{by} = {value}"


def _short(label: str, n: int = 48) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def compare_elements(lib: LibraryStore, seg_a: Segment, seg_b: Segment, page: str) -> list[dict[str, Any]]:
    """Per clicked element label on ``page``: the share of each side's sessions that showed the page and clicked
    it, Fisher's exact test per label and Benjamini–Hochberg over the labels; strongest difference first."""
    from replaylens.analysis import stats as S

    sides = []
    for seg in (seg_a, seg_b):
        ids, _ = Q.members(lib, seg)
        seen, labels, clicked = Q.page_clicks(lib, ids, page, seg)
        sides.append((int(seen.size), dict(zip(labels, clicked.sum(axis=0).tolist(), strict=True))))
    (n_a, ca), (n_b, cb) = sides
    labels = sorted(set(ca) | set(cb))
    if not labels or not n_a or not n_b:
        return []
    rows: list[dict[str, Any]] = []
    for lb in labels:
        xa, xb = int(ca.get(lb, 0)), int(cb.get(lb, 0))
        rows.append({"label": lb, "clicked_a": xa, "sessions_a": n_a, "clicked_b": xb, "sessions_b": n_b,
                     "share_a": xa / n_a, "share_b": xb / n_b, "p": S.fisher(xa, n_a, xb, n_b)[1]})
    reject, adj = S.adjust([r["p"] for r in rows], "fdr_bh")
    for r, rej, pa in zip(rows, reject, adj, strict=True):
        r["p_adjusted"], r["significant"] = float(pa), bool(rej)
    rows.sort(key=lambda r: (not r["significant"], -abs(float(r["share_a"]) - float(r["share_b"]))))
    return rows
