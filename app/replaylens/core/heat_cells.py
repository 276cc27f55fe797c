"""The library's pre-binned heat cells of a batch of sessions, vectorised (the rows of docs/library.md § Heat cells).

Pure numpy, columns in and out, no Python loop per event. The weights are ``heatmap_kinds``' own: a pointer
sample's dwell and an event's time on screen are ``dwell_weights`` with ``DEFAULT_DWELL_CAP_MS`` and
``DEFAULT_IDLE_CAP_MS``, the movement map's kinds are ``kinds.POINTER_KINDS``. The ingest workers call it on each
session's arrays (``analysis.heatmaps.gather.library_cells``) and ``store._cells`` on an events file when it
rebuilds cells; the store writes the rows it is given. Rows, per session (``sess``) and page URL (``url``: every
visit of one URL merged; events on pages without a URL code are left out):

- ``click`` / ``move``: per cell (``cy * CELL_ROW + cx``, page position // ``BASE_PX``; page x and y are the
  viewport position plus the document scroll except in fixed elements; cells left of or above the page, or from
  ``MAX_X`` / ``MAX_Y`` on, are not kept) ``n`` events and ``w``: clicks for ``click``; for ``move`` every pointer
  event with a position, weighing its dwell: the time to the next such event of the same session and page index
  (by event index), at most the dwell cap, 0 for the last;
- ``reach``: ``n`` events, ``bottom_h`` the deepest ``scroll_y + height`` of the events with a height,
  ``bottom_s`` the deepest ``scroll_y`` of those without, ``first_i`` / ``fold_h`` the first event and its height;
- ``band``: per (``top`` = ``scroll_y``, ``h`` = the event's height when > 0) ``n`` events and ``w`` the ms on
  screen: each event weighs the time to the next event of its session and page index, at most the idle cap; the
  session's last event the time to the session's end (its duration).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from replaylens.core.heatmap_kinds import DEFAULT_DWELL_CAP_MS, DEFAULT_IDLE_CAP_MS, dwell_weights

#: The cell size cells are stored at (CSS px); maps at BASE_PX × 2^k read them, other sizes read the events.
BASE_PX = 8
#: A stored cell packs its column and row into one int32: ``cell = cy * CELL_ROW + cx`` (a single-column GROUP BY
#: is twice as fast as two); page positions from ``MAX_X`` / ``MAX_Y`` px on are not mapped (in either route).
CELL_ROW = 65_536
MAX_X = CELL_ROW * BASE_PX
MAX_Y = 32_768 * BASE_PX
#: Row kinds, by their code in ``CellRows.kind``.
CELL_KINDS = ("click", "move", "reach", "band")
CLICK, MOVE, REACH, BAND = range(4)


@dataclass(frozen=True)
class CellRows:
    """Cell rows, one array per column. NULLs: ``cell`` -1 (reach, band), ``w`` -1 (reach), ``first_i`` -1 (all
    but reach); NaN in the float columns. ``urls``: the strings the ``url`` codes index (set by the caller)."""

    sess: np.ndarray  # int64: index of the batch's session
    url: np.ndarray  # int64: URL code
    kind: np.ndarray  # int8: index into CELL_KINDS
    cell: np.ndarray  # int64
    n: np.ndarray  # int64
    w: np.ndarray  # int64
    top: np.ndarray  # float64
    h: np.ndarray  # float64
    bottom_h: np.ndarray  # float64
    bottom_s: np.ndarray  # float64
    first_i: np.ndarray  # int64
    fold_h: np.ndarray  # float64
    urls: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.sess.shape[0])


def _starts(*keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts in arrays already sorted by them (first row always starts one)."""
    n = keys[0].shape[0]
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(new)


def _partition(sess: np.ndarray, page: np.ndarray) -> np.ndarray:
    """Run labels of (session, page index) in rows sorted by them, for ``dwell_weights``' ``visit``."""
    label = np.zeros(sess.shape[0], dtype=np.int64)
    if sess.shape[0] > 1:
        label[1:] = np.cumsum((sess[1:] != sess[:-1]) | (page[1:] != page[:-1]))
    return label


def _url_of(sess: np.ndarray, page: np.ndarray, p_sess: np.ndarray, p_page: np.ndarray,
            p_url: np.ndarray) -> np.ndarray:
    """The URL code of each event's (session, page index), -1 when the page has none."""
    out = np.full(sess.shape[0], -1, dtype=np.int64)
    if not p_sess.shape[0] or not sess.shape[0]:
        return out
    keys = (p_sess.astype(np.int64) << 32) | (p_page.astype(np.int64) & 0xFFFFFFFF)
    order = np.argsort(keys, kind="stable")
    keys, codes = keys[order], p_url.astype(np.int64)[order]
    ok = page >= 0
    q = (sess[ok].astype(np.int64) << 32) | (page[ok].astype(np.int64) & 0xFFFFFFFF)
    at = np.minimum(np.searchsorted(keys, q), keys.shape[0] - 1)
    out[ok] = np.where(keys[at] == q, codes[at], -1)
    return out


def _empty() -> CellRows:
    i, f = np.zeros(0, np.int64), np.zeros(0, np.float64)
    return CellRows(i, i, np.zeros(0, np.int8), i, i, i, f, f, f, f, i, f)


def _rows(kind: int, sess: np.ndarray, url: np.ndarray, *, cell: np.ndarray | None = None, n: np.ndarray,
          w: np.ndarray | None = None, top: np.ndarray | None = None, h: np.ndarray | None = None,
          bottom_h: np.ndarray | None = None, bottom_s: np.ndarray | None = None,
          first_i: np.ndarray | None = None, fold_h: np.ndarray | None = None) -> CellRows:
    m = sess.shape[0]
    ints, nans = np.full(m, -1, np.int64), np.full(m, np.nan)
    return CellRows(sess.astype(np.int64), url.astype(np.int64), np.full(m, kind, np.int8),
                    ints if cell is None else cell.astype(np.int64), n.astype(np.int64),
                    ints if w is None else w.astype(np.int64), nans if top is None else top,
                    nans if h is None else h, nans if bottom_h is None else bottom_h,
                    nans if bottom_s is None else bottom_s, ints if first_i is None else first_i.astype(np.int64),
                    nans if fold_h is None else fold_h)


def concat(parts: list[CellRows]) -> CellRows:
    """The rows of several parts in one (``urls`` of the first)."""
    if not parts:
        return _empty()
    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])

    return CellRows(cat("sess"), cat("url"), cat("kind"), cat("cell"), cat("n"), cat("w"), cat("top"), cat("h"),
                    cat("bottom_h"), cat("bottom_s"), cat("first_i"), cat("fold_h"), urls=parts[0].urls)


def merge(parts: list[CellRows]) -> CellRows:
    """The rows of several sessions' parts (each with its own session index 0 and URL list) in one: part ``k``'s
    rows get session index ``k``, and the URL lists are joined (codes shifted)."""
    sizes = np.array([len(p) for p in parts], np.int64)
    offsets = np.cumsum([0] + [len(p.urls) for p in parts])[:-1]
    merged = concat(parts)
    urls = tuple(u for p in parts for u in p.urls)
    return replace(merged, sess=np.repeat(np.arange(len(parts), dtype=np.int64), sizes),
                   url=merged.url + np.repeat(np.asarray(offsets, np.int64), sizes), urls=urls)


def file_order(rows: CellRows) -> np.ndarray:
    """The cells file's row order: by kind name, URL, session key (``rows.sess``'s order), cell, band top and
    height, NULLs last (as a sort of the file's table by those columns)."""
    kind_rank = np.argsort(np.argsort(np.array(CELL_KINDS, dtype=object)))[rows.kind.astype(np.int64)]
    # equal URLs (of several sessions) share one rank
    url_rank = np.unique(np.array(rows.urls, dtype=object), return_inverse=True)[1].reshape(-1)[rows.url] \
        if len(rows) else rows.url
    big = np.iinfo(np.int64).max
    return np.lexsort((np.where(np.isnan(rows.h), np.inf, rows.h), np.where(np.isnan(rows.top), np.inf, rows.top),
                       np.where(rows.cell < 0, big, rows.cell), rows.sess, url_rank, kind_rank))


def _pointer_cells(sess: np.ndarray, i: np.ndarray, t: np.ndarray, page: np.ndarray, url: np.ndarray,
                   pointer: np.ndarray, click: np.ndarray, px: np.ndarray, py: np.ndarray,
                   dwell_cap_ms: float) -> list[CellRows]:
    """Click and move rows (px, py: page positions, NaN where the event has none)."""
    pts = np.flatnonzero(pointer & ~np.isnan(px) & ~np.isnan(py))
    pts = pts[np.lexsort((i[pts], page[pts], sess[pts]))]
    w = dwell_weights(t[pts], _partition(sess[pts], page[pts]), dwell_cap_ms)
    x, y = px[pts], py[pts]
    keep = (url[pts] >= 0) & (x < MAX_X) & (y < MAX_Y)
    cx = np.floor(np.where(keep, x, 0.0) / BASE_PX)
    cy = np.floor(np.where(keep, y, 0.0) / BASE_PX)
    keep &= (cx >= 0) & (cy >= 0)
    sel = pts[keep]
    cell = (cy[keep].astype(np.int64) * CELL_ROW + cx[keep].astype(np.int64))
    s, u, w, c = sess[sel], url[sel], w[keep], click[sel]
    order = np.lexsort((cell, u, s))
    s, u, cell, w, c = s[order], u[order], cell[order], w[order], c[order]
    at = _starts(s, u, cell)
    if not at.size:
        return []
    n = np.diff(np.r_[at, s.shape[0]])
    wsum = np.add.reduceat(w, at)
    clicks = np.add.reduceat(c.astype(np.int64), at)
    hit = clicks > 0
    return [_rows(CLICK, s[at][hit], u[at][hit], cell=cell[at][hit], n=clicks[hit], w=clicks[hit]),
            _rows(MOVE, s[at], u[at], cell=cell[at], n=n, w=np.rint(wsum))]


def cell_rows(*, sess: np.ndarray, i: np.ndarray, t: np.ndarray, page: np.ndarray, pointer: np.ndarray,
              click: np.ndarray, x: np.ndarray, y: np.ndarray, scroll_x: np.ndarray, scroll_y: np.ndarray,
              fixed: np.ndarray, height: np.ndarray, p_sess: np.ndarray, p_page: np.ndarray, p_url: np.ndarray,
              duration: np.ndarray, dwell_cap_ms: float = DEFAULT_DWELL_CAP_MS,
              idle_cap_ms: float = DEFAULT_IDLE_CAP_MS) -> CellRows:
    """The cell rows of a batch of events.

    Per event: ``sess`` (session index), ``i`` (event index, unique within a session), ``t`` (ms from the start),
    ``page`` (page index, -1 none), ``pointer`` / ``click`` (kind masks), ``x``, ``y``, ``scroll_x``,
    ``scroll_y``, ``height`` (float, NaN = none), ``fixed``. Per page visit that counts: ``p_sess``, ``p_page``,
    ``p_url`` (URL code). Per session: ``duration`` (ms, NaN = unknown)."""
    sess, i, t = np.asarray(sess, np.int64), np.asarray(i, np.int64), np.asarray(t, np.int64)
    page = np.asarray(page, np.int64)
    if not sess.shape[0]:
        return _empty()
    url = _url_of(sess, page, np.asarray(p_sess), np.asarray(p_page), np.asarray(p_url))
    fixed = np.asarray(fixed, bool)
    sx, sy = np.nan_to_num(np.asarray(scroll_x, np.float64)), np.nan_to_num(np.asarray(scroll_y, np.float64))
    px = np.asarray(x, np.float64) + np.where(fixed, 0.0, sx)
    py = np.asarray(y, np.float64) + np.where(fixed, 0.0, sy)
    parts = _pointer_cells(sess, i, t, page, url, np.asarray(pointer, bool), np.asarray(click, bool), px, py,
                           dwell_cap_ms)

    # the events on the pages that count, by session, page index and event index
    ev = np.flatnonzero(url >= 0)
    ev = ev[np.lexsort((i[ev], page[ev], sess[ev]))]
    if ev.size:
        es, eu, ei, et = sess[ev], url[ev], i[ev], t[ev]
        dt = np.maximum(dwell_weights(et, _partition(es, page[ev]), idle_cap_ms), 0.0)
        last_i = np.full(int(sess.max()) + 1, np.iinfo(np.int64).min)
        np.maximum.at(last_i, sess, i)
        end = np.asarray(duration, np.float64)[es]
        tail = ei == last_i[es]  # the session's last event weighs the time to its end
        dt[tail] = np.maximum(np.nan_to_num(np.minimum(end[tail] - et[tail], idle_cap_ms)), 0.0)
        top, hgt = sy[ev], np.asarray(height, np.float64)[ev]
        parts.append(_reach(es, eu, ei, top, hgt))
        parts.append(_bands(es, eu, top, hgt, dt))
    return concat(parts)


def _reach(s: np.ndarray, u: np.ndarray, i: np.ndarray, top: np.ndarray, h: np.ndarray) -> CellRows:
    order = np.lexsort((i, u, s))
    s, u, i, top, h = s[order], u[order], i[order], top[order], h[order]
    at = _starts(s, u)
    has = ~np.isnan(h)
    deep_h = np.maximum.reduceat(np.where(has, top + np.where(has, h, 0.0), -np.inf), at)
    deep_s = np.maximum.reduceat(np.where(has, -np.inf, top), at)
    return _rows(REACH, s[at], u[at], n=np.diff(np.r_[at, s.shape[0]]),
                 bottom_h=np.where(np.isneginf(deep_h), np.nan, deep_h),
                 bottom_s=np.where(np.isneginf(deep_s), np.nan, deep_s), first_i=i[at], fold_h=h[at])


def _bands(s: np.ndarray, u: np.ndarray, top: np.ndarray, h: np.ndarray, dt: np.ndarray) -> CellRows:
    hb = np.where(h > 0, h, -1.0)  # no height (NULL): one key of its own
    order = np.lexsort((hb, top, u, s))
    s, u, top, hb, dt = s[order], u[order], top[order], hb[order], dt[order]
    at = _starts(s, u, top, hb)
    hk = hb[at]
    return _rows(BAND, s[at], u[at], n=np.diff(np.r_[at, s.shape[0]]), w=np.rint(np.add.reduceat(dt, at)),
                 top=top[at], h=np.where(hk > 0, hk, np.nan))
