"""``replaylens survey …``: survey answers beside the sessions (docs/surveys.md).

    survey import FILE... --library DIR [--format F] [--map session_id=COL,submitted_at=COL,question=COL,answer=COL]
                          [--no-mask] [--json]
    survey ls    --library DIR [--unmatched] [--json]
    survey tally --library DIR [--question Q] [--filter EXPR …] [--funnel STEP … --dropped-at N] [--json]
    survey theme set NAME KEYWORD… | theme ls      keyword groups free-text answers are counted under
    survey join  --library DIR                      join again the responses no session matched yet
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

NAME = "survey"
_FORMATS = ("typeform", "typeform-csv", "surveymonkey", "surveymonkey-csv", "posthog", "zigpoll", "zigpoll-csv",
            "qualaroo", "qualaroo-csv", "hotjar", "csv")


def _common(p: argparse.ArgumentParser, json_flag: bool = True) -> None:
    p.add_argument("--library", metavar="DIR", help="the library folder (default: $REPLAYLENS_LIBRARY or the "
                                                    "user-data folder)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON (shapes in docs/surveys.md)")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(NAME, help="survey answers: import, join to sessions, list, tally",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ssub = p.add_subparsers(dest="survey_command", metavar="SUBCOMMAND", required=True)
    i = ssub.add_parser("import", help="import survey exports (the format is recognised from the content)")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--format", choices=_FORMATS, help="skip recognition and read as this format")
    i.add_argument("--map", metavar="KEY=COL,…", help="a CSV's columns: session_id, user_id, submitted_at, url, "
                                                      "question, answer, response_id (unmapped columns are "
                                                      "questions when no question/answer column is mapped)")
    i.add_argument("--no-mask", action="store_true", help="keep e-mail addresses, phone, IBAN and card numbers")
    _common(i)
    i.set_defaults(run=run_import)
    ls = ssub.add_parser("ls", help="list the responses with their session and how they were joined")
    ls.add_argument("--unmatched", action="store_true", help="only responses no session matched")
    _common(ls)
    ls.set_defaults(run=run_ls)
    t = ssub.add_parser("tally", help="answers per question: counts, shares, 95 %% Wilson intervals, themes")
    t.add_argument("--question", metavar="Q", help="only this question")
    t.add_argument("--filter", action="append", default=[], metavar="EXPR", help="sessions to tally (the "
                   "library ls --filter syntax, e.g. finding=hesitation, answered=yes)")
    t.add_argument("--funnel", action="append", default=[], metavar="STEP", help="funnel steps (page:P, event:E, "
                   "click:L, goal:G), with --dropped-at N: answers of the sessions that dropped at step N")
    t.add_argument("--dropped-at", type=int, metavar="N", help="1-based funnel step")
    t.add_argument("--pdf", metavar="FILE", help="also write the tally as a PDF report")
    _common(t)
    t.set_defaults(run=run_tally)
    th = ssub.add_parser("theme", help="keyword groups for free-text answers")
    thsub = th.add_subparsers(dest="theme_command", metavar="ACTION", required=True)
    ts = thsub.add_parser("set", help="create or replace a theme (no keywords: delete it)")
    ts.add_argument("name")
    ts.add_argument("keywords", nargs="*")
    _common(ts, json_flag=False)
    ts.set_defaults(run=run_theme_set)
    tl = thsub.add_parser("ls", help="list the themes (the built-in ones until you set your own)")
    _common(tl)
    tl.set_defaults(run=run_theme_ls)
    j = ssub.add_parser("join", help="join again the responses that match no session yet")
    _common(j)
    j.set_defaults(run=run_join)
    p.set_defaults(run=lambda args: p.print_help() or 2)


def _open(args: argparse.Namespace) -> Any:
    from replaylens.cli.library_cmds import _open as open_lib

    return open_lib(args)


def _emit(obj: Any) -> None:
    from replaylens.cli.library import emit

    emit(obj)


def run_import(args: argparse.Namespace) -> int:
    from replaylens.errors import BadInputError
    from replaylens.io.surveys import import_file
    from replaylens.io.surveys.readers_csv import parse_map

    mapping = None
    if args.map:
        try:
            mapping = parse_map(args.map)
        except ValueError as exc:
            raise BadInputError(args.files[0], f"bad --map: {exc}") from None
    results = []
    with _open(args) as lib:
        for f in args.files:
            results.append(import_file(lib, f, args.format, mapping, mask=not args.no_mask).to_json())
    if args.json:
        _emit({"imports": results})
    else:
        for r in results:
            m = r["matches"]
            print(f"{r['file']}: {r['format']}, {r['read']} responses, {r['added']} new "
                  f"({r['already_in_library']} already in the library); joined by session id {m['session_id']}, "
                  f"by user id {m['user_id']}, by time and page {m['time_page']}, unmatched {m['none']}"
                  + (f"; {r['rejoined']} earlier responses now matched" if r["rejoined"] else ""))
    return 0


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_ls(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        rows = lib.survey_responses()
    if args.unmatched:
        rows = [r for r in rows if r["session_id"] is None]
    out = [{"response_id": r["response_id"], "source": r["source"], "submitted_at": _iso(r["submitted_ms"]),
            "session_id": r["session_id"], "match": r["match"], "confidence": r["confidence"],
            "answers": r["answers"], "url": r["url"], "note": r["note"]} for r in rows]
    if args.json:
        _emit({"responses": out})
        return 0
    for r in out:
        first = next(iter(r["answers"].items()), ("", ""))
        print(f"{r['submitted_at'] or '-':20}  {r['source']:12}  {r['session_id'] or '(unmatched)':18}  "
              f"{r['match']:10} {r['confidence']:.2f}  {first[0][:40]}: {str(first[1])[:50]}")
    print(f"{len(out)} responses, {sum(r['session_id'] is not None for r in out)} joined to a session")
    return 0


def _print_tally(t: dict[str, Any], title: str) -> None:
    print(f"{title}: {t['responses']} responses" + (f" from {t['sessions']} sessions" if t["sessions"] is not None
                                                       else ""))
    for q in t["questions"]:
        print(f"\n  {q['question']} ({q['answered']} answered)")
        for c in q.get("choices", []):
            print(f"    {c['value'][:50]:50} {c['count']:5}  {100 * c['share']:5.1f} %  "
                  f"[{100 * c['low']:.1f}–{100 * c['high']:.1f} %]")
        for th in q.get("themes", []):
            print(f"    theme {th['theme'][:44]:44} {th['count']:5}  {100 * th['share']:5.1f} %")
        if q.get("phrases"):
            print("    phrases: " + ", ".join(f"{p['phrase']} ({p['count']})" for p in q["phrases"][:10]))


def run_tally(args: argparse.Namespace) -> int:
    from replaylens.analysis.experiments import parse_step
    from replaylens.analysis.surveys import dropped_answers, tally
    from replaylens.cli.library_cmds import _segment
    from replaylens.errors import BadInputError

    with _open(args) as lib:
        args.segment = None
        segment = _segment(lib, args)
        if args.dropped_at is not None or args.funnel:
            if not args.funnel or args.dropped_at is None:
                raise BadInputError(lib.root, "--funnel STEP … and --dropped-at N go together")
            try:
                steps = [parse_step(s, {g.name for g in lib.goals()}) for s in args.funnel]
                res = dropped_answers(lib, segment, steps, args.dropped_at, question=args.question)
            except ValueError as exc:
                raise BadInputError(lib.root, str(exc)) from None
            if args.json:
                _emit(res)
            else:
                _print_tally(res["dropped"], f"Dropped at step {res['step_index']} ({res['step']})")
                print()
                _print_tally(res["got_past"], "Got past it")
            return 0
        res = tally(lib, segment, question=args.question)
    if args.pdf:
        from replaylens.export.survey_pdf import export_tally_report

        export_tally_report(res, args.pdf)
    if args.json:
        _emit(res)
    else:
        _print_tally(res, "All responses" if not args.filter else "Responses of the filtered sessions")
    return 0


def run_theme_set(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        lib.set_survey_theme(args.name, [k for k in args.keywords if k.strip()])
    return 0


def run_theme_ls(args: argparse.Namespace) -> int:
    from replaylens.analysis.surveys import DEFAULT_THEMES
    with _open(args) as lib:
        themes = lib.survey_themes() or DEFAULT_THEMES
    if args.json:
        _emit({"themes": themes})
    else:
        for name, kws in themes.items():
            print(f"{name}: {', '.join(kws)}")
    return 0


def run_join(args: argparse.Namespace) -> int:
    from replaylens.io.surveys.join import rejoin

    with _open(args) as lib:
        n = rejoin(lib)
    print(f"{n} responses newly joined to a session")
    return 0
