"""Page loading with the network shut: the private profile, the request interceptor, the navigation guard, the
page settings and the Chromium kill switch (safety layers 2–5 of docs/rendering.md).

Qt is imported inside the functions, so importing this module stays cheap and never fails.
"""

from __future__ import annotations

import os
from typing import Any

from replaylens.render.qt import SCHEME

#: QWebEnginePage.setHtml turns the HTML into a percent-encoded data: URL that Chromium caps at 2 MB; above this
#: many encoded bytes the document is served from memory through the custom scheme instead.
SETHTML_LIMIT = 1_900_000
#: Layer 5, Chromium flags: connections the interceptor never sees (``<link rel=preconnect>`` opens a socket without
#: a request, measured) go to a dead local proxy, loopback included, and DNS prefetch is off. Process-wide: it only
#: takes effect when this module starts QtWebEngine, and applies to every web view of the process.
NETWORK_KILL_SWITCH = "--proxy-server=127.0.0.1:1 --proxy-bypass-list=<-loopback> --dns-prefetch-disable"

_OFF_ATTRIBUTES = (
    "JavascriptEnabled", "JavascriptCanOpenWindows", "JavascriptCanAccessClipboard", "JavascriptCanPaste",
    "PluginsEnabled", "LocalContentCanAccessFileUrls", "LocalContentCanAccessRemoteUrls", "LocalStorageEnabled",
    "HyperlinkAuditingEnabled", "DnsPrefetchEnabled", "WebGLEnabled", "Accelerated2dCanvasEnabled",
    "AutoLoadIconsForPage", "TouchIconsEnabled", "FocusOnNavigationEnabled", "AllowRunningInsecureContent",
    "AllowGeolocationOnInsecureOrigins", "AllowWindowActivationFromJavaScript", "ShowScrollBars",
    "PdfViewerEnabled", "NavigateOnDropEnabled", "ScreenCaptureEnabled", "ErrorPageEnabled",
    "FullScreenSupportEnabled", "SpatialNavigationEnabled", "ReadingFromCanvasEnabled",
)
_ON_ATTRIBUTES = ("PlaybackRequiresUserGesture", "WebRTCPublicInterfacesOnly", "AutoLoadImages")
#: Switched on only for our host page (render/page/replay.py: rrweb's Replayer is a script). The recorded document
#: never runs a script: rrweb rebuilds it in an iframe sandboxed without allow-scripts, under the host page's CSP.
_HOST_PAGE_ON = ("JavascriptEnabled",)
_QT: dict[str, Any] = {}


def _qt_classes() -> dict[str, Any]:
    """Subclasses of QtWebEngine types, defined on first use so the module imports without Qt."""
    if _QT:
        return _QT
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtWebEngineCore import (
        QWebEnginePage,
        QWebEngineUrlRequestInterceptor,
        QWebEngineUrlRequestJob,
        QWebEngineUrlSchemeHandler,
    )

    class Interceptor(QWebEngineUrlRequestInterceptor):
        """Layer 3: every request that is not data:, about: or our in-memory document is refused and counted."""

        def __init__(self) -> None:
            super().__init__()
            self.blocked = 0

        def interceptRequest(self, info: Any) -> None:
            if info.requestUrl().scheme().lower() not in ("data", "about", SCHEME):
                self.blocked += 1
                info.block(True)

    class Handler(QWebEngineUrlSchemeHandler):
        """Serves documents over setHtml's 2 MB limit from memory; unknown paths fail."""

        def __init__(self) -> None:
            super().__init__()
            self.docs: dict[str, bytes] = {}

        def requestStarted(self, job: Any) -> None:
            body = self.docs.get(job.requestUrl().path())
            if body is None:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            buf = QBuffer(job)
            buf.setData(QByteArray(body))
            buf.open(QIODevice.OpenModeFlag.ReadOnly)
            job.reply(b"text/html;charset=utf-8", buf)

    class GuardedPage(QWebEnginePage):
        """Layer 4: only the one navigation we start (and about:srcdoc/blank frames) is accepted."""

        allow_main = False

        def acceptNavigationRequest(self, url: Any, nav_type: Any, is_main_frame: bool) -> bool:
            scheme = url.scheme().lower()
            if is_main_frame:
                ok = self.allow_main and scheme in ("data", SCHEME)
                self.allow_main = self.allow_main and not ok
                return ok
            return scheme == "about"

        def javaScriptConsoleMessage(self, level: Any, message: str, line: int, source: str) -> None:
            """Silenced: with scripts off these are only resource notes (e.g. a blanked font failing to decode)."""

    _QT.update(Interceptor=Interceptor, Handler=Handler, GuardedPage=GuardedPage)
    return _QT


def private_page(*, host_scripts: bool = False) -> tuple[Any, Any, Any]:
    """(profile, interceptor, page): a fresh off-the-record profile with the interceptor installed and one guarded
    page on it with every risky setting off. Sets the Chromium kill switch first (read when Chromium starts).
    ``host_scripts``: JavaScript on, for our host page that runs rrweb's Replayer (render/page/replay.py)."""
    from PySide6.QtWebEngineCore import QWebEngineProfile, QWebEngineSettings

    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses to sandbox as root
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--proxy-server" not in flags:  # read once, when Chromium starts (the first profile below)
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = f"{flags} {NETWORK_KILL_SWITCH}".strip()
    qt = _qt_classes()
    profile = QWebEngineProfile()  # no storage name: off the record, nothing written to disk
    if not profile.isOffTheRecord():
        raise RuntimeError("could not create an off-the-record profile")
    profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
    profile.setPersistentCookiesPolicy(QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies)
    profile.setSpellCheckEnabled(False)
    interceptor = qt["Interceptor"]()
    profile.setUrlRequestInterceptor(interceptor)
    page = qt["GuardedPage"](profile)
    settings = page.settings()
    on = _ON_ATTRIBUTES + (_HOST_PAGE_ON if host_scripts else ())
    for name, value in [(n, False) for n in _OFF_ATTRIBUTES if n not in on] + [(n, True) for n in on]:
        attr = getattr(QWebEngineSettings.WebAttribute, name, None)
        if attr is not None:
            settings.setAttribute(attr, value)
    page.setAudioMuted(True)
    return profile, interceptor, page


def scheme_handler() -> Any:
    """A handler serving in-memory documents over the ``rl-snapshot`` scheme (its ``docs``: path -> bytes)."""
    return _qt_classes()["Handler"]()
