"""The collector's settings and limits, in one place (docs/capture.md lists them for the web team)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

#: The HTTP contract's version (``/health`` reports it; docs/capture.md describes it).
CONTRACT_VERSION = 1
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MiB = 1024 * 1024
#: Largest request body on the wire (compressed or not): 413 above it.
MAX_BODY_BYTES = 5 * MiB
#: Largest body after gzip is undone: 413 above it, found without inflating further (a gzip bomb stops here).
MAX_INFLATED_BYTES = 32 * MiB
#: Events in one batch.
MAX_BATCH_EVENTS = 50_000
#: Attributes posted for one session, and their key and value sizes.
MAX_ATTRIBUTES = 100
MAX_ATTR_KEY = 120
MAX_ATTR_VALUE = 1000
#: Per-session rate limit: a bucket of ``RATE_BURST`` requests refilled at ``RATE_PER_S``; 429 when empty.
RATE_BURST = 60
RATE_PER_S = 2.0
#: Events one session may hold before further batches are refused with 413 (a runaway tab).
MAX_SESSION_EVENTS = 2_000_000
#: A session with no batch for this long is ended by the collector.
IDLE_END_S = 30 * 60
#: Sessions whose end is asked are in the library within this many seconds (the ingest loop's period is lower).
INGEST_PERIOD_S = 1.0
#: Session ids: what a tab's recorder makes (letters, digits, ``-`` and ``_``).
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class UsageError(ValueError):
    """A setting the collector cannot start with (the command line exits 2 with this one message)."""


@dataclass(frozen=True)
class CollectConfig:
    """What ``replaylens collect`` was asked for. ``token`` None: no token is required (loopback use only)."""

    library: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = None
    origins: tuple[str, ...] = ()
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_body: int = MAX_BODY_BYTES
    max_inflated: int = MAX_INFLATED_BYTES
    rate_burst: int = RATE_BURST
    rate_per_s: float = RATE_PER_S
    idle_end_s: float = IDLE_END_S
    ingest_period_s: float = INGEST_PERIOD_S
    ingest_workers: int = 2
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert is not None else "http"

    def address(self, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port if port is None else port}"


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8765`` for IPv6; port 0 = any free port). Raises UsageError."""
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d{1,5})|([^:\s\[\]]+):(\d{1,5})", text.strip())
    if not m:
        raise UsageError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8765")
    host = m.group(1) or m.group(3)
    port = int(m.group(2) or m.group(4))
    if port > 65535:
        raise UsageError(f"--listen {text!r}: the port must be 0-65535")
    if m.group(1):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UsageError(f"--listen {text!r}: {host} is not an IPv6 address") from None
    return host, port


def parse_origin(text: str) -> str:
    """An allowed CORS origin, normalised (``https://www.bank.example``). Raises UsageError."""
    raw = text.strip().rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise UsageError(f"--origin {text!r}: expected an origin like https://www.bank.example "
                         "(scheme, host and optional port; no path)")
    return f"{parts.scheme}://{parts.netloc.lower()}"


#: a token file is one short line; anything larger is not one (and /dev/zero is refused unread)
TOKEN_FILE_LIMIT = 64 * 1024


def read_token_file(path: Path) -> str:
    """The token in ``path`` (first line, stripped; a regular file of at most 64 KiB). Raises UsageError."""
    from replaylens.errors import BadInputError
    from replaylens.io.regular import read_regular

    try:
        text = read_regular(path, TOKEN_FILE_LIMIT).decode("utf-8")
    except BadInputError as exc:  # missing, a device, a FIFO, a folder, too large: refused unread
        raise UsageError(f"--token-file {path}: {exc.problem}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"--token-file {path}: the file cannot be read ({exc})") from None
    token = text.strip().splitlines()[0].strip() if text.strip() else ""
    check_token(token, f"--token-file {path}")
    return token


def check_token(token: str, what: str = "--token") -> None:
    if len(token) < 16 or not re.fullmatch(r"[\x21-\x7e]+", token):
        raise UsageError(f"{what}: the token must be at least 16 printable characters without spaces")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
