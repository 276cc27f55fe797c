"""A small library for the element-anchored map tests: sessions at 1280 and 1440 px click one centred button that
moves with the width (written through ``LibraryStore.commit``, with the optional element box columns on the click
events, or without them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from replaylens.io.library.prepare import EVENT_SCHEMA
from replaylens.model.library import PageRecord, SessionRecord, SessionSource
from replaylens.store.library import open_library

T0 = 1_775_000_000_000
URL = "https://app.nimbus.example/"
BOX = ("target_box_x", "target_box_y", "target_box_w", "target_box_h")
BTN_W, BTN_H = 40.0, 40.0
CELL = 8.0


def button(width: int) -> tuple[float, float, float, float]:
    """The deposit button: centred; the narrower layout wraps the text above it, so it sits lower."""
    return (width - BTN_W) / 2, (500.0 if width == 1280 else 420.0), BTN_W, BTN_H


def _table(rows: list[dict[str, object]], boxes: bool) -> pa.Table:
    for k, r in enumerate(rows):
        r["i"] = k
    schema = EVENT_SCHEMA
    if boxes:
        for c in BOX:
            if c not in schema.names:
                schema = schema.append(pa.field(c, pa.float64()))
    else:  # a batch written before the box columns existed: its Parquet has none of them
        schema = pa.schema([f for f in schema if f.name not in BOX])
    return pa.Table.from_pydict({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in schema},
                                schema=schema)


def session(i: int, width: int, rows: list[dict[str, object]], boxes: bool, variant: str) -> SessionRecord:
    sid = f"s{i:04d}"
    events = [{"kind": "navigate", "t": 0, "page": 0, "width": width, "height": 800}, *rows]
    summary = {"duration_ms": 10_000, "active_ms": 10_000, "entry_url": URL, "exit_url": URL, "pages_visited": 1,
               "page_visits": 1, "events": len(events), "clicks": len(rows), "friction_score": 0,
               "viewport_width": width, "viewport_height": 800, "device_class": "desktop", "user_id": f"u{i}"}
    return SessionRecord(
        session_id=sid, sha256=f"h{i}", site="app.nimbus.example", start_epoch_ms=T0 + i * 1000, summary=summary,
        findings={}, attributes={"variant": (variant, "manifest")}, pages=[PageRecord(0, URL, "Nimbus", width,
                                                                                      1600, None, 0)],
        labels=[], identities=[f"u{i}"], source=SessionSource(sid, "", f"h{i}", 0, 0, "bundle"),
        events=_table(events, boxes))


def click(t: int, x: float, y: float, key: str | None, box: tuple[float, ...] | None,
           scroll_y: float = 0.0) -> dict[str, object]:
    r: dict[str, object] = {"kind": "click", "t": t, "page": 0, "x": x, "y": y - scroll_y, "scroll_x": 0.0,
                            "scroll_y": scroll_y, "target": key, "target_text": key}
    if box is not None:
        r.update(zip(BOX, box, strict=True))
    return r


def build(root: Path, *, boxes: bool = True, n1280: int = 6, n1440: int = 4) -> dict[str, int]:
    """n1280 + n1440 sessions, each clicking the button 3 times inside its box (offsets 0.25, 0.5, 0.75 of the
    box), once on a 1440-only banner (no reference box), once on the header without a box."""
    rng = np.random.default_rng(5)
    counts = {"button": 0, "banner": 0, "no_box": 0}
    batch = []
    for i in range(n1280 + n1440):
        width = 1280 if i < n1280 else 1440
        bx, by, bw, bh = button(width)
        rows = []
        for k, f in enumerate((0.25, 0.5, 0.75)):
            rows.append(click(1000 + k * 500, bx + f * bw, by + f * bh, "#deposit", button(width),
                               scroll_y=float(rng.choice([0.0, 120.0]))))
            counts["button"] += 1
        if width == 1440:
            rows.append(click(3000, 700.0, 900.0, "#promo", (600.0, 880.0, 240.0, 60.0)))
            counts["banner"] += 1
        rows.append(click(4000, 50.0, 20.0, "#logo", None))  # a box the recording could not measure
        counts["no_box"] += 1
        batch.append(session(i, width, rows, boxes, "A" if i % 2 == 0 else "B"))
    with open_library(root) as lib:
        lib.commit(batch)
    return counts
