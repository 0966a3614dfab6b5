"""Errors in the words of the command line.

A runtime error made with a ``Fix`` (``ProtonatsError.with_fix``) names what to do in Python
(``register()``, ``on_newer='skip'``); the command line says the same in its own words
(``protonats register``, ``--skip-newer``). An unknown event name is a usage error (exit 2)
and carries the closest known name ("did you mean").
"""

from __future__ import annotations

from .._errors import ProtonatsError, UnknownEventError
from ._common import EXIT_ERROR, EXIT_USAGE, one_line

__all__ = ["cli_exit_code", "cli_message"]


def cli_message(exc: BaseException) -> str:
    """The one-line message of ``exc`` for the command line."""
    if isinstance(exc, ProtonatsError) and exc.fix is not None and exc.problem:
        return one_line(f"{exc.problem}. {exc.fix.cli}")
    return one_line(exc)


def cli_exit_code(exc: BaseException) -> int:
    """1, or 2 for a usage error: a ``UsageError``, or an event name that is not in the
    registry (the command line's argument)."""
    if isinstance(exc, UnknownEventError):
        return EXIT_USAGE
    code = getattr(exc, "exit_code", EXIT_ERROR)
    return code if isinstance(code, int) else EXIT_ERROR
