"""Pauses: hesitation before a form field or before leaving, time to first interaction per page visit, and active time.

Hesitation has no published definition (see docs/friction.md); ours is a rest of the whole customer (no pointer
motion, press, scroll, input, touch, navigation or tab switch) of at least ``min_rest_ms`` that ends by starting
to use a form field (``rest_before_field``), or, in a form the customer had started, that ends with the customer
moving again and then leaving without using anything (``rest_then_leave``: the abandoners). Active time follows rrweb's
inactivity rule (gaps > 10 s between user-interaction events).
"""

from __future__ import annotations

import numpy as np

from replaylens.core.friction._runs import Hits, first_after, last_before
from replaylens.core.kinds import (
    ACTIVE_KINDS,
    CLICK,
    DBLCLICK,
    DOWN,
    INPUT,
    NAVIGATE,
    SUBMIT,
    TOUCH_END,
    TOUCH_START,
    UP,
    VISIBILITY,
)

_I64 = np.int64
#: Kinds that end a rest: whatever the customer does, plus a page being shown or the tab switching.
REST_BREAKERS: tuple[int, ...] = tuple(sorted(ACTIVE_KINDS | {NAVIGATE, VISIBILITY}))
#: Events of the gesture that makes a click (press, release, taps); a rest before a click ends at its first one.
GESTURE_KINDS: tuple[int, ...] = (DOWN, UP, TOUCH_START, TOUCH_END)
#: A gesture event belongs to the click when it comes at most this long before it (ms).
PRESS_TO_CLICK_MS = 1000.0
#: Kinds that use the page: after a rest, one of these before leaving means the customer went on.
USE_KINDS: tuple[int, ...] = (DOWN, UP, CLICK, DBLCLICK, INPUT, SUBMIT, TOUCH_START, TOUCH_END)
#: Kinds that leave the page: a tab switch (hidden) or another page shown.
LEAVE_KINDS: tuple[int, ...] = (NAVIGATE, VISIBILITY)


def hesitations(t: np.ndarray, kind: np.ndarray, page: np.ndarray, target: np.ndarray, is_field: np.ndarray, *,
                min_rest_ms: float = 3000.0, rule: str = "rest_before_field") -> Hits:
    """Rests of at least ``min_rest_ms`` that end by clicking or typing into a form field (input, select,
    textarea, file upload: ``is_field`` per event).

    The rest is measured from the last rest-breaking event (``REST_BREAKERS``) to the start of the action: for
    a click, the first event of its gesture (press, release, touch) recorded up to 1 s before it.
    Actions that continue work on the same field (typing after a click, the value arriving after a file
    dialog) are not hesitations: the rest must end on another target than the one acted on. The finding runs
    from the start of the rest to the start of the action; ``count`` is the rest in ms; ``anchor`` is the
    click or input.
    Default 3000 ms (ours): about twice the keystroke-level model's 1.35 s mental-preparation time, so ordinary
    "read the label, then type" pauses stay below it.
    """
    action = np.flatnonzero(((kind == CLICK) | (kind == INPUT)) & is_field).astype(_I64)
    if action.shape[0] == 0:
        return Hits.empty()
    breakers = np.flatnonzero(np.isin(kind, REST_BREAKERS)).astype(_I64)
    # a click starts with its gesture (press, release, touch): step back over those events, a fixed few times
    start = action.copy()
    is_click = kind[action] == CLICK
    for _ in range(len(GESTURE_KINDS)):
        p = last_before(breakers, start)
        step = is_click & (p >= 0)
        step[step] = np.isin(kind[p[step]], GESTURE_KINDS) & ((t[action[step]] - t[p[step]]) <= PRESS_TO_CLICK_MS)
        if not step.any():
            break
        start[step] = p[step]
    rest_from = last_before(breakers, start)
    ok = rest_from >= 0
    ok[ok] = (t[start[ok]] - t[rest_from[ok]]) >= min_rest_ms
    ok[ok] &= page[rest_from[ok]] == page[action[ok]]
    ok[ok] &= ~((target[rest_from[ok]] == target[action[ok]]) & (target[action[ok]] >= 0))
    a, r, st = action[ok], rest_from[ok], start[ok]
    # typing starts a rest-ended stretch once: drop an input whose click on the same field was already counted
    if a.shape[0]:
        dup = np.zeros(a.shape[0], dtype=bool)
        dup[1:] = (r[1:] == r[:-1])
        a, r, st = a[~dup], r[~dup], st[~dup]
    rest = (t[st] - t[r]).astype(_I64)
    return Hits(start=r, end=st, anchor=a, count=rest, rule=(rule,) * a.shape[0],
                members=tuple(np.array([i, j], dtype=_I64) for i, j in zip(r.tolist(), a.tolist(), strict=True)))


def hesitations_before_leaving(t: np.ndarray, kind: np.ndarray, page: np.ndarray, target: np.ndarray,
                               is_field: np.ndarray, *, min_rest_ms: float = 3000.0, leave_ms: float = 10_000.0,
                               is_control: np.ndarray | None = None, rule: str = "rest_then_leave") -> Hits:
    """Rests of at least ``min_rest_ms`` in a form the customer had started, after which the customer moves again
    and leaves without using anything: the pause of someone who gives up.

    - *in a form*: since the page was shown, the customer clicked or typed into a form field (``is_field``), or
      the event that starts the rest names a field or control (``is_control``; rrweb's pointer moves name the
      element under the pointer);
    - the rest (from the last rest-breaking event, ``REST_BREAKERS``) ends with motion (pointer, scroll, touch
      move), not with a use of the page (``USE_KINDS``) and not with the leaving itself: a rest that ends by the
      tab closing cannot be told from the customer having gone already;
    - *leaving*: within ``leave_ms`` after the rest ends, the tab is hidden, another page is shown or the recording
      ends, and nothing in ``USE_KINDS`` happens before that.
    One finding per leaving (the longest rest before it). ``count`` is the rest in ms; ``anchor`` the event
    that starts the rest (where the pointer rested); ``members`` = (rest start, rest end, the element: the
    control under the pointer when named, else the last form field used).
    Default ``leave_ms`` 10 s: rrweb's inactivity gap, so "paused, fidgeted, left" stays one episode.
    """
    n = t.shape[0]
    breakers = np.flatnonzero(np.isin(kind, REST_BREAKERS)).astype(_I64)
    if breakers.shape[0] < 2:
        return Hits.empty()
    r, e = breakers[:-1], breakers[1:]
    ok = (t[e] - t[r]) >= min_rest_ms
    ok &= ~np.isin(kind[e], USE_KINDS + LEAVE_KINDS)
    ok &= page[e] == page[r]
    r, e = r[ok], e[ok]
    if r.shape[0] == 0:
        return Hits.empty()
    used = np.flatnonzero(np.isin(kind, (CLICK, INPUT)) & is_field).astype(_I64)
    shown = np.flatnonzero(kind == NAVIGATE).astype(_I64)
    last_used = last_before(used, r + 1)
    since = last_before(shown, r + 1)
    named = (target[r] >= 0) & (is_field[r] | (is_control[r] if is_control is not None else False))
    in_form = named | ((last_used >= 0) & (last_used > since))
    # what comes next: the first use or leave after the rest ends (-1: the recording ends first)
    nxt = first_after(np.flatnonzero(np.isin(kind, USE_KINDS + LEAVE_KINDS)).astype(_I64), e)
    is_leave = nxt < 0
    is_leave[~is_leave] = np.isin(kind[nxt[~is_leave]], LEAVE_KINDS)
    nav = (nxt >= 0) & is_leave
    nav[nav] = (kind[nxt[nav]] != NAVIGATE) | (page[nxt[nav]] != page[r[nav]])
    is_leave &= nav | (nxt < 0)
    t_leave = np.where(nxt >= 0, t[np.maximum(nxt, 0)], t[n - 1])
    keep = in_form & is_leave & ((t_leave - t[e]) <= leave_ms)
    r, e, nxt, last_used, named = r[keep], e[keep], nxt[keep], last_used[keep], named[keep]
    if r.shape[0] == 0:
        return Hits.empty()
    rest = (t[e] - t[r]).astype(_I64)
    # one finding per leaving: the longest rest before it
    order = np.lexsort((-rest, nxt))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = nxt[order][1:] != nxt[order][:-1]
    pick = np.sort(order[first])
    r, e, rest, element = r[pick], e[pick], rest[pick], np.where(named, r, last_used)[pick]
    return Hits(start=r, end=e, anchor=r, count=rest, rule=(rule,) * r.shape[0],
                members=tuple(np.array([i, j, k], dtype=_I64)
                              for i, j, k in zip(r.tolist(), e.tolist(), element.tolist(), strict=True)))


def first_interaction(t: np.ndarray, kind: np.ndarray, visit: np.ndarray,
                      interaction_kinds: tuple[int, ...] = (CLICK, DBLCLICK, INPUT, TOUCH_START)
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per page visit (``visit`` numbers 0..V-1, non-decreasing): the index of the visit's first event and of its
    first click/input/tap (-1 when none), OGAMA's "time to first click" taken per visit."""
    if t.shape[0] == 0:
        z = np.zeros(0, dtype=_I64)
        return z, z
    nv = int(visit[-1]) + 1
    first_event = np.searchsorted(visit, np.arange(nv), side="left").astype(_I64)
    acts = np.flatnonzero(np.isin(kind, interaction_kinds))
    first_act = np.full(nv, -1, dtype=_I64)
    if acts.shape[0]:
        v = visit[acts]
        uniq, pos = np.unique(v, return_index=True)
        first_act[uniq] = acts[pos]
    return first_event, first_act


def inactive_gaps(t: np.ndarray, kind: np.ndarray, *, gap_ms: float = 10_000.0, end_ms: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times (ms) of the gaps longer than ``gap_ms`` between user-interaction events (rrweb's
    rule: 10 s; PostHog uses 5 s), including before the first one and after the last one up to ``end_ms``."""
    act = t[np.isin(kind, tuple(ACTIVE_KINDS))].astype(_I64)
    end = int(end_ms if end_ms is not None else (t[-1] if t.shape[0] else 0))
    bounds = np.concatenate(([0], act, [max(end, int(act[-1]) if act.shape[0] else 0)]))
    d = np.diff(bounds)
    big = np.flatnonzero(d > gap_ms)
    return bounds[big], bounds[big + 1]


def active_ms(t: np.ndarray, kind: np.ndarray, *, gap_ms: float = 10_000.0, end_ms: int | None = None) -> int:
    """Session time not inside an inactivity gap (see ``inactive_gaps``)."""
    end = int(end_ms if end_ms is not None else (t[-1] if t.shape[0] else 0))
    s, e = inactive_gaps(t, kind, gap_ms=gap_ms, end_ms=end)
    return max(0, end - int((e - s).sum()))
