"""Synthetic long sessions for benchmarks: 60 Hz pointer moves with clicks and scrolls, built with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from replaylens.io.bundle import write_bundle
from replaylens.model.manifest import Manifest, Page


def synth_events(minutes: float, seed: int = 1, pages: int = 5) -> pa.Table:
    rng = np.random.default_rng(seed)
    n = int(minutes * 60 * 60)  # 60 Hz
    t = np.cumsum(rng.integers(15, 19, n)).astype(np.int64)
    x = np.clip(640 + np.cumsum(rng.normal(0, 6, n)), 0, 1279)
    y = np.clip(400 + np.cumsum(rng.normal(0, 5, n)), 0, 799)
    page = np.minimum((t / max(t[-1], 1) * pages).astype(np.int32), pages - 1)
    sy = np.zeros(n)
    kinds = np.full(n, "move", dtype=object)
    ci = np.arange(0, n, 300)  # a click every ~5 s
    si = np.arange(150, n, 120)  # a scroll every ~2 s
    kinds[ci] = "click"
    kinds[si] = "scroll"
    steps = np.zeros(n)
    steps[si] = rng.choice([-120.0, 120.0, 240.0], len(si))
    sy = np.clip(np.cumsum(steps), 0, 3000)
    xs, ys = x.copy(), y.copy()
    xs[si] = np.nan
    ys[si] = np.nan
    targets = np.full(n, None, dtype=object)
    targets[ci] = "button.cta"
    return pa.table({"t": t, "kind": pa.array(kinds, pa.string()), "page": page, "x": xs, "y": ys,
                     "scroll_x": np.zeros(n), "scroll_y": sy, "target": pa.array(targets, pa.string()),
                     "interactive": pa.array(np.where(targets == None, None, True).tolist(), pa.bool_())})  # noqa: E711


def write_synth(path: Path, minutes: float, screenshot: bytes | None = None, seed: int = 1) -> Path:
    table = synth_events(minutes, seed)
    pages = [Page(f"https://bench.test/p{i}", f"P{i}", "pages/p.png" if screenshot else None, 1280, 3800)
             for i in range(5)]
    m = Manifest(session_id=f"bench-{minutes}", start_epoch_ms=0, pages=pages, viewport_width=1280,
                 viewport_height=800)
    return write_bundle(path, m, table, {"pages/p.png": screenshot} if screenshot else {})
