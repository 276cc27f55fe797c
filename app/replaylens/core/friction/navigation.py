"""Navigation friction: quick backs (u-turns) and form abandonment.

Pages are compared by ``page_key``, an integer per event that is equal for equal page addresses (the caller maps
URLs to keys), so a page shown twice is recognised as the same page even if an importer gave each load its own
page index. Loops here run over pages or visits, never over events.
"""

from __future__ import annotations

import numpy as np

from replaylens.core.friction._runs import Hits, run_bounds, visit_ids
from replaylens.core.kinds import CLICK, DOWN, FOCUS, INPUT, SUBMIT, TOUCH_END, TOUCH_START

_I64 = np.int64


def quick_backs(t: np.ndarray, kind: np.ndarray, page_key: np.ndarray, *, max_dwell_ms: float = 15_000.0,
                rule: str = "return_within") -> Hits:
    """Visits to a page B, coming from A, that go back to A less than ``max_dwell_ms`` after B was shown
    (Clarity's quick back compares with the page's usual dwell time and publishes no number; 15 s is ours).

    The finding is on page B (the page bounced off), from the moment B was shown to the moment A was shown
    again; ``count`` is the dwell time in ms. In a ping-pong A→B→A→B the short stay on A between the two
    visits of B is the return, not a bounce off A: of consecutive qualifying visits every other one counts.
    """
    if t.shape[0] == 0:
        return Hits.empty()
    visit = visit_ids(kind, page_key)
    starts = np.searchsorted(visit, np.arange(int(visit[-1]) + 1), side="left").astype(_I64)
    if starts.shape[0] < 3:
        return Hits.empty()
    keys = page_key[starts]
    a, b, c = keys[:-2], keys[1:-1], keys[2:]
    dwell = t[starts[2:]] - t[starts[1:-1]]
    ok = (a == c) & (a != b) & (dwell < max_dwell_ms)
    # ping-pong A→B→A→B: the short stay on A between two bounces off B is the return, not a bounce of its
    # own; within a run of consecutive qualifying triples keep every other one, from the first
    rs, re = run_bounds(ok)
    j = np.flatnonzero(ok)
    j = j[(j - np.repeat(rs, re - rs)) % 2 == 0]
    s, e = starts[j + 1], starts[j + 2]
    return Hits(start=s, end=e, anchor=s, count=(t[e] - t[s]).astype(_I64), rule=(rule,) * j.shape[0],
                members=tuple(np.array([x, y], dtype=_I64) for x, y in zip(s.tolist(), e.tolist(), strict=True)))


def touched_inputs(kind: np.ndarray, target: np.ndarray, visit: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    """True for each input event whose field the customer touched first in the same page visit: a click, press,
    tap or focus on the same target before it. A value set by the page's own script (rrweb records those as
    input events too) has no such gesture."""
    n = kind.shape[0]
    g = np.flatnonzero(np.isin(kind, (CLICK, DOWN, TOUCH_START, TOUCH_END, FOCUS)) & (target >= 0)).astype(_I64)
    if g.shape[0] == 0 or inputs.shape[0] == 0:
        return np.zeros(inputs.shape[0], dtype=bool)
    span = _I64(n + 1)
    gkeys = np.sort(target[g].astype(_I64) * span + g)
    q = target[inputs].astype(_I64) * span + inputs
    pos = np.searchsorted(gkeys, q, side="left") - 1
    ok = (pos >= 0) & (target[inputs] >= 0)
    prev = np.where(ok, gkeys[np.maximum(pos, 0)], 0)
    ok &= (prev // span) == target[inputs]
    ok[ok] = visit[prev[ok] % span] == visit[inputs[ok]]
    return ok


def form_abandonment(t: np.ndarray, kind: np.ndarray, page_key: np.ndarray, is_field: np.ndarray, *,
                     use_submit: bool = True, target: np.ndarray | None = None,
                     is_submit: np.ndarray | None = None) -> Hits:
    """Pages where the customer started filling a form field and never finished, one finding per page.

    Started: an ``input`` event on a form field of the page (``is_field``: the caller leaves out hidden fields)
    that the customer touched first (with ``target``: a click, tap or focus on the same field earlier in the
    visit, see ``touched_inputs``). Finished, with ``use_submit`` (the recording has submit events): a ``submit``
    on that page after the first input. Without submit events (rrweb records none): a click on a submit control
    (``is_submit`` per event) on that page after the first input, or, after the last input on that page, a move
    on to a page not seen before the input started (a forward navigation). The finding runs from the first to
    the last input; ``count`` is the number of inputs; the rule is ``no_submit`` or ``no_forward_navigation``.
    """
    inputs = np.flatnonzero((kind == INPUT) & is_field).astype(_I64)
    if inputs.shape[0] == 0:
        return Hits.empty()
    rule = "no_submit" if use_submit else "no_forward_navigation"
    visit = visit_ids(kind, page_key)
    if target is not None:
        inputs = inputs[touched_inputs(kind, target, visit, inputs)]
        if inputs.shape[0] == 0:
            return Hits.empty()
    vstarts = np.searchsorted(visit, np.arange(int(visit[-1]) + 1), side="left").astype(_I64)
    vkeys = page_key[vstarts]
    submit_mask = kind == SUBMIT
    if not use_submit and is_submit is not None:
        submit_mask = submit_mask | ((kind == CLICK) & np.asarray(is_submit, dtype=bool))
    submits = np.flatnonzero(submit_mask).astype(_I64)
    keys = page_key[inputs]
    order = np.argsort(keys, kind="stable")
    uk, pos, cnt = np.unique(keys[order], return_index=True, return_counts=True)
    starts, ends, anchors, counts, members = [], [], [], [], []
    for key, p, c in zip(uk.tolist(), pos.tolist(), cnt.tolist(), strict=True):  # loop over pages
        mine = np.sort(inputs[order[p:p + c]])
        first, last = int(mine[0]), int(mine[-1])
        done = bool(((page_key[submits] == key) & (submits > first)).any())
        if not use_submit and not done:
            seen = set(vkeys[vstarts <= first].tolist())
            later = vkeys[vstarts > last]
            done = any(k not in seen for k in later.tolist())
        if done:
            continue
        starts.append(first)
        ends.append(last)
        anchors.append(first)
        counts.append(c)
        members.append(mine)
    if not starts:
        return Hits.empty()
    order2 = np.argsort(starts, kind="stable")
    return Hits(start=np.asarray(starts, _I64)[order2], end=np.asarray(ends, _I64)[order2],
                anchor=np.asarray(anchors, _I64)[order2], count=np.asarray(counts, _I64)[order2],
                rule=(rule,) * len(starts), members=tuple(members[i] for i in order2.tolist()))
