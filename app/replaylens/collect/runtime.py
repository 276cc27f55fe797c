"""A running collector: the aiohttp server on its own thread and event loop, and the ingest thread that moves
finished sessions into the library. The command line runs one until Ctrl+C; the Library window starts and stops
one for the library it has open (both share the library's store; DuckDB lets one process write it)."""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from replaylens.collect.config import CollectConfig
from replaylens.collect.server import CollectorState, make_app
from replaylens.collect.spool import Spool

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


class CollectorError(RuntimeError):
    """The collector cannot start (the port is taken, the TLS files do not load, the spool cannot be written)."""


@dataclass(frozen=True)
class CollectorStatus:
    """What File ▸ Collect sessions… and ``collect --json`` show."""

    address: str
    running: bool
    open_sessions: int
    sessions_today: int
    ingested: int
    queued: int
    last_error: str

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "running": self.running, "open_sessions": self.open_sessions,
                "sessions_today": self.sessions_today, "ingested": self.ingested, "queued": self.queued,
                "last_error": self.last_error}


def _ssl_context(config: CollectConfig) -> ssl.SSLContext | None:
    if config.tls_cert is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(str(config.tls_cert), str(config.tls_key) if config.tls_key else None)
    except (OSError, ssl.SSLError) as exc:
        raise CollectorError(f"--tls-cert {config.tls_cert}: the certificate and key do not load ({exc})") from None
    return ctx


class Collector:
    """``start()`` (raises CollectorError), ``status()``, ``stop()``. ``on_ingested(ids)`` is called from the
    ingest thread after each batch of sessions reached the library."""

    def __init__(self, config: CollectConfig, library: LibraryStore,
                 on_ingested: Callable[[list[str]], None] | None = None) -> None:
        self.config = config
        self.library = library
        self.on_ingested = on_ingested
        self.spool = Spool(config.library)
        self.port = config.port
        self.ingested = 0
        self.last_error = ""
        self._state: CollectorState | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ingest_thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()

    @property
    def address(self) -> str:
        return self.config.address(self.port)

    # -- life --------------------------------------------------------------------------------------------------
    def start(self, timeout_s: float = 15.0) -> None:
        ctx = _ssl_context(self.config)
        started = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, args=(ctx, started, failure),
                                        name="replaylens-collect", daemon=True)
        self._thread.start()
        if not started.wait(timeout_s):
            raise CollectorError(f"the collector did not start within {timeout_s:g} s")
        if failure:
            self._thread.join(5)
            exc = failure[0]
            if isinstance(exc, OSError):
                raise CollectorError(f"cannot listen on {self.config.host}:{self.config.port} "
                                     f"({exc.strerror or exc})") from None
            raise CollectorError(f"the collector cannot start ({type(exc).__name__}: {exc})") from None
        self._ingest_thread = threading.Thread(target=self._ingest_loop, name="replaylens-collect-ingest",
                                               daemon=True)
        self._ingest_thread.start()
        self._wake.set()  # sessions a previous run left queued go in now

    def _serve(self, ctx: ssl.SSLContext | None, started: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._boot(ctx))
        except BaseException as exc:  # reported by start()
            failure.append(exc)
            started.set()
            loop.close()
            return
        started.set()
        sweeper = loop.create_task(self._sweep())
        try:
            loop.run_forever()
        finally:
            sweeper.cancel()
            loop.run_until_complete(asyncio.gather(sweeper, return_exceptions=True))
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            if self._state is not None:
                self._state.pool.shutdown(wait=True)
            loop.close()

    async def _boot(self, ctx: ssl.SSLContext | None) -> None:
        self._state = CollectorState(self.config, self.spool, self._wake.set)
        self._state.extra_health = lambda: {"queued": self._queued(), "ingested": self.ingested}
        runner = web.AppRunner(make_app(self._state), auto_decompress=False, access_log=None,
                               handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        self._runner = runner
        try:
            site = web.TCPSite(runner, self.config.host, self.config.port, ssl_context=ctx, backlog=1024)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])

    async def _sweep(self) -> None:
        period = max(0.5, min(60.0, self.config.idle_end_s / 10))
        while True:
            await asyncio.sleep(period)
            if self._state is not None:
                try:
                    await self._state.sweep_idle()
                except Exception as exc:  # a full disk: try again next round
                    self._state.last_error = f"ending idle sessions failed: {exc}"[:300]

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop listening (requests in flight finish), ingest what is queued, end the threads. Sessions still
        recording stay in the spool and go on at the next start."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
        self._stopping.set()
        self._wake.set()
        if self._ingest_thread is not None:
            self._ingest_thread.join(timeout_s)

    def __enter__(self) -> Collector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the ingest side ---------------------------------------------------------------------------------------
    def _ingest_loop(self) -> None:
        while True:
            self._wake.wait(self.config.ingest_period_s)
            self._wake.clear()
            stopping = self._stopping.is_set()
            try:
                self.ingest_queued()
            except Exception as exc:  # the library is busy or broken: the spool keeps the sessions
                self.last_error = f"adding sessions to the library failed: {exc}"[:300]
            if stopping:
                return

    def ingest_queued(self) -> int:
        """Put every finished session of the spool into the library; returns how many were added."""
        from replaylens.io.library import ingest

        queued = self.spool.queued()
        if not queued:
            return 0
        attrs: dict[str, Any] = {}
        for sid, _, attr_file in queued:
            if attr_file is not None:
                try:
                    attrs.update(json.loads(attr_file.read_text("utf-8")))
                except (OSError, ValueError):
                    self.last_error = f"the attributes of session {sid} could not be read"
        attr_path: Path | None = None
        if attrs:
            attr_path = self.spool.queue_dir / f".attributes-{time.time_ns()}.json"
            attr_path.write_text(json.dumps(attrs), "utf-8")
        files = [str(path) for _, path, _ in queued]
        try:
            workers = 0 if len(files) < 4 else self.config.ingest_workers
            result = ingest(self.library, files, attributes_file=attr_path, workers=workers)
        finally:
            if attr_path is not None:
                attr_path.unlink(missing_ok=True)
        failed = {f for f, _ in result.failed}
        for sid, path, _ in queued:
            self.spool.done(sid)
            if str(path) in failed:
                reason = next(r for f, r in result.failed if f == str(path))
                self.last_error = f"session {sid} could not be added: {reason}"[:300]
        self.ingested += result.added
        if result.added and self.on_ingested is not None:
            self.on_ingested(list(result.added_ids))
        return result.added

    def _queued(self) -> int:
        return sum(1 for p in self.spool.queue_dir.iterdir() if not p.name.startswith("."))

    # -- status ------------------------------------------------------------------------------------------------
    def status(self) -> CollectorStatus:
        st = self._state
        running = self._thread is not None and self._thread.is_alive()
        errors = [e for e in (st.last_error if st else "", self.last_error) if e]
        return CollectorStatus(self.address, running, len(st.sessions) if st else 0,
                               st.sessions_today if st else 0, self.ingested,
                               self._queued(), errors[-1] if errors else "")
