"""Friction findings of one session: ``analyze_session(session, settings) -> SessionAnalysis``.

Runs the numpy detectors of ``core.friction`` over ``session.arrays``, decides which rules the recording has the
data for (no mutation events: no "no response" dead clicks), turns their hits into ``Finding`` objects (page URL,
page coordinates, a target description fetched from the store with one query) and computes session metrics and
a friction score. No Qt; the UI and the ``analyze`` command both call this.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from replaylens.core import friction as fr
from replaylens.core.kinds import CLICK, ERROR, MOVE, MUTATION, SCROLL, SUBMIT, TOUCH_END
from replaylens.model.activity import session_active_ms
from replaylens.model.arrays import SessionArrays
from replaylens.model.friction_settings import FrictionSettings
from replaylens.model.session import Session

FINDING_KINDS: tuple[str, ...] = ("rage_click", "dead_click", "error_click", "hesitation", "form_abandonment",
                                  "quick_back", "excessive_scroll", "thrashed_cursor")
#: Points per unit of severity in the friction score (see docs/friction.md): lost money and broken pages weigh
#: most, ambiguous signals least.
KIND_WEIGHTS: dict[str, int] = {"rage_click": 3, "dead_click": 2, "error_click": 3, "hesitation": 1,
                                "form_abandonment": 3, "quick_back": 1, "excessive_scroll": 1, "thrashed_cursor": 1}
#: score = 100 * (1 - exp(-points / SCORE_SCALE)): 10 points (e.g. a rage burst and two dead clicks) give 63.
SCORE_SCALE = 10.0
#: Form fields: what a customer fills in (buttons dressed as inputs are not fields).
FIELD_TAGS = frozenset({"input", "select", "textarea"})
NON_FIELD_INPUT_TYPES = frozenset({"submit", "button", "reset", "image", "hidden", "search"})


@dataclass(frozen=True)
class Finding:
    """One moment of friction. Times are ms from the session start; ``x``/``y`` page coordinates (CSS px) or
    None; ``page`` the page index and ``url`` its address; ``severity`` 1 (mild) .. 3 (severe); ``events`` the
    event indices (``SessionArrays`` rows / store ``i``) that triggered it; ``detail`` extra text for the UI
    (the error message of an error click)."""

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

    def to_json(self) -> dict[str, Any]:
        """The shape ``replaylens analyze --json`` prints for a finding."""
        return {"kind": self.kind, "start_ms": self.start_ms, "end_ms": self.end_ms, "page": self.url,
                "x": self.x, "y": self.y, "target": self.target, "count": self.count, "rule": self.rule}


@dataclass
class SessionAnalysis:
    findings: list[Finding]
    metrics: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


@dataclass(frozen=True)
class _Columns:
    """What the detectors need beyond ``SessionArrays``, derived once per session."""

    clicks: np.ndarray
    page_key: np.ndarray
    is_field: np.ndarray
    is_link: np.ndarray
    urls: tuple[str, ...]


def _columns(session: Session) -> _Columns:
    a = session.arrays
    n_targets = len(a.targets)
    tag = np.full(n_targets + 1, "", dtype=object)  # last slot: target -1
    itype = np.full(n_targets + 1, "", dtype=object)
    if n_targets:
        code = {name: i for i, name in enumerate(a.targets)}
        for target, t_tag, t_type in session.store.query(
                "SELECT target, lower(coalesce(any_value(target_tag), '')), "
                "lower(coalesce(any_value(input_type), '')) FROM events WHERE target IS NOT NULL GROUP BY target"):
            i = code.get(target)
            if i is not None:
                tag[i], itype[i] = t_tag, t_type
    field_t = np.array([(tg in FIELD_TAGS and it not in NON_FIELD_INPUT_TYPES) or it == "file"
                        for tg, it in zip(tag.tolist(), itype.tolist(), strict=True)], dtype=bool)
    link_t = np.array([tg == "a" for tg in tag.tolist()], dtype=bool)
    tcode = np.where(a.target >= 0, a.target, n_targets)
    urls = tuple(p.url for p in session.pages) or ("",)
    _, url_key = np.unique(np.asarray(urls, dtype=object), return_inverse=True)
    page_idx = np.clip(a.page, 0, len(urls) - 1)
    clicks = np.flatnonzero(a.kind == CLICK)
    if clicks.shape[0] == 0:  # a touch recording without synthesized clicks: taps are the clicks
        clicks = np.flatnonzero(a.kind == TOUCH_END)
    return _Columns(clicks=clicks.astype(np.int64), page_key=url_key.astype(np.int64)[page_idx],
                    is_field=field_t[tcode], is_link=link_t[tcode], urls=urls)


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
        selection_ms=d.selection_ms, focus_ms=d.focus_ms)
    if not has[ERROR]:
        skipped["error_click"] = "the recording has no error events"
    hits["error_click"] = fr.error_clicks(a.t, a.kind, c.clicks, max_delay_ms=s.error.max_delay_ms)
    if not c.is_field.any():
        skipped["hesitation"] = skipped["form_abandonment"] = "the recording names no form-field targets"
    hits["hesitation"] = fr.hesitations(a.t, a.kind, a.page, a.target, c.is_field,
                                        min_rest_ms=s.hesitation.min_rest_ms)
    hits["form_abandonment"] = fr.form_abandonment(a.t, a.kind, c.page_key, c.is_field, use_submit=has[SUBMIT])
    hits["quick_back"] = fr.quick_backs(a.t, a.kind, c.page_key, max_dwell_ms=s.quick_back.max_dwell_ms)
    sc, th = s.scroll, s.thrash
    if not has[SCROLL]:
        skipped["excessive_scroll"] = "the recording has no document scroll events"
    hits["excessive_scroll"] = fr.excessive_scrolling(a.t, a.kind, c.page_key, a.scroll_y,
                                                      min_reversals=sc.min_reversals,
                                                      min_travel_px=sc.min_travel_px, window_ms=sc.window_ms)
    if not has[MOVE]:
        skipped["thrashed_cursor"] = "the recording has no pointer moves"
    hits["thrashed_cursor"] = fr.thrashed_cursor(a.t, a.kind, c.page_key, a.x, min_reversals=th.min_reversals,
                                                 min_travel_px=th.min_travel_px, min_speed_px_s=th.min_speed_px_s,
                                                 window_ms=th.window_ms, max_pause_ms=th.max_pause_ms)
    return hits, skipped


def _severity(kind: str, count: int, s: FrictionSettings) -> int:
    if kind == "rage_click":
        return 2 if count < s.rage.min_clicks + 2 else 3
    if kind == "dead_click":
        return min(3, max(1, count))
    if kind in ("error_click", "form_abandonment"):
        return 3
    if kind == "hesitation":
        rest = s.hesitation.min_rest_ms or 1.0
        return 1 if count < 2 * rest else 2 if count < 4 * rest else 3
    if kind == "excessive_scroll":
        return 1 if count < 2 * s.scroll.min_reversals else 2
    if kind == "thrashed_cursor":
        return 1 if count < 2 * s.thrash.min_reversals else 2
    return 1


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


def _describe(session: Session, indices: list[int]) -> dict[int, tuple[str | None, str]]:
    """Event index -> (target description, detail text), in one query."""
    if not indices:
        return {}
    rows = session.store.query(
        "SELECT i, target, target_tag, target_text, kind, detail FROM events "
        "WHERE i IN (SELECT unnest(?::BIGINT[])) ORDER BY i", [sorted(set(indices))])
    out: dict[int, tuple[str | None, str]] = {}
    for i, target, tag, text, kind, detail in rows:
        desc = None
        if target:
            label = " ".join(str(text).split())[:60] if text else ""
            desc = f'{target} "{label}"' if label else str(target)
        elif tag:
            desc = str(tag)
        msg = ""
        if kind == "error" and detail:
            try:
                obj = json.loads(detail)
                msg = str(obj.get("message", "")) if isinstance(obj, dict) else str(obj)
            except (ValueError, TypeError):
                msg = str(detail)[:200]
        out[int(i)] = (desc, msg[:200])
    return out


def _findings(session: Session, a: SessionArrays, c: _Columns, hits: dict[str, fr.Hits],
              s: FrictionSettings) -> list[Finding]:
    anchors = np.concatenate([h.anchor for h in hits.values()]).astype(np.int64)
    px, py = _positions(a, anchors)
    errors = [int(m[-1]) for m in hits["error_click"].members]
    target_kinds = {"rage_click", "dead_click", "error_click", "hesitation", "form_abandonment"}
    wanted = [int(h_a) for k, h in hits.items() if k in target_kinds for h_a in h.anchor.tolist()]
    desc = _describe(session, wanted + errors)
    out: list[Finding] = []
    pos = 0
    for kind, h in hits.items():
        for k in range(len(h)):
            anchor = int(h.anchor[k])
            page = int(a.page[anchor])
            count = int(h.count[k])
            x, y = float(px[pos + k]), float(py[pos + k])
            target, _ = desc.get(anchor, (None, "")) if kind in target_kinds else (None, "")
            detail = desc.get(int(h.members[k][-1]), (None, ""))[1] if kind == "error_click" else ""
            out.append(Finding(
                kind=kind, start_ms=int(a.t[h.start[k]]), end_ms=int(a.t[h.end[k]]), page=page,
                url=c.urls[min(page, len(c.urls) - 1)],
                x=None if math.isnan(x) else round(x, 1), y=None if math.isnan(y) else round(y, 1),
                target=target, severity=_severity(kind, count, s), count=count, rule=h.rule[k],
                events=tuple(int(e) for e in h.members[k].tolist()) if h.members else (), detail=detail))
        pos += len(h)
    order = {k: i for i, k in enumerate(FINDING_KINDS)}
    out.sort(key=lambda f: (f.start_ms, order[f.kind]))
    return out


def friction_score(findings: list[Finding]) -> int:
    """0 (no friction) .. 100: ``round(100 * (1 - exp(-sum(weight[kind] * severity) / SCORE_SCALE)))``."""
    points = sum(KIND_WEIGHTS.get(f.kind, 1) * f.severity for f in findings)
    return int(round(100.0 * (1.0 - math.exp(-points / SCORE_SCALE))))


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
        per_kind[f.kind] += 1
    gaps = fr.inactive_gaps(a.t, a.kind, gap_ms=s.inactivity.gap_ms, end_ms=duration)
    return {
        "duration_ms": duration,
        "active_ms": session_active_ms(a, duration, s.inactivity.gap_ms),
        "inactive_gaps": int(gaps[0].shape[0]),
        "events": len(a),
        "clicks": int(c.clicks.shape[0]),
        "pages": len(ttfi),
        "page_visits": int(first_ev.shape[0]),
        "max_scroll_depth_pct": depth,
        "time_to_first_interaction_ms": ttfi,
        "findings": per_kind,
        "friction_score": friction_score(findings),
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


__all__ = ["FINDING_KINDS", "Finding", "SessionAnalysis", "analyze_session", "friction_score"]
