"""Validate before you write: every argument of a command is checked before the command touches a library or
the disk (``check(args)``, called by ``cli.main`` before any command runs).

Two kinds of failure, one line each on stderr:

- ``UsageError`` (exit 2): an argument that is not well formed — a number out of range
  (``--limit 99999999999999999999``, ``--cell nan``), an empty output path, an engine spec, a duration.
- ``BadInputError`` (exit 3): an argument naming something unusable — a ``--filter`` that does not parse,
  range bounds included (``>abc``, ``>=1e309``, ``<=nan``, 400 digits, ``date>=2026-02-30``; exit 3 as filter
  errors always were), an input that is not a regular file (``/dev/zero``, a FIFO, a folder), an output path
  in ``/proc``, in a missing folder or onto a folder, an empty ``--library``.

What a value *means* (unknown filter keys, goals, ``--by`` names) is checked by the commands against the library.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
from pathlib import Path
from typing import Any

from replaylens.errors import BadInputError, ReplayLensError
from replaylens.io.regular import not_regular

#: Largest integer argument accepted anywhere (``--limit``, ``--page``, ``--fps`` … have their own ranges too).
MAX_INT = 10**9
#: Output paths never written into these (pseudo file systems: writing there is never an export).
PSEUDO_ROOTS = ("/proc", "/sys", "/dev")
#: Per-argument integer ranges (inclusive); any other integer argument must lie within 0..MAX_INT.
INT_RANGES: dict[str, tuple[int, int]] = {"limit": (0, MAX_INT), "workers": (0, 64), "fps": (1, 240),
                                          "page": (0, 100_000), "dropped_at": (1, 1_000)}
#: Argument names holding output paths, and names holding input files.
OUTPUTS = ("out", "pdf", "output")
INPUTS = ("file", "files", "input", "attributes", "annotations", "first")


class UsageError(ReplayLensError):
    """A command-line argument is not well formed (exit 2); ``str()`` is the one message."""


class BadArgument(BadInputError):
    """A well-formed argument naming something unusable that is not one file (exit 3); ``str()`` is the message."""

    def __init__(self, message: str) -> None:
        ReplayLensError.__init__(self, message)
        self.path = Path()
        self.problem = message


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def check_int(name: str, value: int) -> None:
    lo, hi = INT_RANGES.get(name, (-MAX_INT, MAX_INT))
    if not lo <= value <= hi:
        raise UsageError(f"{_option(name)}: {str(value)[:30]} is out of range ({lo}..{hi:,})")


def check_float(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise UsageError(f"{_option(name)}: {value} is not a finite number")
    if abs(value) > 1e12:
        raise UsageError(f"{_option(name)}: {value:g} is out of range")


def check_output(name: str, value: str) -> None:
    """An output path: not empty, not a folder or a device, in an existing folder outside the pseudo file
    systems. Nothing is created."""
    if not value.strip():
        raise UsageError(f"{_option(name)}: the output path is empty")
    if "\x00" in value:
        raise UsageError(f"{_option(name)}: the output path contains a NUL character")
    path = Path(value)
    try:
        full = Path(os.path.realpath(path))
    except (OSError, ValueError):
        raise BadInputError(path, "this output path cannot be used") from None
    if any(str(full) == r or str(full).startswith(r + "/") for r in PSEUDO_ROOTS):
        raise BadInputError(path, f"cannot write into {full.parent} (a system folder, not a place for files)")
    try:
        st = os.stat(full)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BadInputError(path, f"this output path cannot be used ({exc.strerror})") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise BadInputError(path, f"the output is {what}: give a file name")
    if value.endswith(("/", os.sep)):
        raise BadInputError(path, "the output is a folder: give a file name")
    if not full.parent.is_dir():
        raise BadInputError(path, f"the folder {path.parent} does not exist")
    if not os.access(full.parent, os.W_OK):
        raise BadInputError(path, f"the folder {path.parent} is not writable")


def check_input(value: str, *, folders: bool = False) -> None:
    """An input file: exists and is a regular file (or a folder when ``folders``); never opened here."""
    if not value.strip():
        raise UsageError("an input path is empty")
    path = Path(value)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise BadInputError(path, "the file does not exist") from None
    except (OSError, ValueError) as exc:
        raise BadInputError(path, f"the file cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if stat.S_ISREG(st.st_mode) or (folders and stat.S_ISDIR(st.st_mode)):
        return
    raise BadInputError(path, not_regular(st.st_mode))


def check_filters(exprs: list[str]) -> None:
    """Every ``--filter`` parses, range bounds included (``analysis.segments.parse_filter``)."""
    from replaylens.analysis.segments import parse_filter

    for e in exprs:
        try:
            parse_filter(e)
        except ValueError as exc:
            raise BadArgument(f"bad --filter {e[:60]!r}: {exc}") from None  # exit 3, as the commands always did


def check_engine(value: str | None) -> None:
    from replaylens.store.engine import parse_engine

    try:
        parse_engine(value or os.environ.get("REPLAYLENS_ENGINE"))
    except ValueError as exc:
        raise UsageError(f"--engine: {exc}") from None


def check_duration(name: str, value: str) -> None:
    from replaylens.analysis.experiments import parse_duration

    try:
        ms = parse_duration(value)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"{_option(name)}: {exc}") from None
    if not 0 < ms <= 10 * 366 * 86_400_000:
        raise UsageError(f"{_option(name)}: {value[:30]!r} is out of range (up to ten years)")


_NAME_ARGS = {"name": "name", "tag": "tag name"}


def check_name(what: str, value: str) -> None:
    """A goal, segment, theme or tag name: 1-120 characters, no control characters, no outer spaces (the store's
    rule, checked before the store is opened)."""
    if not 1 <= len(value) <= 120 or value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise BadArgument(f"{value[:40]!r}: a {what} is 1-120 characters without control characters or outer spaces")


def check_words(keywords: list[str]) -> None:
    if len(keywords) > 1_000 or any(len(k) > 200 or "\x00" in k for k in keywords):
        raise BadArgument("theme keywords: at most 1,000, each at most 200 characters")


def check_library_path(value: str | None) -> None:
    if value is not None and not value.strip():
        raise BadArgument("--library '': the library path is empty (give the library folder)")


def check(args: argparse.Namespace) -> None:
    """Check every argument of a parsed command line. Raises UsageError or BadInputError; touches nothing."""
    ns: dict[str, Any] = vars(args)
    for name, value in ns.items():
        if name.startswith("_") or name in ("run", "debug") or isinstance(value, bool):
            continue
        if isinstance(value, int):
            check_int(name, value)
        elif isinstance(value, float):
            check_float(name, value)
        elif isinstance(value, list | tuple) and value and all(isinstance(v, float) for v in value):
            for v in value[:1] if isinstance(value, tuple) else value:  # a (low, high) range may end open
                check_float(name, v)
    if "library" in ns:
        check_library_path(ns["library"])
    if ns.get("filter"):
        check_filters(list(ns["filter"]))
    if "engine" in ns:
        check_engine(ns["engine"])
    for key, what in _NAME_ARGS.items():
        if isinstance(ns.get(key), str):
            check_name(what, ns[key])
    if isinstance(ns.get("text"), str) and not 1 <= len(ns["text"]) <= 10_000:
        raise BadArgument("a note is 1-10,000 characters")
    if isinstance(ns.get("keywords"), list):
        check_words(ns["keywords"])
    if ns.get("within"):
        check_duration("within", ns["within"])
    for name in OUTPUTS:
        if isinstance(ns.get(name), str):
            check_output(name, ns[name])
    viewer = ns.get("command") == "open"  # the viewer also opens library folders
    for name in INPUTS:  # a missing file is the command's to report (after its own usage checks)
        value = ns.get(name)
        for v in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            if not v.strip() or os.path.lexists(v):
                check_input(v, folders=viewer)
    if ns.get("library_command") == "add":
        for v in ns.get("paths", []):
            if not v.strip():
                raise UsageError("library add: an input path is empty")
