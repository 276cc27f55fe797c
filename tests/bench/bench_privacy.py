"""What the privacy policy costs at the storage boundary, against baselines measured in the same run.

    python tests/bench/bench_privacy.py [--rows 1000000] [--events 20000] [--repeat 3] [--json]

* ``scrub_table`` (an events table of ``--rows`` rows: selectors, labels, JSON details, 1 % typed values) against
  writing the same table to Parquet (zstd), which every writer does anyway: ratio = scrub / write.
* ``scrub_rrweb_events`` (a recording of ``--events`` events: one form snapshot, typing into card, e-mail and name
  fields, mutations, custom events) against ``json.loads`` of the same events: ratio = scrub / parse.
Median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from replaylens.io.privacy import FieldMemory, scrub_rrweb_events
from replaylens.io.privacy.tables import scrub_table


def table(n: int) -> pa.Table:
    rng = np.random.default_rng(1)
    pick = lambda xs: np.array(xs, dtype=object)[rng.integers(0, len(xs), n)]  # noqa: E731
    val = np.where(rng.random(n) < 0.01, pick(["Anna", "4111 11", "anna@x.io", "1250.00"]), None)
    return pa.table({"t": np.arange(n), "kind": pick(["move", "click", "input"]),
                     "target": pick(["div#app > button.btn", "input#email", "a.nav", "input#cc-number"]),
                     "target_text": pick(["Deposit", "E-mail", "Home", "1,250.00 THB"]),
                     "target_label": pick(["Deposit", "E-mail", "Card number", "Total 2026-04-14"]),
                     "input_type": np.where(val != None, "text", None),  # noqa: E711
                     "value": val, "detail": np.where(rng.random(n) < 0.3, '{"source":"stylesheet_rule"}', None)})


def recording(n: int) -> list[dict[str, Any]]:
    def el(i: int, tag: str, attrs: dict[str, str], kids: list[Any] | None = None) -> dict[str, Any]:
        return {"type": 2, "id": i, "tagName": tag, "attributes": attrs, "childNodes": kids or []}

    fields = [el(10 + i, "input", {"id": f, "name": f}) for i, f in enumerate(("cc-number", "email", "first"))]
    rows = [el(100 + i, "div", {"class": "row"}, [{"type": 3, "id": 1000 + i, "textContent": f"Item {i} 1,250.00"}])
            for i in range(300)]
    doc = {"type": 0, "id": 1, "childNodes": [el(2, "html", {}, [el(3, "body", {}, fields + rows)])]}
    out: list[dict[str, Any]] = [{"type": 2, "timestamp": 0, "data": {"node": doc}}]
    texts = ["4111 1111 1111 1111", "anna.k@bank.co.th", "Anna"]
    for i in range(n):
        k = i % 10
        if k < 6:
            f = i % 3
            out.append({"type": 3, "timestamp": i, "data": {"source": 5, "id": 10 + f, "text": texts[f][: 1 + i % 16]}})
        elif k < 9:
            out.append({"type": 3, "timestamp": i, "data": {"source": 1, "positions": [{"x": i, "y": 2, "id": 3,
                                                                                          "timeOffset": 0}]}})
        else:
            out.append({"type": 5, "timestamp": i, "data": {"tag": "step", "payload": {"n": i, "ok": True}}})
    return out


def median_s(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t = table(args.rows)
    write = median_s(lambda: pq.write_table(t, pa.BufferOutputStream(), compression="zstd"), args.repeat)
    scrub = median_s(lambda: scrub_table(t), args.repeat)
    events = recording(args.events)
    text = json.dumps(events)
    parse = median_s(lambda: json.loads(text), args.repeat)
    rr = median_s(lambda: scrub_rrweb_events(events, FieldMemory()), args.repeat)
    res = {"rows": args.rows, "parquet_write_s": round(write, 3), "scrub_table_s": round(scrub, 3),
           "table_ratio": round(scrub / write, 2), "events": args.events, "json_loads_s": round(parse, 3),
           "scrub_rrweb_s": round(rr, 3), "rrweb_ratio": round(rr / parse, 2)}
    if args.json:
        print(json.dumps(res))
    else:
        print(f"scrub_table {args.rows:,} rows: {scrub:.3f} s vs Parquet write {write:.3f} s -> x{scrub / write:.2f}")
        print(f"scrub_rrweb_events {args.events:,} events: {rr:.3f} s vs json.loads {parse:.3f} s -> "
              f"x{rr / parse:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
