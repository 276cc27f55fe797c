"""Detector findings against the demo's planted truth: precision and recall of one finding kind.

A finding matches a planted behaviour of the same kind when it is on the same page and their time spans overlap
(within ``tol_ms``); each planted behaviour is matched at most once. Used by the tests and by
``tests/bench/measure_hesitation.py`` on a generated library (``python -m replaylens.demo.generate --library``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replaylens.demo.generate import events_table
from replaylens.demo.library_build import act
from replaylens.demo.library_truth import Plan
from replaylens.model.manifest import Manifest, Page
from replaylens.model.report import ImportReport
from replaylens.model.session import Session
from replaylens.store.session import SessionStore


@dataclass
class Tally:
    """Matched (true positives), unmatched findings (false positives) and missed planted behaviours."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_sessions_without_plant: int = 0  # findings in sessions where nothing of the kind was planted

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "fp_sessions_without_plant": self.fp_sessions_without_plant}


def add_session(tally: Tally, findings: Iterable[Any], planted: Sequence[dict[str, Any]], kind: str,
                tol_ms: int = 1000) -> None:
    """Count one session's findings of ``kind`` (objects with ``kinds``/``kind``, ``page``, ``start_ms``,
    ``end_ms``) against its planted list (dicts with ``kind``, ``page``, ``start_ms``, ``end_ms``)."""
    truth = [g for g in planted if g["kind"] == kind]
    found = [f for f in findings if kind in (getattr(f, "kinds", ()) or (f.kind,))]
    used = [False] * len(truth)
    for f in found:
        hit = next((i for i, g in enumerate(truth) if not used[i] and g["page"] == f.page
                    and f.start_ms - tol_ms <= g["end_ms"] and g["start_ms"] <= f.end_ms + tol_ms), None)
        if hit is None:
            tally.fp += 1
            tally.fp_sessions_without_plant += not truth
        else:
            used[hit] = True
            tally.tp += 1
    tally.fn += used.count(False)


def plan_session(plan: Plan) -> tuple[Session, list[dict[str, Any]]]:
    """The session ``plan`` acts out, in memory (no bundle, no pictures), and its planted truth."""
    rec, pages = act(plan)
    cols = rec.columns()
    store = SessionStore()
    vw, vh = rec.viewport
    store.load_arrow(events_table(cols), page_count=len(pages), viewport=(vw, vh), report=ImportReport())
    manifest = Manifest(session_id=plan.session_id, start_epoch_ms=plan.start_epoch_ms, viewport_width=vw,
                        viewport_height=vh, pages=[Page(p.url, title=p.title, width=p.width, height=p.height)
                                                   for p in pages])
    planted = [{"kind": p.kind, "page": p.page, "start_ms": p.start_ms, "end_ms": p.end_ms} for p in rec.planted]
    return Session(Path(f"{plan.session_id}.rlsession"), manifest, store, store.arrays(), ImportReport()), planted
