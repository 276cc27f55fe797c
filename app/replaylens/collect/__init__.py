"""Capture sessions ourselves: the collector a bank runs on its own machine (docs/capture.md).

    from replaylens.collect import CollectConfig, Collector

``server`` (the HTTP contract, aiohttp), ``body`` (bounded gzip, JSON / NDJSON), ``scrub`` (the one call to the
import rules' scrubber), ``spool`` (fsynced before every 202; exactly once into the library), ``recorder`` (the
``/recorder.js`` script and the snippet), ``runtime`` (the server thread and the ingest thread). Qt-free; it sits
between ``io`` (the library ingest it feeds) and ``ui`` (File ▸ Collect sessions…).
"""

from __future__ import annotations

from replaylens.collect.config import CollectConfig, UsageError
from replaylens.collect.runtime import Collector, CollectorError, CollectorStatus

__all__ = ["CollectConfig", "Collector", "CollectorError", "CollectorStatus", "UsageError"]
