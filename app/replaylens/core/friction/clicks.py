"""Click friction: rage clicks, dead clicks and error clicks, as the vendors who publish them define them.

All detectors take whole event columns (sorted by time, as ``SessionArrays`` holds them) plus ``clicks``, the
sorted event indices of the clicks to judge, and return ``Hits`` whose indices point into the event columns.
Thresholds are keyword parameters; defaults name whose definition they are (see docs/friction.md).
"""

from __future__ import annotations

import numpy as np

from replaylens.core.friction._runs import Hits, first_after, last_before, link_runs, window_links
from replaylens.core.kinds import (
    BLUR,
    ELEMENT_SCROLL,
    ERROR,
    FOCUS,
    INPUT,
    MUTATION,
    NAVIGATE,
    SCROLL,
    SELECTION,
    SUBMIT,
    VISIBILITY,
)

_I64 = np.int64


def _hits(first: np.ndarray, last: np.ndarray, clicks: np.ndarray, rule: str) -> Hits:
    """One finding per group ``clicks[first..last]`` (inclusive positions into ``clicks``)."""
    return Hits(start=clicks[first], end=clicks[last], anchor=clicks[first], count=(last - first + 1).astype(_I64),
                rule=(rule,) * first.shape[0],
                members=tuple(clicks[a:b + 1] for a, b in zip(first.tolist(), last.tolist(), strict=True)))


def rage_clicks(t: np.ndarray, x: np.ndarray, y: np.ndarray, page: np.ndarray, target: np.ndarray,
                clicks: np.ndarray, *, min_clicks: int = 3, max_gap_ms: float = 1000.0,
                max_distance_px: float = 30.0, same_target: bool = False, window_ms: float = 0.0,
                rule: str = "posthog") -> Hits:
    """Bursts of clicks; one finding per burst (first click, last click, count).

    Chain mode (``window_ms`` = 0), PostHog's definition by default: ``min_clicks`` clicks, each less than
    ``max_gap_ms`` after the previous one and less than ``max_distance_px`` away from it (|dx| + |dy|, viewport
    px; 0 or inf turns the distance test off). ``same_target`` (OpenReplay: 3 consecutive clicks on the same
    element, < 300 ms apart) also requires the same known target element.
    Window mode (``window_ms`` > 0), Datadog's: at least ``min_clicks`` clicks (Datadog: more than 3, so 4)
    inside any sliding window shorter than ``window_ms``. Clicks on different pages never chain.
    """
    clicks = np.asarray(clicks, dtype=_I64)
    if clicks.shape[0] < max(min_clicks, 2):
        return Hits.empty()
    ct, cp, tg = t[clicks], page[clicks], target[clicks]
    same_page = cp[1:] == cp[:-1]
    if window_ms > 0:
        links = window_links(ct, cp, min_clicks, window_ms)
    else:
        links = same_page & (np.diff(ct) < max_gap_ms)
        if max_distance_px and np.isfinite(max_distance_px):
            cx, cy = x[clicks], y[clicks]
            dist = np.abs(np.diff(cx)) + np.abs(np.diff(cy))
            links &= dist < max_distance_px  # NaN positions never chain on distance
    if same_target:
        links &= (tg[1:] == tg[:-1]) & (tg[1:] >= 0)
    first, last = link_runs(links, min_clicks)
    return _hits(first, last, clicks, rule)


def _answered(t: np.ndarray, clicks: np.ndarray, positions: np.ndarray, within_ms: float) -> np.ndarray:
    """True for clicks followed by one of the events at ``positions`` within ``within_ms`` (by event order)."""
    if positions.shape[0] == 0 or within_ms <= 0:
        return np.zeros(clicks.shape[0], dtype=bool)
    nxt = first_after(positions, clicks)
    ok = nxt >= 0
    out = np.zeros(clicks.shape[0], dtype=bool)
    out[ok] = (t[nxt[ok]] - t[clicks[ok]]) <= within_ms
    return out


def no_response_mask(t: np.ndarray, kind: np.ndarray, clicks: np.ndarray, *, mutation_ms: float = 2500.0,
                     navigation_ms: float = 2500.0, scroll_ms: float = 100.0, selection_ms: float = 100.0,
                     focus_ms: float = 1000.0) -> np.ndarray:
    """True for each click the page did not answer, PostHog's rule: no DOM mutation within 2500 ms, no scroll
    within 100 ms, no selection change within 100 ms, no focus/blur/visibility change within 1000 ms. Ours on
    top: a navigation, form submit or input event within ``navigation_ms`` also counts as an answer (a page
    change is a DOM change; a checkbox toggle is answered by its input event)."""
    classes = (
        (np.isin(kind, (MUTATION,)), mutation_ms),
        (np.isin(kind, (NAVIGATE, SUBMIT, INPUT)), navigation_ms),
        (np.isin(kind, (SCROLL, ELEMENT_SCROLL)), scroll_ms),
        (kind == SELECTION, selection_ms),
        (np.isin(kind, (FOCUS, BLUR, VISIBILITY)), focus_ms),
    )
    answered = np.zeros(clicks.shape[0], dtype=bool)
    for mask, ms in classes:
        answered |= _answered(t, clicks, np.flatnonzero(mask).astype(_I64), ms)
    return ~answered


def page_changed(t: np.ndarray, kind: np.ndarray, clicks: np.ndarray, *, within_ms: float) -> np.ndarray:
    """True for each click followed by a ``navigate`` event within ``within_ms`` before the next click."""
    navs = np.flatnonzero(kind == NAVIGATE).astype(_I64)
    if navs.shape[0] == 0 or within_ms <= 0 or clicks.shape[0] == 0:
        return np.zeros(clicks.shape[0], dtype=bool)
    nav = first_after(navs, clicks)
    nxt = np.append(clicks[1:], np.iinfo(np.int64).max)
    ok = (nav >= 0) & (nav < nxt)
    ok[ok] = (t[nav[ok]] - t[clicks[ok]]) <= within_ms
    return ok


def dead_clicks(t: np.ndarray, kind: np.ndarray, page: np.ndarray, target: np.ndarray, interactive: np.ndarray,
                is_link: np.ndarray, clicks: np.ndarray, *, use_not_interactive: bool = True,
                use_no_response: bool = True, ignore_links: bool = True, merge_gap_ms: float = 3000.0,
                mutation_ms: float = 2500.0, navigation_ms: float = 2500.0, scroll_ms: float = 100.0,
                selection_ms: float = 100.0, focus_ms: float = 1000.0, editable: np.ndarray | None = None,
                page_change_ms: float = 5000.0) -> Hits:
    """Clicks that did nothing, with the rule that fired: ``not_interactive`` (the target is known and is not a
    link/button/input/select/label/handler: ``interactive`` == 0) or ``no_response`` (see ``no_response_mask``;
    link clicks are ignored by that rule, as PostHog does, since a link may open elsewhere).

    Never dead, whatever the rule: a click into editable content (``editable`` per event: a text field,
    textarea, ``contenteditable`` or code editor; the click places the caret) and a click followed by a page
    change (a ``navigate`` event: a new page, a new full snapshot, a URL change) within ``page_change_ms`` with no
    other click in between (the click opened the page; PostHog likewise ignores anchors).

    The caller switches a rule off when the recording lacks its data (no target information, no mutation
    events). Consecutive dead clicks on the same target and page less than ``merge_gap_ms`` apart merge into one
    finding whose count is the number of clicks; its rule is ``not_interactive`` if any of them was.
    """
    clicks = np.asarray(clicks, dtype=_I64)
    n = clicks.shape[0]
    if n == 0 or not (use_not_interactive or use_no_response):
        return Hits.empty()
    not_inter = (interactive[clicks] == 0) & (target[clicks] >= 0) if use_not_interactive else np.zeros(n, bool)
    no_resp = np.zeros(n, dtype=bool)
    if use_no_response:
        no_resp = no_response_mask(t, kind, clicks, mutation_ms=mutation_ms, navigation_ms=navigation_ms,
                                   scroll_ms=scroll_ms, selection_ms=selection_ms, focus_ms=focus_ms)
        if ignore_links:
            no_resp &= ~is_link[clicks]
    alive = page_changed(t, kind, clicks, within_ms=page_change_ms)
    if editable is not None:
        alive |= np.asarray(editable, dtype=bool)[clicks]
    dead = (not_inter | no_resp) & ~alive
    not_inter &= dead
    ct, cp, tg = t[clicks], page[clicks], target[clicks]
    links = dead[1:] & dead[:-1] & (tg[1:] == tg[:-1]) & (cp[1:] == cp[:-1]) & (np.diff(ct) < merge_gap_ms)
    # groups: runs of linked dead clicks, and single dead clicks not linked to anything
    first, last = link_runs(links, 2)
    cover = np.zeros(n + 1, dtype=_I64)
    np.add.at(cover, first, 1)
    np.add.at(cover, last + 1, -1)
    linked = np.cumsum(cover)[:n] > 0
    singles = np.flatnonzero(dead & ~linked)
    first = np.concatenate([first, singles])
    last = np.concatenate([last, singles])
    order = np.argsort(first, kind="stable")
    first, last = first[order], last[order]
    # a group is not_interactive if any member is (prefix sums over the click list)
    ni_sum = np.concatenate(([0], np.cumsum(not_inter)))
    any_ni = (ni_sum[last + 1] - ni_sum[first]) > 0
    hits = _hits(first, last, clicks, "")
    rules = tuple("not_interactive" if a else "no_response" for a in any_ni.tolist())
    return Hits(hits.start, hits.end, hits.anchor, hits.count, rules, hits.members)


def error_clicks(t: np.ndarray, kind: np.ndarray, clicks: np.ndarray, *, max_delay_ms: float = 1000.0,
                 rule: str = "datadog") -> Hits:
    """Clicks followed by a script error within ``max_delay_ms`` (Datadog: a click right before a JavaScript
    error; 1 s). Each error is charged to the last click before it; a click followed by several errors is one
    finding whose count is the number of errors. The finding runs from the click to its last error."""
    clicks = np.asarray(clicks, dtype=_I64)
    errors = np.flatnonzero(kind == ERROR).astype(_I64)
    if clicks.shape[0] == 0 or errors.shape[0] == 0:
        return Hits.empty()
    prev = last_before(clicks, errors)
    ok = prev >= 0
    ok[ok] = (t[errors[ok]] - t[prev[ok]]) <= max_delay_ms
    errors, prev = errors[ok], prev[ok]
    if errors.shape[0] == 0:
        return Hits.empty()
    uniq, first_pos, counts = np.unique(prev, return_index=True, return_counts=True)
    last_err = errors[first_pos + counts - 1]
    members = tuple(np.concatenate(([c], errors[a:a + k])) for c, a, k in
                    zip(uniq.tolist(), first_pos.tolist(), counts.tolist(), strict=True))
    return Hits(start=uniq, end=last_err, anchor=uniq, count=counts.astype(_I64), rule=(rule,) * uniq.shape[0],
                members=members)
