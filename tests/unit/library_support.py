"""Helpers for the library tests and benchmark: PostHog exports from the rrweb factory, synthetic session
records (summaries without files) and a consistency check of a library folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import rrweb_factory as rf

from replaylens.analysis.findings.analyze import FINDING_KINDS
from replaylens.io.library.prepare import EVENT_SCHEMA
from replaylens.model.library import PageRecord, SessionRecord, SessionSource, device_class


def posthog_export(path: Path, session_id: str, *, entry_url: str = "https://bank.example/wallet",
                   person: dict[str, Any] | None = None, custom: list[tuple[str, Any]] = (),  # type: ignore[assignment]
                   width: int = 1280, shift_ms: int = 0) -> Path:
    """A PostHog export (version 2023-04-28) of ``rrweb_factory.recording()`` with the given entry URL, person
    and extra custom events (tag, payload)."""
    events = copy.deepcopy(rf.recording())
    events[0]["data"]["href"] = entry_url
    events[0]["data"]["width"] = width
    for ev in events:
        ev["timestamp"] += shift_ms
    t = rf.T0 + shift_ms + 1900
    at = next(k for k, ev in enumerate(events) if ev["timestamp"] > t + len(custom))  # keep the list in time order
    for i, (tag, payload) in enumerate(custom):
        events.insert(at + i, {"type": 5, "timestamp": t + i, "data": {"tag": tag, "payload": payload}})
    data: dict[str, Any] = {"id": session_id, "snapshots": events}
    if person is not None:
        data["person"] = person
    path.write_text(json.dumps({"version": "2023-04-28", "data": data}), encoding="utf-8")
    return path


SITES = ("app.nimbus.example", "m.nimbus.example")
USER_TYPES = ("new", "returning", "high_net_worth")
CAMPAIGNS = ("songkran", "none", "lantern-festival")


def synthetic_record(i: int, rng: np.random.Generator, *, events: int = 0) -> SessionRecord:
    """A session summary without a source file (for filter tests and the 100,000-row benchmark)."""
    width = int(rng.choice([390, 820, 1280, 1440]))
    start = 1_795_000_000_000 + int(rng.integers(0, 30 * 86_400_000))
    sid = f"syn-{i:07d}"
    attrs = {"user_type": (str(rng.choice(USER_TYPES, p=[0.55, 0.35, 0.10])), "manifest"),
             "campaign": (str(rng.choice(CAMPAIGNS)), "manifest"),
             "variant": (str(rng.choice(["A", "B"])), "manifest"),
             "device_class": (device_class(width), "device"),
             "balance": (str(int(rng.integers(0, 1_000_000))), "file"),
             "vip": ("true" if rng.random() < 0.1 else "false", "file")}
    findings = {k: int(rng.poisson(0.3)) for k in FINDING_KINDS}
    urls = ["https://app.nimbus.example/", "https://app.nimbus.example/deposit",
            "https://app.nimbus.example/earn/staking"]
    visited = int(rng.integers(1, 4))
    pages = [PageRecord(k, u, u.rsplit("/", 1)[-1] or "home", width, 2000, None, k * 1000 if k < visited else None)
             for k, u in enumerate(urls)]
    table = pa.table({f.name: pa.nulls(events, f.type) for f in EVENT_SCHEMA}, schema=EVENT_SCHEMA)
    if events:
        table = table.set_column(0, "i", pa.array(np.arange(events, dtype=np.int64)))
        table = table.set_column(1, "t", pa.array(np.arange(events, dtype=np.int64) * 100))
        table = table.set_column(2, "kind", pa.array(["move"] * (events - 1) + ["click"]))
    duration = int(rng.integers(5_000, 900_000))
    summary = {"duration_ms": duration, "active_ms": duration // 2, "entry_url": urls[0],
               "exit_url": urls[visited - 1], "pages_visited": visited, "page_visits": visited,
               "events": events, "clicks": int(rng.integers(0, 40)), "friction_score": int(rng.integers(0, 100)),
               "viewport_width": width, "viewport_height": 800, "device_class": device_class(width), "user_id": None}
    return SessionRecord(session_id=sid, sha256=f"{i:064x}", site=SITES[i % 2], start_epoch_ms=start,
                         summary=summary, findings=findings, attributes=attrs, pages=pages,
                         labels=["Deposit", "Learn more"][: 1 + i % 2], identities=[], events=table,
                         source=SessionSource(sid, "", f"{i:064x}", 0, 0, "synthetic"))


def check_consistent(root: Path) -> dict[str, int]:
    """Every catalogue session has all its events in the file it names, pages and attributes; no child row
    lacks its session. Returns {session_id: events} of the sessions in."""
    from replaylens.store.library import open_library

    lib = open_library(root, create=False)
    try:
        cur = lib.cursor()
        rows = cur.execute("SELECT session_id, sha256, events, events_file FROM sessions").fetchall()
        assert len({r[0] for r in rows}) == len(rows), "a session id is in the catalogue twice"
        by_file: dict[str, list[tuple[str, str, int]]] = {}
        for sid, sha, n, f in rows:
            by_file.setdefault(f, []).append((sid, sha, n))
        for f, sessions in by_file.items():
            table = pq.read_table(root / f, columns=["session_id", "sha256"])
            got: dict[tuple[str, str], int] = {}
            for key in zip(table["session_id"].to_pylist(), table["sha256"].to_pylist(), strict=True):
                got[key] = got.get(key, 0) + 1
            for sid, sha, n in sessions:
                assert got.get((sid, sha), 0) == n, f"{sid}: {got.get((sid, sha), 0)} events in {f}, expected {n}"
        for table in ("pages", "attributes", "findings", "goal_hits", "labels", "identities"):
            orphans = cur.execute(f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM sessions s "
                                  "WHERE s.session_id = t.session_id)").fetchall()[0][0]
            assert orphans == 0, f"{orphans} {table} rows without a session"
        no_pages = cur.execute("SELECT count(*) FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM attributes a "
                               "WHERE a.session_id = s.session_id AND a.key = 'device_class')").fetchall()[0][0]
        assert no_pages == 0, "a session is in without its attributes"
        return {str(r[0]): int(r[2]) for r in rows}
    finally:
        lib.close()
