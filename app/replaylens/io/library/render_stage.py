"""The library's render stage: page pictures and element boxes for the rrweb sessions of a library.

Ingest leaves rrweb/PostHog sessions without screenshots (rendering a page takes seconds; the catalogue rows are
in at once). This stage runs after it, in the background, and can stop and resume at any moment:

1. **Scan** the sessions not done yet, in chunks, in worker processes (``render_work.scan``): each page's content
   key (a hash of its DOM snapshot and width), the element ids clicked on it and each click's event index.
2. **Render** each content key not rendered before, once, in a renderer child process
   (``render_work.render``: ``render.page.render_snapshots``), measuring the boxes of every element any session
   of the chunk clicked on it. A content rendered earlier is reused; when sessions clicked elements it did not
   measure, it is rendered again for those (its picture is the same file). At most ``max_per_page`` distinct
   contents are rendered per page (``page_key``: URL × device class); further states of that page show the
   page's representative picture (the content most sessions showed).
3. **Commit** each chunk's sessions: their pages' pictures, the boxes of their clicks and a done marker, in one
   transaction (``store._pictures``). A page whose recording cannot be read or rendered keeps no picture (the
   maps' placeholder), or its page's representative once one exists, and the session a note for
   ``library info``.

Cancel (``CancelToken``) stops the child processes at once; what was committed stays, and the next run does only
the rest. A kill -9 leaves the same state (the children die with the parent on Linux).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from replaylens.core.urltemplate import url_template
from replaylens.io.library import render_work as W
from replaylens.io.rrweb.boxes import MAX_IDS
from replaylens.jobs import CancelToken
from replaylens.store import _pictures as P

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore

#: Distinct snapshot contents rendered per page (URL × device class); more states show the representative.
MAX_CONTENTS_PER_PAGE = 12
#: Sessions scanned and committed together (the first chunk is smaller, so a time-left estimate comes early).
CHUNK = 64
FIRST_CHUNK = 8
#: Seconds a render call may take per page before its child is given up on (on top of the renderer's own limit).
CHILD_GRACE_S = 30.0


def page_key(url: str, device_class: str) -> str:
    """The page a picture represents: the host (lower-case) and the path of the URL's template
    (``core.urltemplate``: ids, UUIDs, hashes and e-mails as ``<id>``; no query, fragment or trailing slash), and the
    device class. The one place the key is made."""
    try:
        parts = urlsplit(url)
        host = f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}" if parts.scheme else ""
    except ValueError:
        host = ""
    path = url_template(url).partition("?")[0]  # the query (a variant, a tab) shows the same page
    return f"{host}{path.rstrip('/') or '/'}|{device_class or ''}"


@dataclass(frozen=True)
class RenderProgress:
    """Sessions ``done`` of ``total``; pictures rendered so far this run; time spent and left (None until a rate
    is known); ``changed``: pictures reached the catalogue since the last report (maps may refresh)."""

    total: int
    done: int
    rendered: int
    failed: int
    elapsed_s: float
    eta_s: float | None
    current: str = ""
    changed: bool = False
    read: int = 0  # recordings read so far this run (ahead of ``done`` while a chunk is being rendered)


@dataclass
class RenderSummary:
    """``to_json()`` is the ``render`` object of ``library add --json`` and ``library render --json``."""

    sessions: int = 0  # sessions the run set out to do
    done: int = 0
    ok: int = 0
    partial: int = 0
    failed: int = 0
    renders: int = 0  # pages rendered (distinct contents, first time)
    remeasures: int = 0  # contents rendered again to measure more elements
    render_failures: int = 0
    reused: int = 0  # session pages shown with a picture rendered for another session
    representative: int = 0  # pages given their page's representative picture
    boxes: int = 0  # clicks given an element box
    pages: int = 0  # distinct page keys seen
    seconds: float = 0.0
    render_seconds: float = 0.0
    scan_seconds: float = 0.0
    cancelled: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)  # (session id, note) of this run

    def to_json(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "done": self.done, "ok": self.ok, "partial": self.partial,
                "failed": self.failed, "renders": self.renders, "remeasures": self.remeasures,
                "render_failures": self.render_failures, "reused_pages": self.reused,
                "representative_pages": self.representative, "click_boxes": self.boxes, "pages": self.pages,
                "seconds": round(self.seconds, 3), "render_seconds": round(self.render_seconds, 3),
                "cancelled": self.cancelled,
                "notes": [{"session_id": s, "note": n} for s, n in self.notes[:200]]}


class _Children:
    """A spawn pool of child processes that Cancel or a stuck child can end at once (``terminate``)."""

    def __init__(self, n: int) -> None:
        self.n = max(1, n)
        self.pool: Any = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self.pool is None:
            ctx = multiprocessing.get_context("spawn")
            self.pool = ctx.Pool(self.n, initializer=W.init_child)
        return self.pool.apply_async(fn, args)

    def terminate(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None


class _Cancelled(Exception):
    pass


def _wait(result: Any, cancel: CancelToken, deadline: float) -> Any:
    """The child's answer; raises _Cancelled on Cancel, TimeoutError past ``deadline``."""
    while not result.ready():
        if cancel.cancelled:
            raise _Cancelled
        if time.monotonic() > deadline:
            raise TimeoutError
        result.wait(0.1)
    return result.get()


class _Stage:
    def __init__(self, lib: LibraryStore, progress: Callable[[RenderProgress], None] | None, cancel: CancelToken,
                 workers: int, timeout_s: float, max_per_page: int) -> None:
        self.lib = lib
        self.progress = progress
        self.cancel = cancel
        self.workers = workers
        self.timeout_s = timeout_s
        self.max_per_page = max_per_page
        self.sum = RenderSummary()
        self.t0 = time.monotonic()
        self.scanners = _Children(workers)
        self.renderer = _Children(1)
        self.per_page = P.page_key_counts(lib)
        self.keys_seen: set[str] = set()
        self.changed = False
        self.read = 0

    # -- reporting ------------------------------------------------------------------------------------------
    def report(self, current: str = "") -> None:
        if self.progress is None:
            return
        s = self.sum
        elapsed = time.monotonic() - self.t0
        eta = elapsed / s.done * (s.sessions - s.done) if s.done else None
        self.progress(RenderProgress(s.sessions, s.done, s.renders + s.remeasures, s.failed, elapsed, eta,
                                     current, self.changed, self.read))
        self.changed = False

    def _read(self, path: str) -> None:
        self.read += 1
        self.report(Path(path).name)

    # -- the phases -----------------------------------------------------------------------------------------
    def scan(self, todo: Sequence[P.Pending]) -> list[W.ScanOutcome]:
        jobs = [W.ScanJob(p.session_id, p.sha256, p.source_path, p.source_size, p.source_mtime_ns,
                          str(self.lib.root / p.events_file)) for p in todo]
        if self.workers <= 0:
            out = []
            for j in jobs:
                if self.cancel.cancelled:
                    raise _Cancelled
                out.append(W.scan(j))
                self._read(j.path)
            return out
        pending = [self.scanners.submit(W.scan, j) for j in jobs]
        deadline = time.monotonic() + 120.0 + 30.0 * len(jobs)
        out = []
        try:
            for r, j in zip(pending, jobs, strict=True):
                out.append(_wait(r, self.cancel, deadline))
                self._read(j.path)
        except _Cancelled:
            raise
        except Exception:  # the pool cannot start (a frozen build) or a child died: the rest in this process
            self.scanners.terminate()
            self.workers = 0
            return out + self.scan(todo[len(out):])
        return out

    def plan(self, scans: list[W.ScanOutcome], device: dict[str, str]) -> tuple[
            dict[str, P.ContentRow], dict[str, tuple[W.ScanOutcome, int, set[int]]]]:
        """Known contents, and what to render: content -> (a scan that has it, its page, ids to measure)."""
        wanted: dict[str, set[int]] = {}
        first: dict[str, tuple[W.ScanOutcome, int, str]] = {}
        for s in scans:
            for p in s.pages:
                if p.content is None:
                    continue
                wanted.setdefault(p.content, set()).update(p.ids)
                first.setdefault(p.content, (s, p.page, page_key(p.url, device.get(s.session_id, ""))))
        known = P.contents(self.lib, list(wanted))
        for c, had in list(known.items()):  # a picture whose file is gone (cleaned up) is rendered again
            if had.status == "ok" and (not had.screen or self.lib.screenshot_path(had.screen) is None):
                del known[c]
        todo: dict[str, tuple[W.ScanOutcome, int, set[int]]] = {}
        for c, ids in wanted.items():
            s, page, key = first[c]
            row = known.get(c)
            if row is None:
                if self.per_page.get(key, 0) >= self.max_per_page:
                    continue  # the page has enough states: the representative picture stands in
                self.per_page[key] = self.per_page.get(key, 0) + 1
                todo[c] = (s, page, ids)
            elif row.status == "ok" and ids - row.measured:
                todo[c] = (s, page, set(row.measured) | ids)
        return known, todo

    def render(self, todo: dict[str, tuple[W.ScanOutcome, int, set[int]]], known: dict[str, P.ContentRow]) -> None:
        from replaylens.io.library.prepare import _store_screen  # the one content-addressed screenshot writer

        by_file: dict[str, list[tuple[W.ScanOutcome, W.RenderWant]]] = {}
        for c, (s, page, ids) in todo.items():
            want = W.RenderWant(page, c, tuple(sorted(ids))[:MAX_IDS])
            by_file.setdefault(s.path, []).append((s, want))
        for path, wants in by_file.items():
            s = wants[0][0]
            src = self._source[s.session_id]
            deadline = time.monotonic() + CHILD_GRACE_S + len(wants) * (self.timeout_s + 10.0)
            t0 = time.monotonic()
            try:
                res = self.renderer.submit(W.render, path, src.source_size, src.source_mtime_ns, src.sha256,
                                           [w for _, w in wants], self.timeout_s)
                results, reason = _wait(res, self.cancel, deadline)
            except TimeoutError:
                self.renderer.terminate()
                results, reason = [], "the page renderer did not answer in time"
            except _Cancelled:
                self.renderer.terminate()
                raise
            except Exception as exc:  # a child that died (crash) or could not start
                self.renderer.terminate()
                results, reason = [], f"the page renderer failed ({type(exc).__name__}: {str(exc)[:160]})"
            self.sum.render_seconds += time.monotonic() - t0
            got = {r.content: r for r in results}
            for _s, want in wants:
                r = got.get(want.content)
                again = want.content in known
                if r is None or r.png is None:
                    err = (r.error if r is not None else None) or reason or "the page could not be rendered"
                    if again:  # keep the picture rendered before; only the extra boxes are missing
                        continue
                    row = P.ContentRow(want.content, None, 0, 0, "failed", err[:300], frozenset())
                    P.save_content(self.lib, row, np.zeros((0, 5)), r.seconds if r else 0.0)
                    known[want.content] = row
                    self.sum.render_failures += 1
                    continue
                (self.lib.root / "tmp").mkdir(exist_ok=True)
                screen = _store_screen(r.png, "page.png", self.lib.root)
                row = P.ContentRow(want.content, screen, r.width, r.height, "ok", r.error, frozenset(r.measured))
                P.save_content(self.lib, row, r.boxes, r.seconds)
                known[want.content] = row
                if again:
                    self.sum.remeasures += 1
                else:
                    self.sum.renders += 1
                    self.changed = True
            self.report(Path(path).name)

    def commit(self, scans: list[W.ScanOutcome], known: dict[str, P.ContentRow], device: dict[str, str],
               todo_contents: set[str]) -> None:
        boxes = P.content_boxes(self.lib, [c for c, r in known.items() if r.status == "ok"])
        cat_pages = P.session_pages(self.lib, [s.session_id for s in scans if s.reason])
        rows: list[P.SessionRows] = []
        for s in scans:
            dev = device.get(s.session_id, "")
            notes: list[str] = []
            pages: list[tuple[int, str | None, str | None, str]] = []
            screens: list[tuple[int, str, int, int]] = []
            if s.reason:
                for i, url in cat_pages.get(s.session_id, []):
                    key = page_key(url, dev)
                    self.keys_seen.add(key)
                    pages.append((i, key, None, "none"))
                rows.append(P.SessionRows(s.session_id, s.sha256, "failed", s.reason[:300], pages, screens,
                                          np.zeros((0, 5))))
                self.sum.failed += 1
                self.sum.notes.append((s.session_id, s.reason[:300]))
                continue
            got: list[np.ndarray] = []
            for p in s.pages:
                key = page_key(p.url, dev)
                self.keys_seen.add(key)
                row = known.get(p.content) if p.content else None
                if p.content is None:
                    notes.append(f"page {p.page} has no DOM snapshot")
                    pages.append((p.page, key, None, "none"))
                    continue
                if row is None:  # over the page's cap: its representative picture stands in
                    pages.append((p.page, key, p.content, "none"))
                    continue
                if row.status != "ok" or not row.screen:
                    notes.append(f"page {p.page} could not be rendered ({row.error or 'no picture'})")
                    pages.append((p.page, key, p.content, "none"))
                    continue
                own = p.content in todo_contents
                pages.append((p.page, key, p.content, "own" if own else "shared"))
                if not own:
                    self.sum.reused += 1
                todo_contents.discard(p.content)
                screens.append((p.page, row.screen, row.width, row.height))
                got.append(_join_boxes(s.clicks, p.page, boxes.get(p.content)))
            b = np.concatenate(got) if got else np.zeros((0, 5))
            self.sum.boxes += b.shape[0]
            status = "ok" if not notes else ("partial" if screens else "failed")
            note = "; ".join(notes)[:300] or None
            if note:
                self.sum.notes.append((s.session_id, note))
            self.sum.partial += status == "partial"
            self.sum.failed += status == "failed"
            self.sum.ok += status == "ok"
            rows.append(P.SessionRows(s.session_id, s.sha256, status, note, pages, screens, b))
        P.commit_sessions(self.lib, rows)
        self.sum.done += len(rows)
        self.changed = self.changed or any(r.screens for r in rows)

    def run(self, todo: list[P.Pending]) -> RenderSummary:
        self.sum.sessions = len(todo)
        self._source = {p.session_id: p for p in todo}
        device = {p.session_id: p.device_class for p in todo}
        self.report()
        try:
            at = 0
            while at < len(todo):
                if self.cancel.cancelled:
                    raise _Cancelled
                size = FIRST_CHUNK if at == 0 else CHUNK
                part = todo[at:at + size]
                t0 = time.monotonic()
                scans = self.scan(part)
                self.sum.scan_seconds += time.monotonic() - t0
                known, plan = self.plan(scans, device)
                fresh = {c for c in plan if c not in known}
                self.render(plan, known)
                if self.cancel.cancelled:
                    raise _Cancelled
                self.commit(scans, known, device, fresh)
                at += len(part)
                self.report(Path(part[-1].source_path).name)
            filled = P.fill_from_representatives(self.lib)
            self.sum.representative += filled
            self.changed = self.changed or bool(filled)
        except _Cancelled:
            self.sum.cancelled = True
        finally:
            self.scanners.terminate()
            self.renderer.terminate()
        self.sum.pages = len(self.keys_seen)
        self.sum.seconds = time.monotonic() - self.t0
        self.report()
        return self.sum


def _join_boxes(clicks: np.ndarray, page: int, boxes: np.ndarray | None) -> np.ndarray:
    """(i, x, y, w, h) of the clicks on ``page`` whose element has a measured box (no loop per click)."""
    if boxes is None or not boxes.shape[0] or not clicks.shape[0]:
        return np.zeros((0, 5))
    on = clicks[clicks[:, 1] == page]
    nodes = boxes[:, 0].astype(np.int64)
    pos = np.clip(np.searchsorted(nodes, on[:, 2]), 0, nodes.size - 1)
    hit = nodes[pos] == on[:, 2]
    return np.column_stack([on[hit, 0].astype(np.float64), boxes[pos[hit], 1:]])


def status(lib: LibraryStore) -> dict[str, Any]:
    """The stage's state for ``library info``: rrweb sessions, done, pending, failed, partial, distinct pictures
    and the notes of the sessions that could not be rendered (``store._pictures.status``)."""
    return P.status(lib)


def pending_count(lib: LibraryStore) -> int:
    """rrweb sessions the stage has not done (0 for a read-only library that was never rendered: nothing to do
    without writing)."""
    return len(P.pending(lib))


def render_library(lib: LibraryStore, *, progress: Callable[[RenderProgress], None] | None = None,
                   cancel: CancelToken | None = None, workers: int = 1, timeout_s: float = 10.0,
                   max_per_page: int = MAX_CONTENTS_PER_PAGE, retry_failed: bool = False) -> RenderSummary:
    """Run (or resume) the render stage over every rrweb session of ``lib`` not done yet (see the module doc).
    ``workers`` scanning processes (0: scan in this process); rendering always runs in one child process, so this
    may be called from any thread. ``progress`` is called from this thread; ``cancel`` stops promptly."""
    P.ensure(lib)
    P.prune(lib, retry_failed=retry_failed)
    stage = _Stage(lib, progress, cancel or CancelToken(), workers, timeout_s, max_per_page)
    return stage.run(P.pending(lib))
