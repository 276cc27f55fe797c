"""rrweb recordings (rrweb, PostHog, Sentry, Highlight, the rrweb extension): read, map, convert.

Importing this package registers the reader with ``replaylens.io.registry`` (the registry imports it on first
use), so ``open_session("export.json")`` just works. See docs/rrweb.md.
"""

from __future__ import annotations

from replaylens.io.registry import Reader, register
from replaylens.io.rrweb.containers import sniff
from replaylens.io.rrweb.reader import load_recording, read_rrweb

__all__ = ["load_recording", "read_rrweb", "sniff"]

register(Reader("rrweb recording", sniff, read_rrweb, priority=50, converts=True))
