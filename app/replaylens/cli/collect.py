"""``replaylens collect``: run the collector for a library until Ctrl+C or SIGTERM (docs/capture.md).

    replaylens collect --library DIR [--listen HOST:PORT] [--token TOKEN | --token-file FILE] [--origin URL]...
                       [--tls-cert FILE --tls-key FILE] [--rate-limit PER_S] [--json]

Loopback (127.0.0.1:8765) unless --listen says otherwise; listening beyond loopback needs a token. Prints the
address and the snippet to paste into the site (``--json``: one JSON object per line: the start, then the end).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

NAME = "collect"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="collect sessions from the bank's own site into a library (rrweb recorder)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--library", metavar="DIR", help="the library folder (default: $REPLAYLENS_LIBRARY or the "
                                                    "user-data folder)")
    p.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8765",
                   help="address to listen on (default 127.0.0.1:8765, loopback only)")
    tok = p.add_mutually_exclusive_group()
    tok.add_argument("--token", metavar="TOKEN", help="the ingest token the recorder sends (>= 16 characters)")
    tok.add_argument("--token-file", metavar="FILE", help="read the token from FILE (first line)")
    p.add_argument("--origin", action="append", default=[], metavar="URL",
                   help="a site origin allowed to send sessions from the browser (CORS), e.g. "
                        "https://www.bank.example (repeatable)")
    p.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate chain (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert (PEM)")
    p.add_argument("--rate-limit", type=float, default=None, metavar="PER_S",
                   help="batches per second one session may send on average (default 2; bursts of 30x that); "
                        "429 past it")
    p.add_argument("--json", action="store_true", help="print the start and the end as JSON lines")
    p.set_defaults(run=run)


def _config(args: argparse.Namespace, library: Path) -> Any:
    from replaylens.collect.config import (
        RATE_BURST,
        RATE_PER_S,
        CollectConfig,
        UsageError,
        check_token,
        is_loopback,
        parse_listen,
        parse_origin,
        read_token_file,
    )

    host, port = parse_listen(args.listen)
    token = args.token
    if token is not None:
        check_token(token)
    if args.token_file is not None:
        token = read_token_file(Path(args.token_file))
    if token is None and not is_loopback(host):
        raise UsageError(f"--listen {args.listen}: listening beyond loopback needs --token or --token-file")
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    for f in (args.tls_cert, args.tls_key):
        if f and not Path(f).is_file():
            raise UsageError(f"{f}: the TLS file does not exist")
    origins = tuple(dict.fromkeys(parse_origin(o) for o in args.origin))
    rate = RATE_PER_S if args.rate_limit is None else float(args.rate_limit)
    if not 0.01 <= rate <= 10_000:
        raise UsageError(f"--rate-limit {args.rate_limit:g}: give 0.01-10000 batches per second")
    return CollectConfig(library=library, host=host, port=port, token=token, origins=origins,
                         rate_per_s=rate, rate_burst=max(10, round(rate * RATE_BURST / RATE_PER_S)),
                         tls_cert=Path(args.tls_cert) if args.tls_cert else None,
                         tls_key=Path(args.tls_key) if args.tls_key else None)


def run(args: argparse.Namespace) -> int:
    from replaylens.assets.rrweb import RrwebMissingError
    from replaylens.collect import Collector, CollectorError, UsageError
    from replaylens.collect.recorder import recorder_js, snippet
    from replaylens.errors import BadInputError
    from replaylens.io.library import resolve_library_dir
    from replaylens.store.library import LibraryError, open_library

    root = resolve_library_dir(args.library)
    try:
        config = _config(args, root)
        recorder_js()  # rrweb must be there before anyone is told to paste the snippet
    except UsageError as exc:
        print(f"replaylens: {exc}", file=sys.stderr)
        return 2
    except RrwebMissingError as exc:
        print(f"replaylens: {exc}", file=sys.stderr)
        return 3
    try:
        lib = open_library(root)
    except LibraryError as exc:
        raise BadInputError(root, str(exc)) from None
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        collector = Collector(config, lib)
        try:
            collector.start()
        except CollectorError as exc:
            print(f"replaylens: {exc}", file=sys.stderr)
            return 3
        start = {"event": "started", "address": collector.address, "library": str(root),
                 "snippet": snippet(collector.address, config.token), "origins": list(config.origins)}
        if args.json:
            print(json.dumps(start), flush=True)
        else:
            print(f"collecting into {root} at {collector.address} (Ctrl+C stops)\n"
                  f"paste into every page of the site:\n  {start['snippet']}", flush=True)
        while not stop.wait(1.0):
            pass
        collector.stop()
        status = collector.status().to_json()
        if args.json:
            print(json.dumps({"event": "stopped", **status}), flush=True)
        else:
            print(f"stopped: {status['ingested']:,} sessions added to the library, {status['open_sessions']:,} "
                  "still recording (kept in the spool for the next start)", flush=True)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        lib.close()
    return 0
