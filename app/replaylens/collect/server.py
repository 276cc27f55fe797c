"""The collector's HTTP contract on aiohttp (docs/capture.md, version ``CONTRACT_VERSION``).

    GET  /health                          200 {"ok": true, "version", "open_sessions", "sessions_today",
                                              "store_p99_ms", "queued", "ingested"}
    GET  /recorder.js                     the recorder (pinned rrweb record + our loader)
    POST /v1/sessions/{id}/events         202 {"accepted": n}   (Bearer token; JSON array or NDJSON; gzip)
    POST /v1/sessions/{id}/attributes     202 {"attributes": n}
    POST /v1/sessions/{id}/end            202 {"ended": true, "events": n}

Every refusal is ``{"error": "one line of reason"}`` with 400, 401, 403 (origin not allowed), 404, 409 (session
already ended), 413 or 429; an internal fault (a full disk) is 503 so the recorder retries. No request makes the
server stop or answer 500: a middleware turns any exception into such an answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from replaylens.collect import recorder
from replaylens.collect.body import BodyError, inflate, parse_attributes, parse_events
from replaylens.collect.config import CONTRACT_VERSION, MAX_SESSION_EVENTS, SESSION_ID_RE, CollectConfig
from replaylens.collect.scrub import Scrubber
from replaylens.collect.spool import OpenSession, Spool
from replaylens.io.privacy.library_policy import read_policy

log = logging.getLogger("replaylens.collect")
BATCH_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_OPEN_SESSIONS = 20_000
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CORS_HEADERS = "Authorization, Content-Type, Content-Encoding, X-Batch-Id"


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": reason.splitlines()[0][:300] if reason else "error"}, status=status,
                             headers=headers)


class Bucket:
    """A token bucket: ``take()`` is False when the session asked too often."""

    __slots__ = ("level", "stamp")

    def __init__(self, burst: int) -> None:
        self.level = float(burst)
        self.stamp = time.monotonic()

    def take(self, burst: int, rate: float) -> bool:
        now = time.monotonic()
        self.level = min(float(burst), self.level + (now - self.stamp) * rate)
        self.stamp = now
        if self.level < 1.0:
            return False
        self.level -= 1.0
        return True


class CollectorState:
    """Everything the handlers share; lives on the server's event loop (one thread)."""

    def __init__(self, config: CollectConfig, spool: Spool, on_finished: Callable[[], None]) -> None:
        self.config = config
        self.spool = spool
        self.on_finished = on_finished
        self.sessions, self.ended = spool.recover()
        self.locks: dict[str, asyncio.Lock] = {}
        self.buckets: dict[str, Bucket] = {}
        self.scrubbers: dict[str, Scrubber] = {}
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="replaylens-spool")
        self.accepted_batches = 0
        self.store_ms: deque[float] = deque(maxlen=2000)  # recent batches: parse + scrub + write + fsync, ms
        self.last_error = ""
        self.sessions_today = spool.finished_today()
        self.keep_values = read_policy(config.library).keep_values  # the library's typed-value policy
        self.extra_health: Callable[[], dict[str, Any]] = dict  # the runtime adds the ingest side's figures

    def lock(self, sid: str) -> asyncio.Lock:
        lk = self.locks.get(sid)
        if lk is None:
            if len(self.locks) > 4 * MAX_OPEN_SESSIONS:  # ids that only ever got refusals: forget them
                self.locks = {k: v for k, v in self.locks.items() if k in self.sessions or v.locked()}
            lk = self.locks[sid] = asyncio.Lock()
        return lk

    def allowed(self, sid: str) -> bool:
        b = self.buckets.get(sid)
        if b is None:
            if len(self.buckets) > 4 * MAX_OPEN_SESSIONS:
                self.buckets = {k: v for k, v in self.buckets.items() if k in self.sessions}
            b = self.buckets[sid] = Bucket(self.config.rate_burst)
        return b.take(self.config.rate_burst, self.config.rate_per_s)

    # -- blocking work, run in the pool ----------------------------------------------------------------------
    def accept(self, state: OpenSession, batch_id: str | None, raw: bytes, encoding: str) -> int:
        t0 = time.perf_counter()
        events = parse_events(inflate(raw, encoding, self.config.max_inflated))
        if state.events + len(events) > MAX_SESSION_EVENTS:
            raise BodyError(413, f"the session would hold more than {MAX_SESSION_EVENTS:,} events (the limit)")
        scrubber = self.scrubbers.get(state.session_id)
        if scrubber is None:
            scrubber = self.scrubbers[state.session_id] = Scrubber(state.memory, self.keep_values)
        clean = scrubber.scrub(events)
        self.spool.append_batch(state, batch_id, clean, scrubber.memory_json())
        self.store_ms.append((time.perf_counter() - t0) * 1000)
        return len(events)

    def store_p99_ms(self) -> float | None:
        ms = sorted(self.store_ms)
        return round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2) if ms else None

    def finish(self, state: OpenSession) -> bool:
        return self.spool.finish(state) is not None

    async def end_session(self, sid: str) -> int:
        """End ``sid`` (its lock held by the caller or not needed); returns its event count."""
        state = self.sessions.pop(sid)
        loop = asyncio.get_running_loop()
        try:
            queued = await loop.run_in_executor(self.pool, self.finish, state)
        except BaseException:
            self.sessions[sid] = state
            raise
        self.ended.add(sid)
        self.scrubbers.pop(sid, None)
        self.buckets.pop(sid, None)
        self.locks.pop(sid, None)
        if queued:
            self.sessions_today += 1
            self.on_finished()
        return state.events

    async def sweep_idle(self) -> None:
        cutoff = time.time() - self.config.idle_end_s
        for sid in [s for s, st in self.sessions.items() if st.last_batch < cutoff]:
            async with self.lock(sid):
                if sid in self.sessions and self.sessions[sid].last_batch < cutoff:
                    await self.end_session(sid)


STATE = web.AppKey("state", CollectorState)


# -- middlewares ---------------------------------------------------------------------------------------------------
@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No exception leaves a handler as a 500: HTTP errors become ``{"error"}`` answers, faults a 503."""
    st = request.app[STATE]
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        reason = exc.reason if exc.status != 413 else f"the body is over {st.config.max_body // 2**20} MiB (the limit)"
        keep = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return _error(exc.status, reason, keep)
    except BodyError as exc:
        return _error(exc.status, str(exc))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a fault on our side: the recorder keeps the batch and retries
        st.last_error = f"{type(exc).__name__}: {exc}"[:300]
        log.exception("collector fault")
        return _error(503, "the collector cannot store batches right now; retry later")


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CORS answers only for the configured origins; a request from another browser origin is refused."""
    st = request.app[STATE]
    origin = request.headers.get("Origin")
    api = request.path.startswith("/v1/")
    if origin is None or not api:
        return await handler(request)
    if origin.rstrip("/").lower() not in st.config.origins:
        return _error(403, f"origin {origin[:100]} is not allowed (start the collector with --origin)")
    cors_headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if request.method == "OPTIONS":
        return web.Response(status=204, headers={
            **cors_headers, "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": _CORS_HEADERS, "Access-Control-Max-Age": "600"})
    response = await handler(request)
    response.headers.update(cors_headers)
    return response


# -- handlers ------------------------------------------------------------------------------------------------------
def _authorised(request: web.Request, token: str | None) -> bool:
    if token is None:
        return True
    given = ""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        given = auth[7:].strip()
    elif "token" in request.query:  # sendBeacon cannot set headers (docs/capture.md)
        given = request.query["token"]
    return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def _session_id(request: web.Request) -> str:
    sid = request.match_info["sid"]
    if not SESSION_ID_RE.match(sid):
        raise BodyError(400, "the session id must be 8-64 letters, digits, '-' or '_'")
    return sid


async def _read(request: web.Request, limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise BodyError(413, f"the body is over {limit // 2**20} MiB (the limit)")
    body = await request.content.read(limit + 1)
    while len(body) <= limit and not request.content.at_eof():
        more = await request.content.read(limit + 1 - len(body))
        if not more:
            break
        body += more
    if len(body) > limit:
        raise BodyError(413, f"the body is over {limit // 2**20} MiB (the limit)")
    return body


async def health(request: web.Request) -> web.Response:
    st = request.app[STATE]
    return web.json_response({"ok": True, "version": CONTRACT_VERSION, "open_sessions": len(st.sessions),
                              "sessions_today": st.sessions_today, "store_p99_ms": st.store_p99_ms(),
                              **st.extra_health()})


async def recorder_js(request: web.Request) -> web.Response:
    headers = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff", "Vary": "Accept-Encoding"}
    body = recorder.recorder_js()
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        body = recorder.recorder_js_gzip()
        headers["Content-Encoding"] = "gzip"
    return web.Response(body=body, content_type="application/javascript", charset="utf-8", headers=headers)


async def _open_session(request: web.Request) -> tuple[CollectorState, str]:
    st = request.app[STATE]
    if not _authorised(request, st.config.token):
        raise BodyError(401, "missing or wrong token (Authorization: Bearer TOKEN)")
    sid = _session_id(request)
    if sid in st.ended:
        raise BodyError(409, f"session {sid} has ended; the recorder starts a new session id")
    if not st.allowed(sid):
        raise web.HTTPTooManyRequests(reason="too many requests for this session; slow down",
                                      headers={"Retry-After": "5"})
    return st, sid


async def events(request: web.Request) -> web.Response:
    st, sid = await _open_session(request)
    batch_id = request.headers.get("X-Batch-Id") or request.query.get("batch") or None
    if batch_id is not None and not BATCH_ID_RE.match(batch_id):
        raise BodyError(400, "X-Batch-Id must be 1-100 letters, digits or . _ : -")
    raw = await _read(request, st.config.max_body)
    encoding = request.headers.get("Content-Encoding", "")
    async with st.lock(sid):
        if sid in st.ended:
            raise BodyError(409, f"session {sid} has ended; the recorder starts a new session id")
        state = st.sessions.get(sid)
        if state is not None and batch_id is not None and batch_id in state.batch_ids:
            return web.json_response({"accepted": state.batch_ids[batch_id], "duplicate": True}, status=202)
        if state is None:
            if len(st.sessions) >= MAX_OPEN_SESSIONS:
                raise BodyError(429, "too many sessions are recording at once; retry later")
            state = OpenSession(sid)
        loop = asyncio.get_running_loop()
        n = await loop.run_in_executor(st.pool, st.accept, state, batch_id, raw, encoding)
        st.sessions[sid] = state
        st.accepted_batches += 1
    return web.json_response({"accepted": n}, status=202)


async def attributes(request: web.Request) -> web.Response:
    st, sid = await _open_session(request)
    attrs = parse_attributes(await _read(request, min(st.config.max_body, 256 * 1024)))
    async with st.lock(sid):
        state = st.sessions.get(sid)
        if state is None:
            state = OpenSession(sid)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(st.pool, st.spool.append_attributes, state, attrs)
        st.sessions[sid] = state
    return web.json_response({"attributes": len(attrs)}, status=202)


async def end(request: web.Request) -> web.Response:
    st = request.app[STATE]
    if not _authorised(request, st.config.token):
        raise BodyError(401, "missing or wrong token (Authorization: Bearer TOKEN)")
    sid = _session_id(request)
    async with st.lock(sid):
        if sid in st.ended:
            return web.json_response({"ended": True, "events": None}, status=202)
        if sid not in st.sessions:
            raise BodyError(404, f"no session {sid} is recording")
        n = await st.end_session(sid)
    return web.json_response({"ended": True, "events": n}, status=202)


async def _preflight(request: web.Request) -> web.Response:
    return web.Response(status=204)  # only reached without an Origin header; the cors middleware answers others


def make_app(state: CollectorState) -> web.Application:
    app = web.Application(middlewares=[guard, cors], client_max_size=state.config.max_body)
    app[STATE] = state
    app.router.add_get("/health", health)
    app.router.add_get("/recorder.js", recorder_js)
    for name, handler in (("events", events), ("attributes", attributes), ("end", end)):
        app.router.add_post(f"/v1/sessions/{{sid}}/{name}", handler)
        app.router.add_route("OPTIONS", f"/v1/sessions/{{sid}}/{name}", _preflight)
    return app


def describe(state: CollectorState) -> dict[str, Any]:
    return {"open_sessions": len(state.sessions), "sessions_today": state.sessions_today,
            "accepted_batches": state.accepted_batches, "last_error": state.last_error}
