"""``/recorder.js``: the pinned rrweb release (``assets.rrweb``, the same one the app replays with) and our loader
(``loader.js``: banking defaults, batching, the per-tab session id), in one closure that leaves only
``window.replaylens`` on the page. Built once per process."""

from __future__ import annotations

import gzip
import re
from functools import cache
from importlib import resources

from replaylens.assets.rrweb import RRWEB_VERSION, rrweb_js

_SOURCE_MAP = re.compile(rb"\n//# sourceMappingURL=[^\n]*\s*$")


@cache
def recorder_js() -> bytes:
    """The whole script (raises RrwebMissingError, naming the fix, when rrweb is not installed)."""
    rr = _SOURCE_MAP.sub(b"\n", rrweb_js().read_bytes())
    loader = resources.files("replaylens.collect").joinpath("loader.js").read_bytes()
    return (b"/* Replay Lens recorder: rrweb " + RRWEB_VERSION.encode() + b" (MIT) + loader */\n"
            b"(function(){var __rl_script=document.currentScript;var exports={},module={exports:exports},define;\n"
            + rr + b"\n;var __rl_rrweb=module.exports;\n" + loader + b"\n})();\n")


@cache
def recorder_js_gzip() -> bytes:
    return gzip.compress(recorder_js(), 9, mtime=0)


def snippet(address: str, token: str | None) -> str:
    """The one line the site adds to every page (``address``: where the browser reaches the collector)."""
    tok = f' data-token="{token}"' if token else ""
    return f'<script src="{address.rstrip("/")}/recorder.js"{tok} async></script>'
