"""The output contract every command shares: its errors (one line on stderr, exit 1; usage
errors exit 2), its ``--format`` (``table`` on a terminal, ``tsv`` when piped, ``json``,
``jsonl``), its tables, its help text, and the connection flags as one ``Connection``.

A new command gets all of it by being declared on ``App`` (``@app.command("name")``): its
errors are reported by ``handles_errors``, its help is plain text with ``UPPER`` metavars,
and click's usage errors (a bad choice, an unknown option, a missing argument) become one
``protonats: error:`` line with exit code 2.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import ssl
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from .._errors import ProtonatsError
from .._errors._cli import CliError, UsageError
from .._text import printable
from ..jetstream._servers import redact

__all__ = [
    "EXIT_CHANGES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "SECRETS",
    "App",
    "CliError",
    "Connection",
    "OutputFormat",
    "State",
    "StreamPrinter",
    "Table",
    "UsageError",
    "handles_errors",
    "listed",
    "one_line",
    "print_error",
]

EXIT_ERROR = CliError.exit_code
EXIT_USAGE = UsageError.exit_code
EXIT_CHANGES = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def one_line(text: object) -> str:
    """``text`` with its whitespace (newlines included) collapsed and its control characters
    escaped, for a one-line message or cell."""
    return printable(" ".join(str(text).split()))


def print_error(message: object) -> None:
    """Write the one ``protonats: error:`` line to stderr: one line, no control character,
    no URL credential or secret flag value (``redact``)."""
    print(f"protonats: error: {redact(one_line(message), SECRETS)}", file=sys.stderr)


SECRETS: set[str] = set()
"""The secret values of this command's flags (``--password``, ``--token``), which no error
line shows; ``Connection.check`` adds them."""


class OutputFormat(enum.StrEnum):
    """How a command prints its results (``--format``)."""

    TABLE = "table"
    TSV = "tsv"
    JSON = "json"
    JSONL = "jsonl"

    @classmethod
    def resolve(cls, fmt: OutputFormat | None, stream: TextIO | None = None) -> OutputFormat:
        """``fmt``, or when not given: ``table`` on a terminal, else ``tsv``."""
        if fmt is not None:
            return fmt
        out = stream if stream is not None else sys.stdout
        try:
            return cls.TABLE if out.isatty() else cls.TSV
        except (AttributeError, ValueError):  # no isatty, or closed
            return cls.TSV


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """Rows to print as a rich table, tab-separated lines (header first), or JSON.

    ``records`` is what ``json`` and ``jsonl`` print: the full data, not the humanised cells;
    a list is one JSON line per item in ``jsonl``.
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    records: Any

    def print(self, fmt: OutputFormat | None, out: TextIO | None = None) -> None:
        """Write the table to ``out`` (default stdout) in ``fmt`` (default: see ``resolve``)."""
        stream = out if out is not None else sys.stdout
        fmt = OutputFormat.resolve(fmt, stream)
        if fmt is OutputFormat.JSON:
            stream.write(
                printable(json.dumps(self.records, indent=2, default=str), json=True) + "\n"
            )
        elif fmt is OutputFormat.JSONL:
            items = self.records if isinstance(self.records, list) else [self.records]
            for item in items:
                text = json.dumps(item, default=str, ensure_ascii=False)
                stream.write(printable(text, json=True) + "\n")
        elif fmt is OutputFormat.TSV:
            for row in [self.columns, *self.rows]:
                stream.write("\t".join(one_line(cell) for cell in row) + "\n")
        else:
            from rich.console import Console
            from rich.markup import escape
            from rich.table import Table as RichTable

            title = escape(printable(self.title, lines=True))
            table = RichTable(title=title, title_justify="left", show_lines=False)
            for column in self.columns:
                table.add_column(escape(column), overflow="fold")
            for row in self.rows:
                table.add_row(*(escape(printable(cell, lines=True)) for cell in row))
            Console(file=stream).print(table)


class StreamPrinter:
    """Rows printed as they come (``tail``): aligned on a terminal (``table``), tab-separated
    with a header line (``tsv``), one JSON object per line (``jsonl``), or one JSON array
    closed by ``close()`` (``json``)."""

    def __init__(self, fmt: OutputFormat | None, columns: Sequence[str], out: TextIO) -> None:
        self.fmt = OutputFormat.resolve(fmt, out)
        self.columns = list(columns)
        self.out = out
        self.count = 0
        self._widths = [len(c) for c in self.columns]
        if self.fmt is OutputFormat.TSV:
            self._write("\t".join(self.columns))
        elif self.fmt is OutputFormat.TABLE:
            self._aligned(self.columns)

    def row(self, cells: Sequence[str], record: Any) -> None:
        """Print one row: ``cells`` for table/tsv, ``record`` for json/jsonl."""
        if self.fmt is OutputFormat.JSONL:
            self._write(printable(json.dumps(record, default=str, ensure_ascii=False), json=True))
        elif self.fmt is OutputFormat.JSON:
            text = printable(json.dumps(record, default=str, ensure_ascii=False), json=True)
            self._write(("[" if self.count == 0 else ",") + text)
        elif self.fmt is OutputFormat.TSV:
            self._write("\t".join(one_line(cell) for cell in cells))
        else:
            self._aligned([one_line(cell) for cell in cells])
        self.count += 1

    def close(self) -> None:
        """End the output (closes the JSON array)."""
        if self.fmt is OutputFormat.JSON:
            self._write("[]" if self.count == 0 else "]")

    def _aligned(self, cells: Sequence[str]) -> None:
        """Columns padded to the widest cell seen so far (the last one is not padded)."""
        self._widths = [max(w, len(c)) for w, c in zip(self._widths, cells, strict=False)]
        padded = [c.ljust(w) for c, w in zip(cells[:-1], self._widths, strict=False)]
        self._write("  ".join([*padded, *cells[-1:]]))

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()


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
            from ._hints import cli_exit_code

            print_error(_message(exc, debug))
            raise typer.Exit(cli_exit_code(exc)) from None

    wrapper._protonats_handles_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _message(exc: Exception, debug: bool) -> str:
    if isinstance(exc, CliError | ProtonatsError):
        from ._hints import cli_message

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


@dataclasses.dataclass(frozen=True, slots=True)
class Connection:
    """The connection flags of a command, turned into ``Events.connect`` arguments."""

    server: str | None = None
    creds: Path | None = None
    user: str | None = None
    password: str | None = None
    token: str | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_hostname: str | None = None
    domain: str | None = None

    def __repr__(self) -> str:  # never the password, the token or a URL's credentials
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown.update({k: "***" for k in ("password", "token") if shown[k] is not None})
        if self.server is not None:
            shown["server"] = redact(self.server)
        flags = ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None)
        return f"Connection({flags})"

    def shown(self) -> str:
        """The server(s) as an error message names them: credentials redacted."""
        from ..jetstream._servers import DEFAULT_SERVER

        return redact(self.server or DEFAULT_SERVER, SECRETS)

    def check(self) -> None:
        """``UsageError`` for an unusable combination of flags. Notes the secret values, which
        no error line then shows."""
        SECRETS.update(v for v in (self.password, self.token) if v)
        if self.creds is not None and not self.creds.is_file():
            raise UsageError(f"--creds {str(self.creds)!r}: no such file")
        if self.password is not None and self.user is None:
            raise UsageError("--password needs --user")
        if self.tls_key is not None and self.tls_cert is None:
            raise UsageError("--tls-key needs --tls-cert")

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``; ``UsageError`` for an unusable combination."""
        self.check()
        options: dict[str, Any] = {}
        if self.creds is not None:
            options["user_credentials"] = str(self.creds)
        if self.user is not None:
            options["user"] = self.user
            options["password"] = self.password or ""
        if self.token is not None:
            options["token"] = self.token
        if self.tls_ca is not None or self.tls_cert is not None:
            options["tls"] = self._tls_context()
        if self.tls_hostname is not None:
            options["tls_hostname"] = self.tls_hostname
        if self.domain is not None:
            options["domain"] = self.domain  # taken by connect(), not by nats-py
        return options

    def _tls_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(
                cafile=str(self.tls_ca) if self.tls_ca is not None else None
            )
            if self.tls_cert is not None:
                context.load_cert_chain(
                    str(self.tls_cert), str(self.tls_key) if self.tls_key is not None else None
                )
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot load the TLS files: {exc}") from exc
        return context


def listed(server: str | None) -> str | None:
    """Server URLs as a document lists them: without any credential (None stays None)."""
    if server is None:
        return None
    return ",".join(_without_userinfo(url.strip()) for url in server.split(","))


def _without_userinfo(url: str) -> str:
    scheme, sep, rest = url.rpartition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"
