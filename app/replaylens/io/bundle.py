"""The native session bundle (``.rlsession``): a zip of manifest.json, events.parquet and page screenshots.

Reading treats the file as hostile: sizes, names and ratios are checked from the zip directory before anything is
decompressed, image sizes from their headers before anything decodes them, and the file is only ever opened for
reading, for as long as one read takes (it is never held open, written, renamed or locked).
See docs/format.md for the format and the limits.
"""

from __future__ import annotations

import json
import posixpath
import shutil
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from replaylens.errors import BadInputError, LimitExceededError, UnsupportedVersionError
from replaylens.io import limits as L
from replaylens.io.imagesize import image_size
from replaylens.model.atomic import atomic_path
from replaylens.model.imported import EventsFile, ImportedSession
from replaylens.model.manifest import Manifest, ManifestError, VersionError, parse_manifest
from replaylens.model.report import ImportReport
from replaylens.model.validation import SchemaError, decode_json

EXTENSION = ".rlsession"
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".webp"}
#: What zipfile raises on a corrupt container or member (zlib and struct errors are not OSErrors).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, struct.error, OSError, EOFError, ValueError, NotImplementedError,
              OverflowError)


def is_bundle(path: Path, head: bytes) -> bool:
    """Sniff: a zip whose first member is manifest.json (what our writer produces), or any zip named *.rlsession."""
    return head[:4] == b"PK\x03\x04" and (b"manifest.json" in head[:128] or path.suffix.lower() == EXTENSION)


# -- reading -----------------------------------------------------------------------------------------------------

def _check_file(path: Path) -> int:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise BadInputError(path, "the file does not exist") from None
    except OSError as exc:
        raise BadInputError(path, f"the file cannot be read ({exc.strerror})") from None
    if not path.is_file():
        raise BadInputError(path, "this is not a file")
    if st.st_size == 0:
        raise BadInputError(path, "the file is empty")
    if st.st_size > L.MAX_FILE_BYTES:
        raise LimitExceededError(path, f"the file is {st.st_size / L.GiB:.1f} GiB, over the "
                                       f"{L.MAX_FILE_BYTES // L.GiB} GiB limit")
    return st.st_size


def _safe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or ":" in name or "\x00" in name:
        return False
    norm = posixpath.normpath(name)
    return not (norm.startswith("..") or "/../" in f"/{norm}/")


def _check_members(path: Path, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > L.MAX_MEMBERS:
        raise LimitExceededError(path, f"the bundle holds {len(infos)} entries, over the limit of {L.MAX_MEMBERS}")
    total = 0
    members: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if not _safe_name(info.filename):
            raise BadInputError(path, f"the bundle contains an unsafe entry name {info.filename[:80]!r} "
                                      "(absolute or '..' path)")
        if info.flag_bits & 0x1:
            raise BadInputError(path, f"entry {info.filename!r} is encrypted")
        total += info.file_size
        if info.file_size > L.RATIO_FLOOR and info.file_size > L.MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise LimitExceededError(path, f"entry {info.filename!r} expands {ratio:,}-fold (a zip bomb?); "
                                           f"the limit is {L.MAX_RATIO}-fold")
        members[info.filename] = info
    if total > L.MAX_TOTAL_BYTES:
        raise LimitExceededError(path, f"the bundle declares {total / L.GiB:.1f} GiB of content, over the "
                                       f"{L.MAX_TOTAL_BYTES // L.GiB} GiB limit")
    return members


def _read_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise LimitExceededError(path, f"entry {info.filename!r} is {info.file_size:,} bytes, over the limit "
                                       f"of {limit:,}")
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except ZIP_ERRORS as exc:
        raise BadInputError(path, f"entry {info.filename!r} is corrupt or truncated ({exc})") from None
    if len(data) > limit:  # the directory lied about the size
        raise LimitExceededError(path, f"entry {info.filename!r} holds more than its declared size")
    return data


def _copy_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: IO[bytes], limit: int) -> None:
    if info.file_size > limit:
        raise LimitExceededError(path, f"entry {info.filename!r} is {info.file_size:,} bytes, over the limit "
                                       f"of {limit:,}")
    written = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise LimitExceededError(path, f"entry {info.filename!r} holds more than its declared size")
                dest.write(chunk)
    except ZIP_ERRORS as exc:
        raise BadInputError(path, f"entry {info.filename!r} is corrupt or truncated ({exc})") from None


def _open_zip(path: Path, fh: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(fh)
    except zipfile.BadZipFile:
        raise BadInputError(path, "not a Replay Lens session: the zip container is corrupt or truncated") from None
    except ZIP_ERRORS as exc:
        raise BadInputError(path, f"the zip container cannot be read ({exc})") from None


def import_bundle(path: str | Path, report: ImportReport | None = None) -> ImportedSession:
    """Read and check a bundle: the manifest, the screenshots' headers and the events table, extracted to a
    temporary file the store decodes (its Parquet footer checked against the limits first). Raises BadInputError
    (and subclasses) with one clear message."""
    path = Path(path)
    _check_file(path)
    report = report or ImportReport(source=str(path))
    with open(path, "rb") as fh, _open_zip(path, fh) as zf:
        members = _check_members(path, zf)
        if "manifest.json" not in members:
            raise BadInputError(path, "not a Replay Lens session: there is no manifest.json inside")
        raw = _read_member(path, zf, members["manifest.json"], L.MAX_MANIFEST_BYTES)
        try:
            obj = decode_json(raw)
        except SchemaError as exc:
            raise BadInputError(path, f"manifest.json is not valid JSON ({exc})") from None
        try:
            manifest = parse_manifest(obj, max_pages=L.MAX_PAGES, max_dim=L.MAX_DIM, max_viewport=L.MAX_VIEWPORT)
        except VersionError as exc:
            raise UnsupportedVersionError(path, str(exc)) from None
        except ManifestError as exc:
            raise BadInputError(path, f"manifest.json is invalid: {exc}") from None
        _check_images(path, zf, members, manifest, report)
        ev_info = members.get(manifest.events_member)
        if ev_info is None:
            raise BadInputError(path, f"the events table {manifest.events_member!r} is missing")
        fmt = "ndjson" if manifest.events_member.endswith((".ndjson", ".jsonl")) else "parquet"
        tmpdir = Path(tempfile.mkdtemp(prefix="replaylens-"))
        try:
            tmp = tmpdir / ("events." + fmt)
            with open(tmp, "wb") as out:
                _copy_member(path, zf, ev_info, out, L.MAX_EVENTS_BYTES)
        except BaseException:
            shutil.rmtree(tmpdir, ignore_errors=True)
            raise
    return ImportedSession(path=path, manifest=manifest,
                           events=EventsFile(tmp, fmt, check_footer=lambda footer, stored: _check_parquet(
                               path, footer, stored)),
                           report=report, temp_dirs=[tmpdir],
                           load_image=_ImageLoader(path, {p.screenshot for p in manifest.pages if p.screenshot}
                                                   | {st.screenshot for p in manifest.pages for st in p.states}))


def _check_parquet(path: Path, footer: tuple[int, int, int], stored: int) -> None:
    """Refuse a Parquet events table whose footer declares more rows, decoded bytes or nesting than the limits,
    before anything decodes it (a few hundred KB of dictionary/RLE-encoded columns can decode to gigabytes)."""
    rows, decoded, deepest = footer
    stored = max(stored, 1)
    if deepest > L.MAX_COLUMN_NESTING:
        raise LimitExceededError(path, f"a column of the events table is nested {deepest} levels deep, over the "
                                       f"limit of {L.MAX_COLUMN_NESTING}")
    if rows > L.MAX_EVENT_ROWS:
        raise LimitExceededError(path, f"the events table declares {rows:,} rows, over the limit of "
                                       f"{L.MAX_EVENT_ROWS:,}")
    if decoded > L.MAX_DECODED_BYTES or (decoded > L.DECODE_FLOOR and decoded > L.MAX_DECODE_RATIO * stored):
        raise LimitExceededError(path, f"the events table would decode to {decoded / L.MiB:,.0f} MiB from "
                                       f"{stored:,} bytes (limits: {L.MAX_DECODED_BYTES // L.GiB} GiB, "
                                       f"{L.MAX_DECODE_RATIO}-fold past {L.DECODE_FLOOR // L.MiB} MiB)")


def _check_images(path: Path, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], manifest: Manifest,
                  report: ImportReport) -> None:
    for i, page in enumerate(manifest.pages):
        for name in [page.screenshot] + [s.screenshot for s in page.states]:
            if name:
                _check_image(path, zf, members, i, page.url, name)


def _check_image(path: Path, zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], i: int, url: str,
                 name: str) -> None:
    info = members.get(name)
    if info is None:
        raise BadInputError(path, f"page {i} ({url}) names screenshot {name!r}, "
                                  "which is not in the bundle")
    if info.file_size > L.MAX_IMAGE_BYTES:
        raise LimitExceededError(path, f"screenshot {name!r} is {info.file_size:,} bytes, over "
                                       f"the limit of {L.MAX_IMAGE_BYTES:,}")
    try:
        with zf.open(info) as fh:
            head = fh.read(256 * 1024)
    except ZIP_ERRORS as exc:
        raise BadInputError(path, f"screenshot {name!r} is corrupt ({exc})") from None
    size = image_size(head)
    if size is None:
        raise BadInputError(path, f"screenshot {name!r} is not a PNG, JPEG or WebP image")
    _fmt, w, h = size
    if w == 0 or h == 0 or w > L.MAX_IMAGE_WIDTH or h > L.MAX_IMAGE_HEIGHT or w * h > L.MAX_IMAGE_PIXELS:
        raise LimitExceededError(path, f"screenshot {name!r} declares {w:,}×{h:,} pixels, over the "
                                       f"limits ({L.MAX_IMAGE_WIDTH:,} wide, {L.MAX_IMAGE_HEIGHT:,} tall, "
                                       f"{L.MAX_IMAGE_PIXELS // 1_000_000} megapixels)")


class _ImageLoader:
    """Reads one screenshot at a time by reopening the bundle read-only; keeps no handle between reads."""

    def __init__(self, path: Path, names: set[str]) -> None:
        self._path = path
        self._names = names
        self._cache: dict[str, bytes] = {}

    def __call__(self, name: str) -> bytes | None:
        if name not in self._names:
            return None
        if name not in self._cache:
            try:
                with open(self._path, "rb") as fh, zipfile.ZipFile(fh) as zf:
                    self._cache[name] = _read_member(self._path, zf, zf.getinfo(name), L.MAX_IMAGE_BYTES)
            except (*ZIP_ERRORS, KeyError, BadInputError):
                return None
        return self._cache[name]


# -- writing -----------------------------------------------------------------------------------------------------

def write_bundle(path: str | Path, manifest: Manifest, events: pa.Table | dict[str, Any],
                 images: dict[str, bytes], *, keep_values: bool = False) -> Path:
    """Write a bundle atomically (temp file in the same folder, then rename). Returns the path.

    The privacy policy is applied first (``io.privacy.tables``, docs/privacy.md): typed values reduced to their
    shape unless ``keep_values``, card data never written, personal data in every other text masked."""
    from replaylens.io.privacy.tables import scrub_manifest, scrub_table

    path = Path(path)
    table = scrub_table(events if isinstance(events, pa.Table) else pa.table(events), keep_values)
    scrub_manifest(manifest)
    manifest.source["typed_values"] = "kept" if keep_values else "shape"
    manifest.events_member = "events.parquet"
    manifest.duration_ms = manifest.duration_ms if manifest.duration_ms is not None else (
        int(pc.max(table["t"]).as_py() or 0) if table.num_rows else 0)
    with atomic_path(path) as tmp, open(tmp, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
        zf.writestr(zipfile.ZipInfo("manifest.json"), json.dumps(manifest.to_json(), indent=1),
                    compress_type=zipfile.ZIP_DEFLATED)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd", row_group_size=256_000)
        zf.writestr("events.parquet", sink.getvalue().to_pybytes(), compress_type=zipfile.ZIP_STORED)
        for name, data in images.items():
            if not _safe_name(name) or Path(name).suffix.lower() not in IMAGE_TYPES:
                raise ValueError(f"bad screenshot member name {name!r}")
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return path
