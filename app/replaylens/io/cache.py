"""Converted recordings, cached in the user's data folder so a recording is rendered once.

The cache lives in ``<data dir>/converted/`` (the one user-data folder of ``model.userdata.data_dir``: Linux
``$XDG_DATA_HOME/replaylens`` or ``~/.local/share/replaylens``; ``$REPLAYLENS_DATA_DIR`` overrides), never beside
or inside the input file. Entries are keyed by a SHA-256 of the input's bytes plus the converter version, so an
edited or renamed file is handled correctly and a new converter rebuilds old entries. Writes are atomic
(``write_bundle`` renames a temp file), so two viewers converting the same file at once are safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from replaylens.errors import BadInputError
from replaylens.model.userdata import data_dir

Progress = Callable[[float, str], None]
#: Oldest entries beyond this total are removed after each conversion (Replay Lens default).
MAX_CACHE_BYTES = 4 * 1024**3
_CONVERTER_VERSION = "rrweb-6"  # keep equal to io.rrweb.convert.CONVERTER_VERSION (a test checks)
#: The viewer's preference "show recorded input values that are not secret" (off: every value masked in the
#: screenshots). Process-wide, set by the UI (``set_show_input_values``); part of the cache key, so switching it
#: renders the recording again instead of reusing screenshots made under the other setting.
_OPTIONS = {"show_values": False}


def set_show_input_values(flag: bool) -> None:
    _OPTIONS["show_values"] = bool(flag)


def show_input_values() -> bool:
    return _OPTIONS["show_values"]


def cache_dir() -> Path:
    return data_dir() / "converted"


def content_key(src: str | Path) -> str:
    """SHA-256 of the file's bytes, the converter version and the input-values preference (streamed, 1 MiB at a
    time)."""
    h = hashlib.sha256(_CONVERTER_VERSION.encode() + (b"+values" if show_input_values() else b"") + b"\0")
    try:
        with open(src, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        raise BadInputError(src, "the file does not exist") from None
    except OSError as exc:
        raise BadInputError(src, f"the file cannot be read ({exc.strerror})") from None
    return h.hexdigest()


def cached_bundle_path(src: str | Path) -> Path:
    """Where the converted bundle of ``src`` lives (whether or not it exists yet)."""
    return cache_dir() / f"{content_key(src)[:40]}.rlsession"


def first_bundle_path(out: Path) -> Path:
    """Where the converter leaves the early bundle (first screenshots, no keyframes yet) while it renders ``out``."""
    return out.with_name(out.stem + ".first.rlsession")


def _valid(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def convert_cached(src: str | Path, progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
                   *, render: bool = True) -> Path:
    """The cached bundle of ``src``, converting (and rendering) it first when needed. For a worker thread.

    Raises BadInputError for an unreadable recording, CancelledError when ``cancel()`` turns true.
    """
    from replaylens.io.rrweb.convert import convert_rrweb

    src = Path(src)
    out = cached_bundle_path(src)
    if out.is_file() and _valid(out):
        os.utime(out)  # most recently used
        if progress is not None:
            progress(1.0, "already converted")
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    convert_rrweb(src, out, render=render, progress=progress, cancel=cancel, show_values=show_input_values(),
                  keyframes=True)
    purge_outdated(keep=out)
    prune(keep=out)
    return out


def _converter_of(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("manifest.json")
            if info.file_size > 16 * 1024 * 1024:
                return None
            obj = json.loads(zf.read(info))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, RecursionError):
        return None
    source = obj.get("source") if isinstance(obj, dict) else None
    conv = source.get("converter") if isinstance(source, dict) else None
    return conv if isinstance(conv, str) else None


def purge_outdated(keep: Path | None = None) -> int:
    """Delete converted bundles written by another converter version: older versions stored and rendered input
    values that this one keeps masked, so they must not linger on disk. Returns how many were deleted."""
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    removed = 0
    for p in folder.glob("*.rlsession"):
        if p == keep or _converter_of(p) == _CONVERTER_VERSION:
            continue
        try:
            p.unlink()
        except OSError:
            continue
        removed += 1
    return removed


def prune(max_bytes: int = MAX_CACHE_BYTES, keep: Path | None = None) -> int:
    """Delete the least recently used converted bundles beyond ``max_bytes``; returns how many were deleted."""
    folder = cache_dir()
    if not folder.is_dir():
        return 0
    entries = []
    for p in folder.glob("*.rlsession"):
        try:
            st = p.stat()
        except OSError:
            continue
        entries.append((st.st_mtime, st.st_size, p))
    total = sum(e[1] for e in entries)
    removed = 0
    for _mtime, size, p in sorted(entries):
        if total <= max_bytes:
            break
        if keep is not None and p == keep:
            continue
        try:
            p.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
