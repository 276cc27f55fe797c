"""``replaylens funnel --library DIR --step SPEC --step SPEC … [--by ATTR] [--within 30m] [--json]``: ordered
steps (``page:PATTERN``, ``event:NAME``, ``click:LABEL``, ``goal:NAME`` or a goal's name), entered and converted per
step with Wilson intervals, the sessions that dropped at each step, and group differences with Holm's correction."""

from __future__ import annotations

import argparse
from typing import Any

from replaylens.cli._analysis_common import add_selection

NAME = "funnel"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="a conversion funnel over the library, per group, with drop-off sessions",
                       description=__doc__)
    add_selection(p)
    p.add_argument("--step", action="append", required=True, metavar="SPEC",
                   help="page:PATTERN | event:NAME | click:LABEL | goal:NAME (repeat, in order)")
    p.add_argument("--by", metavar="ATTR", help="one funnel per value of this attribute, side by side")
    p.add_argument("--exclude-none", action="store_true",
                   help="with --by: leave out the sessions without the attribute (by default the group (none))")
    p.add_argument("--within", metavar="DURATION", help="every step within this time of the first (30m, 2h, 1d)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape in docs/analysis.md)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from replaylens.analysis.experiments import funnel, parse_duration, parse_step
    from replaylens.cli._analysis_common import bad, emit_json, open_selection, pct
    from replaylens.errors import UnknownNameError

    lib, seg = open_selection(args)
    try:
        try:
            goals = {g.name for g in lib.goals()}
            steps = [parse_step(s, goals) for s in args.step]
            within = parse_duration(args.within) if args.within else None
            res = funnel(lib, seg, steps, by=args.by, within_ms=within, exclude_none=args.exclude_none)
        except UnknownNameError:
            raise
        except ValueError as exc:
            raise bad(lib, str(exc)) from None
    finally:
        lib.close()
    if args.json:
        emit_json(res)
        return 0
    for g in res["groups"]:
        print(f"{g['label']} ({g['sessions']:,} sessions)")
        for st in g["steps"]:
            lo, hi = st["ci95"]
            print(f"  {st['step']:<32} {st['converted']:>7,} of {st['entered']:>7,}  {pct(st['rate']):>8}  "
                  f"[{pct(lo)} – {pct(hi)}]  from start {pct(st['rate_from_start'])}  dropped {len(st['dropped']):,}")
            if st.get("findings_sentence"):
                print(f"    {st['findings_sentence']}")
    labels = {g["name"]: g["label"] for g in res["groups"]}
    for c in res["comparisons"]:
        c = {**c, "a": labels.get(c["a"], c["a"]), "b": labels.get(c["b"], c["b"])}
        verdict = "differs" if c["significant"] else "no reliable difference"
        print(f"  {c['step']}: {c['a']} {pct(c['rate_a'])} vs {c['b']} {pct(c['rate_b'])} — {verdict} "
              f"(p = {c['p_adjusted']:.2g} after Holm)")
    return 0
