"""Friction findings of one session: ``analyze_session(session, settings) -> SessionAnalysis``.

Runs the numpy detectors of ``core.friction`` over ``session.arrays``, decides which rules the recording has the
data for (no mutation events: no "no response" dead clicks), turns their hits into ``Finding`` objects (page URL,
page coordinates, a target description fetched from the store with one query) and computes session metrics and
a friction score. No Qt; the UI and the ``analyze`` command both call this.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from replaylens.analysis.activity import session_active_ms
from replaylens.analysis.findings.merge import CLICK_KINDS, merge_click_findings
from replaylens.analysis.findings.score import (
    KIND_WEIGHTS,
    SCORE_MINUTES,
    SCORE_SCALE,
    finding_points,
    friction_score,
    severity,
)
from replaylens.core import friction as fr
from replaylens.core.kinds import CLICK, ERROR, MOVE, MUTATION, SCROLL, SUBMIT, TOUCH_END
from replaylens.model.arrays import SessionArrays
from replaylens.model.finding_text import FINDING_KINDS, element_phrase, page_name, title_of
from replaylens.model.friction_settings import FrictionSettings
from replaylens.model.session import Session

#: Form fields: what a customer fills in (buttons dressed as inputs are not fields).
FIELD_TAGS = frozenset({"input", "select", "textarea"})
NON_FIELD_INPUT_TYPES = frozenset({"submit", "button", "reset", "image", "hidden", "search"})
#: Roles of editable content: a click there places the caret, it is never dead.
EDITABLE_ROLES = frozenset({"textbox", "searchbox", "editor"})
TEXT_INPUT_TYPES = frozenset({"", "text", "email", "tel", "url", "password", "number", "search", "date",
                              "datetime-local", "month", "time", "week"})


@dataclass(frozen=True)
class Finding:
    """One moment of friction. Times are ms from the session start; ``x``/``y`` page coordinates (CSS px) or
    None; ``page`` the page index and ``url`` its address; ``severity`` 1 (mild) .. 3 (severe); ``events`` the
    event indices (``SessionArrays`` rows / store ``i``) that triggered it; ``detail`` extra text for the UI
    (the error message of an error click).

    ``kind`` is the main kind; ``kinds`` every kind the same moment qualifies for (a rage burst on something not
    clickable is ``("rage_click", "dead_click")``), with ``counts`` and ``rules`` per kind. ``title`` is the plain
    sentence, ``element`` the element as a person names it, ``page_name`` the page's title or path, ``points``
    what the finding adds to the friction score (see ``friction_score``). ``target`` stays the technical
    description (selector and text) for the details view."""

    kind: str
    start_ms: int
    end_ms: int
    page: int
    url: str
    x: float | None
    y: float | None
    target: str | None
    severity: int
    count: int
    rule: str
    events: tuple[int, ...] = ()
    detail: str = ""
    kinds: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    title: str = ""
    element: str = ""
    page_name: str = ""
    points: int = 0

    def to_json(self) -> dict[str, Any]:
        """The shape ``replaylens analyze --json`` prints for a finding (the first nine keys are format 1's)."""
        return {"kind": self.kind, "start_ms": self.start_ms, "end_ms": self.end_ms, "page": self.url,
                "x": self.x, "y": self.y, "target": self.target, "count": self.count, "rule": self.rule,
                "kinds": list(self.kinds or (self.kind,)), "counts": dict(self.counts) or {self.kind: self.count},
                "rules": dict(self.rules) or {self.kind: self.rule}, "title": self.title, "element": self.element,
                "page_name": self.page_name, "severity": self.severity, "points": self.points}


@dataclass
class SessionAnalysis:
    findings: list[Finding]
    metrics: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


@dataclass(frozen=True)
class _Columns:
    """What the detectors need beyond ``SessionArrays``, derived once per session (per target, then spread)."""

    clicks: np.ndarray
    page_key: np.ndarray
    is_field: np.ndarray
    is_link: np.ndarray
    editable: np.ndarray
    is_submit: np.ndarray
    page_height: np.ndarray
    urls: tuple[str, ...]


def _target_table(session: Session) -> dict[str, np.ndarray]:
    """Per target code (plus a last slot for "no target"): tag, input type, role and hidden, in one query."""
    a = session.arrays
    n_targets = len(a.targets)
    cols = {k: np.full(n_targets + 1, "", dtype=object) for k in ("tag", "itype", "role")}
    hidden = np.zeros(n_targets + 1, dtype=bool)
    if n_targets:
        code = {name: i for i, name in enumerate(a.targets)}
        for target, t_tag, t_type, t_role, t_hidden in session.store.target_facts():
            i = code.get(target)
            if i is not None:
                cols["tag"][i], cols["itype"][i], cols["role"][i], hidden[i] = t_tag, t_type, t_role, t_hidden
    return {**cols, "hidden": hidden}


def _columns(session: Session) -> _Columns:
    a = session.arrays
    n_targets = len(a.targets)
    tt = _target_table(session)
    tag, itype, role = (tt[k].tolist() for k in ("tag", "itype", "role"))
    field_t = np.array([(tg in FIELD_TAGS and it not in NON_FIELD_INPUT_TYPES) or it == "file"
                        for tg, it in zip(tag, itype, strict=True)], dtype=bool) & ~tt["hidden"]
    link_t = np.array([tg == "a" or r == "link" for tg, r in zip(tag, role, strict=True)], dtype=bool)
    edit_t = np.array([r in EDITABLE_ROLES or tg == "textarea" or (tg == "input" and it in TEXT_INPUT_TYPES)
                       for tg, it, r in zip(tag, itype, role, strict=True)], dtype=bool)
    submit_t = np.array([(tg == "button" and it in ("", "submit")) or (tg == "input" and it in ("submit", "image"))
                         for tg, it in zip(tag, itype, strict=True)], dtype=bool)
    tcode = np.where(a.target >= 0, a.target, n_targets)
    urls = tuple(p.url for p in session.pages) or ("",)
    _, url_key = np.unique(np.asarray(urls, dtype=object), return_inverse=True)
    page_idx = np.clip(a.page, 0, len(urls) - 1)
    heights = np.array([float(p.height) for p in session.pages] or [0.0])
    clicks = np.flatnonzero(a.kind == CLICK)
    if clicks.shape[0] == 0:  # a touch recording without synthesized clicks: taps are the clicks
        clicks = np.flatnonzero(a.kind == TOUCH_END)
    return _Columns(clicks=clicks.astype(np.int64), page_key=url_key.astype(np.int64)[page_idx],
                    is_field=field_t[tcode], is_link=link_t[tcode], editable=edit_t[tcode],
                    is_submit=submit_t[tcode], page_height=heights[page_idx], urls=urls)


def _detect(a: SessionArrays, c: _Columns, s: FrictionSettings) -> tuple[dict[str, fr.Hits], dict[str, str]]:
    """Run every detector whose data the recording has; say why the others did not run."""
    skipped: dict[str, str] = {}
    has = {k: bool((a.kind == k).any()) for k in (MUTATION, SUBMIT, ERROR, MOVE, SCROLL)}
    r, d = s.rage, s.dead
    hits: dict[str, fr.Hits] = {}
    if r.same_target and c.clicks.shape[0] and not (a.target[c.clicks] >= 0).any():
        skipped["rage_click"] = "the rule needs the clicked element, and the recording has none"
        hits["rage_click"] = fr.Hits.empty()
    else:
        hits["rage_click"] = fr.rage_clicks(a.t, a.x, a.y, a.page, a.target, c.clicks, min_clicks=r.min_clicks,
                                            max_gap_ms=r.max_gap_ms, max_distance_px=r.max_distance_px,
                                            same_target=r.same_target, window_ms=r.window_ms, rule=s.rage_rule)
    use_ni = d.not_interactive and bool((a.interactive[c.clicks] >= 0).any())
    use_nr = d.no_response and has[MUTATION]
    clicked = c.clicks.shape[0] > 0
    if d.not_interactive and not use_ni and clicked:
        skipped["dead_click.not_interactive"] = "no click in the recording says whether its target is interactive"
    if d.no_response and not use_nr and clicked:
        skipped["dead_click.no_response"] = "the recording has no DOM mutation events"
    hits["dead_click"] = fr.dead_clicks(
        a.t, a.kind, a.page, a.target, a.interactive, c.is_link, c.clicks, use_not_interactive=use_ni,
        use_no_response=use_nr, ignore_links=d.ignore_links, merge_gap_ms=d.merge_gap_ms,
        mutation_ms=d.mutation_ms, navigation_ms=d.navigation_ms, scroll_ms=d.scroll_ms,
        selection_ms=d.selection_ms, focus_ms=d.focus_ms, editable=c.editable, page_change_ms=d.page_change_ms)
    if not has[ERROR]:
        skipped["error_click"] = "the recording has no error events"
    hits["error_click"] = fr.error_clicks(a.t, a.kind, c.clicks, max_delay_ms=s.error.max_delay_ms)
    if not c.is_field.any():
        skipped["hesitation"] = skipped["form_abandonment"] = "the recording names no form-field targets"
    h = s.hesitation
    before_use = fr.hesitations(a.t, a.kind, a.page, a.target, c.is_field, min_rest_ms=h.min_rest_ms)
    before_leaving = fr.hesitations_before_leaving(
        a.t, a.kind, a.page, a.target, c.is_field, min_rest_ms=h.min_rest_ms, leave_ms=h.leave_ms,
        is_control=(a.interactive > 0) | c.is_link) if h.leave_ms > 0 else fr.Hits.empty()
    hits["hesitation"] = fr.Hits.concat(before_use, before_leaving)
    hits["form_abandonment"] = fr.form_abandonment(a.t, a.kind, c.page_key, c.is_field, use_submit=has[SUBMIT],
                                                   target=a.target if s.form.require_touch else None,
                                                   is_submit=c.is_submit)
    hits["quick_back"] = fr.quick_backs(a.t, a.kind, c.page_key, max_dwell_ms=s.quick_back.max_dwell_ms)
    sc, th = s.scroll, s.thrash
    if not has[SCROLL]:
        skipped["excessive_scroll"] = "the recording has no document scroll events"
    hits["excessive_scroll"] = fr.excessive_scrolling(a.t, a.kind, c.page_key, a.scroll_y,
                                                      min_reversals=sc.min_reversals,
                                                      min_travel_px=sc.min_travel_px, window_ms=sc.window_ms,
                                                      page_height=c.page_height, view_height=a.height,
                                                      min_travel_page=sc.min_travel_page,
                                                      max_pause_ms=sc.max_pause_ms)
    if not has[MOVE]:
        skipped["thrashed_cursor"] = "the recording has no pointer moves"
    hits["thrashed_cursor"] = fr.thrashed_cursor(a.t, a.kind, c.page_key, a.x, min_reversals=th.min_reversals,
                                                 min_travel_px=th.min_travel_px, min_speed_px_s=th.min_speed_px_s,
                                                 window_ms=th.window_ms, max_pause_ms=th.max_pause_ms)
    return hits, skipped


def _positions(a: SessionArrays, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Page coordinates at each anchor event: its own pointer position, else the last one on the same page,
    with the document scroll in force at the anchor (fixed targets stay in viewport coordinates)."""
    n = len(a)
    has = np.isfinite(a.x) & np.isfinite(a.y)
    last = np.maximum.accumulate(np.where(has, np.arange(n), -1)) if n else np.zeros(0, dtype=np.int64)
    j = last[anchors] if anchors.shape[0] else anchors
    ok = (j >= 0)
    ok[ok] = a.page[j[ok]] == a.page[anchors[ok]]
    px = np.full(anchors.shape[0], np.nan)
    py = np.full(anchors.shape[0], np.nan)
    jj, aa = j[ok], anchors[ok]
    fixed = a.fixed[jj]
    px[ok] = a.x[jj] + np.where(fixed, 0.0, a.scroll_x[aa])
    py[ok] = a.y[jj] + np.where(fixed, 0.0, a.scroll_y[aa])
    return px, py


@dataclass(frozen=True)
class _Target:
    desc: str | None  # technical: selector "visible text"
    name: str  # accessible name
    role: str
    tag: str
    message: str  # an error's message


def _describe(session: Session, indices: list[int]) -> dict[int, _Target]:
    """Event index -> what its target is and, for errors, the message; in one query."""
    if not indices:
        return {}
    rows = session.store.event_targets(sorted(set(indices)))
    out: dict[int, _Target] = {}
    for i, target, tag, text, kind, detail, label, role in rows:
        desc = None
        if target:
            shown = " ".join(str(text).split())[:60] if text else ""
            desc = f'{target} "{shown}"' if shown else str(target)
        elif tag:
            desc = str(tag)
        msg = ""
        if kind == "error" and detail:
            try:
                obj = json.loads(detail)
                msg = str(obj.get("message", "")) if isinstance(obj, dict) else str(obj)
            except (ValueError, TypeError):
                msg = str(detail)[:200]
        # bundles before format 1.1 have no accessible name: the visible text stands in for it
        name = str(label) if label else (" ".join(str(text).split()) if text and role is None else "")
        out[int(i)] = _Target(desc, name, str(role or ""), str(tag or ""), msg[:200])
    return out


_NO_TARGET = _Target(None, "", "", "", "")
TARGET_KINDS = frozenset({"rage_click", "dead_click", "error_click", "hesitation", "form_abandonment"})


def _raw_findings(a: SessionArrays, c: _Columns, hits: dict[str, fr.Hits], s: FrictionSettings,
                  desc: dict[int, _Target]) -> list[Finding]:
    anchors = np.concatenate([h.anchor for h in hits.values()]).astype(np.int64)
    px, py = _positions(a, anchors)
    out: list[Finding] = []
    pos = 0
    for kind, h in hits.items():
        for k in range(len(h)):
            anchor = int(h.anchor[k])
            page = int(a.page[anchor])
            count = int(h.count[k])
            x, y = float(px[pos + k]), float(py[pos + k])
            target = desc.get(anchor, _NO_TARGET).desc if kind in TARGET_KINDS else None
            detail = desc.get(int(h.members[k][-1]), _NO_TARGET).message if kind == "error_click" else ""
            out.append(Finding(
                kind=kind, start_ms=int(a.t[h.start[k]]), end_ms=int(a.t[h.end[k]]), page=page,
                url=c.urls[min(page, len(c.urls) - 1)],
                x=None if math.isnan(x) else round(x, 1), y=None if math.isnan(y) else round(y, 1),
                target=target, severity=severity(kind, count, s), count=count, rule=h.rule[k],
                events=tuple(int(e) for e in h.members[k].tolist()) if h.members else (), detail=detail,
                kinds=(kind,), counts={kind: count}, rules={kind: h.rule[k]}))
        pos += len(h)
    return out


def _finish(session: Session, findings: list[Finding], desc: dict[int, _Target]) -> list[Finding]:
    """Plain-language title, element and page name, and score points of every finding."""
    out = []
    for f in findings:
        anchor = f.events[0] if f.events else -1
        if f.kind == "hesitation" and len(f.events) > 1:
            anchor = f.events[-1]  # the field used after the rest
        t = desc.get(anchor, _NO_TARGET) if f.kind in TARGET_KINDS else _NO_TARGET
        element = element_phrase(t.name, t.role, t.tag) if f.kind in TARGET_KINDS else ""
        pg = session.pages[f.page] if 0 <= f.page < len(session.pages) else None
        pname = page_name(pg.title if pg else "", f.url)
        out.append(replace(f, element=element, page_name=pname, points=finding_points(f),
                           title=title_of(f.kinds or (f.kind,), f.counts or {f.kind: f.count},
                                          f.rules or {f.kind: f.rule}, element, pname, f.detail)))
    return out


def _findings(session: Session, a: SessionArrays, c: _Columns, hits: dict[str, fr.Hits],
              s: FrictionSettings) -> list[Finding]:
    errors = [int(m[-1]) for m in hits["error_click"].members]
    wanted = [int(h_a) for k, h in hits.items() if k in TARGET_KINDS for h_a in h.anchor.tolist()]
    wanted += [int(m[-1]) for m in hits["hesitation"].members]
    desc = _describe(session, wanted + errors)
    out = _finish(session, merge_click_findings(_raw_findings(a, c, hits, s, desc)), desc)
    order = {k: i for i, k in enumerate(FINDING_KINDS)}
    out.sort(key=lambda f: (f.start_ms, order[f.kind]))
    return out


def _metrics(session: Session, a: SessionArrays, c: _Columns, findings: list[Finding], s: FrictionSettings,
             skipped: dict[str, str]) -> dict[str, Any]:
    duration = int(session.duration_ms)
    visit = fr.visit_ids(a.kind, c.page_key) if len(a) else np.zeros(0, dtype=np.int64)
    first_ev, first_act = fr.first_interaction(a.t, a.kind, visit)
    ttfi: dict[str, int | None] = {}
    for v in range(first_ev.shape[0]):  # loop over visits
        url = c.urls[min(int(a.page[first_ev[v]]), len(c.urls) - 1)]
        if url not in ttfi:
            ttfi[url] = int(a.t[first_act[v]] - a.t[first_ev[v]]) if first_act[v] >= 0 else None
    depth: dict[str, float | None] = {}
    if len(a):
        bottom = a.scroll_y + a.height
        best = np.full(len(c.urls), -np.inf)
        np.maximum.at(best, np.clip(a.page, 0, len(c.urls) - 1), bottom)
        for i, url in enumerate(c.urls):  # loop over pages
            h = session.pages[i].height if i < len(session.pages) else 0
            if np.isfinite(best[i]) and url not in depth:
                depth[url] = round(min(100.0, 100.0 * float(best[i]) / h), 1) if h > 0 else None
    per_kind = {k: 0 for k in FINDING_KINDS}
    for f in findings:
        for k in f.kinds or (f.kind,):
            per_kind[k] += 1
    gaps = fr.inactive_gaps(a.t, a.kind, gap_ms=s.inactivity.gap_ms, end_ms=duration)
    active = session_active_ms(a, duration, s.inactivity.gap_ms)
    return {
        "duration_ms": duration,
        "active_ms": active,
        "inactive_gaps": int(gaps[0].shape[0]),
        "events": len(a),
        "clicks": int(c.clicks.shape[0]),
        "pages": len(ttfi),
        "page_visits": int(first_ev.shape[0]),
        "max_scroll_depth_pct": depth,
        "time_to_first_interaction_ms": ttfi,
        "findings": per_kind,
        "finding_rows": len(findings),
        "friction_score": friction_score(findings, active),
        "score_parts": [{"finding": i, "title": f.title, "kinds": list(f.kinds or (f.kind,)), "points": f.points}
                        for i, f in enumerate(findings) if f.points],
        "score_points": sum(f.points for f in findings),
        "preset": s.preset_name,
        "rage_rule": s.rage_rule,
        "not_applicable": dict(skipped),
    }


def analyze_session(session: Session, settings: FrictionSettings | None = None) -> SessionAnalysis:
    """Every friction finding of ``session`` (sorted by start time) and its metrics. Columnar: the cost is a
    few passes over the event arrays plus two small store queries, whatever the session length."""
    s = settings or FrictionSettings()
    a = session.arrays
    if len(a) == 0:
        return SessionAnalysis([], _metrics(session, a, _columns(session), [], s, {}))
    c = _columns(session)
    hits, skipped = _detect(a, c, s)
    findings = _findings(session, a, c, hits, s)
    return SessionAnalysis(findings, _metrics(session, a, c, findings, s, skipped))


__all__ = [
    "CLICK_KINDS",
    "FINDING_KINDS",
    "KIND_WEIGHTS",
    "SCORE_MINUTES",
    "SCORE_SCALE",
    "Finding",
    "SessionAnalysis",
    "analyze_session",
    "finding_points",
    "friction_score",
]
