"""Errors in the words of the command line: a runtime error's fix names Python calls
(``register()``, ``on_newer="skip"``); the CLI user needs ``protonats register`` and
``--skip-newer``. Unknown event names get a "did you mean"."""

from __future__ import annotations

from ._common import one_line

__all__ = ["cli_message"]


def cli_message(exc: Exception) -> str:
    """The one-line message of ``exc`` for the command line."""
    return one_line(exc)
