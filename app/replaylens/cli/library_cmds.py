"""The ``replaylens library`` subcommands' bodies (parsers in ``cli.library``). Imports stay inside functions."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replaylens.model.segment import Segment
    from replaylens.store.library import LibraryStore


def _open(args: argparse.Namespace) -> LibraryStore:
    from replaylens.errors import BadInputError
    from replaylens.io.library import resolve_library_dir
    from replaylens.store.library import LibraryError, open_library

    root = resolve_library_dir(getattr(args, "library", None))
    create = getattr(args, "library_command", None) == "add"  # only `library add` makes a new library
    new = create and not (root / "catalogue.duckdb").is_file()
    if not create and not (root / "catalogue.duckdb").is_file():
        how = "'replaylens library add PATH --library DIR' creates one"
        what = ("the folder does not exist" if not root.exists() else "this is a file, not a folder"
                if not root.is_dir() else "the folder holds no library (no catalogue.duckdb)")
        raise BadInputError(root, f"not a Replay Lens library: {what}; {how}")
    try:
        lib = open_library(root, create=create)
    except LibraryError as exc:
        raise BadInputError(root, str(exc)) from None
    if new:
        print(f"replaylens: created a new library in {root.resolve()}", file=sys.stderr)
    if hasattr(args, "engine"):
        _use_engine(lib, args.engine)
    return lib


def _use_engine(lib: LibraryStore, choice: str | None) -> None:
    """``--engine``, else $REPLAYLENS_ENGINE (the events folder as a cluster sees it: $REPLAYLENS_SPARK_EVENTS_URI).
    A Spark session is started here, so a missing Java or an unreachable cluster is one clear message."""
    import os

    from replaylens.errors import BadInputError
    from replaylens.store.engine import SparkUnavailable, parse_engine

    try:
        spec = parse_engine(choice or os.environ.get("REPLAYLENS_ENGINE"),
                            os.environ.get("REPLAYLENS_SPARK_EVENTS_URI"))
        if spec.kind != "duckdb":
            lib.start_engine(spec)
    except (ValueError, SparkUnavailable) as exc:
        lib.close()
        raise BadInputError(lib.root, f"--engine: {exc}") from None


def _segment(lib: LibraryStore, args: argparse.Namespace) -> Segment:
    from replaylens.analysis.segments import parse_filters
    from replaylens.errors import BadInputError

    base = None
    if getattr(args, "segment", None):
        base = lib.get_segment(args.segment)
        if base is None:
            raise BadInputError(lib.root, f"there is no saved segment named {args.segment[:60]!r}")
    try:
        segment = parse_filters(args.filter, base)
    except ValueError as exc:
        raise BadInputError(lib.root, f"bad --filter: {exc}") from None
    from replaylens.analysis.vocabulary import check_segment

    check_segment(lib, segment)  # an unknown key, value, goal or tag: UnknownNameError (exit 2), never a zero
    return segment


def _emit(obj: Any) -> None:
    from replaylens.cli.library import emit

    emit(obj)


def _fmt_eta(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def run_add(args: argparse.Namespace) -> int:
    from replaylens.io.library import CancelToken, IngestProgress, ingest

    tty = sys.stderr.isatty()
    last = [-1e9]

    def progress(p: IngestProgress) -> None:
        line = (f"{p.done:,}/{p.total:,} files  added {p.added:,}  skipped {p.skipped:,}  failed {p.failed:,}  "
                f"{p.events:,} events  {p.elapsed_s:,.0f}s, left {_fmt_eta(p.eta_s)}")
        if tty:
            print("\r" + line[:150].ljust(150), end="", file=sys.stderr, flush=True)
        elif p.elapsed_s - last[0] >= 10 and p.done < p.total:  # a log line every 10 s when not on a terminal
            last[0] = p.elapsed_s
            print(line, file=sys.stderr)

    lib = _open(args)
    try:
        try:
            result = ingest(lib, args.paths, attributes_file=args.attributes, progress=progress,
                            cancel=CancelToken(), workers=args.workers, replace=args.replace)
        except KeyboardInterrupt:
            if tty:
                print(file=sys.stderr)
            print("replaylens: cancelled; the sessions finished so far are in the library", file=sys.stderr)
            return 130
        if tty:
            print(file=sys.stderr)
        pictures = None
        if not getattr(args, "no_render", False):  # the render stage (cli/library_render.py)
            from replaylens.cli.library_render import render_stage

            try:
                pictures = render_stage(lib, workers=min(max(args.workers, 0), 1))
            except KeyboardInterrupt:
                print("replaylens: cancelled; the sessions are in the library, their page pictures are not all "
                      "made (`replaylens library render` resumes them)", file=sys.stderr)
                return 130
    finally:
        lib.close()
    if args.json:
        _emit({**result.to_json(), "render": pictures.to_json() if pictures is not None else None})
    else:
        extra = (f", {len(result.conflicts):,} kept beside an existing session" if result.conflicts else "") + \
                (f", replaced {len(result.replaced):,}" if result.replaced else "")
        print(f"added {result.added:,}, skipped {result.skipped:,}, failed {len(result.failed):,}{extra} "
              f"({result.events:,} events in {result.elapsed_s:,.1f} s)")
        for f, reason in result.failed:
            print(f"  failed: {f}: {reason}")
        for c in result.conflicts:
            print(f"  conflict: {c['file']}: session {c['id']!r} is already in the library from "
                  f"{c['existing_file'] or 'another file'} with other content; kept as {c['kept_as']!r} "
                  "(--replace replaces instead)")
        for c in result.replaced:
            print(f"  replaced: session {c['id']!r} from {c['existing_file'] or 'another file'} by {c['file']}")
        if pictures is not None and pictures.sessions:
            from replaylens.cli.library_render import summary_line

            print(summary_line(pictures))
    return 0


def run_ls(args: argparse.Namespace) -> int:
    lib = _open(args)
    try:
        seg = _segment(lib, args)
        total = lib.count(seg)
        try:
            sessions = lib.sessions_json(seg, sort=args.sort, descending=not args.asc, limit=args.limit, offset=0)
        except ValueError as exc:
            from replaylens.errors import BadInputError

            raise BadInputError(lib.root, str(exc)) from None
    finally:
        lib.close()
    if args.json:
        _emit({"count": total, "sessions": sessions})
        return 0
    print(f"{total:,} sessions" + (f" (showing {len(sessions):,})" if len(sessions) < total else ""))
    for s in sessions:
        goals = ",".join(s["goals"]) or "-"
        finds = ",".join(f"{k}:{n}" for k, n in s["findings"].items()) or "-"
        tags = ",".join(s["tags"]) or "-"
        print(f"  {s['id']:<20} {s['start'][:19]}  {s['duration_ms'] / 1000:8.1f}s  goals {goals}  "
              f"findings {finds}  tags {tags}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from replaylens.cli.library_render import info_lines
    from replaylens.io.library.render_stage import status as render_status

    lib = _open(args)
    try:
        info = lib.info()
        info["pictures"] = render_status(lib)  # the render stage's progress and notes (docs/library.md)
    finally:
        lib.close()
    from replaylens.cli.library_policy import describe
    from replaylens.io.privacy.library_policy import read_policy

    policy = read_policy(info["library"])
    info["privacy"] = policy.to_json()
    if args.json:
        _emit(info)
        return 0
    print(f"{info['library']}\n  {info['sessions']:,} sessions, {info['events']:,} events, "
          f"{info['bytes'] / 2**20:,.1f} MiB\n  privacy: {describe(policy)}")
    for title, key in (("goals", "goals"), ("findings (sessions)", "findings"), ("tags", "tags")):
        if info[key]:
            print(f"  {title}: " + ", ".join(f"{k} {n:,}" for k, n in info[key].items()))
    for attr, values in info["attributes"].items():
        shown = list(values.items())[:12]
        more = f", … {len(values) - len(shown)} more" if len(values) > len(shown) else ""
        print(f"  {attr}: " + ", ".join(f"{v} {n:,}" for v, n in shown) + more)
    pages = info.get("pages", [])
    if pages:  # page templates with how many URLs each holds (library pages lists them all)
        shown_pages = [f"{p['template'][:60]} ({p['sessions']:,} sessions, {p['urls']:,} URL"
                       f"{'s' if p['urls'] != 1 else ''})" for p in pages[:8]]
        print("  pages: " + ", ".join(shown_pages) + (f", … {len(pages) - 8} more" if len(pages) > 8 else ""))
    for line in info_lines(info["pictures"]):
        print(line)
    return 0


def run_goal_add(args: argparse.Namespace) -> int:
    from replaylens.analysis.segments import goal_from_options
    from replaylens.errors import BadInputError

    lib = _open(args)
    try:
        try:
            goal = goal_from_options(args.name, page=args.page, event=args.event, click=args.click)
            n = lib.add_goal(goal)
        except ValueError as exc:
            raise BadInputError(lib.root, str(exc)) from None
        total = lib.count()
    finally:
        lib.close()
    print(f"goal {goal.name!r} ({goal.kind} {goal.pattern!r}): reached in {n:,} of {total:,} sessions")
    return 0


def run_goal_ls(args: argparse.Namespace) -> int:
    lib = _open(args)
    try:
        counts = lib.info()["goals"]
        goals = [{"name": g.name, "kind": g.kind, "pattern": g.pattern, "sessions": counts.get(g.name, 0)}
                 for g in lib.goals()]
    finally:
        lib.close()
    if args.json:
        _emit({"goals": goals})
    else:
        for g in goals:
            print(f"  {g['name']:<24} {g['kind']:<6} {g['pattern']!r}  {g['sessions']:,} sessions")
    return 0


def run_goal_rm(args: argparse.Namespace) -> int:
    lib = _open(args)
    try:
        found = lib.delete_goal(args.name)
    finally:
        lib.close()
    if not found:
        print(f"replaylens: there is no goal named {args.name!r}", file=sys.stderr)
        return 3
    print(f"deleted goal {args.name!r}")
    return 0


def run_segment_save(args: argparse.Namespace) -> int:
    from replaylens.errors import BadInputError

    lib = _open(args)
    try:
        seg = _segment(lib, args)
        try:
            n = lib.count(seg)  # a segment that cannot be counted is never saved
            lib.save_segment(args.name, seg)
        except ValueError as exc:
            raise BadInputError(lib.root, str(exc)) from None
    finally:
        lib.close()
    print(f"segment {args.name!r} saved: {n:,} sessions match now")
    return 0


def run_segment_ls(args: argparse.Namespace) -> int:
    lib = _open(args)
    try:
        rows = [{"name": s.name, "segment": s.segment.to_json(), "sessions": lib.count(s.segment)}
                for s in lib.segments()]
    finally:
        lib.close()
    if args.json:
        _emit({"segments": rows})
    else:
        for r in rows:
            print(f"  {r['name']:<28} {r['sessions']:>8,} sessions")
    return 0


def run_segment_rm(args: argparse.Namespace) -> int:
    lib = _open(args)
    try:
        found = lib.delete_segment(args.name)
    finally:
        lib.close()
    if not found:
        print(f"replaylens: there is no segment named {args.name!r}", file=sys.stderr)
        return 3
    print(f"deleted segment {args.name!r}")
    return 0


def _edit(args: argparse.Namespace, what: str) -> int:
    from replaylens.errors import BadInputError

    lib = _open(args)
    try:
        if lib.source_of(args.session_id) is None:
            raise BadInputError(lib.root, f"there is no session {args.session_id[:60]!r} in the library")
        try:
            if what == "tag":
                n = lib.tag([args.session_id], args.tag)
            elif what == "untag":
                n = lib.untag([args.session_id], args.tag)
            else:
                n = lib.add_note([args.session_id], args.text)
        except ValueError as exc:
            raise BadInputError(lib.root, str(exc)) from None
    finally:
        lib.close()
    print({"tag": "tagged" if n else "already tagged", "untag": "untagged" if n else "was not tagged",
           "note": "note added"}[what])
    return 0


def run_tag(args: argparse.Namespace) -> int:
    return _edit(args, "tag")


def run_untag(args: argparse.Namespace) -> int:
    return _edit(args, "untag")


def run_note(args: argparse.Namespace) -> int:
    return _edit(args, "note")
