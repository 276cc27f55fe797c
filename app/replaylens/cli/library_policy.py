"""``replaylens library policy show|set KEY=VALUE``: the library's privacy policy (docs/privacy.md).

``keep_values=false`` (the default): typed values are stored as their length and shape only; ``true``: values that
are not card data or secrets are kept (with e-mails, phones, IBANs in them masked). Card numbers, CVV and expiry
are never stored, whatever the policy. The setting applies to sessions added from then on; ``audit --fix``
applies it to what is already in.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any


def add_policy_parser(lsub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    p = lsub.add_parser("policy", help="the privacy policy: whether typed values are kept (default: no)",
                        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    show = psub.add_parser("show", help="print the policy and the last audit's verdict")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=run_show)
    st = psub.add_parser("set", help="set keep_values=true|false")
    st.add_argument("setting", metavar="KEY=VALUE", help="keep_values=true|false")
    st.add_argument("--json", action="store_true")
    st.set_defaults(run=run_set)
    for parser in (show, st):
        common(parser)


def _root(args: argparse.Namespace) -> Any:
    from replaylens.errors import BadInputError
    from replaylens.io.library import resolve_library_dir

    root = resolve_library_dir(getattr(args, "library", None))
    if not (root / "catalogue.duckdb").is_file():
        raise BadInputError(root, "is not a library (no catalogue.duckdb): add sessions to it first")
    return root


def describe(policy: Any) -> str:
    values = "kept (card data and secrets never)" if policy.keep_values else "length and shape only"
    audit = policy.last_audit
    if audit is None:
        verdict = "never audited"
    else:
        import time

        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(int(audit.get("at_ms", 0)) / 1000))
        verdict = ("clean" if audit.get("clean") else "FOUND " + ", ".join(
            f"{k} {n:,}" for k, n in (audit.get("kinds") or {}).items())) + f" ({when})"
        if audit.get("fixed"):
            verdict += ", fixed"
    return f"typed values: {values}; last audit: {verdict}"


def run_show(args: argparse.Namespace) -> int:
    from replaylens.io.privacy.library_policy import read_policy

    policy = read_policy(_root(args))
    if args.json:
        json.dump(policy.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(describe(policy))
    return 0


def run_set(args: argparse.Namespace) -> int:
    from replaylens.io.privacy.library_policy import parse_setting, set_keep_values

    try:
        _key, value = parse_setting(args.setting)
    except ValueError as exc:
        print(f"replaylens: {exc}", file=sys.stderr)
        return 2
    policy = set_keep_values(_root(args), value)
    if args.json:
        json.dump(policy.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print(describe(policy))
    return 0
