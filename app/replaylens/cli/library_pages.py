"""``replaylens library pages`` / ``library template add|ls|rm`` / ``library vocabulary``: page templates with the
URLs each holds, the user's template rules, and the canonical attribute keys with their sources
(docs/library.md, "Pages and URL templates" and "Attribute vocabulary")."""

from __future__ import annotations

import argparse
from typing import Any


def add_parsers(lsub: Any, common: Any, filters: Any) -> None:
    """Register the subcommands on ``library``'s subparsers (``common`` adds ``--library``)."""
    from replaylens.cli._analysis_common import add_engine

    pg = lsub.add_parser("pages", help="page templates (URLs grouped: ids dropped) with their URL and session counts")
    filters(pg)
    pg.add_argument("--segment", metavar="NAME", help="start from a saved segment")
    pg.add_argument("--limit", type=int, default=200, metavar="N")
    pg.add_argument("--json", action="store_true", help='print {"templates": [{"template", "urls", "sessions", '
                                                        '"title"}]}')
    add_engine(pg)
    pg.set_defaults(run=run_pages)

    t = lsub.add_parser("template", help="user rules for URL templates (regex -> alias, applied in order)")
    tsub = t.add_subparsers(dest="template_command", metavar="ACTION", required=True)
    ta = tsub.add_parser("add", help="append a rule and re-derive every page's template")
    ta.add_argument("regex", help="a regular expression over the URL's path and query (e.g. '^/blog/[^/?]+')")
    ta.add_argument("alias", help="its replacement (e.g. '/blog/<post>'; \\1 refers to a group)")
    ta.set_defaults(run=run_template_add)
    tl = tsub.add_parser("ls", help="the rules in the order they apply")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(run=run_template_ls)
    tr = tsub.add_parser("rm", help="remove a rule (its regex, or its number in `template ls`)")
    tr.add_argument("rule")
    tr.set_defaults(run=run_template_rm)

    v = lsub.add_parser("vocabulary", help="the canonical attribute keys, their aliases and sources")
    v.add_argument("--json", action="store_true")
    v.set_defaults(run=run_vocabulary)
    for parser in (pg, ta, tl, tr, v):
        common(parser)


def run_pages(args: argparse.Namespace) -> int:
    from replaylens.cli.library import emit
    from replaylens.cli.library_cmds import _open, _segment
    from replaylens.store._templates import to_json

    lib = _open(args)
    try:
        seg = _segment(lib, args)
        counts = lib.templates(seg, limit=max(1, args.limit))
    finally:
        lib.close()
    if args.json:
        emit({"templates": to_json(counts)})
        return 0
    print(f"{len(counts):,} page templates")
    for c in counts:
        urls = f"{c.urls:,} URL" + ("s" if c.urls != 1 else "")
        print(f"  {c.template[:70]:<70} {c.sessions:>8,} sessions  {urls:>10}  {c.title[:40]}")
    return 0


def run_template_add(args: argparse.Namespace) -> int:
    from replaylens.cli.library_cmds import _open
    from replaylens.errors import BadInputError

    lib = _open(args)
    try:
        try:
            urls = lib.add_template_rule(args.regex, args.alias)
        except ValueError as exc:
            raise BadInputError(lib.root, str(exc)) from None
        n = len(lib.template_rules())
        templates = len(lib.templates(limit=1_000_000))
    finally:
        lib.close()
    print(f"rule {n}: {args.regex!r} -> {args.alias!r}; {urls:,} URLs now in {templates:,} templates")
    return 0


def run_template_ls(args: argparse.Namespace) -> int:
    from replaylens.cli.library import emit
    from replaylens.cli.library_cmds import _open

    lib = _open(args)
    try:
        rules = lib.template_rules()
    finally:
        lib.close()
    if args.json:
        emit({"rules": [{"position": i, "regex": r.pattern, "alias": r.alias} for i, r in enumerate(rules, 1)]})
        return 0
    if not rules:
        print("no template rules (the built-in ones apply: ids, UUIDs, hashes and e-mail addresses -> <id>)")
    for i, r in enumerate(rules, 1):
        print(f"  {i:>3}  {r.pattern!r} -> {r.alias!r}")
    return 0


def run_template_rm(args: argparse.Namespace) -> int:
    from replaylens.cli.library_cmds import _open

    lib = _open(args)
    try:
        found = lib.remove_template_rule(args.rule)
    finally:
        lib.close()
    print(f"removed the rule {args.rule!r}" if found else f"no template rule {args.rule!r}")
    return 0 if found else 3


def run_vocabulary(args: argparse.Namespace) -> int:
    """The canonical keys with their aliases and sources, and how many sessions of this library have each."""
    from replaylens.cli.library import emit
    from replaylens.cli.library_cmds import _open
    from replaylens.model.vocabulary import CONCEPTS

    lib = _open(args)  # a typo'd --library says so (exit 3) rather than printing a table as if it were one
    try:
        facets = lib.facets(keys=[c.key for c in CONCEPTS if "/" not in c.key], limit=1000)
    finally:
        lib.close()
    counts = {c.key: sum(v.count for v in facets.get(c.key, [])) for c in CONCEPTS}
    if args.json:
        emit({"keys": [{"key": c.key, "label": c.label, "none": c.none_label, "aliases": list(c.aliases),
                        "sources": c.sources, "sessions": counts[c.key]} for c in CONCEPTS]})
        return 0
    for c in CONCEPTS:
        print(f"  {c.key:<13} {counts[c.key]:>8,} sessions   also {', '.join(c.aliases)}\n                {c.sources}")
    return 0
