"""The contract every command keeps: declared on ``App`` (``@app.command("name")``), its
errors are one ``protonats: error:`` line on stderr in the command line's words (exit 1; a
usage error exit 2; ``--debug`` prints the traceback first), its help is plain text with
``UPPER`` metavars, and click's usage errors (a bad choice, an unknown option, a missing
argument) become one such line with exit code 2.

A runtime error made with a ``Fix`` (``ProtonatsError.with_fix``) names what to do in Python
(``register()``, ``on_newer='skip'``); the command line says the same in its own words
(``protonats register``, ``--skip-newer``): ``cli_message``. An unknown event name is a usage
error (exit 2) and carries the closest known name ("did you mean").

What a command prints is ``_output``'s; how it connects, ``_options``' ``Connection``.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from .._errors import ProtonatsError, UnknownEventError
from .._errors._cli import CliError, UsageError
from .._text import printable
from ..jetstream._servers import redact
from ._output import one_line

__all__ = [
    "EXIT_CHANGES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "SECRETS",
    "App",
    "State",
    "cli_exit_code",
    "cli_message",
    "handles_errors",
    "print_error",
]

EXIT_ERROR = CliError.exit_code
EXIT_USAGE = UsageError.exit_code
EXIT_CHANGES = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def print_error(message: object) -> None:
    """Write the one ``protonats: error:`` line to stderr: one line, no control character,
    no URL credential or secret flag value (``redact``)."""
    print(f"protonats: error: {redact(one_line(message), SECRETS)}", file=sys.stderr)


SECRETS: set[str] = set()
"""The secret values of this command's flags (``--password``, ``--token``), which no error
line shows; ``Connection.check`` adds them."""


@dataclasses.dataclass(slots=True)
class State:
    """Options given before the command name, which the command's own flags override."""

    registry: str | None = None
    debug: bool = False

    @classmethod
    def of(cls, ctx: Any) -> State:
        """The state the ``protonats`` group stored on its context (defaults without one)."""
        find = getattr(ctx, "find_object", None)  # typer passes its click context
        obj = find(cls) if find is not None else None
        return obj if isinstance(obj, State) else cls()


def handles_errors(fn: F) -> F:
    """Report an error as one ``protonats: error:`` line and exit with its code (1, or 2 for
    a ``UsageError``); ``--debug`` prints the traceback first. Applied once per command."""
    if getattr(fn, "_protonats_handles_errors", False):
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug")) or State.of(kwargs.get("ctx")).debug
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            print("protonats: interrupted", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if _is_click_error(exc):
                raise  # a usage error raised by a parameter: App reports it
            if debug:
                text = printable(traceback.format_exc(), lines=True)
                sys.stderr.write(redact(text, SECRETS))
            print_error(_message(exc, debug))
            raise typer.Exit(cli_exit_code(exc)) from None

    wrapper._protonats_handles_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


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


def _message(exc: Exception, debug: bool) -> str:
    if isinstance(exc, CliError | ProtonatsError):
        return cli_message(exc)
    message = f"{type(exc).__name__}: {one_line(exc)}"
    return message if debug else message + " (run with --debug for the traceback)"


def _is_click_error(exc: BaseException) -> bool:
    """click's own exceptions (usage errors among them) have ``format_message``/``exit_code``."""
    return callable(getattr(exc, "format_message", None)) and isinstance(
        getattr(exc, "exit_code", None), int
    )


class Command(TyperCommand):
    """Plain help (rich markup would swallow ``[...]``), ``UPPER`` metavars instead of typer's
    ``<str>``/``{event}``, and one section per ``rich_help_panel``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is None and not getattr(param, "is_flag", False):
                param.metavar = (param.name or "value").upper()

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar or "[OPTIONS]"]
        for param in self.params:
            if param.param_type_name == "argument":
                name = param.metavar or (param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if param.param_type_name == "argument":  # typer adds "<str>" and "[required]"
                record = (param.metavar or "", getattr(param, "help", None) or "")
            if record is not None:
                default = "Arguments" if param.param_type_name == "argument" else "Options"
                panel = getattr(param, "rich_help_panel", None) or default
                sections.setdefault(panel, []).append(record)
        for title, records in sections.items():
            with formatter.section(title):
                formatter.write_dl(records)


class Group(TyperGroup):
    """The ``protonats`` group: every usage error is one line on stderr with exit code 2."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        extra["windows_expand_args"] = windows_expand_args
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, False, **extra)
        if not argv:
            with self.make_context(prog_name or "protonats", [], resilient_parsing=True) as ctx:
                print(self.get_help(ctx), file=sys.stderr)
            sys.exit(EXIT_USAGE)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except typer.Abort:
            print("protonats: interrupted", file=sys.stderr)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            if not _is_click_error(exc):
                raise
            print_error(_usage_message(exc))
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: Exception) -> str:
    message = one_line(getattr(exc, "format_message")())  # noqa: B009 - duck-typed click error
    # A validator's ValueError reaches click through pydantic-style wording: keep the reason.
    message = message.replace(": Value error, ", ": ")
    path = getattr(getattr(exc, "ctx", None), "command_path", None)
    return f"{message} (see '{path} --help')" if path else message


class App(typer.Typer):
    """``typer.Typer`` whose commands follow the contract of this module."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Group, rich_markup_mode=None, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[F], F]:
        """Register a command; it reports its errors through ``handles_errors``."""
        register = super().command(name, cls=cls or Command, **kwargs)

        def decorator(fn: F) -> F:
            register(handles_errors(fn))
            return fn

        return decorator
