"""A small library for the survey tests (three sessions written through ``LibraryStore.commit``) and vendor
export files in the shapes their public docs give."""

from __future__ import annotations

import json
from pathlib import Path

from compare_library import _table

from replaylens.model.library import PageRecord, SessionRecord, SessionSource
from replaylens.store.library import open_library

T0 = 1_776_000_000_000  # 2026-04-12 13:20 UTC
SESSIONS = {  # id: (start ms, duration ms, user id, visited paths)
    "s-alpha": (T0, 60_000, "u-1", ["/", "/earn/staking"]),
    "s-bravo": (T0 + 3_600_000, 90_000, "u-2", ["/", "/kyc"]),
    "s-charlie": (T0 + 7_200_000, 30_000, "u-2", ["/", "/earn/staking"]),
}
HOST = "app.nimbus.example"


def build(root: Path) -> Path:
    recs = []
    for sid, (start, dur, user, paths) in SESSIONS.items():
        pages = [PageRecord(i, f"https://{HOST}{p}", p.strip("/") or "Home", 1280, 800, None, i * 5000)
                 for i, p in enumerate(paths)]
        rows = [{"kind": "navigate", "t": i * 5000, "page": i} for i in range(len(paths))]
        rows.append({"kind": "click", "t": dur, "page": len(paths) - 1, "x": 10.0, "y": 10.0})
        summary = {"duration_ms": dur, "active_ms": dur, "entry_url": pages[0].url, "exit_url": pages[-1].url,
                   "pages_visited": len(pages), "page_visits": len(pages), "events": len(rows), "clicks": 1,
                   "friction_score": 0, "viewport_width": 1280, "viewport_height": 800, "device_class": "desktop",
                   "user_id": user}
        recs.append(SessionRecord(session_id=sid, sha256=f"h-{sid}", site=HOST, start_epoch_ms=start,
                                  summary=summary, findings={}, attributes={"campaign": ("organic", "manifest")},
                                  pages=pages, labels=[], identities=[user],
                                  source=SessionSource(sid, "", f"h-{sid}", 0, 0, "bundle"), events=_table(rows)))
    with open_library(root) as lib:
        lib.commit(recs)
    return root


def write(path: Path, obj: object) -> Path:
    if isinstance(obj, str):
        path.write_text(obj, encoding="utf-8")
    else:
        path.write_text(json.dumps(obj), encoding="utf-8")
    return path
