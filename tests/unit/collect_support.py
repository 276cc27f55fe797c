"""A collector on a free loopback port for tests, and a tiny blocking HTTP client (bounded timeouts)."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from replaylens.collect import CollectConfig, Collector
from replaylens.store.library import LibraryStore, open_library

TOKEN = "test-token-0123456789"
SID = "tab0123456789abc"


def request(base: str, path: str, body: bytes | None = None, *, method: str = "POST", token: str | None = TOKEN,
            headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, dict[str, Any] | bytes,
                                                                                     dict[str, str]]:
    """(status, JSON answer or raw bytes, headers)."""
    h = dict(headers or {})
    if token is not None:
        h.setdefault("Authorization", f"Bearer {token}")
    req = urllib.request.Request(base + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw, hdrs = r.status, r.read(), dict(r.headers.items())
    except urllib.error.HTTPError as e:
        status, raw, hdrs = e.code, e.read(), dict(e.headers.items())
    ctype = hdrs.get("Content-Type", "")
    return status, json.loads(raw) if ctype.startswith("application/json") and raw else raw, hdrs


def post_events(base: str, sid: str, events: list[dict[str, Any]], batch: str | None = None, *,
                gz: bool = False, **kw: Any) -> tuple[int, Any, dict[str, str]]:
    body = json.dumps(events).encode()
    headers = dict(kw.pop("headers", {}) or {})
    if batch is not None:
        headers["X-Batch-Id"] = batch
    if gz:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return request(base, f"/v1/sessions/{sid}/events", body, headers=headers, **kw)


def wait_for(cond: Any, timeout_s: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return bool(cond())


@contextmanager
def running(tmp: Path, **settings: Any) -> Iterator[tuple[Collector, LibraryStore]]:
    """A collector for a new library in ``tmp`` on a free port (token ``TOKEN`` unless given)."""
    root = tmp / "lib"
    lib = open_library(root)
    config = replace(CollectConfig(library=root, port=0, token=TOKEN, ingest_workers=0, ingest_period_s=0.2),
                     **settings)
    collector = Collector(config, lib)
    try:
        collector.start()
        try:
            yield collector, lib
        finally:
            collector.stop()
    finally:
        lib.close()


def finished_events(root: Path, sid: str) -> list[dict[str, Any]]:
    """The events of a finished session's spool file."""
    files = list((root / ".collect" / "sessions").glob(f"*/{sid}.json.gz"))
    assert len(files) == 1, files
    return list(json.loads(gzip.decompress(files[0].read_bytes()))["events"])
