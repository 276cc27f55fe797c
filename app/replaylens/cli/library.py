"""``replaylens library …``: build and query a session library (docs/library.md).

    library add PATH... [--attributes FILE] [--json]      library ls [--filter …] [--segment NAME] [--json]
    library info [--json]                                 library goal add NAME --page P | --event E | --click L
    library goal ls | rm NAME                             library segment save NAME --filter … | ls | rm NAME
    library tag ID TAG | untag ID TAG | note ID TEXT
    library policy show | set keep_values=true|false     (the privacy policy, docs/privacy.md)

Every subcommand takes ``--library DIR`` (default ``$REPLAYLENS_LIBRARY`` or the user-data folder). Imports of
the data stack happen when a command runs, so ``--help`` stays light.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

NAME = "library"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--library", metavar="DIR", help="the library folder (default: $REPLAYLENS_LIBRARY or the "
                                                    "user-data folder)")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", action="append", default=[], metavar="EXPR",
                   help="KEY=V1,V2 | KEY!=V | KEY>=N | KEY<=N | KEY>N | KEY<N | goal=NAME | finding=KIND | "
                        "page=GLOB | tag=TAG | date>=YYYY-MM-DD | text=WORDS | answered=yes|no | "
                        "answer:QUESTION=V (repeatable, AND)")


def add_parser(sub: Any) -> None:
    from replaylens.cli import library_cmds as cmds
    from replaylens.cli._analysis_common import add_engine

    p = sub.add_parser(NAME, help="a library of many sessions: add, list, facets, goals, segments, tags",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    lsub = p.add_subparsers(dest="library_command", metavar="SUBCOMMAND", required=True)

    a = lsub.add_parser("add", help="add bundles and rrweb recordings (folders recursively)")
    a.add_argument("paths", nargs="+", metavar="PATH")
    a.add_argument("--attributes", metavar="FILE", help="CSV or JSON: session_id or user_id -> attribute columns")
    a.add_argument("--json", action="store_true", help='print {"added", "skipped", "failed": [{"file", "reason"}]}')
    a.add_argument("--workers", type=int, default=2, help="reader processes (default 2; 0: in this process)")
    a.set_defaults(run=cmds.run_add)

    ls = lsub.add_parser("ls", help="list sessions")
    _filters(ls)
    ls.add_argument("--segment", metavar="NAME", help="start from a saved segment")
    ls.add_argument("--sort", default="start", help="column: start, duration_ms, friction_score, attr:KEY, "
                                                    "goal:NAME, finding:KIND … (default start)")
    ls.add_argument("--asc", action="store_true", help="ascending (default: descending)")
    ls.add_argument("--limit", type=int, default=None, metavar="N")
    ls.add_argument("--json", action="store_true")
    add_engine(ls)
    ls.set_defaults(run=cmds.run_ls)

    i = lsub.add_parser("info", help="counts per attribute value, per goal, per finding kind")
    i.add_argument("--json", action="store_true")
    i.set_defaults(run=cmds.run_info)

    g = lsub.add_parser("goal", help="conversion goals")
    gsub = g.add_subparsers(dest="goal_command", metavar="ACTION", required=True)
    ga = gsub.add_parser("add", help="define a goal and compute it for every session")
    ga.add_argument("name")
    which = ga.add_mutually_exclusive_group(required=True)
    which.add_argument("--page", metavar="PATTERN", help="visited a page (glob; /path matches the URL path)")
    which.add_argument("--event", metavar="NAME", help="a custom event with this name")
    which.add_argument("--click", metavar="LABEL", help="a click on an element whose label contains LABEL")
    ga.set_defaults(run=cmds.run_goal_add)
    gl = gsub.add_parser("ls", help="list goals with their session counts")
    gl.add_argument("--json", action="store_true")
    gl.set_defaults(run=cmds.run_goal_ls)
    gr = gsub.add_parser("rm", help="delete a goal")
    gr.add_argument("name")
    gr.set_defaults(run=cmds.run_goal_rm)

    s = lsub.add_parser("segment", help="saved segments")
    ssub = s.add_subparsers(dest="segment_command", metavar="ACTION", required=True)
    ss = ssub.add_parser("save", help="save filters as a named segment")
    ss.add_argument("name")
    _filters(ss)
    ss.set_defaults(run=cmds.run_segment_save)
    sl = ssub.add_parser("ls", help="list saved segments with their session counts")
    sl.add_argument("--json", action="store_true")
    add_engine(sl)
    sl.set_defaults(run=cmds.run_segment_ls)
    sr = ssub.add_parser("rm", help="delete a saved segment")
    sr.add_argument("name")
    sr.set_defaults(run=cmds.run_segment_rm)

    for cmd, helptext, arg in (("tag", "tag a session", "tag"), ("untag", "remove a tag", "tag"),
                               ("note", "add a note to a session", "text")):
        t = lsub.add_parser(cmd, help=helptext)
        t.add_argument("session_id", metavar="ID")
        t.add_argument(arg)
        t.set_defaults(run=getattr(cmds, f"run_{cmd}"))

    for parser in (a, ls, i, ga, gl, gr, ss, sl, sr, *[lsub.choices[c] for c in ("tag", "untag", "note")]):
        _common(parser)
    from replaylens.cli.library_policy import add_policy_parser

    add_policy_parser(lsub, _common)
    p.set_defaults(run=lambda args: p.print_help() or 2)


def emit(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
