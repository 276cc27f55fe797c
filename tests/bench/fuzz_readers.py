"""Fuzz both readers with mutated files, in-process, and count the outcomes.

    python tests/bench/fuzz_readers.py [--cases 10000] [--reader bundle|rrweb|both] [--workers 2]
                                       [--downstream 0.05] [--sizes 0.1] [--seed 1] [--json] [--save DIR]

Each case is built from its seed by ``tests/unit/hostile_inputs.py`` (bundle: zip bytes, manifest fields and values,
Parquet columns and bytes, screenshots, NDJSON events, member names; rrweb: structure, values, containers, packed
strings, PostHog ``cv`` data, gzip, NDJSON lines, the JSON text) or, for a share of the cases (``--sizes``), by
``tests/unit/hostile_sizes.py`` (files up to tens of MB: dictionary-encoded text columns that decode to gigabytes,
multi-megabyte strings, many rows, small dictionary pages and every text encoding; JSON values nested hundreds of
levels deep or millions of values wide, long strings, many events), written to a temporary file and opened with
``open_session`` in a worker process. A share of the accepted cases (``--downstream``) also runs the commands that
crashed after reading before: ``analyze``, ``heatmap`` (click and scroll), ``export`` (view and full page),
``report`` and ``clip``, through the same functions the CLI runs.

Outcomes: ``ok``, ``typed:<class>`` (the project's BadInputError family), ``untyped:<exception>``, ``hang`` (over
``--timeout`` s of CPU, or ``--wall-limit`` s of wall time for a case blocked without CPU: the worker is killed and
replaced; CPU time, because on a shared machine wall time would blame a case for its neighbours' load), ``memory``
(MemoryError, or peak RSS over ``--max-mb``) and ``crash`` (the worker died, e.g. a segfault). Peak RSS is the
worker's VmHWM, reset before every case (``/proc/self/clear_refs``), so it is the peak of that case including the
worker's imports. Building a case is not counted in its time; ``read`` is the time ``open_session`` took (the reader),
``max`` the whole case (with the downstream commands). The summary lists every outcome with its count and every
failing case. Failing cases are written to ``--save`` for replay (``--replay FILE``). Exit status 1 when anything
but ok/typed happened.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import multiprocessing as mp
import os
import random
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "app"), str(ROOT / "tests" / "unit")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

AS_LIMIT = 6 << 30  # address-space guard for a worker (Qt and DuckDB reserve far more than they touch)


# -- worker side -------------------------------------------------------------------------------------------------
def _peak_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _downstream(path: Path, duration_ms: float, out: Path, rng: random.Random) -> list[str]:
    """Run the commands of the CLI on an accepted file; returns the ones run. Exceptions propagate."""
    from replaylens.cli import build_parser

    mid = f"{max(duration_ms, 0) / 2000:.3f}"
    cmds = [["analyze", str(path), "--json"],
            ["heatmap", str(path), "--kind", rng.choice(["click", "move"]), "--out", str(out / "h.png")],
            ["heatmap", str(path), "--kind", rng.choice(["scroll", "attention"]), "--out", str(out / "s.png")],
            ["export", str(path), "--at", mid, "--out", str(out / "v.png"), "--no-annotations"],
            ["export", str(path), "--at", "0", "--full-page", "--out", str(out / "f.png"), "--no-annotations"],
            ["report", str(path), "--out", str(out / "r.pdf"), "--no-annotations"],
            ["clip", str(path), "--from", "0", "--to", "2", "--speed", "8", "--size", "320x240",
             "--out", str(out / "c.mp4"), "--no-annotations"]]
    parser = build_parser()
    done = []
    from replaylens.errors import BadInputError

    for argv in rng.sample(cmds, k=3):  # three of the seven per case keeps a case well inside its time limit
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            continue
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                contextlib.suppress(BadInputError):  # e.g. a clip range past the end: a typed answer
            args.run(args)
        done.append(argv[0])
    return done


def _case(reader: str, seed: int, sizes: float) -> tuple[str, str, bytes]:
    import hostile_inputs as H
    import hostile_sizes as Z

    rng = random.Random(seed)
    if rng.random() < sizes:
        mode, data = (Z.bundle_size_case if reader == "bundle" else Z.rrweb_size_case)(rng)
        mode = "size:" + mode
    else:
        mode, data = (H.bundle_case if reader == "bundle" else H.rrweb_case)(rng)
    return mode, ("case.rlsession" if reader == "bundle" else "case.json"), data


def _run_one(path: Path, downstream: bool, tmp: Path, rng: random.Random,
             timing: dict[str, float]) -> tuple[str, str, list[str]]:
    from replaylens.errors import BadInputError
    from replaylens.io.registry import open_session

    t0, c0 = time.perf_counter(), time.process_time()
    try:
        s = open_session(path)
    except BadInputError as exc:
        timing["read"], timing["read_cpu"] = time.perf_counter() - t0, time.process_time() - c0
        return f"typed:{type(exc).__name__}", str(exc)[:300], []
    try:
        duration = float(s.duration_ms)
    finally:
        s.close()
    timing["read"], timing["read_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    ran = _downstream(path, duration, tmp, rng) if downstream else []
    return "ok", "", ran


def worker(conn: Any) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    os.environ["REPLAYLENS_DATA_DIR"] = tempfile.mkdtemp(prefix="fuzz-data-")
    import replaylens.io.registry  # noqa: F401  (imports before the first case: not counted as its time)
    from replaylens.render.qt import ensure_gui_app

    ensure_gui_app()
    tmp = Path(tempfile.mkdtemp(prefix="fuzz-"))
    while True:
        job = conn.recv()
        if job is None:
            return
        reader, seed, ds_share, replay, sizes = job
        if replay:
            mode, name, data = "replay", Path(replay).name, Path(replay).read_bytes()
        else:
            mode, name, data = _case(reader, seed, sizes)
        path = tmp / name
        path.write_bytes(data)
        rng = random.Random(seed ^ 0x5EED)
        _reset_peak()
        conn.send({"started": True})  # the case's clock starts here: building it is the harness's time
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        timing: dict[str, float] = {}
        try:
            outcome, msg, ran = _run_one(path, rng.random() < ds_share, tmp, rng, timing)
        except MemoryError:
            outcome, msg, ran = "memory", "MemoryError", []
        except Exception as exc:
            outcome, msg, ran = f"untyped:{type(exc).__name__}", traceback.format_exc(limit=-6)[-1500:], []
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
        seconds = time.perf_counter() - t0
        conn.send({"outcome": outcome, "mode": mode, "msg": msg, "ran": ran, "seconds": seconds,
                   "read_seconds": timing.get("read", seconds), "read_cpu_seconds": timing.get("read_cpu", 0.0),
                   "cpu_seconds": cpu, "peak_mb": _peak_mb(), "size": len(data), "data": data if not outcome.startswith(
                       ("ok", "typed")) else b""})


# -- parent side -------------------------------------------------------------------------------------------------
class Pool:
    """Worker processes fed one case at a time; a worker that does not answer in time is killed and replaced."""

    def __init__(self, n: int) -> None:
        self.ctx = mp.get_context("spawn")
        self.slots: list[Any] = [self._start() for _ in range(n)]

    def _start(self) -> tuple[Any, Any]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=worker, args=(child,), daemon=True)
        proc.start()
        return proc, parent

    def restart(self, i: int) -> None:
        proc, conn = self.slots[i]
        proc.kill()
        proc.join()
        conn.close()
        self.slots[i] = self._start()

    def close(self) -> None:
        for proc, conn in self.slots:
            with contextlib.suppress(OSError, BrokenPipeError):
                conn.send(None)
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def _cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _failed(outcome: str, msg: str, seconds: float, cpu: float = 0.0) -> dict[str, Any]:
    return {"outcome": outcome, "mode": "?", "msg": msg, "seconds": seconds, "read_seconds": seconds,
            "cpu_seconds": cpu, "peak_mb": 0.0,
            "ran": [], "size": 0, "data": b""}


def run(jobs: list[tuple[str, int, float, str | None, float]], workers: int, timeout: float, wall_limit: float,
        max_mb: float, save: Path | None) -> dict[str, Any]:
    """A case hangs when it uses more than ``timeout`` s of CPU (a busy loop) or ``wall_limit`` s of wall time (a
    deadlock): on a machine shared with other work, wall time alone would blame the case for the neighbours' load.
    Both are reported (max_seconds = wall, max_cpu_seconds = CPU)."""
    pool = Pool(workers)
    pending = list(reversed(jobs))
    busy: dict[int, dict[str, Any]] = {}
    stats: dict[str, Any] = {}
    done = 0
    try:
        while pending or busy:
            for i in range(workers):
                if i not in busy and pending:
                    job = pending.pop()
                    pool.slots[i][1].send(job)
                    busy[i] = {"job": job, "sent": time.monotonic(), "started": None, "cpu0": 0.0}
            for i in list(busy):
                b = busy[i]
                proc, conn = pool.slots[i]
                res: dict[str, Any] | None = None
                now = time.monotonic()
                if conn.poll(0.01):
                    try:
                        msg = conn.recv()
                    except (EOFError, OSError):
                        res = _failed("crash", f"worker exit {proc.exitcode}", now - (b["started"] or b["sent"]))
                        pool.restart(i)
                    else:
                        if "started" in msg:
                            b["started"], b["cpu0"] = now, _cpu(proc.pid)
                            continue
                        res = msg
                elif not proc.is_alive():
                    res = _failed("crash", f"worker exit code {proc.exitcode}", now - (b["started"] or b["sent"]))
                    pool.restart(i)
                elif b["started"] is None:
                    if now - b["sent"] > 300:  # building the case (or a fresh worker's imports) never takes this long
                        res = _failed("hang", "the case was not built in 300 s", now - b["sent"])
                        pool.restart(i)
                else:
                    cpu = _cpu(proc.pid) - b["cpu0"]
                    if cpu > timeout or now - b["started"] > wall_limit:
                        res = _failed("hang", f"over {timeout:g} s CPU or {wall_limit:g} s wall", now - b["started"],
                                      cpu)
                        pool.restart(i)
                if res is None:
                    continue
                job = b["job"]
                del busy[i]
                if res["outcome"] == "ok" and res["peak_mb"] > max_mb:
                    res["outcome"] = "memory"
                _record(stats, job, res, save)
                done += 1
                if done % 1000 == 0 or not res["outcome"].startswith(("ok", "typed")):
                    print(f"[{done:,}/{len(jobs):,}] {job[0]} seed {job[1]}: {res['outcome']}", file=sys.stderr,
                          flush=True)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: report the cases finished so far
        print(f"interrupted after {done:,} of {len(jobs):,} cases", file=sys.stderr, flush=True)
    finally:
        pool.close()
    return stats


def _record(stats: dict[str, Any], job: tuple[str, int, float, str | None, float], res: dict[str, Any],
            save: Path | None) -> None:
    reader, seed = job[0], job[1]
    st = stats.setdefault(reader, {"cases": 0, "outcomes": collections.Counter(), "modes": collections.Counter(),
                                   "downstream_cases": 0, "downstream_commands": collections.Counter(),
                                   "max_seconds": 0.0, "max_cpu_seconds": 0.0, "max_peak_mb": 0.0,
                                   "max_input_bytes": 0, "max_read_seconds": 0.0, "max_read_cpu_seconds": 0.0,
                                   "slowest": {}, "slowest_cpu": {}, "largest_peak": {},
                                   "failures": []})
    st["cases"] += 1
    st["outcomes"][res["outcome"]] += 1
    st["modes"][res["mode"]] += 1
    st["max_seconds"] = max(st["max_seconds"], res["seconds"])
    read = res.get("read_seconds", res["seconds"])
    if read >= st["max_read_seconds"]:
        st["max_read_seconds"] = read
        st["slowest"] = {"seed": seed, "mode": res["mode"], "outcome": res["outcome"], "bytes": res["size"],
                         "read_seconds": round(read, 3)}
    read_cpu = res.get("read_cpu_seconds", 0.0)
    if read_cpu >= st["max_read_cpu_seconds"]:
        st["max_read_cpu_seconds"] = read_cpu
        st["slowest_cpu"] = {"seed": seed, "mode": res["mode"], "outcome": res["outcome"], "bytes": res["size"],
                             "read_cpu_seconds": round(read_cpu, 3), "read_seconds": round(read, 3)}
    if res["peak_mb"] >= st["max_peak_mb"]:
        st["largest_peak"] = {"seed": seed, "mode": res["mode"], "outcome": res["outcome"], "bytes": res["size"],
                              "peak_mb": round(res["peak_mb"], 1)}
    st["max_cpu_seconds"] = max(st["max_cpu_seconds"], res.get("cpu_seconds", 0.0))
    st["max_peak_mb"] = max(st["max_peak_mb"], res["peak_mb"])
    st["max_input_bytes"] = max(st["max_input_bytes"], res["size"])
    if res["ran"]:
        st["downstream_cases"] += 1
        st["downstream_commands"].update(res["ran"])
    if not res["outcome"].startswith(("ok", "typed")):
        entry = {"seed": seed, "mode": res["mode"], "outcome": res["outcome"], "msg": res["msg"][-600:]}
        if save is not None and res.get("data"):
            save.mkdir(parents=True, exist_ok=True)
            f = save / f"{reader}-{seed}{'.rlsession' if reader == 'bundle' else '.json'}"
            f.write_bytes(res["data"])
            entry["file"] = str(f)
        st["failures"].append(entry)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000, help="cases per reader (default 10000)")
    ap.add_argument("--reader", choices=("bundle", "rrweb", "both"), default="both")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0, help="per-case CPU-time limit, s (default 10)")
    ap.add_argument("--wall-limit", type=float, default=120.0,
                    help="per-case wall-time limit, s, for cases that block without using CPU (default 120)")
    ap.add_argument("--max-mb", type=float, default=1024.0, help="per-case peak RSS limit, MB (default 1024)")
    ap.add_argument("--downstream", type=float, default=0.15,
                    help="share of accepted cases that also run three of analyze/heatmap (2)/export (2)/report/clip "
                         "(default 0.15)")
    ap.add_argument("--sizes", type=float, default=0.1,
                    help="share of the cases built by hostile_sizes.py (large strings, many rows, dictionary "
                         "pages, deep and wide JSON, files up to tens of MB; default 0.1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", type=Path, default=Path(tempfile.gettempdir()) / "replaylens-fuzz-failures")
    ap.add_argument("--replay", type=Path, nargs="*", help="run these saved files instead of generated cases")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    readers = ["bundle", "rrweb"] if args.reader == "both" else [args.reader]
    if args.replay:
        jobs = [("bundle" if p.suffix == ".rlsession" else "rrweb", 0, 1.0, str(p), 0.0) for p in args.replay]
    else:
        jobs = [(r, args.seed * 1_000_003 + i, args.downstream, None, args.sizes) for i in range(args.cases)
                for r in readers]
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    t0 = time.perf_counter()
    stats = run(jobs, args.workers, args.timeout, args.wall_limit, args.max_mb, args.save)
    wall = time.perf_counter() - t0
    bad = 0
    for st in stats.values():
        bad += sum(n for k, n in st["outcomes"].items() if not k.startswith(("ok", "typed")))
    if args.json:
        print(json.dumps({"wall_seconds": round(wall, 1), "readers": stats}, default=dict, indent=1))
    else:
        for reader, st in stats.items():
            print(f"{reader}: {st['cases']:,} cases, max {st['max_seconds']:.2f} s wall / "
                  f"{st['max_cpu_seconds']:.2f} s CPU (read alone: max {st['max_read_seconds']:.2f} s wall, "
                  f"{st['max_read_cpu_seconds']:.2f} s CPU), "
                  f"peak {st['max_peak_mb']:.0f} MB, largest input {st['max_input_bytes']:,} bytes")
            print(f"  slowest read: {st['slowest']}; most CPU: {st['slowest_cpu']}")
            print(f"  largest peak: {st['largest_peak']}")
            for k, n in sorted(st["outcomes"].items(), key=lambda kv: -kv[1]):
                print(f"  {k:<36} {n:>7,}")
            print(f"  downstream: {st['downstream_cases']:,} accepted cases ran " +
                  ", ".join(f"{c} {n}" for c, n in sorted(st["downstream_commands"].items())))
            print("  modes: " + ", ".join(f"{m} {n}" for m, n in sorted(st["modes"].items())))
            for f in st["failures"]:  # every one (an empty message is printed as such)
                last = (f["msg"].strip().splitlines() or ["(no message)"])[-1]
                print(f"  FAIL seed {f['seed']} {f['mode']} {f['outcome']}: {last[:200]}"
                      + (f" ({f['file']})" if "file" in f else ""))
        print(f"wall {wall:.0f} s, workers {args.workers}; untyped/hang/memory/crash: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
