"""One file -> a ``SessionRecord``: what an ingest worker process does (open, summarise, store screenshots).

Runs in a worker process (``init_worker`` sets it up once), or in the calling process for tiny imports. Returns
plain picklable values: a record, a "skipped" marker, or a failure reason. Never raises for a bad file.
"""

from __future__ import annotations

import hashlib
import os
import signal
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from replaylens.errors import BadInputError
from replaylens.io.library.attributes import session_attributes
from replaylens.io.privacy.library_policy import read_policy
from replaylens.io.privacy.tables import scrub_record
from replaylens.io.regular import check_regular
from replaylens.model.digest import file_sha256
from replaylens.model.library import PageRecord, SessionRecord, SessionSource
from replaylens.model.schema import EVENT_COLUMNS
from replaylens.model.session import Session

_ARROW = {"BIGINT": pa.int64(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "VARCHAR": pa.string(),
          "BOOLEAN": pa.bool_()}
#: The library's event schema: the event index, then the canonical columns (extras a recording brings are dropped).
EVENT_SCHEMA = pa.schema([("i", pa.int64())] + [(c.name, _ARROW[c.sql_type]) for c in EVENT_COLUMNS])
MAX_LABELS = 500


@dataclass(frozen=True)
class Outcome:
    """What happened to one file: ``record`` (to commit), ``skipped`` (already in) or ``reason`` (failed)."""

    file: str
    record: SessionRecord | None = None
    skipped: bool = False
    reason: str = ""
    events: int = 0


_KNOWN: frozenset[str] = frozenset()  # content digests already in the library (set once per worker)


def init_worker(known_digests: frozenset[str], parent_pid: int | None = None) -> None:
    """Process-pool initializer: Ctrl+C is the parent's business; remember which digests are already in; exit
    when the parent dies (``io.library.orphans``)."""
    global _KNOWN
    from replaylens.io.library.orphans import die_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _KNOWN = known_digests
    die_with_parent(parent_pid)
    from replaylens.store.session import use_threads

    use_threads(1)  # the pool is as large as the machine: one DuckDB thread per worker


def set_known(known_digests: frozenset[str]) -> None:
    """The same for an in-process run (Ctrl+C left alone)."""
    global _KNOWN
    _KNOWN = known_digests


def _events(session: Session) -> pa.Table:
    table = session.store.events_table()
    cols = [table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
            for f in EVENT_SCHEMA]
    return pa.Table.from_arrays(cols, schema=EVENT_SCHEMA)


def _store_screen(data: bytes, name: str, root: Path) -> str:
    """Content-addressed copy in ``screens/ab/<sha256>.<ext>`` (temp name, then rename; kept if present)."""
    ext = Path(name).suffix.lower().lstrip(".") or "png"
    digest = hashlib.sha256(data).hexdigest()
    screen = f"{digest}.{ext}"
    dest = root / "screens" / digest[:2] / screen
    if not dest.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = root / "tmp" / f"{uuid.uuid4().hex}.{ext}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, dest)
    return screen


def _pages(session: Session, root: Path) -> list[PageRecord]:
    a = session.arrays
    n = len(session.pages)
    first = np.full(max(n, 1), np.iinfo(np.int64).max, dtype=np.int64)
    if len(a):
        np.minimum.at(first, np.clip(a.page, 0, max(n - 1, 0)), a.t)
    out = []
    for i, p in enumerate(session.pages):  # per page
        data = session.screenshot(i) if p.screenshot else None
        screen = _store_screen(data, p.screenshot or "", root) if data else None
        shown = int(first[i]) if first[i] != np.iinfo(np.int64).max else None
        out.append(PageRecord(i, p.url, p.title, p.width, p.height, screen, shown))
    return out


def _labels(events: pa.Table) -> list[str]:
    clicks = events.filter(pc.fill_null(pc.equal(events["kind"], "click"), False))["target_text"]
    texts = pc.unique(pc.utf8_trim_whitespace(clicks.drop_null())).to_pylist()
    return sorted({str(t)[:200] for t in texts if t})[:MAX_LABELS]


def summarise(session: Session, digest: str, root: Path, source: SessionSource) -> SessionRecord:
    """The catalogue record of an opened session (findings with the default friction settings)."""
    from replaylens.analysis.findings.analyze import FINDING_KINDS, analyze_session
    from replaylens.analysis.heatmaps.gather import library_cells

    m = session.manifest
    a = session.arrays
    analysis = analyze_session(session)
    metrics = analysis.metrics
    events = _events(session)
    pages = _pages(session, root)
    urls = [p.url for p in session.pages] or [""]
    nav = np.flatnonzero(a.mask("navigate")) if len(a) else np.zeros(0, dtype=np.int64)
    entry = int(a.page[nav[0]]) if nav.shape[0] else 0
    exit_page = int(a.page[-1]) if len(a) else 0
    width = int(a.width[0]) if len(a) and a.width[0] > 0 else m.viewport_width
    attrs, ids = session_attributes(m, events, urls[min(entry, len(urls) - 1)], width)
    findings = {k: int(metrics["findings"].get(k, 0)) for k in FINDING_KINDS}
    summary = {
        "duration_ms": int(session.duration_ms), "active_ms": int(metrics.get("active_ms", 0)),
        "entry_url": urls[min(entry, len(urls) - 1)], "exit_url": urls[min(exit_page, len(urls) - 1)],
        "pages_visited": len({p.url for p in pages if p.first_ms is not None}),
        "page_visits": int(metrics.get("page_visits", 0)), "events": len(a), "clicks": int(metrics.get("clicks", 0)),
        "friction_score": int(metrics.get("friction_score", 0)), "viewport_width": width,
        "viewport_height": int(a.height[0]) if len(a) and a.height[0] > 0 else m.viewport_height,
        "device_class": attrs["device_class"][0], "user_id": attrs["user_id"][0] if "user_id" in attrs else None,
    }
    record = SessionRecord(session_id=m.session_id, sha256=digest, site=m.site, start_epoch_ms=m.start_epoch_ms,
                           summary=summary, findings=findings, attributes=attrs, pages=pages,
                           labels=_labels(events), identities=ids, source=source, events=events,
                           warnings=list(session.report.warnings))
    record = scrub_record(record, keep_values=read_policy(root).keep_values)  # the privacy policy (docs/privacy.md)
    # the heat cells, here in the worker, not under the write lock; keyed by the stored (scrubbed) page URLs
    cells = library_cells(session, [(p.index, p.url) for p in record.pages if p.first_ms is not None],
                          int(session.duration_ms))
    return replace(record, cells=cells)


def prepare(file: str, root: str) -> Outcome:
    """Open and summarise one file. Skips a file whose digest is already in the library."""
    from replaylens.io.registry import open_session

    path = Path(file)
    try:
        st = check_regular(path)  # a device, a FIFO or a folder: refused unread (BadInputError)
        digest = file_sha256(path)
    except OSError as exc:
        return Outcome(file, reason=f"{path.name}: the file cannot be read ({exc.strerror})")
    except BadInputError as exc:  # a device, a FIFO: refused unread
        return Outcome(file, reason=str(exc))
    if digest in _KNOWN:
        return Outcome(file, skipped=True)
    try:
        session = open_session(path)
    except BadInputError as exc:
        return Outcome(file, reason=str(exc))
    except (MemoryError, RecursionError) as exc:
        return Outcome(file, reason=f"{path.name}: too large to import ({type(exc).__name__})")
    except Exception as exc:  # a reader bug must not stop the import: report it as this file's failure
        return Outcome(file, reason=f"{path.name}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})")
    try:
        with open(path, "rb") as fh:
            fmt = "bundle" if fh.read(4) == b"PK\x03\x04" else "rrweb"
        source = SessionSource(session.manifest.session_id, str(path.resolve()), digest, st.st_size,
                               st.st_mtime_ns, fmt)
        record = summarise(session, digest, Path(root), source)
    except Exception as exc:
        return Outcome(file, reason=f"{path.name}: cannot be summarised ({type(exc).__name__}: {str(exc)[:200]})")
    finally:
        session.close()
    return Outcome(file, record=record, events=int(record.summary["events"]))
