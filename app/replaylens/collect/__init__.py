"""Capture sessions ourselves: the collector a bank runs on its own machine (docs/capture.md).

    from replaylens.collect import CollectConfig, Collector

``server`` (the HTTP contract, aiohttp), ``body`` (bounded gzip, JSON / NDJSON), ``scrub`` (the one call to the
import rules' scrubber), ``spool`` (fsynced before every 202; exactly once into the library), ``recorder`` (the
``/recorder.js`` script and the snippet), ``runtime`` (the server thread and the ingest thread). Qt-free; it sits
between ``io`` (the library ingest it feeds) and ``ui`` (File ▸ Collect sessions…).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from replaylens.collect.config import CollectConfig, UsageError

if TYPE_CHECKING:
    from replaylens.collect.runtime import Collector, CollectorError, CollectorStatus

__all__ = ["CollectConfig", "Collector", "CollectorError", "CollectorStatus", "UsageError"]


def __getattr__(name: str) -> Any:
    """The runtime (and aiohttp with it) is imported when first used, so the settings stay cheap to import."""
    if name in ("Collector", "CollectorError", "CollectorStatus"):
        from replaylens.collect import runtime

        return getattr(runtime, name)
    raise AttributeError(name)
