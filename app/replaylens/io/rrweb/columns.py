"""Second half of the mapping: turn the flat per-row lists into the events table, vectorised.

Document scroll, viewport and page are forward-filled in time order per window; targets are looked up in the node
map for all rows at once; strings are built once per distinct node and spread with ``pyarrow.compute.take``.
Only input rows (few) get a per-row privacy decision: secret fields and card fields (``io.privacy``: autocomplete
``cc-*``, ids, names and labels that say card number / CVV / expiry / name on card, at any time of the recording)
keep no value, only its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaylens.io.rrweb.a11y import Accessible
from replaylens.io.rrweb.secrets import SecretNodes
from replaylens.io.rrweb.timing import ffill_many
from replaylens.model.report import ImportReport
from replaylens.store.arrow_np import filled, from_numpy, strings

if TYPE_CHECKING:
    from replaylens.io.rrweb.nodes import NodeTable

#: Viewport assumed when a recording never states one (no Meta, no resize).
DEFAULT_VIEWPORT = (1280, 800)
_TEXTLIKE_SECRETS = ("password", "hidden")
_MASK_RE = re.compile(r"^[*•●]+$")
_CARD_RE = re.compile(r"^[\d \-]{13,23}$")


@dataclass
class PageInfo:
    url: str
    window: int
    title: str = ""
    width: int = 0  # viewport at the page's Meta (the renderer may report the full page size later)
    height: int = 0
    snapshot: dict[str, Any] | None = field(default=None, repr=False)  # the first FullSnapshot node of the page
    segment: int = -1  # node-map segment of that snapshot
    secrets: SecretNodes = field(default_factory=SecretNodes, repr=False)  # its nodes secret at some time


@dataclass
class WindowHistory:
    """A window's DOM history for keyframes (io/rrweb/keyframes.py): changes (t epoch ms, rrweb source, data) in
    recorded order, FullSnapshots as source -3 (a page's first) / -2 (later); navigations (t, page)."""

    changes: list[tuple[float, int, Any]] = field(repr=False)
    navs: list[tuple[float, int]]
    secrets: SecretNodes = field(default_factory=SecretNodes, repr=False)  # every segment's, for the renderer


@dataclass
class Mapped:
    table: pa.Table
    pages: list[PageInfo]
    start_epoch_ms: int
    viewport: tuple[int, int]
    window_names: list[str]
    counts: dict[str, int]
    duration_ms: int = 0  # last event timestamp - start (a batch's flush time counts, as in rrweb's player)
    histories: list[WindowHistory] = field(default_factory=list, repr=False)  # per window
    #: per table row: rrweb node id of the target element (-1 none); element boxes are joined by it (io/rrweb/boxes.py)
    target_node: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)


class Rows:
    """Flat per-row lists filled by the pass; sparse extras keyed by row number."""

    def __init__(self) -> None:
        self.t: list[float] = []
        self.kind: list[int] = []
        self.ev: list[int] = []
        self.x: list[Any] = []
        self.y: list[Any] = []
        self.nid: list[Any] = []
        self.scroll: dict[int, tuple[Any, Any]] = {}
        self.view: dict[int, tuple[Any, Any]] = {}
        self.detail: dict[int, str] = {}
        self.text: dict[int, str] = {}
        self.checked: dict[int, bool] = {}
        self._bulk: list[tuple[np.ndarray, ...]] = []

    def add(self, t: float, kind: int, ev: int, x: Any = None, y: Any = None, nid: Any = None) -> int:
        self.t.append(t)
        self.kind.append(kind)
        self.ev.append(ev)
        self.x.append(x)
        self.y.append(y)
        self.nid.append(nid)
        return len(self.t) - 1

    def extend(self, t: np.ndarray, kind: np.ndarray, ev: np.ndarray, x: np.ndarray, y: np.ndarray,
               nid: np.ndarray) -> None:
        """Rows added as arrays (x, y, nid float64, NaN for none). ``columns`` puts them in their events' places:
        an event's rows come either all from ``add`` or all from here."""
        self._bulk.append((t, kind, ev, x, y, nid))

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """t, kind, ev, x, y, nid of every row in recorded order (by event, then as added); the sparse extras are
        renumbered to match."""
        t = np.asarray(self.t, dtype=np.float64)
        kind = np.asarray(self.kind, dtype=np.int32)
        ev = np.asarray(self.ev, dtype=np.int64)
        x, y, nid = _floats(self.x), _floats(self.y), _floats(self.nid)
        if not self._bulk:
            return t, kind, ev, x, y, _ints(nid)
        parts = [(t, kind, ev, x, y, nid), *self._bulk]
        self._bulk = []
        del t, kind, ev, x, y, nid
        order = np.argsort(np.concatenate([p[2] for p in parts]), kind="stable")
        where = np.empty_like(order)
        where[order] = np.arange(order.size)
        for name in ("scroll", "view", "detail", "text", "checked"):
            sparse = getattr(self, name)
            if sparse:
                keys = where[np.fromiter(sparse.keys(), dtype=np.int64, count=len(sparse))].tolist()
                setattr(self, name, dict(zip(keys, sparse.values(), strict=True)))
        cols = [np.concatenate([p[i] for p in parts])[order] for i in range(6)]
        del parts
        return cols[0], cols[1].astype(np.int32), cols[2], cols[3], cols[4], _ints(cols[5])


def _floats(values: list[Any]) -> np.ndarray:
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.array([v if type(v) in (int, float) else np.nan for v in values], dtype=np.float64)




def _setters(sparse: dict[int, tuple[Any, Any]], n: int, positive: bool) -> tuple[np.ndarray, np.ndarray,
                                                                                   np.ndarray]:
    is_set = np.zeros(n, dtype=bool)
    a = np.full(n, np.nan)
    b = np.full(n, np.nan)
    if sparse:
        idx = np.fromiter(sparse.keys(), dtype=np.int64, count=len(sparse))
        vals = [v if type(v) in (int, float) else np.nan for pair in sparse.values() for v in pair]
        ab = np.asarray(vals, dtype=np.float64).reshape(-1, 2)
        ok = np.isfinite(ab).all(axis=1) & (np.abs(ab) < 1e7).all(axis=1)
        if positive:
            ok &= (ab > 0).all(axis=1)
        is_set[idx[ok]] = True
        a[idx[ok]], b[idx[ok]] = ab[ok, 0], ab[ok, 1]
    return is_set, a, b


def _ints(values: list[Any] | np.ndarray) -> np.ndarray:
    f = values if isinstance(values, np.ndarray) else _floats(values)
    ok = np.isfinite(f) & (f >= 0) & (f < 2**40)
    return np.where(ok, f, -1).astype(np.int64)


def _strings(values: list[str | None]) -> pa.Array:
    return strings(values)


def _unique_small(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for row numbers (>= -1, below the node table's size): one pass
    over a presence table instead of a sort of every row."""
    if not values.size:
        return np.unique(values, return_inverse=True)
    lo, hi = int(values.min()), int(values.max())
    if lo < -1 or hi - lo > 4 * values.size + 1_000_000:
        return np.unique(values, return_inverse=True)
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[values - lo] = True
    uniq = np.flatnonzero(seen) + lo
    rank = np.cumsum(seen) - 1
    return uniq.astype(values.dtype), rank[values - lo]


def _dict_take(values: pa.Array, idx: pa.Array) -> pa.DictionaryArray:
    """``values.take(idx)`` dictionary-encoded: each distinct text stored once, int32 indices per row (a label is
    repeated on every pointer row over its element)."""
    enc = pc.dictionary_encode(values)
    return pa.DictionaryArray.from_arrays(enc.indices.take(idx), enc.dictionary)


def _sparse_strings(sparse: dict[int, str], n: int) -> pa.Array:
    """A string column of ``n`` rows, null except at the keys of ``sparse`` (no per-row Python list)."""
    if not sparse:
        return pa.nulls(n, type=pa.string())
    idx = np.fromiter(sparse.keys(), dtype=np.int64, count=len(sparse))
    pos = np.full(n, -1, dtype=np.int64)
    pos[idx] = np.arange(idx.size)
    return pc.take(strings(sparse.values()), from_numpy(pos, mask=pos < 0))


def build_table(rows: Rows, nodes: NodeTable, pages: list[PageInfo], ev_page: np.ndarray, ev_seg: np.ndarray,
                win_ev: np.ndarray, window_names: list[str], vocab: list[str], report: ImportReport,
                last_event_ms: float = 0.0) -> Mapped:
    t, kind, ev, x, y, nid = rows.columns()
    n = len(t)
    w = win_ev[ev] if n else np.zeros(0, dtype=np.int32)
    page = ev_page[ev] if n else np.zeros(0, dtype=np.int32)
    seg = ev_seg[ev] if n else np.zeros(0, dtype=np.int32)
    del ev  # (large arrays are let go as soon as they are used: they are the memory peak of a large import)
    if not pages:
        pages.append(PageInfo("", 0))
    perm = np.argsort(np.array([p.window for p in pages]), kind="stable")  # main window's pages first
    if (perm != np.arange(len(pages))).any():
        new_index = np.empty_like(perm)
        new_index[perm] = np.arange(perm.size)
        page = np.where(page >= 0, new_index[np.maximum(page, 0)], page)
        pages[:] = [pages[i] for i in perm]
    first_page = np.zeros(len(window_names), dtype=np.int32)
    for i in reversed(range(len(pages))):
        first_page[pages[i].window] = i
    page = np.where(page < 0, first_page[w], page).astype(np.int32)

    # time order per window, recorded order for ties (one stable sort when there is one window)
    order = np.argsort(t, kind="stable") if len(window_names) == 1 else np.lexsort((np.arange(n), t, w))
    sset, sxv, syv = _setters(rows.scroll, n, positive=False)
    scroll_x, scroll_y = ffill_many(order, w, sset, [sxv, syv], [0.0, 0.0])
    del sset, sxv, syv
    vset, vwv, vhv = _setters(rows.view, n, positive=True)
    dw = np.full(len(window_names), float(DEFAULT_VIEWPORT[0]))
    dh = np.full(len(window_names), float(DEFAULT_VIEWPORT[1]))
    ordered_set = order[vset[order]]
    for win_id in range(len(window_names)):  # default before a window's first Meta: that first Meta's size
        first = ordered_set[w[ordered_set] == win_id][:1]
        if first.size:
            dw[win_id], dh[win_id] = vwv[first[0]], vhv[first[0]]
    width, height = ffill_many(order, w, vset, [vwv, vhv], [dw, dh])
    del order, ordered_set, vset, vwv, vhv
    viewport = (int(dw[0]), int(dh[0]))

    keep = kind >= 0  # drop the internal scroll-state rows
    start = float(t.min()) if n else 0.0
    t_ms = np.rint(t - start).astype(np.int64)
    del t

    # -- targets (vectorised lookup, strings once per distinct element) ---------------------------------------------
    node_row = nodes.lookup(seg.astype(np.int64), nid)
    unresolved = int(((nid >= 0) & (node_row < 0) & keep).sum())
    report.add("unknown_target", unresolved, "{n} events refer to a node that is in no snapshot (no target info)")
    del seg, nid
    uniq, inv = _unique_small(node_row)
    del node_row
    elem_u = np.array([nodes.element_row(int(r)) if r >= 0 else -1 for r in uniq], dtype=np.int64)
    elem = elem_u[inv]
    known = elem >= 0
    ue, einv_u = np.unique(elem_u, return_inverse=True)  # every value of elem_u occurs in elem
    einv = einv_u[inv]
    del inv
    valid_ue = [int(r) for r in ue if r >= 0]
    node_ve = np.array([nodes.node_id(r) for r in valid_ue] + [-1], dtype=np.int64)  # the last: no element
    sel_s = _strings([nodes.selector(r) for r in valid_ue])
    tag = _strings([nodes.tag(r) for r in valid_ue])
    lab = _strings([nodes.label(r) or None for r in valid_ue])
    ity = _strings([nodes.input_type(r) for r in valid_ue])
    acc = Accessible(nodes)
    named = [acc.describe(r) for r in valid_ue]
    a_name = _strings([nm or None for nm, _ in named])
    a_role = _strings([rl or None for _, rl in named])
    offset = 1 if ue.size and ue[0] < 0 else 0
    take_idx = from_numpy((einv - offset).astype(np.int64, copy=False), mask=~known)
    inter_f, fixed_f, hidden_f = nodes.flags_of(valid_ue)  # per distinct element hit
    interactive = np.zeros(n, dtype=bool)
    fixed = np.zeros(n, dtype=bool)
    hidden = np.zeros(n, dtype=bool)
    if valid_ue:
        ek = einv[known] - offset
        interactive[known] = inter_f[ek]
        fixed[known] = fixed_f[ek]
        hidden[known] = hidden_f[ek]
        del ek
    del einv

    # -- inputs: length always, value only when it is safe -----------------------------------------------------------
    value_len = np.full(n, -1, dtype=np.int32)
    values: dict[int, str] = {}
    masked = secret = 0
    detail = dict(rows.detail)
    secret_of: dict[int, bool] = {}  # per distinct target element
    card_of: dict[int, str | None] = {}  # per distinct target element: its card kind (io/privacy), if any
    cards = 0
    for r, text in rows.text.items():
        value_len[r] = len(text)
        e = int(elem[r])
        if e < 0:
            continue
        is_secret = secret_of.get(e)
        if is_secret is None:
            is_secret = secret_of[e] = nodes.is_secret(e) or (nodes.input_type(e) or "") in _TEXTLIKE_SECRETS
        if e not in card_of:
            card_of[e] = _card_kind(nodes, acc, e)
        if is_secret:
            secret += 1
        elif _is_masked(text):
            masked += 1
        elif card_of[e] is not None:  # card number, CVV, expiry, name on card: length only
            cards += 1
        elif not _is_cardlike(text):
            values[r] = text[:1000]
    for r, checked in rows.checked.items():
        e = int(elem[r])
        if e >= 0 and nodes.input_type(e) in ("checkbox", "radio"):
            detail[r] = '{"checked":true}' if checked else '{"checked":false}'
    report.add("masked_inputs", masked, "{n} input events were masked by the recorder (only their length is kept)")
    report.add("card_inputs", cards, "{n} input events were in card fields (only their length is kept)")
    report.add("secret_inputs", secret, "{n} input events were in password or other secret fields (value not kept)")

    # one final row order (time, then recorded order) without the internal rows: every column is taken once, and
    # each source array let go as soon as its column is made (they are the memory peak of a large import)
    counts = {vocab[k]: int(c) for k, c in zip(*np.unique(kind[keep], return_counts=True), strict=True)}
    duration_ms = max(int(round(last_event_ms - start)), int(t_ms.max()) if n else 0)
    kept = np.flatnonzero(keep)
    del keep
    sel = kept[np.argsort(t_ms[kept], kind="stable")]
    del kept
    psel = from_numpy(sel)
    tidx = take_idx.take(psel)
    del take_idx
    target_node = node_ve[filled(tidx, -1)]  # per row: rrweb id of the target element, -1 none
    cols: dict[str, Any] = {"t": from_numpy(t_ms[sel])}
    del t_ms
    cols["kind"] = pc.take(strings(vocab), from_numpy(kind[sel]))
    del kind
    cols["page"] = from_numpy(page[sel])
    del page
    xs = x[sel]
    cols["x"] = from_numpy(xs, mask=np.isnan(xs))
    del x
    ys = y[sel]
    cols["y"] = from_numpy(ys, mask=np.isnan(ys))
    del y, xs, ys
    cols["scroll_x"] = from_numpy(scroll_x[sel])
    cols["scroll_y"] = from_numpy(scroll_y[sel])
    del scroll_x, scroll_y
    cols["width"] = from_numpy(np.rint(width[sel]).astype(np.int32))
    cols["height"] = from_numpy(np.rint(height[sel]).astype(np.int32))
    del width, height
    cols.update({"target": pc.take(sel_s, tidx), "target_tag": _dict_take(tag, tidx),
                 "target_text": _dict_take(lab, tidx)})
    known_sel = known[sel]
    del known
    cols["interactive"] = from_numpy(interactive[sel], mask=~known_sel)
    cols["fixed"] = from_numpy(fixed[sel])
    cols.update({"input_type": _dict_take(ity, tidx), "target_label": _dict_take(a_name, tidx),
                 "target_role": _dict_take(a_role, tidx)})
    del tidx, interactive, fixed
    cols["target_hidden"] = from_numpy(hidden[sel], mask=~known_sel)
    vl = value_len[sel]
    cols["value_len"] = from_numpy(vl, mask=vl < 0)
    del hidden, known_sel, value_len, vl
    cols["value"] = _sparse_strings(values, n).take(psel)
    cols["detail"] = _sparse_strings(detail, n).take(psel)
    if len(window_names) > 1:
        cols["window_id"] = from_numpy(w[sel].astype(np.int32))
    table = pa.table(cols)
    return Mapped(table=table, pages=pages, start_epoch_ms=int(round(start)), viewport=viewport,
                  window_names=window_names, counts=counts, duration_ms=duration_ms, target_node=target_node)


def _card_kind(nodes: NodeTable, acc: Accessible, e: int) -> str | None:
    """The card kind of element ``e`` by the privacy rule (io/privacy/fields.py) on its attributes at any time and
    its accessible name (its ``<label>``); None for other fields (passwords are the secret rule's)."""
    from replaylens.io.privacy.fields import CARD_KINDS, classify_field, stricter  # (io.privacy imports io.rrweb)

    try:
        label = acc.describe(e)[0]
    except (IndexError, KeyError, TypeError, ValueError, RecursionError):
        label = ""
    kind = None
    for attrs in nodes.attribute_states(e):
        kind = stricter(kind, classify_field(nodes.tag(e), attrs, label))
    return kind if kind in CARD_KINDS else None


def _is_masked(text: str) -> bool:
    return bool(text) and bool(_MASK_RE.match(text))


def _is_cardlike(text: str) -> bool:
    return bool(_CARD_RE.match(text)) and 13 <= sum(c.isdigit() for c in text) <= 19
