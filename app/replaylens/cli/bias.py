"""``replaylens bias --library DIR --population FILE [--filter ...] [--json]``: the sampling-bias report. FILE is a
CSV of ``attribute,value,share`` rows (``user_type,new,0.5``). Per attribute: the library's share of each value
against the population's (exact binomial test, Benjamini–Hochberg, χ² goodness of fit), the post-stratification
weights, and every goal's conversion and friction kind's rate, raw and reweighted, with 95 % intervals; the
segments under-represented. Bad FILE contents exit 3 naming the problem; an attribute or value the library does
not have exits 2 with suggestions (docs/analysis.md)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from replaylens.cli._analysis_common import add_selection

NAME = "bias"


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="the library's segment shares vs a population's, and reweighted rates",
                       description=__doc__)
    add_selection(p)
    p.add_argument("--population", required=True, metavar="FILE", help="CSV rows attribute,value,share")
    p.add_argument("--json", action="store_true", help="print the result as JSON (shape in docs/analysis.md)")
    p.set_defaults(run=run)


def _rate(v: float | None, ci: list[float] | None) -> str:
    from replaylens.cli._analysis_common import pct

    return "n/a" if v is None or ci is None else f"{pct(v)} [{pct(ci[0])} – {pct(ci[1])}]"


def run(args: argparse.Namespace) -> int:
    from replaylens.analysis.bias import UnknownNameError, bias_report
    from replaylens.cli._analysis_common import emit_json, open_selection, pct
    from replaylens.io.population import read_population

    population = read_population(args.population)  # BadInputError -> exit 3, before the library is opened
    lib, seg = open_selection(args)
    try:
        try:
            res = bias_report(lib, seg, population)
        except UnknownNameError as exc:
            print(f"replaylens {NAME}: {exc}", file=sys.stderr)
            return 2
    finally:
        lib.close()
    if args.json:
        emit_json(res)
        return 0
    for a in res["attributes"]:
        p = a["chi2_p"]
        print(f"{a['attribute']} ({a['sessions']:,} sessions; {a['sessions_without_value']:,} without a listed "
              f"value){'' if p is None else f'  χ² p = {p:.2g}'}")
        for s in a["segments"]:
            flag = "  UNDER-represented" if s["under_represented"] else \
                "  over-represented" if s["over_represented"] else ""
            print(f"  {s['value']:<20} library {_rate(s['share'], s['share_ci95']):<28} population "
                  f"{pct(s['population_share']):>8}  weight {s['weight']:.2f}  n = {s['sessions']:,}{flag}")
        for title, rows in (("conversion", a["conversion"]), ("friction (sessions with)", a["friction"])):
            if rows:
                print(f"  {title}: raw → reweighted to the population")
            for r in rows:
                print(f"    {r['name']:<22} {_rate(r['raw'], r['raw_ci95']):<28} → "
                      f"{_rate(r['reweighted'], r['ci95'])}  n = {r['sessions']:,}")
    print(f"under-represented: {', '.join(res['under_represented']) or 'none'} ({res['correction']})")
    return 0
