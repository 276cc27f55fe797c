"""Typed errors shared by every layer. Imports nothing of ours."""

from __future__ import annotations

from pathlib import Path


class ReplayLensError(Exception):
    """Base class of every error Replay Lens raises on purpose."""


class BadInputError(ReplayLensError):
    """A file cannot be opened: corrupt, truncated, hostile, too large or of an unknown kind.

    ``str(err)`` is the one message shown to the user; it names the file and the problem.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path.name}: {problem}")


class UnsupportedVersionError(BadInputError):
    """The file is of a known kind but a format version this build cannot read."""


class LimitExceededError(BadInputError):
    """The file declares or contains more than the documented limits allow (see docs/format.md)."""


class CancelledError(ReplayLensError):
    """A long job was cancelled by the user."""


class UnknownNameError(ReplayLensError, ValueError):
    """A filter, ``--by``, ``--a``/``--b`` value or goal names a key, value or goal the library does not have.

    ``str(err)`` is one line: what is unknown, what the library has, and the nearest match. The command line
    exits 2 (usage) for it, the GUI shows it in the status bar; never a silent zero."""
