"""Pause Python's cyclic garbage collector while a recording is read and mapped (``gc_paused``).

Reading builds millions of acyclic objects (the parsed events); every collection would walk them all for nothing
(measured: about a tenth of a large import's CPU time, more than half of ``msgspec.convert`` on a 30 MB file).
Pauses nest and overlap across threads: collection resumes when the last holder leaves, and only if it was on.

A read that fails (a refused file) leaves its parsed objects referenced by the frames of the exception's
traceback; collection resuming then would walk every one of them (seconds for a large refused file). So on an
exception the finished frames of the traceback are cleared (``traceback.clear_frames``: their locals dropped, the
lines kept) before collection resumes: a refused file's objects are freed by reference counting, never walked.
"""

from __future__ import annotations

import gc
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a recording is parsed and mapped: the pass builds millions of objects
    (the parsed events) and none of them cyclic garbage, so each collection would walk them all for nothing (about
    a tenth of a large import's CPU time). Collection resumes when the last concurrent import leaves."""
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)  # the refused file's objects go now, not at the next collection
        raise
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


__all__ = ["gc_paused"]
