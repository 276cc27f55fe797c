"""The collector under load, on loopback only: simulated recorders at rrweb's rhythm for a bounded time.

    PYTHONPATH=app python tests/bench/bench_collect.py [--recorders 200] [--seconds 300] [--json]

Each recorder sends a first batch (Meta, a FullSnapshot of a ~1,500-node page, a marker), then every 0.5-10 s a
batch of what rrweb emits meanwhile (mouse-move batches every 0.5 s, a scroll, a few mutations, a click, a
marker), each with its own ``X-Batch-Id``. After ``--seconds`` every recorder ends its session. The collector
runs as ``replaylens collect`` in its own process (its RSS is read from /proc every 5 s). Printed: batches sent and
acknowledged (every one must be), acknowledgement latency p50 / p99 / max (target p99 <= 50 ms) next to the same
run's ``/health`` latency (the server's floor: the ratio is what the batch work costs), the RSS series, how fast
ended sessions reach the library (sessions/s), and after the end the marker events found per session in the
library against those sent (0 lost, 0 duplicated). Every loop is bounded by ``--seconds`` plus a drain deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

APP = Path(__file__).resolve().parents[2] / "app"
TOKEN = "bench-token-0123456789abcdef"


def _snapshot(rng: random.Random) -> dict[str, Any]:
    nid = [3]

    def el(tag: str, kids: list[dict[str, Any]], **attrs: str) -> dict[str, Any]:
        nid[0] += 1
        return {"type": 2, "id": nid[0], "tagName": tag, "attributes": attrs, "childNodes": kids}

    def txt(s: str) -> dict[str, Any]:
        nid[0] += 1
        return {"type": 3, "id": nid[0], "textContent": s}

    rows = [el("div", [el("span", [txt(f"Item {i} of the wallet, balance {rng.randrange(10_000)}")],
                          **{"class": "label"}),
                       el("button", [txt("Details")], **{"class": "btn", "id": f"b{i}"})],
               **{"class": "row", "style": "display:flex"}) for i in range(300)]
    body = el("body", [el("header", [el("a", [txt("Nimbus")], href="/")]), el("main", rows)])
    html = el("html", [el("head", [el("title", [txt("Wallet")])]), body])
    return {"type": 0, "id": 1, "childNodes": [{"type": 1, "id": 2, "name": "html"}, html]}


class Recorder:
    def __init__(self, k: int, seed: int) -> None:
        self.k = k
        self.sid = f"bench{k:04d}{seed:08d}"
        self.rng = random.Random(seed * 1000 + k)
        self.seq = 0
        self.t = int(time.time() * 1000)

    def _marker(self) -> dict[str, Any]:
        return {"type": 5, "timestamp": self.t, "data": {"tag": "bench", "payload": {"r": self.k, "b": self.seq}}}

    def first(self, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"type": 4, "timestamp": self.t, "data": {"href": f"https://bank.example/wallet?r={self.k}",
                                                           "width": 1280, "height": 800}},
                {"type": 2, "timestamp": self.t + 1, "data": {"node": snapshot,
                                                               "initialOffset": {"left": 0, "top": 0}}},
                self._marker()]

    def next(self, span_s: float) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        self.seq += 1
        steps = max(1, int(span_s / 0.5))
        for _ in range(steps):
            self.t += 500
            out.append({"type": 3, "timestamp": self.t, "data": {"source": 1, "positions": [
                {"x": rng.randrange(1280), "y": rng.randrange(800), "id": rng.randrange(4, 1500),
                 "timeOffset": -50 * j} for j in range(10)]}})
        out.append({"type": 3, "timestamp": self.t, "data": {"source": 3, "id": 1, "x": 0,
                                                              "y": rng.randrange(4000)}})
        for _ in range(rng.randrange(0, 4)):
            out.append({"type": 3, "timestamp": self.t, "data": {"source": 0, "texts": [
                {"id": rng.randrange(4, 1500), "value": f"balance {rng.randrange(10_000)}"}],
                "attributes": [], "removes": [], "adds": []}})
        if rng.random() < 0.3:
            out.append({"type": 3, "timestamp": self.t, "data": {"source": 2, "type": 2, "id": rng.randrange(4, 1500),
                                                                  "x": rng.randrange(1280), "y": rng.randrange(800)}})
        out.append(self._marker())
        return out


async def run(args: argparse.Namespace, address: str) -> dict[str, Any]:
    snapshot = _snapshot(random.Random(1))
    ramp_s = args.ramp
    lat: list[float] = []
    lat_first: list[float] = []
    health: list[float] = []
    refused: list[int] = []
    sent = {}
    deadline = time.monotonic() + args.seconds
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def post(rec: Recorder, events: list[dict[str, Any]]) -> None:
            body = json.dumps(events).encode()
            for _attempt in range(20):  # a recorder retries the same batch id
                t0 = time.perf_counter()
                async with http.post(f"{address}/v1/sessions/{rec.sid}/events", data=body,
                                     headers={**headers, "X-Batch-Id": f"{rec.sid}-{rec.seq}"}) as r:
                    await r.read()
                    if r.status == 202:
                        (lat_first if rec.seq == 0 else lat).append(time.perf_counter() - t0)
                        return
                    refused.append(r.status)
                await asyncio.sleep(1.0)
            raise RuntimeError(f"{rec.sid}: batch {rec.seq} was never acknowledged")

        async def recorder(k: int) -> None:
            rec = Recorder(k, args.seed)
            await asyncio.sleep(random.Random(k).uniform(0, ramp_s))  # tabs open over the ramp
            await post(rec, rec.first(snapshot))
            while True:
                span = rec.rng.uniform(0.5, 10.0)
                if time.monotonic() + span > deadline:
                    break
                await asyncio.sleep(span)
                await post(rec, rec.next(span))
            sent[rec.sid] = rec.seq + 1

        async def probe() -> None:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                async with http.get(f"{address}/health") as r:
                    await r.read()
                health.append(time.perf_counter() - t0)
                await asyncio.sleep(0.5)

        await asyncio.gather(probe(), *(recorder(k) for k in range(args.recorders)))
        t_end = time.perf_counter()
        for sid in sent:
            async with http.post(f"{address}/v1/sessions/{sid}/end", headers=headers) as r:
                assert r.status == 202, r.status
        async with http.get(f"{address}/health") as r:
            store_p99 = (await r.json()).get("store_p99_ms")
        drain_deadline = time.monotonic() + args.drain
        info: dict[str, Any] = {}
        while time.monotonic() < drain_deadline:
            async with http.get(f"{address}/health") as r:
                info = await r.json()
            if info.get("ingested", 0) >= len(sent) and not info.get("queued"):
                break
            await asyncio.sleep(0.25)
        t_in = time.perf_counter() - t_end
    return {"latency": lat_first + lat, "latency_first": lat_first, "latency_steady": lat, "health": health,
            "refused": refused, "sent": sent, "ingest_s": t_in, "health_end": info, "store_p99_ms": store_p99}


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000 if s else float("nan")


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recorders", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=300.0, help="how long the recorders send (default 300)")
    ap.add_argument("--drain", type=float, default=300.0, help="at most this long for the sessions to go in")
    ap.add_argument("--seed", type=int, default=28)
    ap.add_argument("--ramp", type=float, default=10.0, help="the tabs open over this many seconds (default 10)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="replaylens-bench-collect-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(APP)}
    proc = subprocess.Popen([sys.executable, "-m", "replaylens", "collect", "--library", str(work / "lib"),
                             "--listen", f"127.0.0.1:{port}", "--token", TOKEN, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    start = json.loads(proc.stdout.readline())
    rss: list[tuple[float, int]] = []
    t0 = time.monotonic()

    async def watched() -> dict[str, Any]:
        async def sample() -> None:
            while True:
                rss.append((time.monotonic() - t0, _rss_kib(proc.pid)))
                await asyncio.sleep(5.0)

        task = asyncio.ensure_future(sample())
        try:
            return await run(args, start["address"])
        finally:
            task.cancel()

    try:
        res = asyncio.run(watched())
        cpu = _cpu_s(proc.pid)
        wall = time.monotonic() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
    from replaylens.store.library import open_library

    lost = dup = 0
    with open_library(work / "lib", read_only=True) as lib:
        in_library = lib.count()
        for sid, n in res["sent"].items():
            ev = lib.events(sid) if lib.session(sid) else None
            marks = [] if ev is None else [d for k, d in zip(ev.column("kind").to_pylist(),
                                                             ev.column("detail").to_pylist(), strict=True)
                                          if k == "custom" and d and '"bench"' in d]
            seen = [json.loads(d)["payload"]["b"] for d in marks]
            lost += len(set(range(n)) - set(seen))
            dup += len(seen) - len(set(seen))
    lat, health = res["latency"], res["health"]
    out = {
        "recorders": args.recorders, "seconds": args.seconds, "batches_acknowledged": len(lat),
        "batches_sent": sum(res["sent"].values()), "refused_answers": len(res["refused"]),
        "ack_p50_ms": round(_pct(lat, 0.50), 2), "ack_p99_ms": round(_pct(lat, 0.99), 2),
        "ack_max_ms": round(max(lat) * 1000, 2) if lat else None,
        "ack_p99_first_batch_ms": round(_pct(res["latency_first"], 0.99), 2),
        "ack_p99_later_batches_ms": round(_pct(res["latency_steady"], 0.99), 2),
        "server_store_p99_ms": res["store_p99_ms"],
        "health_p50_ms": round(_pct(health, 0.50), 2), "health_p99_ms": round(_pct(health, 0.99), 2),
        "p99_ratio_to_health_p99": round(_pct(lat, 0.99) / max(_pct(health, 0.99), 1e-6), 2),
        "sessions_in_library": in_library, "ingest_s": round(res["ingest_s"], 2),
        "sessions_per_s": round(in_library / res["ingest_s"], 2) if res["ingest_s"] else None,
        "events_lost": lost, "events_duplicated": dup,
        "collector_cpu_share": round(cpu / wall, 2),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "rss_mib": [(round(t), round(k / 1024, 1)) for t, k in rss],
        "target_p99_50ms": _pct(lat, 0.99) <= 50.0,
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:26} {v}")
    return 0 if out["events_lost"] == 0 and out["events_duplicated"] == 0 and \
        out["batches_acknowledged"] == out["batches_sent"] else 1


if __name__ == "__main__":
    sys.exit(main())
