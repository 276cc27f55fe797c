"""The spool: every accepted batch is on disk (fsynced) before its 202, and each session goes into the library once.

Layout, in ``<library>/.collect/`` (hidden, so a library folder walk never picks it up):

    open/<session>.log           the batches of a session still recording: framed records, appended and fsynced
    sessions/<day>/<session>.json.gz     a finished session: rrweb events object {"sessionId", "events"}
    sessions/<day>/<session>.attrs.json  its attributes ({session: {key: value}}), when the site posted any
    queue/<session>              a finished session not yet in the library (its file's path inside the spool)

A record is ``length (u32) crc32 (u32)`` then a one-line JSON header (kind, batch id, event count, the scrubber's
field memory), a newline, and the batch's events as a JSON array. A kill -9 can leave only a torn last record of a
batch that was never acknowledged; recovery stops at the first record whose length or checksum is wrong and cuts it
off. Ending a session writes its file (temp name, fsync, rename, fsync the folder), then its queue entry, then
deletes the log; recovery finishes whichever step was interrupted. The ingest reads queue entries and deletes each
only after the library committed the session; a crash in between re-ingests the same file, which the library skips
(same session id and content digest), so no session is ingested twice.
"""

from __future__ import annotations

import gzip
import os
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

SPOOL_DIR = ".collect"
_HEAD = struct.Struct("<II")
_MAX_RECORD = 1 << 30
_ENC = msgspec.json.Encoder()
_DEC = msgspec.json.Decoder()


@dataclass
class OpenSession:
    """What the collector keeps in memory about a session still recording (rebuilt from its log on restart)."""

    session_id: str
    batch_ids: dict[str, int] = field(default_factory=dict)  # batch id -> events accepted
    events: int = 0
    batches: int = 0
    memory: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    last_batch: float = field(default_factory=time.time)  # wall clock, so it survives a restart (log mtime)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durable(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any], bytes]]:
    """(end offset, header, events JSON) of each whole record; stops at the first torn or corrupt one."""
    with open(path, "rb") as f:
        offset = 0
        while True:
            head = f.read(_HEAD.size)
            if len(head) < _HEAD.size:
                return
            length, crc = _HEAD.unpack(head)
            if length > _MAX_RECORD:
                return
            payload = f.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc:
                return
            nl = payload.find(b"\n")
            try:
                header = _DEC.decode(payload[:nl] if nl >= 0 else payload)
            except msgspec.DecodeError:
                return
            if not isinstance(header, dict):
                return
            offset += _HEAD.size + length
            yield offset, header, payload[nl + 1:] if nl >= 0 else b""


class Spool:
    """The spool folder of one library. Its methods block (file I/O and fsync): call them off the event loop,
    one call at a time per session (the server holds a lock per session)."""

    def __init__(self, library_root: Path) -> None:
        self.root = Path(library_root) / SPOOL_DIR
        self.open_dir = self.root / "open"
        self.sessions_dir = self.root / "sessions"
        self.queue_dir = self.root / "queue"
        for d in (self.root, self.open_dir, self.sessions_dir, self.queue_dir):
            d.mkdir(parents=True, exist_ok=True)

    # -- recovery ----------------------------------------------------------------------------------------------
    def recover(self) -> tuple[dict[str, OpenSession], set[str]]:
        """(open sessions from their logs, ids of sessions already ended). Finishes an interrupted end, cuts
        torn last records off."""
        ended = {p.name for p in self.queue_dir.iterdir() if not p.name.startswith(".")}
        today = datetime.now(UTC).date()
        for day in (today, today - timedelta(days=1)):
            folder = self.sessions_dir / day.isoformat()
            if folder.is_dir():
                ended.update(p.name[:-8] for p in folder.iterdir() if p.name.endswith(".json.gz"))
        sessions: dict[str, OpenSession] = {}
        for log in sorted(self.open_dir.glob("*.log")):
            sid = log.stem
            if sid in ended and (self.queue_dir / sid).exists():
                log.unlink()  # the end was complete but for deleting the log
                continue
            state = OpenSession(sid, last_batch=log.stat().st_mtime)
            good = 0
            for end, header, _ in _records(log):
                good = end
                self._apply(state, header)
            if good < log.stat().st_size:
                with open(log, "r+b") as f:
                    f.truncate(good)
                    os.fsync(f.fileno())
            if good == 0:
                log.unlink()
                continue
            ended.discard(sid)
            sessions[sid] = state
        for tmp in self.root.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
        return sessions, ended

    @staticmethod
    def _apply(state: OpenSession, header: dict[str, Any]) -> None:
        if header.get("k") == "e":
            if header.get("b"):
                state.batch_ids[str(header["b"])] = int(header.get("n") or 0)
            state.events += int(header.get("n") or 0)
            state.batches += 1
            if header.get("m") is not None:
                state.memory = str(header["m"])
        elif header.get("k") == "a" and isinstance(header.get("a"), dict):
            state.attributes.update({str(k): str(v) for k, v in header["a"].items()})

    # -- appending ---------------------------------------------------------------------------------------------
    def _append(self, session_id: str, header: dict[str, Any], body: bytes) -> None:
        payload = _ENC.encode(header) + b"\n" + body
        path = self.open_dir / f"{session_id}.log"
        new = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, _HEAD.pack(len(payload), zlib.crc32(payload)) + payload)
            os.fdatasync(fd) if hasattr(os, "fdatasync") else os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_dir(self.open_dir)

    def append_batch(self, state: OpenSession, batch_id: str | None, events: list[dict[str, Any]],
                     memory: str | None) -> None:
        """Write one scrubbed batch durably and count it in ``state``."""
        header = {"k": "e", "b": batch_id, "n": len(events), "t": int(time.time() * 1000), "m": memory}
        self._append(state.session_id, header, _ENC.encode(events))
        self._apply(state, header)
        state.last_batch = time.time()

    def append_attributes(self, state: OpenSession, attributes: dict[str, str]) -> None:
        header = {"k": "a", "a": attributes, "t": int(time.time() * 1000)}
        self._append(state.session_id, header, b"")
        self._apply(state, header)

    # -- ending ------------------------------------------------------------------------------------------------
    def finish(self, state: OpenSession) -> Path | None:
        """Turn the session's log into its finished file and queue it for the library; None when it held no
        events (nothing is queued and the log is deleted)."""
        sid = state.session_id
        log = self.open_dir / f"{sid}.log"
        if not log.exists():
            return None
        if state.events == 0:
            log.unlink()
            return None
        folder = self.sessions_dir / datetime.now(UTC).date().isoformat()
        folder.mkdir(exist_ok=True)
        final = folder / f"{sid}.json.gz"
        tmp = folder / f".{final.name}.tmp"
        with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz:
            gz.write(b'{"sessionId":' + _ENC.encode(sid) + b',"source":"replaylens-collect","events":[')
            first = True
            for _, header, body in _records(log):
                if header.get("k") != "e" or not int(header.get("n") or 0):
                    continue
                inner = body.strip()[1:-1]
                if inner.strip():
                    gz.write(inner if first else b"," + inner)
                    first = False
            gz.write(b"]}")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
        if state.attributes:
            _write_durable(folder / f"{sid}.attrs.json", _ENC.encode({sid: state.attributes}))
        _fsync_dir(folder)
        _write_durable(self.queue_dir / sid, str(final.relative_to(self.root)).encode())
        log.unlink()
        _fsync_dir(self.open_dir)
        return final

    def finished_today(self) -> int:
        folder = self.sessions_dir / datetime.now(UTC).date().isoformat()
        return sum(1 for p in folder.glob("*.json.gz")) if folder.is_dir() else 0

    # -- the ingest side ---------------------------------------------------------------------------------------
    def queued(self) -> list[tuple[str, Path, Path | None]]:
        """(session id, finished file, attributes file or None) of each session waiting for the library."""
        out = []
        for marker in sorted(self.queue_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns):
            if marker.name.startswith("."):
                continue
            try:
                final = self.root / marker.read_text("utf-8").strip()
            except OSError:
                continue
            if not final.is_file():
                marker.unlink(missing_ok=True)
                continue
            attrs = final.with_name(f"{marker.name}.attrs.json")
            out.append((marker.name, final, attrs if attrs.is_file() else None))
        return out

    def done(self, session_id: str) -> None:
        """The library has the session: forget its queue entry."""
        (self.queue_dir / session_id).unlink(missing_ok=True)
