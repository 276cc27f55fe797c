"""Sessions of one site made from real recordings (../shared/data): each copy gets its own session id and start
time, and its page address on one site, so a library holds many sessions of a few distinct pages (the render
stage's tests and benchmark). The recordings themselves are only read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DEMOIT = DATA / "rrweb-demoit-player" / "events.json"
SMARTX = DATA / "rrweb-sizer-smartx-mobile" / "e1.json"
SITE = "https://bank.example"


def available(*paths: Path) -> bool:
    return all(p.is_file() for p in paths)


def load(path: Path) -> list[dict[str, Any]]:
    events = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(events, list)
    return events


def retitle(events: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """A distinct state of the same page: the first text node of the snapshot says ``text``."""
    out = json.loads(json.dumps(events))
    for ev in out:
        if ev.get("type") == 2:
            stack: list[tuple[dict[str, Any], str]] = [(ev["data"]["node"], "")]
            while stack:
                node, parent = stack.pop()
                if node.get("type") == 3 and str(node.get("textContent", "")).strip() and \
                        parent not in ("title", "style", "script", "head"):
                    node["textContent"] = text
                    return out
                tag = str(node.get("tagName", parent)).lower()
                stack.extend((kid, tag) for kid in reversed(node.get("childNodes", [])))
    return out


def write_copy(events: list[dict[str, Any]], out: Path, k: int, *, path: str, session: str,
               shift_ms: int | None = None) -> Path:
    """Copy ``k`` of a recording: times shifted by ``shift_ms`` (default k hours and a bit), session id
    ``session``, every Meta address on ``SITE`` + ``path``."""
    shift = k * 3_600_000 + 137 * k if shift_ms is None else shift_ms
    copy = []
    for ev in events:
        e = dict(ev)
        if "timestamp" in e:
            e["timestamp"] = int(e["timestamp"]) + shift
        if "sessionId" in e:
            e["sessionId"] = session
        if e.get("type") == 4 and isinstance(e.get("data"), dict):
            e["data"] = {**e["data"], "href": f"{SITE}{path}?visit={k}"}
        copy.append(e)
    data: Any = copy if any("sessionId" in e for e in copy) else {"version": "2023-04-28",
                                                                  "data": {"id": session, "snapshots": copy}}
    out.write_text(json.dumps(data), encoding="utf-8")
    return out
