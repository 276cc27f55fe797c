"""``replaylens audit``: find card numbers and personal data in recordings, bundles and libraries (docs/privacy.md).

``audit(paths, fix=False)`` scans

* a **library** folder: every events and heat-cell Parquet file (every text column, decoded; ``value`` against the
  library's policy, so a typed value kept in clear by an older version counts as ``typed_value``), every text
  column of every catalogue table (sessions, pages, labels, attributes, identities, notes, survey answers ...);
  page pictures are images (no source HTML is kept);
* a **bundle** (``.rlsession``): its manifest (page URLs, titles, attributes, notes) and its events;
* a **raw recording** (rrweb / PostHog JSON ...): every event through ``scrub_rrweb_events`` (card, CVV, expiry
  and name fields by their attributes and labels; card numbers, IBANs, e-mails, phones, Thai ids in any text);
* a plain folder: every bundle and recording inside it.

Each finding is ``kind, file, where (column or field), count``: never the value. ``fix=True`` rewrites libraries and
bundles in place, each file atomically (a temp file renamed over it; the catalogue copied into a fresh file so that
no freed block keeps an old value), after which a second audit is clean; raw recordings are inputs and are never
modified. The verdict is remembered in the library (``library_policy.record_audit``).
"""

from __future__ import annotations

import contextlib
import json
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from replaylens.core.pii import MAYBE, detect, mask_text, mask_url, pseudonym
from replaylens.errors import BadInputError
from replaylens.io.privacy.library_policy import read_policy, record_audit
from replaylens.io.privacy.memory import FieldMemory
from replaylens.io.privacy.rrweb import scrub_rrweb_events, scrub_value
from replaylens.io.privacy.tables import scrub_table
from replaylens.model.atomic import atomic_path

RECORDING_SUFFIXES = (".json", ".gz", ".ndjson", ".jsonl", ".rlsession")
#: Catalogue columns that are ours (ids, digests, file names, vocabularies): never user data.
TECHNICAL = frozenset({"session_id", "sha256", "events_file", "screen", "source_format", "device_class", "kind",
                       "id_kind", "response_id", "match", "source", "rule", "key", "layout_version", "site"})
#: Catalogue columns holding a person's id: an e-mail or phone there becomes its pseudonym (joins keep working).
ID_COLUMNS = frozenset({"user_id", "ident", "identity", "user_hint"})
Progress = Callable[[int, int, str], None]


@dataclass
class Finding:
    kind: str
    file: str
    where: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "where": self.where, "count": self.count}


@dataclass
class AuditReport:
    findings: list[Finding] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    files: int = 0
    fixed: list[str] = field(default_factory=list)  # files rewritten by --fix
    not_fixable: list[str] = field(default_factory=list)  # files with findings --fix does not rewrite (inputs)

    @property
    def clean(self) -> bool:
        """Nothing left: no finding, or every finding in a file that --fix rewrote."""
        fixed = set(self.fixed)
        return not any(f.file not in fixed for f in self.findings)

    def kinds(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for f in self.findings:
            out[f.kind] += f.count
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {"clean": self.clean and not self.unreadable, "files": self.files, "kinds": self.kinds(),
                "findings": [f.to_json() for f in self.findings],
                "unreadable": [{"file": f, "reason": r} for f, r in self.unreadable],
                "fixed": self.fixed, "not_fixable": self.not_fixable}


class _Audit:
    def __init__(self, fix: bool, progress: Progress | None, cancel: Callable[[], bool] | None,
                 library: Any = None) -> None:
        self.fix = fix
        self.open_library = library
        self.report = AuditReport()
        self.progress = progress
        self.cancel = cancel or (lambda: False)

    def add(self, file: Path, found: Counter[tuple[str, str]]) -> None:
        for (kind, where), n in sorted(found.items()):
            if n:
                self.report.findings.append(Finding(kind, str(file), where, int(n)))

    # -- Parquet -------------------------------------------------------------------------------------------------
    def parquet(self, path: Path, keep_values: bool, writable: bool) -> None:
        self.report.files += 1
        try:
            table = pq.read_table(path)
            codec = pq.ParquetFile(path).metadata.row_group(0).column(0).compression.lower() \
                if pq.ParquetFile(path).metadata.num_row_groups else "zstd"
        except (OSError, pa.ArrowException) as exc:
            self.report.unreadable.append((str(path), f"not a readable Parquet file ({str(exc)[:120]})"))
            return
        found: Counter[tuple[str, str]] = Counter()
        new = scrub_table(table, keep_values, found)
        self.add(path, found)
        if found and self.fix and writable and new is not table:
            try:
                with atomic_path(path) as tmp:
                    pq.write_table(new, tmp, compression=codec if codec in ("zstd", "snappy", "gzip") else "zstd")
            except OSError as exc:
                self.report.unreadable.append((str(path), f"cannot be rewritten ({exc.strerror or exc})"))
                return
            self.report.fixed.append(str(path))

    # -- the library ---------------------------------------------------------------------------------------------
    def library(self, root: Path) -> None:
        from replaylens.store import _privacy
        from replaylens.store.library import LibraryError, open_library

        policy = read_policy(root)
        files = [f for sub in ("events", "cells") if (root / sub).is_dir()
                 for f in sorted((root / sub).rglob("*.parquet"))]
        for i, f in enumerate(files):
            if self.cancel():
                return
            self.tick(f, i, len(files) + 1)
            self.parquet(f, policy.keep_values, writable=True)
        cat = root / "catalogue.duckdb"
        self.report.files += 1
        self.tick(cat, len(files), len(files) + 1)
        given = self.open_library is not None and Path(self.open_library.root).resolve() == root.resolve()
        try:
            lib = self.open_library if given else open_library(root, create=False, read_only=not self.fix)
        except LibraryError as exc:
            self.report.unreadable.append((str(cat), str(exc)[:200]))
            return
        found: Counter[tuple[str, str]] = Counter()
        changed = False
        try:
            for table, column in _privacy.text_columns(lib):
                if column in TECHNICAL or column.endswith("_path") or self.cancel():
                    continue
                mapping: dict[str, str] = {}
                for value, n in _privacy.distinct_values(lib, table, column):
                    if not MAYBE.search(value):
                        continue
                    hits = detect(value)
                    if not hits or (column in ID_COLUMNS and value.startswith("id:")):
                        continue
                    for m in hits:
                        found[(m.kind, f"{table}.{column}")] += n
                    whole = len(hits) == 1 and hits[0].start == 0 and hits[0].end == len(value)
                    if column in ID_COLUMNS and whole and hits[0].kind != "card_number":
                        mapping[value] = pseudonym(value)
                    else:
                        mapping[value] = mask_url(value) if value.startswith(("http://", "https://")) \
                            else mask_text(value)
                if self.fix and mapping and not given:
                    _privacy.replace_values(lib, table, column, mapping)
                    changed = True
        except LibraryError as exc:
            self.report.unreadable.append((str(cat), f"cannot be rewritten ({exc})"))
            return
        finally:
            if not given:
                lib.close()
        self.add(cat, found)
        if changed:
            try:
                _privacy.rewrite_catalogue(root)
            except (OSError, LibraryError) as exc:
                self.report.unreadable.append((str(cat), f"was fixed in place but not copied afresh ({exc})"))
                return
            self.report.fixed.append(str(cat))

    # -- a bundle ------------------------------------------------------------------------------------------------
    def bundle(self, path: Path) -> None:
        self.report.files += 1
        found: Counter[tuple[str, str]] = Counter()
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                manifest = json.loads(zf.read("manifest.json"))
                if not isinstance(manifest, dict):
                    raise ValueError("manifest.json is not an object")
                keep = str((manifest.get("source") or {}).get("typed_values", "")) == "kept" \
                    if isinstance(manifest.get("source"), dict) else False
                new_manifest = scrub_value(manifest, found, "manifest.json")
                tables: dict[str, pa.Table] = {}
                for name in names:
                    if name.endswith(".parquet"):
                        table = pq.read_table(pa.BufferReader(zf.read(name)))
                        sub: Counter[tuple[str, str]] = Counter()
                        new = scrub_table(table, keep, sub)
                        for (kind, col), n in sub.items():
                            found[(kind, f"{name}:{col}")] += n
                        if new is not table:
                            tables[name] = new
                    elif name.endswith((".ndjson", ".json")) and name != "manifest.json":
                        for m in detect(zf.read(name).decode("utf-8", "replace")):
                            found[(m.kind, name)] += 1
        except (OSError, zipfile.BadZipFile, KeyError, ValueError, pa.ArrowException) as exc:
            self.report.unreadable.append((str(path), f"not a readable bundle ({str(exc)[:120]})"))
            return
        self.add(path, found)
        if found and self.fix:
            try:
                self._rewrite_bundle(path, new_manifest, tables)
            except OSError as exc:
                self.report.unreadable.append((str(path), f"cannot be rewritten ({exc.strerror or exc})"))
                return
            self.report.fixed.append(str(path))

    def _rewrite_bundle(self, path: Path, manifest: Any, tables: dict[str, pa.Table]) -> None:
        with zipfile.ZipFile(path) as src, atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                if info.filename == "manifest.json":
                    dst.writestr(zipfile.ZipInfo("manifest.json"), json.dumps(manifest, indent=1),
                                 compress_type=zipfile.ZIP_DEFLATED)
                elif info.filename in tables:
                    sink = pa.BufferOutputStream()
                    pq.write_table(tables[info.filename], sink, compression="zstd")
                    dst.writestr(info.filename, sink.getvalue().to_pybytes(), compress_type=zipfile.ZIP_STORED)
                elif info.filename.endswith((".ndjson",)):
                    text = src.read(info).decode("utf-8", "replace")
                    dst.writestr(info, mask_text(text))
                else:
                    dst.writestr(info, src.read(info))

    # -- a raw recording -----------------------------------------------------------------------------------------
    def recording(self, path: Path) -> None:
        from replaylens.io.rrweb.containers import load

        self.report.files += 1
        try:
            unwrapped = load(path)
        except BadInputError as exc:
            self.report.unreadable.append((str(path), str(exc)[:200]))
            return
        except (MemoryError, RecursionError, ValueError) as exc:
            self.report.unreadable.append((str(path), f"cannot be read ({type(exc).__name__})"))
            return
        found: Counter[tuple[str, str]] = Counter()
        scrub_rrweb_events(unwrapped.events, FieldMemory(), found=found)
        scrub_value(unwrapped.extra, found, "container")
        self.add(path, found)
        if found:
            self.report.not_fixable.append(str(path))

    # -- dispatch ------------------------------------------------------------------------------------------------
    def tick(self, path: Path, done: int = 0, total: int = 0) -> None:
        if self.progress is not None:
            self.progress(done, total, path.name)

    def path(self, p: Path) -> None:
        if self.cancel():
            return
        if p.is_dir():
            if (p / "catalogue.duckdb").is_file():
                before = len(self.report.findings), len(self.report.unreadable)
                self.library(p)
                if not self.cancel():
                    mine = self.report.findings[before[0]:]
                    fixed = set(self.report.fixed)
                    left = [f for f in mine if f.file not in fixed]
                    kinds: Counter[str] = Counter()
                    for one in mine:
                        kinds[one.kind] += one.count
                    with contextlib.suppress(OSError):  # a read-only library: the verdict is printed only
                        record_audit(p, {"clean": not left and len(self.report.unreadable) == before[1],
                                         "kinds": dict(sorted(kinds.items())), "findings": sum(kinds.values()),
                                         "fixed": bool(mine) and not left})
                return
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.name.lower().endswith(RECORDING_SUFFIXES):
                    self.path(f)
            return
        if not p.is_file():
            self.report.unreadable.append((str(p), "no such file or folder" if not p.exists() else
                                           "not a regular file"))
            return
        self.tick(p)
        try:
            with open(p, "rb") as fh:
                head = fh.read(4)
        except OSError as exc:
            self.report.unreadable.append((str(p), f"cannot be read ({exc.strerror})"))
            return
        if head == b"PK\x03\x04":
            self.bundle(p)
        else:
            self.recording(p)


def audit(paths: Iterable[str | Path], *, fix: bool = False, progress: Progress | None = None,
          cancel: Callable[[], bool] | None = None, library: Any = None) -> AuditReport:
    """Scan ``paths`` (module doc); with ``fix`` rewrite libraries and bundles so that a second audit is clean.
    ``progress(done, total, file name)``; ``cancel()`` stops between files. ``library``: an open ``LibraryStore``
    to read the catalogue through (the Library window's; a catalogue in use is never fixed)."""
    run = _Audit(fix, progress, cancel, library)
    for p in paths:
        run.path(Path(p))
    return run.report
