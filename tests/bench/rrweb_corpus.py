"""Realistic rrweb recordings for the ingest benchmarks: 0.3-3 MB each, as a page recorder writes them.

Each generated file is one visit or two to a banking site: a Meta and a full snapshot of a page of a few thousand
nodes (nested blocks with class names, inline styles, link and button texts, a stylesheet), then a few hundred
incremental events in rrweb's proportions (mouse-move batches, clicks with their down/up, document scrolls,
inputs, DOM mutations that add subtrees, an occasional resize) on a few dozen of the page's elements. When the
real recordings folder is there, every fifth file is the real smartx.com phone recording (2.1 MB) with its
timestamps shifted, so its content differs.

    make_corpus(out_dir, n, seed=1, shared=None) -> list of paths
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

T0 = 1_760_000_000_000
_WORDS = ("account", "balance", "transfer", "deposit", "savings", "card", "limit", "statement", "rewards", "fx",
          "crypto", "staking", "wallet", "loan", "rate", "apply", "open", "details", "history", "pay")


def _node(rng: random.Random, nid: list[int], depth: int, width: int) -> dict[str, Any]:
    nid[0] += 1
    me = nid[0]
    if depth == 0 or rng.random() < 0.25:
        nid[0] += 1
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 9)))
        tag = rng.choice(("span", "a", "button", "p", "label", "li"))
        attrs: dict[str, Any] = {"class": f"{tag}-{rng.randint(0, 40)} t{rng.randint(0, 9)}"}
        if tag == "a":
            attrs["href"] = f"/{rng.choice(_WORDS)}/{rng.randint(1, 999)}"
        return {"type": 2, "id": me, "tagName": tag, "attributes": attrs,
                "childNodes": [{"type": 3, "id": nid[0], "textContent": words}]}
    kids = [_node(rng, nid, depth - 1, width) for _ in range(rng.randint(1, width))]
    attrs = {"class": f"blk-{rng.randint(0, 200)} col-{rng.randint(1, 12)}",
             "style": f"margin:{rng.randint(0, 24)}px;padding:{rng.randint(0, 16)}px"}
    return {"type": 2, "id": me, "tagName": rng.choice(("div", "section", "ul", "nav", "form")),
            "attributes": attrs, "childNodes": kids}


def _snapshot(rng: random.Random, target_bytes: int) -> tuple[dict[str, Any], int]:
    nid = [10]
    blocks: list[dict[str, Any]] = []
    size = 0
    while size < target_bytes:
        b = _node(rng, nid, 4, 4)
        blocks.append(b)
        size += len(json.dumps(b))
    css = "".join(f".blk-{i}{{display:flex;gap:{i % 9}px;color:#{i * 2654435761 % 0xFFFFFF:06x}}}"
                  for i in range(200))
    head = {"type": 2, "id": 4, "tagName": "head", "attributes": {}, "childNodes": [
        {"type": 2, "id": 5, "tagName": "title", "attributes": {}, "childNodes": [
            {"type": 3, "id": 6, "textContent": "Online banking"}]},
        {"type": 2, "id": 7, "tagName": "style", "attributes": {}, "childNodes": [
            {"type": 3, "id": 8, "textContent": css, "isStyle": True}]}]}
    body = {"type": 2, "id": 9, "tagName": "body", "attributes": {}, "childNodes": blocks}
    html = {"type": 2, "id": 3, "tagName": "html", "attributes": {"lang": "en"}, "childNodes": [head, body]}
    return {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html", "publicId": "",
                                                "systemId": ""}, html]}, nid[0]


def _visit(rng: random.Random, t: int, url: str, snap_bytes: int, n_events: int, w: int, h: int
           ) -> tuple[list[dict[str, Any]], int]:
    snap, top = _snapshot(rng, snap_bytes)
    out: list[dict[str, Any]] = [
        {"type": 4, "timestamp": t, "data": {"href": url, "width": w, "height": h}},
        {"type": 2, "timestamp": t + 5, "data": {"node": snap, "initialOffset": {"left": 0, "top": 0}}}]
    t += 300
    y = 0
    # people act on a few dozen elements of a page: the real recordings' events hit 40 (smartx.com, 750 events)
    # and 18 (demoit.app, 340 events) distinct elements
    hot = rng.sample(range(10, top), k=min(top - 10, rng.randint(20, 60)))
    for _ in range(n_events):
        t += rng.randint(40, 1500)
        r = rng.random()
        nid = rng.choice(hot)
        if r < 0.45:
            k = rng.randint(3, 12)
            data: dict[str, Any] = {"source": 1, "positions": [
                {"x": rng.randint(0, w), "y": rng.randint(0, h), "id": nid, "timeOffset": -40 * (k - j)}
                for j in range(k)]}
        elif r < 0.6:
            x, yy = rng.randint(0, w), rng.randint(0, h)
            for kind, dt in ((1, 0), (0, 60), (2, 61)):  # mousedown, mouseup, click
                out.append({"type": 3, "timestamp": t + dt, "data": {"source": 2, "type": kind, "id": nid,
                                                                       "x": x, "y": yy}})
            continue
        elif r < 0.8:
            y = max(0, y + rng.randint(-300, 600))
            data = {"source": 3, "id": 1, "x": 0, "y": y}
        elif r < 0.86:
            data = {"source": 5, "id": nid, "text": "*" * rng.randint(1, 12), "isChecked": False}
        elif r < 0.99:
            sub = _node(rng, [top + 10_000 * rng.randint(1, 50)], 2, 3)
            data = {"source": 0, "texts": [{"id": nid, "value": rng.choice(_WORDS)}],
                    "attributes": [{"id": nid, "attributes": {"class": f"on{rng.randint(0, 9)}"}}],
                    "removes": [], "adds": [{"parentId": 9, "nextId": None, "node": sub}]}
        else:
            data = {"source": 4, "width": w, "height": h - rng.randint(0, 80)}
        out.append({"type": 3, "timestamp": t, "data": data})
    return out, t


def recording(seed: int, size_mb: float) -> list[dict[str, Any]]:
    """One generated recording of about ``size_mb`` MB (one or two page visits)."""
    rng = random.Random(seed)
    w, h = rng.choice(((1440, 900), (1280, 800), (1920, 1080), (390, 844), (820, 1180)))
    host = rng.choice(("bank.example", "app.bank.example", "crypto.example"))
    visits = 1 if size_mb < 0.6 or rng.random() < 0.5 else 2
    n_events = max(200, int(size_mb * 400))
    t = T0 + seed * 3_600_000
    events: list[dict[str, Any]] = []
    for _ in range(visits):
        url = f"https://{host}/{rng.choice(_WORDS)}/{rng.randint(1, 99999)}?utm_campaign={rng.choice(_WORDS)}"
        evs, t = _visit(rng, t + 1000, url, int(size_mb * 1_000_000 * 0.7 / visits), n_events // visits, w, h)
        events.extend(evs)
    return events


def make_corpus(out: Path, n: int, seed: int = 1, shared: Path | None = None) -> list[Path]:
    """``n`` recordings of 0.3-3 MB in ``out`` (sizes log-uniform; every fifth the real phone recording of
    ``shared`` shifted in time, when given and present)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    real = shared / "rrweb-sizer-smartx-mobile" / "e1.json" if shared is not None else None
    base = json.loads(real.read_bytes()) if real is not None and real.is_file() else None
    paths = []
    for i in range(n):
        dest = out / f"rec-{i:05d}.json"
        if base is not None and i % 5 == 4:
            shift = (seed * 100_003 + i) * 1000
            events = [{**e, "timestamp": e["timestamp"] + shift} for e in base]
        else:
            events = recording(seed * 1_000_003 + i, 0.3 * 10 ** rng.uniform(0, 1))
        dest.write_text(json.dumps(events, separators=(",", ":")))
        paths.append(dest)
    return paths
