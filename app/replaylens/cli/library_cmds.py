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
    try:
        lib = open_library(root)
    except LibraryError as exc:
        raise BadInputError(root, str(exc)) from None
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
        return parse_filters(args.filter, base)
    except ValueError as exc:
        raise BadInputError(lib.root, f"bad --filter: {exc}") from None


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
                            cancel=CancelToken(), workers=args.workers)
        except KeyboardInterrupt:
            if tty:
                print(file=sys.stderr)
            print("replaylens: cancelled; the sessions finished so far are in the library", file=sys.stderr)
            return 130
    finally:
        lib.close()
    if tty:
        print(file=sys.stderr)
    if args.json:
        _emit(result.to_json())
    else:
        print(f"added {result.added:,}, skipped {result.skipped:,}, failed {len(result.failed):,} "
              f"({result.events:,} events in {result.elapsed_s:,.1f} s)")
        for f, reason in result.failed:
            print(f"  failed: {f}: {reason}")
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
    lib = _open(args)
    try:
        info = lib.info()
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
    print(f"deleted goal {args.name!r}" if found else f"no goal named {args.name!r}")
    return 0 if found else 3


def run_segment_save(args: argparse.Namespace) -> int:
    from replaylens.errors import BadInputError

    lib = _open(args)
    try:
        seg = _segment(lib, args)
        try:
            lib.save_segment(args.name, seg)
        except ValueError as exc:
            raise BadInputError(lib.root, str(exc)) from None
        n = lib.count(seg)
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
    print(f"deleted segment {args.name!r}" if found else f"no segment named {args.name!r}")
    return 0 if found else 3


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
