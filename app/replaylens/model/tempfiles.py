"""Temporary files of atomic writes, named so that the leftovers of a killed writer can be told from the file a
live writer is still filling, and cleaned up.

An atomic write fills ``.<target name>.<host>-<pid>-<random>.tmp`` beside its target and renames it over the
target; a process killed in between (SIGKILL, power loss) leaves that file behind. ``clean_stale`` removes the
temp files of one target that are certainly abandoned, and never one a live writer may still be using:

- written by a process of *this* host whose pid no longer exists: abandoned at once;
- anything else (a live pid, which may be a reused one; another host sharing the folder; this process; a name
  without an owner, as older versions wrote; Windows, where a pid cannot be probed safely): abandoned only when
  its last change is older than ``STALE_AFTER_S``. One save takes well under a second, and a writer keeps the
  file's mtime fresh while it writes, so a quarter of an hour leaves a wide margin.

Files of other targets, and anything not ending in ``.tmp``, are never touched. Cleaning never raises.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import time
from pathlib import Path

TMP_SUFFIX = ".tmp"
STALE_AFTER_S = 15 * 60.0


def _host() -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", socket.gethostname())[:32] or "host"


def temp_prefix(dest: Path) -> str:
    """The mkstemp prefix for a temp file of ``dest``: names the host and process that write it."""
    return f".{dest.name}.{_host()}-{os.getpid()}-"


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where directories cannot be opened)."""
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)


def _owner(name: str, dest: Path) -> tuple[str, int] | None:
    m = re.fullmatch(rf"\.{re.escape(dest.name)}\.(?:([0-9A-Za-z_]+)-(\d+)-)?.+{re.escape(TMP_SUFFIX)}", name,
                     re.DOTALL)
    if m is None:
        raise ValueError(name)
    return (m.group(1), int(m.group(2))) if m.group(2) else None


def _pid_gone(pid: int) -> bool:
    """True only when ``pid`` certainly does not exist on this host (POSIX; never probed on Windows)."""
    if sys.platform == "win32" or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists but is not ours (EPERM), or cannot be told
        return False
    return False


def is_stale(path: Path, dest: Path, now: float | None = None, max_age_s: float = STALE_AFTER_S) -> bool:
    """Whether ``path`` is an abandoned temp file of ``dest`` (see the module notes)."""
    try:
        owner = _owner(path.name, dest)
    except ValueError:
        return False
    if owner is not None and owner[0] == _host() and _pid_gone(owner[1]):
        return True
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    return age > max_age_s


def clean_stale(dest: Path, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove the abandoned temp files of ``dest``; returns the ones removed."""
    removed: list[Path] = []
    prefix = f".{dest.name}."
    try:
        candidates = [p for p in dest.parent.iterdir() if p.name.startswith(prefix) and p.name.endswith(TMP_SUFFIX)]
    except OSError:
        return removed
    now = time.time()
    for p in candidates:
        if p.is_file() and not p.is_symlink() and is_stale(p, dest, now, max_age_s):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed
