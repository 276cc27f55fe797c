"""``replaylens collect`` on the command line: loopback by default, usage errors exit 2, and the spool across
kill -9 (a loop): no acknowledged batch is lost, none is stored or ingested twice."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from collect_support import SID, TOKEN, finished_events, post_events, request
from rrweb_factory import T0, recording

from replaylens.cli import build_parser
from replaylens.cli.collect import _config
from replaylens.collect.config import DEFAULT_HOST, DEFAULT_PORT, UsageError

APP = Path(__file__).resolve().parents[2] / "app"


def _parse(*argv: str) -> object:
    return build_parser().parse_args(["collect", *argv])


def test_loopback_unless_told_otherwise(tmp_path: Path) -> None:
    config = _config(_parse(), tmp_path)
    assert (config.host, config.port) == (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8765)
    assert config.token is None and config.origins == ()
    wide = _config(_parse("--listen", "0.0.0.0:9000", "--token", TOKEN), tmp_path)
    assert (wide.host, wide.port, wide.token) == ("0.0.0.0", 9000, TOKEN)
    v6 = _config(_parse("--listen", "[::1]:0"), tmp_path)
    assert v6.host == "::1"


@pytest.mark.parametrize("argv, words", [
    (["--listen", "0.0.0.0:9000"], "needs --token"),
    (["--listen", "nonsense"], "HOST:PORT"),
    (["--listen", "127.0.0.1:70000"], "0-65535"),
    (["--token", "short"], "at least 16"),
    (["--origin", "https://bank.example/path"], "origin"),
    (["--origin", "bank.example"], "origin"),
    (["--tls-cert", "cert.pem"], "go together"),
    (["--rate-limit", "0"], "batches per second"),
])
def test_usage_errors(tmp_path: Path, argv: list[str], words: str) -> None:
    with pytest.raises(UsageError, match=words):
        _config(_parse(*argv), tmp_path)


def test_usage_error_exit_code_and_token_file(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(APP)}
    proc = subprocess.run([sys.executable, "-m", "replaylens", "collect", "--library", str(tmp_path / "lib"),
                           "--listen", "0.0.0.0:0"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "needs --token" in proc.stderr and proc.stderr.count("\n") == 1
    missing = tmp_path / "nope.txt"
    with pytest.raises(UsageError, match="does not exist"):
        _config(_parse("--token-file", str(missing)), tmp_path)
    good = tmp_path / "token.txt"
    good.write_text(TOKEN + "\n")
    assert _config(_parse("--token-file", str(good)), tmp_path).token == TOKEN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(lib: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": str(APP)}
    proc = subprocess.Popen([sys.executable, "-m", "replaylens", "collect", "--library", str(lib), "--listen",
                             f"127.0.0.1:{port}", "--token", TOKEN, "--rate-limit", "1000", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise AssertionError(proc.stderr.read() if proc.stderr else "no output")
    start = json.loads(line)
    assert start["event"] == "started" and start["address"].startswith("http://127.0.0.1:")
    return proc, start["address"]


def _batch(k: int) -> list[dict[str, object]]:
    return [{"type": 5, "timestamp": T0 + 10_000 + k * 10 + j, "data": {"tag": "mark", "payload": {"n": k, "j": j}}}
            for j in range(3)]


def test_spool_survives_kill_9_in_a_loop(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    rng = random.Random(28)
    port = _free_port()
    acked: set[int] = set()
    sent: set[int] = set()
    head = recording()[:2]  # Meta + FullSnapshot: an importable session
    next_k = 0
    for _round in range(3):
        proc, base = _start(lib, port)
        try:
            assert post_events(base, SID, head, "head")[0] == 202
            for k in sorted(sent - acked):  # what the recorder still holds is sent again
                if post_events(base, SID, _batch(k), f"b{k}")[0] == 202:
                    acked.add(k)
            for k in rng.sample(sorted(acked), min(3, len(acked))):  # and retries of acknowledged batches
                assert post_events(base, SID, _batch(k), f"b{k}")[0] == 202
            deadline = time.monotonic() + rng.uniform(0.3, 1.2)
            while time.monotonic() < deadline:
                k, next_k = next_k, next_k + 1
                sent.add(k)
                try:
                    if post_events(base, SID, _batch(k), f"b{k}", timeout=5)[0] == 202:
                        acked.add(k)
                except OSError:
                    break
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
    proc, base = _start(lib, port)
    try:
        for k in sorted(sent - acked):
            assert post_events(base, SID, _batch(k), f"b{k}")[0] == 202
        assert request(base, f"/v1/sessions/{SID}/end", b"")[0] == 202
        proc.send_signal(signal.SIGKILL)  # killed right after the end: before or during the ingest
        proc.wait(30)
        proc, base = _start(lib, port)
        assert request(base, "/health", method="GET", token=None)[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    marks = [(e["data"]["payload"]["n"], e["data"]["payload"]["j"]) for e in finished_events(lib, SID)
             if e["type"] == 5 and e["data"]["tag"] == "mark"]
    assert len(marks) == len(set(marks)) == 3 * len(sent) and {n for n, _ in marks} == sent
    assert len(sent) > 10
    from replaylens.store.library import open_library

    with open_library(lib, read_only=True) as store:
        assert store.count() == 1
        events = store.events(SID)
        assert sum(1 for k in events.column("kind").to_pylist() if k == "custom") == 3 * len(sent)


def test_a_taken_port_is_one_message_and_exit_3(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(APP)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "replaylens", "collect", "--library", str(tmp_path / "lib"),
                               "--listen", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=60,
                              env=env)
    assert proc.returncode == 3 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert proc.stderr.count("\n") == 1
