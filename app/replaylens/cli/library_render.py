"""``replaylens library render`` and the render stage of ``library add`` (docs/library.md, "Page pictures"):
progress with counts and time left on stderr, the summary on stdout (or in ``--json``), notes in ``library info``.
Imports of the data stack stay inside functions."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from replaylens.io.library.render_stage import RenderSummary
    from replaylens.store.library import LibraryStore


def add_parser(lsub: Any) -> argparse.ArgumentParser:
    from replaylens.cli import library_render as me

    r = lsub.add_parser("render", help="render page pictures and element boxes of rrweb sessions (resumes)")
    r.add_argument("--json", action="store_true", help="print what was rendered as JSON")
    r.add_argument("--retry", action="store_true", help="also try again the sessions that could not be rendered")
    r.add_argument("--workers", type=_workers, default=1, metavar="N",
                   help="scanning processes, 0-8 (default 1; 0: in this process)")
    r.set_defaults(run=me.run_render)
    return r


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of processes (0-8)") from None
    if not 0 <= n <= 8:
        raise argparse.ArgumentTypeError(f"{n} processes: choose 0 to 8")
    return n


def _fmt(s: float | None) -> str:
    if s is None:
        return "--:--"
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def render_stage(lib: LibraryStore, *, workers: int = 1, retry: bool = False) -> RenderSummary:
    """Run the stage with a progress line on stderr (a log line every 10 s when not on a terminal)."""
    from replaylens.io.library.render_stage import RenderProgress, render_library

    tty = sys.stderr.isatty()
    last = [-1e9]

    def progress(p: RenderProgress) -> None:
        if not p.total:
            return
        line = (f"pictures: {p.done:,}/{p.total:,} sessions  {_n(p.rendered, 'page')} rendered  {p.failed:,} not "
                f"renderable  {p.elapsed_s:,.0f}s, left {_fmt(p.eta_s)}")
        if tty:
            print("\r" + line[:150].ljust(150), end="", file=sys.stderr, flush=True)
        elif p.elapsed_s - last[0] >= 10 and p.done < p.total:
            last[0] = p.elapsed_s
            print(line, file=sys.stderr)

    try:
        return render_library(lib, progress=progress, workers=workers, retry_failed=retry)
    finally:
        if tty:
            print(file=sys.stderr)


def _n(count: int, word: str) -> str:
    """``1 page`` / ``3 pages``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def summary_line(s: RenderSummary) -> str:
    if not s.sessions:
        return "pictures: nothing to render (every rrweb session of the library has its page pictures)"
    done = (f"pictures: {s.done:,} of {_n(s.sessions, 'rrweb session')} done, {_n(s.renders, 'page')} rendered "
            f"({_n(s.reused, 'page')} shared a picture), {_n(s.boxes, 'click')} anchored to element boxes, "
            f"{s.failed + s.partial:,} with notes ({s.seconds:,.1f} s)")
    return done + ("; cancelled: `replaylens library render` resumes" if s.cancelled else "")


def run_render(args: argparse.Namespace) -> int:
    from replaylens.cli.library_cmds import _emit, _open

    lib = _open(args)
    try:
        try:
            s = render_stage(lib, workers=args.workers, retry=args.retry)
        except KeyboardInterrupt:
            print("replaylens: cancelled; the pictures finished so far are in the library "
                  "(`replaylens library render` resumes)", file=sys.stderr)
            return 130
    finally:
        lib.close()
    if args.json:
        _emit(s.to_json())
    else:
        print(summary_line(s))
        for sid, note in s.notes[:50]:
            print(f"  note: {sid}: {note}")
    return 0


def info_lines(status: dict[str, Any]) -> list[str]:
    """The ``library info`` lines about page pictures (nothing for a library without rrweb sessions)."""
    if not status["rrweb_sessions"]:
        return []
    out = [f"  page pictures: {status['done']:,} of {status['rrweb_sessions']:,} rrweb sessions rendered "
           f"({_n(status['pictures'], 'distinct page')})"
           + (f", {status['pending']:,} waiting (`replaylens library render`)" if status["pending"] else "")]
    for n in status["notes"][:20]:
        shown = "placeholder picture" if n["status"] == "failed" else "some pages without their own picture"
        out.append(f"    {n['session_id']}: {shown}: {n['note']}")
    if len(status["notes"]) > 20:
        out.append(f"    … and {len(status['notes']) - 20:,} more (library info --json)")
    return out
