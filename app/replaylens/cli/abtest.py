"""``replaylens abtest --library DIR --by ATTR --goal SPEC [--control V] [--split 50/50] [--mde 0.1] [--json]``:
conversion of a goal per group with Wilson intervals, lift with intervals, z-test with Holm's correction,
P(B > A), PostHog's guards, sample-ratio mismatch and the sessions still needed (docs/analysis.md)."""

from __future__ import annotations

import argparse
from typing import Any

from replaylens.cli._analysis_common import add_selection

NAME = "abtest"


def _split(text: str) -> list[float]:
    try:
        parts = [float(p) for p in text.replace(":", "/").split("/")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a split like 50/50 or 34/33/33") from None
    if len(parts) < 2 or any(p <= 0 for p in parts):
        raise argparse.ArgumentTypeError(f"{text!r}: give two or more positive shares, like 50/50")
    return parts


def _mde(text: str) -> float:
    try:
        v = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a relative effect like 0.1 or 10%") from None
    if not 0 < v < 10:
        raise argparse.ArgumentTypeError(f"{text!r}: the minimum detectable effect must be above 0")
    return v


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="A/B report of a goal between the values of an attribute", description=__doc__)
    add_selection(p)
    p.add_argument("--by", required=True, metavar="ATTR", help="the variant attribute (variant, feature/flag …)")
    p.add_argument("--goal", required=True, metavar="SPEC", help="a goal's name, or page:/event:/click:/goal: SPEC")
    p.add_argument("--control", metavar="V", help="the control group's value, or (none) (default: (none) when it "
                                                  "faces one value, else the first value in order)")
    p.add_argument("--exclude-none", action="store_true",
                   help="leave out the sessions without the attribute (by default they are the group (none))")
    p.add_argument("--split", type=_split, metavar="A/B", help="intended split (enables the sample-ratio check)")
    p.add_argument("--mde", type=_mde, default=0.1, help="minimum detectable effect, relative (default 0.1)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape in docs/analysis.md)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from replaylens.analysis.experiments import abtest, parse_step
    from replaylens.cli._analysis_common import bad, emit_json, open_selection, pct
    from replaylens.errors import UnknownNameError

    lib, seg = open_selection(args)
    try:
        try:
            goal = parse_step(args.goal, {g.name for g in lib.goals()})
            res = abtest(lib, seg, args.by, goal, control=args.control, split=args.split, mde=args.mde,
                         exclude_none=args.exclude_none)
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
        lo, hi = g["ci95"]
        print(f"{g['label']:<16} {g['conversions']:>7,} of {g['sessions']:>7,} converted  {pct(g['rate']):>8}  "
              f"[{pct(lo)} – {pct(hi)}]")
    labels = {g["name"]: g["label"] for g in res["groups"]}
    for c in res["comparisons"]:
        variant, control = labels[c["variant"]], labels[c["control"]]
        print(f"{variant} vs {control}: lift {pct(c['lift_abs'])} absolute, {pct(c['lift_rel'])} relative;"
              f" p = {c['p_adjusted']:.2g} (Holm); P({variant} better) = {pct(c['prob_better'])}"
              + ("" if c["srm_p"] is None else f"; split check p = {c['srm_p']:.2g}"))
    print(res["verdict"])
    return 0
