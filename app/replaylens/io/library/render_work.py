"""What the render stage's child processes do (io/library/render_stage.py): *scan* one session's recording (its
pages' snapshot contents, the clicked elements, each click's event index in the library) and *render* chosen
page contents of one recording through the page renderer (``render.page.render_snapshots`` with ``RenderJob``,
the high-level interface ``io/rrweb/convert.py`` and ``io/rrweb/keyframes.py`` render through: the same
sanitiser, JavaScript off, every request blocked). Both return plain picklable values and never raise for a bad
recording: the reason comes back instead.

The **content key** of a page is a SHA-256 of its first DOM snapshot (as recorded), the width it is rendered at
and its secret / masking nodes: two sessions whose page has the same key look the same when rendered, so one
render serves both (node ids included, so its element boxes serve both too).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.errors import BadInputError
from replaylens.io.rrweb.boxes import CLICK_LIKE
from replaylens.io.rrweb.secrets import SecretNodes

#: Bumped when what a content key covers changes (old rows are then simply not found again).
KEY_VERSION = b"rl-page-content-1"
_KIND_CODE = {k: j for j, k in enumerate(CLICK_LIKE)}


@dataclass(frozen=True)
class ScanJob:
    session_id: str
    sha256: str
    path: str
    size: int
    mtime_ns: int
    events_file: str  # absolute path of the session's events Parquet in the library
    show_values: bool = False


@dataclass
class PageScan:
    page: int
    url: str
    width: int
    height: int
    content: str | None  # None: the page has no DOM snapshot
    ids: tuple[int, ...] = ()  # clicked node ids on the page


@dataclass
class ScanOutcome:
    session_id: str
    sha256: str
    path: str
    reason: str = ""  # non-empty: the recording cannot be read (the session gets no pictures)
    pages: list[PageScan] = field(default_factory=list)
    #: per click-like event with a known target: library event index, page, rrweb node id
    clicks: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.int64))
    unmatched: int = 0  # click-like events of the recording not found among the library's events
    seconds: float = 0.0


@dataclass(frozen=True)
class RenderWant:
    page: int
    content: str
    ids: tuple[int, ...]


@dataclass
class RenderedContent:
    content: str
    png: bytes | None
    width: int
    height: int
    wireframe: bool
    error: str | None
    boxes: np.ndarray
    measured: tuple[int, ...]
    seconds: float


def init_child() -> None:
    """Process-pool initializer: Ctrl+C is the parent's business, and a child dies with its parent (Linux), so a
    kill -9 of the stage leaves no renderer behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent is already gone
            os._exit(0)
    except (OSError, AttributeError):
        pass


def content_key(snapshot: dict[str, Any], width: int, secrets: SecretNodes, show_values: bool) -> str:
    h = hashlib.sha256(KEY_VERSION)
    h.update(f"|{int(width)}|{int(bool(show_values))}|".encode())
    h.update(",".join(str(i) for i in sorted(secrets.secret)).encode() + b"|")
    h.update(",".join(str(i) for i in sorted(secrets.masking)).encode() + b"|")
    h.update(msgspec.json.encode(snapshot))
    return h.hexdigest()


def _load(path: str, size: int, mtime_ns: int, sha256: str) -> Any:
    """The recording as the converter loads it, after checking it is the version the library holds."""
    from replaylens.io.rrweb.reader import load_recording
    from replaylens.model.digest import file_sha256

    p = Path(path)
    if not path or not p.is_file():
        raise BadInputError(p, "the recording is no longer where it was added from")
    st = p.stat()
    if (st.st_size != size or st.st_mtime_ns != mtime_ns) and file_sha256(p) != sha256:
        raise BadInputError(p, "the recording has changed since it was added (add it again)")
    return load_recording(p)


def _page_geometry(loaded: Any, i: int) -> tuple[int, int]:
    m = loaded.manifest
    page = m.pages[i] if i < len(m.pages) else None
    return int((page.width if page else 0) or m.viewport_width), int((page.height if page else 0) or m.viewport_height)


def _codes(kind: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """-1 for kinds that are not click-like, else the kind's index in ``CLICK_LIKE``."""
    idx = pc.index_in(kind, value_set=pa.array(CLICK_LIKE))
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), np.int64)


def _ranked(t: np.ndarray, code: np.ndarray) -> np.ndarray:
    """One int64 per event: (t, kind, rank among equal (t, kind)) packed, so two tables of the same events match
    by value whatever their order."""
    key = t.astype(np.int64) * 8 + code
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.r_[0, np.flatnonzero(k[1:] != k[:-1]) + 1] if k.size else np.zeros(0, np.int64)
    run = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, k.size]))
    rank = np.arange(k.size) - (starts[run] if k.size else 0)
    out = np.empty(k.size, np.int64)
    out[order] = k * 4096 + np.minimum(rank, 4095)
    return out


def scan(job: ScanJob) -> ScanOutcome:
    """Content keys, clicked ids and clicks of one session (see the module doc)."""
    t0 = time.perf_counter()
    out = ScanOutcome(job.session_id, job.sha256, job.path)
    try:
        loaded = _load(job.path, job.size, job.mtime_ns, job.sha256)
    except BadInputError as exc:
        out.reason = str(exc)
        return out
    except (MemoryError, RecursionError) as exc:
        out.reason = f"{Path(job.path).name}: too large to read again ({type(exc).__name__})"
        return out
    except Exception as exc:  # a reader bug must not stop the stage
        out.reason = f"{Path(job.path).name}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
        return out
    mapped = loaded.mapped
    table = mapped.table
    node = np.asarray(mapped.target_node, np.int64)
    n = table.num_rows
    code = _codes(table["kind"]) if n else np.zeros(0, np.int64)
    page = np.asarray(table["page"].to_numpy(zero_copy_only=False), np.int64) if n else np.zeros(0, np.int64)
    ok = (code >= 0) & (node >= 0) if node.shape[0] == n else np.zeros(n, bool)
    for i, info in enumerate(mapped.pages):
        w, h = _page_geometry(loaded, i)
        key = content_key(info.snapshot, w, info.secrets, job.show_values) if info.snapshot is not None else None
        ids = tuple(int(v) for v in np.unique(node[ok & (page == i)]))
        out.pages.append(PageScan(i, info.url, w, h, key, ids))
    if ok.any():
        out.clicks, out.unmatched = _library_index(job, table, code, node, page, ok)
    out.seconds = time.perf_counter() - t0
    return out


def _library_index(job: ScanJob, table: pa.Table, code: np.ndarray, node: np.ndarray, page: np.ndarray,
                   ok: np.ndarray) -> tuple[np.ndarray, int]:
    """(library i, page, node) of the recording's click-like events, matched to the library's stored events by
    time, kind and order among equals (the store's repair sorts and de-duplicates; it never changes a time)."""
    try:
        lib = pq.read_table(job.events_file, columns=["session_id", "sha256", "i", "t", "kind"],
                            filters=[("session_id", "=", job.session_id), ("sha256", "=", job.sha256)])
    except (OSError, pa.ArrowException):
        return np.zeros((0, 3), np.int64), int(ok.sum())
    lcode = _codes(lib["kind"])
    lt = np.asarray(lib["t"].to_numpy(zero_copy_only=False), np.int64)
    keep = lcode >= 0
    t = np.asarray(table["t"].to_numpy(zero_copy_only=False), np.int64)
    a = _ranked(lt[keep], lcode[keep])
    b = _ranked(t[ok], code[ok])
    _common, ia, ib = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    li = np.asarray(lib["i"].to_numpy(zero_copy_only=False), np.int64)[keep][ia]
    # the recording's own page index (the one its content key belongs to)
    rows = np.column_stack([li, page[ok][ib], node[ok][ib]]) if ia.size else np.zeros((0, 3), np.int64)
    return rows.astype(np.int64), int(ok.sum() - ia.size)


def render(path: str, size: int, mtime_ns: int, sha256: str, wants: list[RenderWant], timeout_s: float,
           show_values: bool = False) -> tuple[list[RenderedContent], str]:
    """Render the pages ``wants`` of one recording (each with the node ids to measure); returns the results and
    a reason when the recording could not be read at all."""
    try:
        loaded = _load(path, size, mtime_ns, sha256)
    except Exception as exc:
        return [], str(exc) if isinstance(exc, BadInputError) else f"cannot be read ({type(exc).__name__})"
    try:
        from replaylens.io.rrweb.convert import png_ok
        from replaylens.render import page as webrender  # lazily: the io -> render call (pyproject.toml)
    except ImportError as exc:
        return [], f"the page renderer is not available ({exc})"
    infos = loaded.mapped.pages
    jobs, keep = [], []
    for want in wants:
        if not 0 <= want.page < len(infos) or infos[want.page].snapshot is None:
            continue
        info = infos[want.page]
        w, h = _page_geometry(loaded, want.page)
        if content_key(info.snapshot, w, info.secrets, show_values) != want.content:
            continue
        jobs.append(webrender.RenderJob(node=info.snapshot, width=w, height=h, key=want.content,
                                        secrets=info.secrets, show_values=show_values,
                                        measure=tuple(want.ids)))
        keep.append(want)
    out: list[RenderedContent] = []
    if not jobs:
        return out, ""
    t0 = time.perf_counter()
    results = webrender.render_snapshots(jobs, timeout_s=timeout_s)
    each = (time.perf_counter() - t0) / len(jobs)
    for want, res in zip(keep, results, strict=False):
        good = not res.wireframe and png_ok(res.png)
        err = res.error if good else (res.error or "the page could not be rendered")
        out.append(RenderedContent(want.content, bytes(res.png) if good and res.png else None, int(res.width),
                                   int(res.height), bool(res.wireframe), err,
                                   np.asarray(res.boxes, np.float64).reshape(-1, 5) if good else np.zeros((0, 5)),
                                   want.ids, each))
    return out, ""
