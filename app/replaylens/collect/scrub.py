"""The one place the collector removes card data and secrets from a batch before it is spooled.

It calls the import rules' scrubber, ``replaylens.io.privacy.scrub_rrweb_events(events, memory, keep_values)``
(docs/privacy.md: card numbers become ``•••• 1111``, CVV / expiry / secret fields and typed values are reduced,
personal data in any text masked), with the session's ``FieldMemory`` (which fields of the page are card or secret
fields, learned from earlier batches). The memory is kept as JSON in the spool with each batch, so a restart goes
on where it stopped. ``keep_values`` is the library's policy (``library policy``; off by default).
"""

from __future__ import annotations

from typing import Any

from replaylens.io.privacy import FieldMemory, scrub_rrweb_events


class Scrubber:
    """One session's scrubber: ``scrub(events)`` returns the events to spool (new objects: the input is not
    modified); ``memory_json()`` and the constructor carry the session's field memory across batches and restarts."""

    def __init__(self, memory_json: str | None = None, keep_values: bool = False) -> None:
        self._memory = FieldMemory.from_json(memory_json) if memory_json else FieldMemory()
        self._keep = keep_values

    def scrub(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return scrub_rrweb_events(events, self._memory, keep_values=self._keep)

    def memory_json(self) -> str:
        return self._memory.to_json()
