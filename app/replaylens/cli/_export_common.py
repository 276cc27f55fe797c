"""Argument helpers shared by the ``export``, ``clip`` and ``report`` commands (no heavy imports here)."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any


def parse_size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[x×X]\s*(\d{2,5})\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x720")
    return int(m.group(1)), int(m.group(2))


def parse_time_arg(text: str) -> int:
    from replaylens.core.timefmt import parse_time

    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_annotation_args(p: Any) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--annotations", metavar="FILE",
                   help="annotations file to draw (default: the annotations saved for this session in the viewer)")
    g.add_argument("--no-annotations", action="store_true", help="draw no annotations")


def load_annotations(args: argparse.Namespace, session: Any) -> Any:
    """The annotations the command should draw: --annotations FILE, the viewer's saved ones, or none."""
    from replaylens.model.annotations import AnnotationSet, AnnotationStore, import_annotations

    if args.no_annotations:
        return AnnotationSet()
    if args.annotations:
        return import_annotations(args.annotations)
    aset, warning = AnnotationStore.for_session(session).load(quarantine=False)
    if warning:
        print(f"replaylens: warning: {warning}", file=sys.stderr)
    return aset


def add_friction_args(p: Any) -> None:
    """``--preset`` / ``--set`` as ``analyze`` takes them: the findings an export highlights and lists."""
    from replaylens.cli.analyze import PRESET_NAMES

    p.add_argument("--preset", choices=PRESET_NAMES, default="posthog",
                   help="friction definitions for the findings shown (default: posthog, as 'analyze')")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one friction threshold, e.g. --set rage.max_gap_ms=500 (repeatable; "
                        "see 'replaylens analyze --list-settings')")
    p.set_defaults(_friction_parser=p)


def friction_settings(args: argparse.Namespace) -> Any:
    """The ``FrictionSettings`` of ``--preset``/``--set``, or None after printing a usage error (exit 2)."""
    from replaylens.model.friction_settings import FrictionSettings, SettingsError

    try:
        return FrictionSettings.preset(args.preset).with_overrides(list(args.overrides))
    except SettingsError as exc:
        print(f"replaylens {args.command}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return None


@contextlib.contextmanager
def opened_for_export(args: argparse.Namespace) -> Iterator[tuple[Any, Any]]:
    """(session, annotations) for an exporting command: an off-screen Qt app, the session opened from
    ``args.file`` and the annotations to draw; the session is closed afterwards."""
    from replaylens.render.qt import ensure_gui_app

    ensure_gui_app()
    from replaylens.io.registry import open_session

    session = open_session(args.file)
    try:
        yield session, load_annotations(args, session)
    finally:
        session.close()


class StderrProgress:
    """``progress(fraction)`` printing a percentage on stderr: in place on a terminal, every 10 % otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        pct = int(fraction * 100)
        step = pct if self.tty else pct // 10 * 10
        if step == self.last:
            return
        self.last = step
        if self.tty:
            print(f"\r{self.label} {pct:3d} %", end="" if pct < 100 else "\n", file=sys.stderr, flush=True)
        else:
            print(f"{self.label} {step} %", file=sys.stderr, flush=True)
