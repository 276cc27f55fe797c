"""Ingest workers never outlive the process that started them (a ``kill -9`` of ``library add`` or of the GUI).

Two guards, installed by the pool initializer in each worker:

- Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (through ctypes): the kernel kills the worker the moment its parent
  dies. Set after the worker started, so the parent's pid is checked once more right after.
- Everywhere: a daemon thread that polls every ``WATCH_S`` seconds whether the parent is still the one that
  started it (on POSIX an orphan is re-parented, so ``os.getppid()`` changes) and exits the process if not.

multiprocessing's resource tracker exits by itself once every process holding its pipe (the parent and the
workers) is gone, so it goes with them.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

WATCH_S = 0.5
_PR_SET_PDEATHSIG = 1


def _parent_alive(parent_pid: int) -> bool:
    if os.name != "posix":
        try:
            os.kill(parent_pid, 0)  # Windows: raises when the process is gone (pids are not reused quickly)
        except OSError:
            return False
        return True
    return os.getppid() == parent_pid


def _set_pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(WATCH_S)
        if not _parent_alive(parent_pid):
            os._exit(70)  # no clean-up: the parent that wanted the work is gone


def die_with_parent(parent_pid: int | None) -> None:
    """Make this (worker) process exit when ``parent_pid`` dies. None: nothing to watch."""
    if parent_pid is None:
        return
    _set_pdeathsig()
    if not _parent_alive(parent_pid):  # died before the guard was set
        os._exit(70)
    threading.Thread(target=_watch, args=(parent_pid,), name="replaylens-parent-watch", daemon=True).start()
