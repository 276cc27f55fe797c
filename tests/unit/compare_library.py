"""A synthetic library with planted effects for the comparison tests, written through ``LibraryStore.commit``.

The truth, per session i (all from a seeded generator, returned by ``build`` so tests can count exactly):
- ``variant`` A/B at 50/50; deposit (custom event ``deposit_started``) at ``deposit_a`` for A and
  ``deposit_a * (1 + lift)`` for B: the planted lift;
- ``staked`` (custom event ``stake_started``) at 10 % for both variants: the planted null;
- ``campaign`` songkran (30 %) or organic; songkran sessions click the festival banner (x 300–900, y 300–480 on
  the landing page) with probability 0.45, organic with 0.05: the planted heatmap difference;
- ``aa`` a random 50/50 label with no effect at all (A/A: nothing may light up);
- every session clicks "Get started" (x 100–300, y 520–560) with probability 0.6 on both sides;
- the KYC page is shown to sessions that clicked "Get started"; sessions that reach KYC deposit as above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from replaylens.io.library.prepare import EVENT_SCHEMA
from replaylens.model.library import Goal, PageRecord, SessionRecord, SessionSource
from replaylens.model.segment import AttrIn, DateRange, Segment, VisitedPage
from replaylens.store.library import open_library

T0 = 1_775_000_000_000
#: Segments the heat-cell and page-scope tests run every query over (all, an attribute, a path, dates, none).
SEGMENTS: dict[str, Segment | None] = {
    "all": None,
    "variant B": Segment((AttrIn("variant", ("B",)),)),
    "kyc path": Segment((VisitedPage("/kyc"),)),
    "dates": Segment((DateRange(start="2026-03-30", end="2026-04-02"),)),
    "no days": Segment((DateRange(start="2027-01-01"),)),
}

LANDING = "https://app.nimbus.example/"
KYC = "https://app.nimbus.example/kyc"
BANNER = (300.0, 900.0, 300.0, 480.0)
CTA = (100.0, 300.0, 520.0, 560.0)


@dataclass
class Truth:
    variant: list[str] = field(default_factory=list)
    campaign: list[str] = field(default_factory=list)
    aa: list[str] = field(default_factory=list)
    banner: list[bool] = field(default_factory=list)
    cta: list[bool] = field(default_factory=list)
    deposit: list[bool] = field(default_factory=list)
    staked: list[bool] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def _table(rows: list[dict[str, object]]) -> pa.Table:
    for k, r in enumerate(rows):
        r["i"] = k
    return pa.Table.from_pydict({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in EVENT_SCHEMA},
                                schema=EVENT_SCHEMA)


def _in(rng: np.random.Generator, box: tuple[float, float, float, float]) -> tuple[float, float]:
    return float(rng.uniform(box[0], box[1])), float(rng.uniform(box[2], box[3]))


def build(root: Path, n: int, *, deposit_a: float = 0.12, lift: float = 0.08, seed: int = 3,
          events: bool = True) -> Truth:
    """Write the library (goals ``deposit`` and ``staked``) and return the planted truth. ``events`` False writes
    only the catalogue-level events the goals need (fast for very large n)."""
    rng = np.random.default_rng(seed)
    truth = Truth()
    with open_library(root) as lib:
        lib.add_goal(Goal("deposit", "event", "deposit_started"))
        lib.add_goal(Goal("staked", "event", "stake_started"))
        batch: list[SessionRecord] = []
        for i in range(n):
            variant = "B" if rng.random() < 0.5 else "A"
            campaign = "songkran" if rng.random() < 0.3 else "organic"
            aa = "x" if rng.random() < 0.5 else "y"
            banner = rng.random() < (0.45 if campaign == "songkran" else 0.05)
            cta = rng.random() < 0.6
            deposit = cta and rng.random() < deposit_a / 0.6 * (1 + lift if variant == "B" else 1.0)
            staked = rng.random() < 0.10
            rows: list[dict[str, object]] = [{"kind": "navigate", "t": 0, "page": 0, "width": 1280, "height": 800}]
            t = 500
            if events:
                for _ in range(5):
                    x, y = _in(rng, (0, 1280, 0, 800))
                    rows.append({"kind": "move", "t": t, "page": 0, "x": x, "y": y, "scroll_x": 0.0, "scroll_y": 0.0})
                    t += 300
            if banner and events:
                x, y = _in(rng, BANNER)
                rows.append({"kind": "click", "t": t, "page": 0, "x": x, "y": y, "scroll_x": 0.0, "scroll_y": 0.0,
                             "target_text": "Songkran: no fees on your first deposit", "interactive": False})
                t += 400
            pages = [PageRecord(0, LANDING, "Nimbus", 1280, 1600, None, 0)]
            if cta:
                x, y = _in(rng, CTA)
                rows.append({"kind": "click", "t": t, "page": 0, "x": x, "y": y, "scroll_x": 0.0, "scroll_y": 0.0,
                             "target_text": "Get started", "interactive": True})
                t += 600
                rows.append({"kind": "navigate", "t": t, "page": 1})
                pages.append(PageRecord(1, KYC, "KYC", 1280, 1400, None, t))
                t += 1000
            if deposit:
                rows.append({"kind": "custom", "t": t, "page": len(pages) - 1, "detail": '{"tag": "deposit_started"}'})
                t += 100
            if staked:
                rows.append({"kind": "custom", "t": t, "page": len(pages) - 1, "detail": '{"tag": "stake_started"}'})
                t += 100
            sid = f"c{i:07d}"
            summary = {"duration_ms": t, "active_ms": t, "entry_url": LANDING, "exit_url": pages[-1].url,
                       "pages_visited": len(pages), "page_visits": len(pages), "events": len(rows),
                       "clicks": int(banner) + int(cta), "friction_score": 0, "viewport_width": 1280,
                       "viewport_height": 800, "device_class": "desktop", "user_id": f"u{i}"}
            attrs = {"variant": (variant, "manifest"), "campaign": (campaign, "manifest"), "aa": (aa, "manifest")}
            batch.append(SessionRecord(
                session_id=sid, sha256=f"h{i}", site="app.nimbus.example", start_epoch_ms=T0 + i * 1000,
                summary=summary, findings={"rage_click": 1} if banner and i % 3 == 0 else {}, attributes=attrs,
                pages=pages, labels=[], identities=[f"u{i}"], source=SessionSource(sid, "", f"h{i}", 0, 0, "bundle"),
                events=_table(rows)))
            for name, value in (("variant", variant), ("campaign", campaign), ("aa", aa), ("banner", banner),
                                ("cta", cta), ("deposit", deposit), ("staked", staked), ("ids", sid)):
                getattr(truth, name).append(value)
            if len(batch) == 2000:
                lib.commit(batch)
                batch = []
        if batch:
            lib.commit(batch)
    return truth
