"""Ingest: session files -> library. A pool of worker processes opens and summarises files (``prepare``); this
process is the one writer, committing batches to the catalogue.

Crash safety (a kill -9 at any moment): the writer writes a batch's Parquet file and screenshots under temp names,
renames them into place, and only then commits the catalogue rows in one transaction. A session is therefore
wholly in (its row names a complete file) or absent (its file, if any, is an orphan no read looks at, deleted by
``cleanup_orphans`` at the next ingest).

Incremental: a file whose path, size and mtime match an earlier ingest is skipped unread; otherwise a worker reads
it and the writer skips it when its content digest is already in. A known session id with new content is kept
beside the old version under a derived id, or replaces it with ``replace=True`` (``io.library.identity``); outcomes
are applied in file order, so the result does not depend on which worker finishes first. A bad file is reported in
``IngestResult.failed`` with its reason and never stops the import. Cancel: ``CancelToken.cancel()`` (checked
between files); what was finished is committed, the rest is left out.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from replaylens.io.library import prepare as prepare_mod
from replaylens.io.library.attributes import read_attributes_file
from replaylens.io.library.identity import Identity
from replaylens.io.library.prepare import Outcome
from replaylens.io.regular import not_regular
from replaylens.jobs import CancelToken  # the one cancel token (re-exported by io.library)
from replaylens.model.library import SessionRecord

if TYPE_CHECKING:
    from replaylens.store.library import LibraryStore


@dataclass(frozen=True)
class IngestProgress:
    """A progress report: files ``done`` of ``total`` (added + skipped + failed), events so far, time spent and
    the estimated time left (None until a rate is known), and the file just finished."""

    total: int
    done: int
    added: int
    skipped: int
    failed: int
    events: int
    elapsed_s: float
    eta_s: float | None
    current: str = ""


@dataclass
class IngestResult:
    """``to_json()`` is the ``library add --json`` shape: ``{"added", "skipped", "failed": [{"file", "reason"}],
    "conflicts": [{"id", "file", "existing_file", "kept_as"}], "replaced": [{"id", "file", "existing_file"}]}``."""

    added: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    events: int = 0
    elapsed_s: float = 0.0
    cancelled: bool = False
    added_ids: list[str] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)
    replaced: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"added": self.added, "skipped": self.skipped,
                "failed": [{"file": f, "reason": r} for f, r in self.failed],
                "conflicts": list(self.conflicts), "replaced": list(self.replaced)}


#: File names a folder walk picks up (explicitly named files are always tried).
SESSION_SUFFIXES: tuple[str, ...] = (".rlsession", ".json", ".json.gz", ".jsonl", ".ndjson", ".gz")


def _wanted(path: Path) -> bool:
    name = path.name.lower()
    return not name.startswith(".") and name.endswith(SESSION_SUFFIXES)


def find_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files and folders (recursively, hidden entries skipped, sorted) into session files; returns
    (files, missing-or-unreadable paths with their reason)."""
    files: dict[str, Path] = {}
    missing: list[tuple[str, str]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and _wanted(f) and not any(part.startswith(".") for part in rel):
                    files.setdefault(str(f.resolve()), f)
        elif p.is_file():
            files.setdefault(str(p.resolve()), p)
        elif p.exists():  # a device, a FIFO, a socket: never read
            missing.append((str(p), f"{p.name}: {not_regular(p.stat().st_mode)}"))
        else:
            missing.append((str(p), f"{p.name}: the file does not exist"))
    return list(files.values()), missing


@contextmanager
def _defer_ctrl_c() -> Iterator[None]:
    """Hold a Ctrl+C that arrives during a commit until the commit is done (main thread only; elsewhere, e.g.
    the GUI's worker thread, signals are not delivered anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    hit: list[bool] = []
    previous = signal.signal(signal.SIGINT, lambda *_: hit.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if hit:
        raise KeyboardInterrupt


class _Run:
    """The writer side of one ingest: collects outcomes, commits batches, reports progress."""

    def __init__(self, library: LibraryStore, total: int, progress: Callable[[IngestProgress], None] | None,
                 batch_size: int, flush_s: float, replace: bool = False) -> None:
        self.lib = library
        self.total = total
        self.progress = progress
        self.batch_size = batch_size
        self.flush_s = flush_s
        self.result = IngestResult()
        self.pending: list[SessionRecord] = []
        self.identity = Identity.of_library(library.known_versions(), library.known_sources(), replace)
        self.result.conflicts = self.identity.conflicts
        self.result.replaced = self.identity.replaced
        self.pending_replaced = 0
        self.t0 = time.monotonic()
        self.last_flush = self.t0
        self.done = 0
        self.processed = 0  # files actually read (for the time-left estimate)

    def add(self, outcome: Outcome) -> None:
        r = self.result
        self.done += 1
        self.processed += 1
        if outcome.record is not None:
            n_replaced = len(self.identity.replaced)
            rec = self.identity.resolve(outcome.record, outcome.record.source.path or outcome.file)
            if rec is None:
                r.skipped += 1
            else:
                self.pending.append(rec)
                self.pending_replaced += len(self.identity.replaced) - n_replaced
                r.events += outcome.events
        elif outcome.skipped:
            r.skipped += 1
        else:
            r.failed.append((outcome.file, outcome.reason))
        now = time.monotonic()
        if len(self.pending) >= self.batch_size or (self.pending and now - self.last_flush >= self.flush_s):
            self.flush()
        self.report(Path(outcome.file).name)

    def skip_unread(self, n: int) -> None:
        self.result.skipped += n
        self.done += n

    def flush(self) -> None:
        if self.pending:
            with _defer_ctrl_c():
                self.lib.commit(self.pending)
            self.result.added += len(self.pending) - self.pending_replaced
            self.result.added_ids.extend(rec.session_id for rec in self.pending)
            self.pending = []
            self.pending_replaced = 0
        self.last_flush = time.monotonic()

    def report(self, current: str = "") -> None:
        if self.progress is None:
            return
        elapsed = time.monotonic() - self.t0
        left = self.total - self.done
        eta = elapsed / self.processed * left if self.processed else None
        r = self.result
        self.progress(IngestProgress(self.total, self.done, r.added + len(self.pending), r.skipped, len(r.failed),
                                     r.events, elapsed, eta, current))


def ingest(library: LibraryStore, paths: Sequence[str | Path], *, attributes_file: str | Path | None = None,
           progress: Callable[[IngestProgress], None] | None = None, cancel: CancelToken | None = None,
           workers: int = 2, batch_size: int = 64, flush_s: float = 2.0, replace: bool = False) -> IngestResult:
    """Add session files (bundles, rrweb recordings; folders recursively) to ``library`` (a ``LibraryStore``).

    ``workers`` processes read and summarise files (0: in this process, for tests and tiny imports);
    ``progress`` is called from this thread after every file; ``cancel`` stops between files (what was
    finished is committed). Batches are committed every ``batch_size`` sessions or ``flush_s`` seconds. An
    ``attributes_file`` (CSV or JSON, see ``io.library.attributes``) is applied to the new sessions and to
    matching sessions already in the library. Ctrl+C (KeyboardInterrupt) commits what was finished, then
    propagates. Raises BadInputError for an unreadable attributes file (before anything is imported).
    ``replace``: a known session id with new content replaces the stored version (default: kept beside it under
    a derived id, reported in ``conflicts``). Files are read in path order and their outcomes applied in that
    order, whatever the order the workers finish in.
    """
    cancel = cancel or CancelToken()
    attr_rows = read_attributes_file(attributes_file) if attributes_file is not None else None
    files, missing = find_files(paths)
    files.sort(key=lambda f: str(f.resolve()))
    library.cleanup_orphans()
    known_src = library.known_sources()
    digests = frozenset(library.known_versions().values())
    todo: list[Path] = []
    unchanged = 0
    for f in files:
        try:
            st = f.stat()
        except OSError:
            todo.append(f)
            continue
        k = known_src.get(str(f.resolve()))
        if k is not None and k[0] == st.st_size and k[1] == st.st_mtime_ns and k[2] in digests:
            unchanged += 1
        else:
            todo.append(f)
    run = _Run(library, len(files) + len(missing), progress, batch_size, flush_s, replace)
    run.result.failed.extend(missing)
    run.done += len(missing)
    run.skip_unread(unchanged)
    run.report()
    root = str(library.root)
    try:
        if workers <= 0 or len(todo) <= 1:
            prepare_mod.set_known(digests)
            for f in todo:
                if cancel.cancelled:
                    break
                run.add(prepare_mod.prepare(str(f), root))
        else:
            _pool(run, todo, root, digests, cancel, workers)
    except KeyboardInterrupt:
        cancel.cancel()
        run.flush()
        raise
    finally:
        run.result.cancelled = cancel.cancelled
    run.flush()
    if attr_rows:
        library.apply_attribute_rows(attr_rows)
    if run.result.added or attr_rows:
        library.checkpoint()
    run.result.elapsed_s = time.monotonic() - run.t0
    run.report()
    return run.result


def _pool(run: _Run, todo: list[Path], root: str, digests: frozenset[str], cancel: CancelToken,
          workers: int) -> None:
    """Read files in ``workers`` processes, applying the outcomes in file order (a reorder buffer of at most
    ``4 * workers`` files in flight, so a slow file holds back little memory); if the pool cannot start or
    breaks (a frozen build without ``freeze_support``, a worker killed by the OS), the files left are read in
    this process."""
    ctx = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB threads; same on every OS
    files = [str(f) for f in todo]
    running: dict[Future[Outcome], int] = {}
    ready: dict[int, Outcome] = {}
    nxt = 0  # next file to submit
    apply = 0  # next file whose outcome is applied
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=prepare_mod.init_worker,
                                 initargs=(digests, os.getpid())) as pool:
            try:
                while apply < len(files):
                    while (nxt < len(files) and len(running) < 2 * workers
                           and len(running) + len(ready) < 4 * workers and not cancel.cancelled):
                        running[pool.submit(prepare_mod.prepare, files[nxt], root)] = nxt
                        nxt += 1
                    if not running and apply not in ready:
                        break
                    if running:
                        finished, _ = wait(running, timeout=0.5, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            ready[running.pop(fut)] = fut.result()
                    while apply in ready:
                        run.add(ready.pop(apply))
                        apply += 1
                    if cancel.cancelled:
                        nxt = len(files)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except BrokenProcessPool:
        prepare_mod.set_known(digests)
        for i in range(apply, len(files)):
            if cancel.cancelled:
                break
            run.add(ready.pop(i) if i in ready else prepare_mod.prepare(files[i], root))
