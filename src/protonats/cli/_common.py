"""What every command shares: its error type, output format, tables and connection options."""

from __future__ import annotations

import dataclasses
import enum
import json
import ssl
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "EXIT_CHANGES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "CliError",
    "Connection",
    "OutputFormat",
    "Table",
    "one_line",
]

EXIT_ERROR = 1
EXIT_CHANGES = 3
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A failure the user can fix, reported as one ``protonats: error:`` line, exit code 1."""


class OutputFormat(enum.StrEnum):
    """How results are printed: ``auto`` is a table on a terminal, else plain."""

    AUTO = "auto"
    TABLE = "table"
    PLAIN = "plain"
    JSON = "json"

    def resolve(self, stream: TextIO | None = None) -> OutputFormat:
        """The concrete format: ``auto`` becomes ``table`` on a terminal, else ``plain``."""
        if self is not OutputFormat.AUTO:
            return self
        out = stream if stream is not None else sys.stdout
        return OutputFormat.TABLE if _isatty(out) else OutputFormat.PLAIN


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def one_line(text: object) -> str:
    """``text`` with its whitespace (newlines included) collapsed, for a one-line message."""
    return " ".join(str(text).split())


@dataclasses.dataclass(frozen=True, slots=True)
class Table:
    """Rows to print as a rich table (terminal), tab-separated lines (plain) or JSON.

    ``records`` is what ``--format json`` prints: the full data, not the humanised cells.
    """

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    records: Any

    def print(self, fmt: OutputFormat, out: TextIO | None = None) -> None:
        """Write the table to ``out`` (default stdout) in ``fmt``."""
        stream = out if out is not None else sys.stdout
        fmt = fmt.resolve(stream)
        if fmt is OutputFormat.JSON:
            stream.write(json.dumps(self.records, indent=2, default=str) + "\n")
        elif fmt is OutputFormat.PLAIN:
            for row in [self.columns, *self.rows]:
                stream.write("\t".join(one_line(cell) for cell in row) + "\n")
        else:
            from rich.console import Console
            from rich.table import Table as RichTable

            table = RichTable(title=self.title, title_justify="left", show_lines=False)
            for index, column in enumerate(self.columns):
                table.add_column(column, overflow="fold", no_wrap=index == 0)
            for row in self.rows:
                table.add_row(*(_escape(cell) for cell in row))
            Console(file=stream).print(table)


def _escape(cell: str) -> str:
    from rich.markup import escape

    return escape(cell)


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

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``; ``CliError`` for an unusable combination."""
        options: dict[str, Any] = {}
        if self.creds is not None:
            if not self.creds.is_file():
                raise CliError(f"--creds {str(self.creds)!r}: no such file")
            options["user_credentials"] = str(self.creds)
        if self.password is not None and self.user is None:
            raise CliError("--password needs --user")
        if self.user is not None:
            options["user"] = self.user
            options["password"] = self.password or ""
        if self.token is not None:
            options["token"] = self.token
        if self.tls_key is not None and self.tls_cert is None:
            raise CliError("--tls-key needs --tls-cert")
        if self.tls_ca is not None or self.tls_cert is not None:
            options["tls"] = self._tls_context()
        if self.tls_hostname is not None:
            options["tls_hostname"] = self.tls_hostname
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
