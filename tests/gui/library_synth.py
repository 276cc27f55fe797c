"""Synthetic libraries for the Library window's tests and bench: catalogue rows with known attributes, findings,
goals and labels, written through the library's own writer (``LibraryStore.commit``), a few events each.

Every session's attributes follow from its index, so tests know the exact counts:
``user_type`` cycles new/returning/high_net_worth by ``i % 3``; ``campaign`` is songkran when ``i % 4 == 0``,
else organic; ``variant`` is B for odd ``i``; device width 1280 / 390 by ``i % 2`` (desktop / mobile); session
``i`` deposits (custom event ``deposit_started``) when ``i % 5 == 0`` and has a rage click when ``i % 7 == 0``;
the durations are ``10_000 + 997 * i`` ms (all different, for sort tests). Sessions with ``i % 10 == 3`` click
a "Withdraw to bank" button (text search).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from replaylens.io.library.prepare import EVENT_SCHEMA
from replaylens.model.library import Goal, PageRecord, SessionRecord, SessionSource
from replaylens.store.library import open_library

T0 = 1_775_000_000_000
USER_TYPES = ("new", "returning", "high_net_worth")


def sid(i: int) -> str:
    return f"s{i:07d}"


def attrs_of(i: int) -> dict[str, str]:
    return {"user_type": USER_TYPES[i % 3], "campaign": "songkran" if i % 4 == 0 else "organic",
            "variant": "B" if i % 2 else "A"}


def _events(i: int, url: str) -> pa.Table:
    rows: list[dict[str, Any]] = [
        {"kind": "navigate", "t": 0, "page": 0, "width": 1280 if i % 2 == 0 else 390, "height": 800,
         "detail": json.dumps({"url": url, "title": "Nimbus"})},
        {"kind": "click", "t": 900, "page": 0, "x": 100.0, "y": 100.0, "target": "a.cta",
         "target_text": "Withdraw to bank" if i % 10 == 3 else "Get started", "interactive": True},
    ]
    if i % 5 == 0:
        rows.append({"kind": "custom", "t": 5000, "page": 0, "detail": json.dumps({"tag": "deposit_started"})})
    rows.append({"kind": "move", "t": 10_000 + 997 * i, "page": 0, "x": 10.0, "y": 10.0})
    for k, r in enumerate(rows):
        r["i"] = k
    cols = {f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in EVENT_SCHEMA}
    return pa.Table.from_pydict(cols, schema=EVENT_SCHEMA)


def record(i: int, source_dir: Path | None = None) -> SessionRecord:
    width = 1280 if i % 2 == 0 else 390
    url = "https://app.nimbus.example/" + ("songkran?utm_campaign=songkran" if i % 4 == 0 else "")
    a = attrs_of(i)
    attributes = {k: (v, "manifest") for k, v in a.items()}
    attributes["device_class"] = ("desktop" if width >= 1024 else "mobile", "device")
    findings = {"rage_click": 1} if i % 7 == 0 else {}
    duration = 10_000 + 997 * i
    summary = {"duration_ms": duration, "active_ms": duration // 2, "entry_url": url, "exit_url": url,
               "pages_visited": 1 + i % 3, "page_visits": 1 + i % 3, "events": 4, "clicks": 1 + i % 5,
               "friction_score": 10 * len(findings), "viewport_width": width, "viewport_height": 800,
               "device_class": attributes["device_class"][0], "user_id": f"u{i}"}
    src = SessionSource(sid(i), str((source_dir or Path("/nonexistent")) / f"{sid(i)}.rlsession"), f"sha-{i}", 1,
                        1, "bundle")
    return SessionRecord(session_id=sid(i), sha256=f"sha-{i}", site="app.nimbus.example",
                         start_epoch_ms=T0 + i * 60_000, summary=summary, findings=findings,
                         attributes=attributes, pages=[PageRecord(0, url, "Nimbus", width, 2000, None, 0)],
                         labels=["Withdraw to bank" if i % 10 == 3 else "Get started"], identities=[f"u{i}"],
                         source=src, events=_events(i, url))


def build(root: Path, n: int, batch: int = 5000) -> Path:
    """A library of ``n`` synthetic sessions in ``root`` (created), with the goal ``deposit``."""
    with open_library(root) as lib:
        lib.add_goal(Goal("deposit", "event", "deposit_started"))
        for start in range(0, n, batch):
            lib.commit([record(i) for i in range(start, min(n, start + batch))])
    return root


def expected_count(n: int, **where: str) -> int:
    return sum(all(attrs_of(i)[k] == v for k, v in where.items()) for i in range(n))
