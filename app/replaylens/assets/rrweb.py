"""rrweb, the pinned third-party release the page renderer and the collector's recorder snippet load.

It is fetched by version and sha256 (``packaging/fetch_rrweb.sh``, called by the bootstrap and the build) into
``resources/rrweb/`` of a checkout; the wheel and the frozen bundle carry it as ``replaylens/assets/rrweb/``.
Nothing of it is committed. A missing or altered file is an error that names the fix; there is no fallback.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from replaylens.errors import ReplayLensError
from replaylens.model.digest import file_sha256

RRWEB_VERSION = "2.2.2"
#: sha256 of ``package/umd/rrweb.min.js`` inside rrweb-2.2.2.tgz (the tarball's sha256 is pinned in the fetch script)
RRWEB_JS_SHA256 = "634aae0583bf9d1a857307d28fb49c98c14210929e22166fb150f3ae83d91cca"
FETCH_COMMAND = "bash packaging/fetch_rrweb.sh"


class RrwebMissingError(ReplayLensError):
    """rrweb is not where this install keeps it, or its bytes are not the pinned release."""


def _candidates() -> list[Path]:
    from replaylens.assets import CHECKOUT_RESOURCES

    out: list[Path] = []
    if os.environ.get("REPLAYLENS_RRWEB_DIR"):
        out.append(Path(os.environ["REPLAYLENS_RRWEB_DIR"]))
    out.append(Path(__file__).resolve().parent / "rrweb")  # the package's copy: a wheel or the frozen bundle
    out.append(CHECKOUT_RESOURCES / "rrweb")  # a checkout
    return out


def rrweb_dir_or_reason() -> tuple[Path | None, str]:
    """The folder holding the pinned rrweb (and an empty reason), or None and why not."""
    tried = []
    for folder in _candidates():
        js = folder / "rrweb.min.js"
        if not js.is_file():
            tried.append(str(folder))
            continue
        got = file_sha256(js)
        if got != RRWEB_JS_SHA256:
            return None, (f"{js} is not the pinned rrweb {RRWEB_VERSION} (sha256 {got[:16]}…); "
                          f"delete it and run `{FETCH_COMMAND}`")
        if not (folder / "style.css").is_file():
            return None, f"{folder} lacks style.css of rrweb {RRWEB_VERSION}; run `{FETCH_COMMAND}`"
        return folder, ""
    return None, f"rrweb {RRWEB_VERSION} is not installed (looked in {', '.join(tried)}); run `{FETCH_COMMAND}`"


@cache
def rrweb_dir() -> Path:
    """The folder of the pinned rrweb release; raises RrwebMissingError naming the fix."""
    folder, why = rrweb_dir_or_reason()
    if folder is None:
        raise RrwebMissingError(why)
    return folder


def rrweb_js() -> Path:
    """``rrweb.min.js`` (UMD: ``rrweb.record`` and ``rrweb.Replayer``)."""
    return rrweb_dir() / "rrweb.min.js"


def rrweb_css() -> Path:
    """rrweb's replayer stylesheet."""
    return rrweb_dir() / "style.css"
