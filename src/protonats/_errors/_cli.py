"""Errors of the tools: the command line's own failures (outside ``ProtonatsError``: the
runtime never raises them) and buf failing under ``protonats breaking``."""

from __future__ import annotations

from ._base import BuildError

__all__ = ["BufError", "CliError", "CommandStopped", "UsageError"]


class BufError(BuildError):
    """buf could not run or could not build an input (bad ref, compile error, no buf)."""


class CliError(Exception):
    """A failure the user can fix, reported as one ``protonats: error:`` line, exit code 1."""

    exit_code = 1


class UsageError(CliError):
    """The command line itself is wrong (conflicting or incomplete options): exit code 2."""

    exit_code = 2


class CommandStopped(Exception):
    """A signal (``signum``) stopped a command; the CLI exits 130 or 143."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
