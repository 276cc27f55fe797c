"""Open an rrweb recording through the one opener (``io.opening.open_file``), without and with its converted copy in
the cache, next to parsing the recording alone in the same run (the cost every open paid before the opener: the
old loader parsed first, then looked for the converted copy and hashed the file twice).

    python tests/bench/bench_open.py [RECORDING.json] [--moves N] [--runs 5] [--json]

Without a recording a synthetic one is written (a FullSnapshot and N mouse moves). The cached case uses a bundle
converted without page pictures (``render=False``), so the numbers measure the open path, not the renderer.
Expected: cold ≈ 1× the parse (one hash on top), cached well under 1× (the recording is not parsed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from replaylens.io import cache, registry
from replaylens.io.opening import open_file

T0 = 1_700_000_000_000


def synthetic(path: Path, moves: int) -> Path:
    body = {"type": 2, "id": 3, "tagName": "body", "attributes": {}, "childNodes": [
        {"type": 2, "id": 4, "tagName": "button", "attributes": {"id": "go"},
         "childNodes": [{"type": 3, "id": 5, "textContent": "Go"}]}]}
    node = {"type": 0, "id": 1, "childNodes": [{"type": 2, "id": 2, "tagName": "html", "attributes": {},
                                                "childNodes": [body]}]}
    events = [{"type": 4, "data": {"href": "https://bank.test/", "width": 1280, "height": 800}, "timestamp": T0},
              {"type": 2, "data": {"node": node, "initialOffset": {"left": 0, "top": 0}}, "timestamp": T0 + 5}]
    rng = random.Random(7)  # irregular like a hand (a too regular table trips the bundle's decode-ratio guard)
    t = T0 + 10
    for _ in range(moves):
        t += rng.randint(8, 40)
        events.append({"type": 3, "data": {"source": 1, "positions": [
            {"x": rng.randint(0, 1279), "y": rng.randint(0, 799), "id": 4, "timeOffset": 0}]}, "timestamp": t})
    path.write_text(json.dumps(events))
    return path


def _time(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("recording", nargs="?", type=Path)
    ap.add_argument("--moves", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        os.environ["REPLAYLENS_DATA_DIR"] = str(Path(d) / "data")
        src = args.recording or synthetic(Path(d) / "rec.json", args.moves)

        def parse() -> None:
            registry.open_session(src).close()

        def opened() -> None:
            open_file(src).close()

        parse()  # imports and caches warm
        base = _time(parse, args.runs)
        cold = _time(opened, args.runs)
        cache.convert_cached(src, render=False)
        cached = _time(opened, args.runs)
        size_mb = round(src.stat().st_size / 2**20, 1)
    out = {"file_mb": size_mb, "runs": args.runs,
           "parse_s": round(base, 4), "cold_s": round(cold, 4), "cached_s": round(cached, 4),
           "cold_ratio": round(cold / base, 2), "cached_ratio": round(cached / base, 2)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{'recording':<34}{size_mb:>9.1f} MB")
        print(f"{'parse the recording alone':<34}{base * 1000:>9.1f} ms (median of {args.runs}; the baseline)")
        print(f"{'open, no converted copy':<34}{cold * 1000:>9.1f} ms  {cold / base:.2f}x")
        print(f"{'open, converted copy cached':<34}{cached * 1000:>9.1f} ms  {cached / base:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
