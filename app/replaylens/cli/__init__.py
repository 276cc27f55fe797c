"""The command line. ``--help`` imports neither Qt nor the data stack: every command imports what it needs
when it runs. Exit codes: 0 ok, 2 usage, 3 bad input, 130 cancelled (1 only for an internal error, a bug). Every
argument is checked (``cli.validate``) before a command touches a library or the disk; an error is one line on
stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from replaylens import __version__
from replaylens.cli import _commands

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (``PROG: error: MESSAGE``, exit 2); subparsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="replaylens",
        description="Replay Lens: replay recorded web sessions, heatmaps and friction signals.\n"
                    "  replaylens FILE            open FILE in the viewer (same as 'replaylens open FILE')",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"replaylens {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _commands.modules():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    names = _commands.names()
    first = next((a for a in args_list if not a.startswith("-")), None)
    if first is not None and first not in names and not any(a in ("-h", "--help", "--version")
                                                           for a in args_list):
        args_list.insert(args_list.index(first), "open")  # `replaylens FILE` opens the viewer
    parser = build_parser()
    args = parser.parse_args(args_list)  # exits 2 on usage errors
    if args.command is None:
        args = parser.parse_args(["open", *args_list])
    from replaylens.cli.validate import UsageError, check
    from replaylens.errors import BadInputError, CancelledError, UnknownNameError

    try:
        check(args)
        return int(args.run(args) or 0)
    except (UsageError, UnknownNameError) as exc:  # bad arguments; a key, value or goal the library lacks
        print(f"replaylens: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BadInputError as exc:
        print(f"replaylens: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CancelledError:
        print("replaylens: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        return EXIT_CANCELLED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(f"replaylens: internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
              file=sys.stderr)
        return EXIT_INTERNAL
