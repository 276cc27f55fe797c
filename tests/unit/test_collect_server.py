"""The collector's HTTP contract (docs/capture.md): answers, limits, CORS, idempotent retries, never a 500."""

from __future__ import annotations

import gzip
import json
import random
import zlib
from pathlib import Path

from collect_support import SID, TOKEN, finished_events, post_events, request, running, wait_for
from rrweb_factory import T0, recording

from replaylens.assets.rrweb import rrweb_dir_or_reason

EVENTS = recording()


def test_health_recorder_and_a_whole_session(tmp_path: Path) -> None:
    with running(tmp_path) as (c, lib):
        status, body, _ = request(c.address, "/health", method="GET", token=None)
        assert status == 200 and body["ok"] is True and body["version"] == 1
        if rrweb_dir_or_reason()[0] is not None:
            status, js, hdrs = request(c.address, "/recorder.js", method="GET", token=None)
            assert status == 200 and hdrs["Content-Type"].startswith("application/javascript")
            assert b"maskAllInputs: true" in js and b"checkoutEveryNms" in js and b"sendBeacon" in js
        assert post_events(c.address, SID, EVENTS[:3], "b1")[:2] == (202, {"accepted": 3})
        ndjson = b"\n".join(json.dumps(e).encode() for e in EVENTS[3:10]) + b"\n"
        assert request(c.address, f"/v1/sessions/{SID}/events", ndjson)[:2] == (202, {"accepted": 7})
        assert post_events(c.address, SID, EVENTS[10:], "b3", gz=True)[:2] == (202, {"accepted": len(EVENTS) - 10})
        assert request(c.address, f"/v1/sessions/{SID}/attributes", b'{"user_type": "new", "segment": 3}')[0] == 202
        status, body, _ = request(c.address, f"/v1/sessions/{SID}/end", b"")
        assert status == 202 and body == {"ended": True, "events": len(EVENTS)}
        assert wait_for(lambda: lib.count() == 1, 10)
        assert wait_for(lambda: lib.session(SID)["attributes"].get("user_type") == "new", 5)
        detail = lib.session(SID)
        assert detail["summary"]["clicks"] == 6
        assert [p["url"] for p in detail["pages"]][:2] == ["https://bank.example/wallet",
                                                            "https://bank.example/staking"]
        assert len(finished_events(c.config.library, SID)) == len(EVENTS)
        # after the end: a batch is refused (the recorder starts a new id), ending again is harmless
        assert post_events(c.address, SID, EVENTS[:1])[0] == 409
        assert request(c.address, f"/v1/sessions/{SID}/end", b"")[0] == 202
        assert request(c.address, "/v1/sessions/neverseen123/end", b"")[0] == 404


def test_retries_with_the_same_batch_id_are_stored_once(tmp_path: Path) -> None:
    with running(tmp_path) as (c, lib):
        for _ in range(3):
            assert post_events(c.address, SID, EVENTS[:5], "batch-1")[:2][0] == 202
        status, body, _ = post_events(c.address, SID, EVENTS[:5], "batch-1")
        assert status == 202 and body["accepted"] == 5 and body.get("duplicate") is True
        assert post_events(c.address, SID, EVENTS[5:], "batch-2")[0] == 202
        assert post_events(c.address, SID, EVENTS[5:], "batch-2")[0] == 202
        request(c.address, f"/v1/sessions/{SID}/end", b"")
        assert len(finished_events(c.config.library, SID)) == len(EVENTS)
        assert wait_for(lambda: lib.count() == 1, 10)


def test_every_refusal_is_one_line_and_never_a_500(tmp_path: Path) -> None:
    with running(tmp_path, max_body=64 * 1024, max_inflated=256 * 1024, rate_burst=1000) as (c, _lib):
        base, path = c.address, f"/v1/sessions/{SID}/events"
        ok = json.dumps(EVENTS[:2]).encode()
        cases = [
            (401, request(base, path, ok, token=None)),
            (401, request(base, path, ok, token="wrong-token-0123456789")),
            (400, request(base, "/v1/sessions/bad id!/events".replace(" ", "%20"), ok)),
            (400, request(base, "/v1/sessions/short/events", ok)),
            (400, request(base, path, b"[1, 2")),
            (400, request(base, path, b"")),
            (400, request(base, path, b'"text"')),
            (400, request(base, path, b'[{"type": 3}]')),
            (400, request(base, path, b'[{"type": "x", "timestamp": 1}]')),
            (400, request(base, path, b"[" * 5000 + b"]" * 5000)),
            (400, request(base, path, b"not json\n")),
            (400, request(base, path, ok, headers={"Content-Encoding": "br"})),
            (400, request(base, path, b"\x1f\x8b garbage", headers={"Content-Encoding": "gzip"})),
            (400, request(base, path, gzip.compress(ok)[:-12], headers={"Content-Encoding": "gzip"})),
            (400, request(base, path, ok, headers={"X-Batch-Id": "no spaces allowed"})),
            (413, request(base, path, b"[" + b" " * (70 * 1024) + b"]")),
            (400, request(base, f"/v1/sessions/{SID}/attributes", b"[1]")),
            (400, request(base, f"/v1/sessions/{SID}/attributes", b'{"k": {"nested": 1}}')),
            (400, request(base, f"/v1/sessions/{SID}/attributes", b'{"session_id": "other"}')),
        ]
        for want, (status, body, _) in cases:
            assert status == want, (want, status, body)
            assert isinstance(body, dict) and isinstance(body["error"], str) and "\n" not in body["error"]
        # a gzip bomb: 64 MiB of zeros in ~64 KB is refused at the inflation limit
        bomb = zlib.compress(b"\0" * (64 * 2**20), 9)
        bomb_gz = gzip.compress(b"\0" * (64 * 2**20), 9)
        assert len(bomb_gz) < 64 * 1024
        status, body, _ = request(base, path, bomb_gz, headers={"Content-Encoding": "gzip"})
        assert status == 413 and "inflates" in body["error"]
        assert request(base, path, bomb, headers={"Content-Encoding": "deflate"})[0] == 413
        # hostile bytes: every answer is a refusal or an acceptance, and the server keeps answering
        rng = random.Random(7)
        for i in range(120):
            raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
            if i % 3 == 0:
                raw = json.dumps([{"type": rng.randrange(-2, 30), "timestamp": rng.choice([1, T0, -5, "x", None]),
                                   "data": raw.hex()}]).encode()
            status = request(base, f"/v1/sessions/fuzz{i:08d}/events", raw,
                             headers={"Content-Encoding": "gzip"} if i % 5 == 0 else {})[0]
            assert status in (202, 400, 413), (i, status)
        assert request(base, "/health", method="GET", token=None)[0] == 200


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with running(tmp_path, rate_burst=3, rate_per_s=0.01) as (c, _lib):
        answers = [post_events(c.address, SID, EVENTS[:1], f"b{i}") for i in range(5)]
        assert [a[0] for a in answers] == [202, 202, 202, 429, 429]
        assert answers[3][2].get("Retry-After") and "slow down" in answers[3][1]["error"]
        assert post_events(c.address, "othertab12345", EVENTS[:1])[0] == 202  # per session


def test_cors_only_for_the_given_origins(tmp_path: Path) -> None:
    site = "https://www.bank.example"
    with running(tmp_path, origins=(site,)) as (c, _lib):
        path = f"/v1/sessions/{SID}/events"
        status, _, hdrs = request(c.address, path, None, method="OPTIONS", token=None, headers={
            "Origin": site, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-batch-id"})
        assert status == 204 and hdrs["Access-Control-Allow-Origin"] == site
        assert "X-Batch-Id" in hdrs["Access-Control-Allow-Headers"]
        status, _, hdrs = post_events(c.address, SID, EVENTS[:2], headers={"Origin": site})
        assert status == 202 and hdrs["Access-Control-Allow-Origin"] == site
        status, body, hdrs = post_events(c.address, SID, EVENTS[:2], headers={"Origin": "https://evil.example"})
        assert status == 403 and "Access-Control-Allow-Origin" not in hdrs and "not allowed" in body["error"]
        status, _, hdrs = request(c.address, path, None, method="OPTIONS", token=None,
                                  headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert status == 403 and "Access-Control-Allow-Origin" not in hdrs


def test_beacon_form_token_and_batch_in_the_query(tmp_path: Path) -> None:
    with running(tmp_path) as (c, _lib):
        path = f"/v1/sessions/{SID}/events?batch=beacon-1&token={TOKEN}"
        body = json.dumps(EVENTS[:4]).encode()
        for _ in range(2):
            status, answer, _ = request(c.address, path, body, token=None, headers={"Content-Type": "text/plain"})
            assert status == 202 and answer["accepted"] == 4
        request(c.address, f"/v1/sessions/{SID}/end", b"")
        assert len(finished_events(c.config.library, SID)) == 4


def test_idle_sessions_end_by_themselves(tmp_path: Path) -> None:
    with running(tmp_path, idle_end_s=1.0) as (c, lib):
        assert post_events(c.address, SID, EVENTS, "b1")[0] == 202
        assert wait_for(lambda: lib.count() == 1, 15)
        assert post_events(c.address, SID, EVENTS[:1])[0] == 409


def test_card_numbers_never_reach_the_spool_or_the_library(tmp_path: Path) -> None:
    card = "4111 1111 1111 1111"
    events = json.loads(json.dumps(EVENTS).replace("Festival of savings", f"Card {card} on file"))
    with running(tmp_path) as (c, lib):
        assert post_events(c.address, SID, events, "b1")[0] == 202
        request(c.address, f"/v1/sessions/{SID}/end", b"")
        assert wait_for(lambda: lib.count() == 1, 10)
        digits = card.replace(" ", "")
        for f in c.config.library.rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                if f.suffix == ".gz":
                    data = gzip.decompress(data)
                assert card.encode() not in data and digits.encode() not in data, f
        table = lib.events(SID)
        assert card not in json.dumps(table.to_pylist(), default=str)


def test_tls_when_given_a_certificate(tmp_path: Path) -> None:
    import shutil
    import ssl
    import subprocess
    import urllib.request

    import pytest

    from replaylens.collect.runtime import CollectorError

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (it makes the test certificate)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
    with running(tmp_path, tls_cert=cert, tls_key=key) as (c, _lib):
        assert c.address.startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=str(cert))
        ctx.check_hostname = False
        with urllib.request.urlopen(c.address + "/health", context=ctx, timeout=10) as r:
            assert json.loads(r.read())["ok"] is True
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(CollectorError, match="do not load"), running(tmp_path / "x", tls_cert=bad, tls_key=bad):
        pass
