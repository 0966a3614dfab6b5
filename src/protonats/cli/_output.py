"""What a command prints: its ``--format`` (``table`` on a terminal, ``tsv`` when piped,
``json``, ``jsonl``), its results as a ``Table`` or, as they come, a ``StreamPrinter``, every
cell and message on one line (``one_line``), and the spinner on stderr while it waits
(``status``)."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from .._text import printable

__all__ = [
    "OutputFormat",
    "Progress",
    "StreamPrinter",
    "Table",
    "no_progress",
    "one_line",
    "status",
]


def one_line(text: object) -> str:
    """``text`` with its whitespace (newlines included) collapsed and its control characters
    escaped, for a one-line message or cell."""
    return printable(" ".join(str(text).split()))


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


Progress = Callable[[str], None]


def no_progress(text: str) -> None:
    """Progress where nobody watches: nothing to show."""


@contextlib.contextmanager
def status(message: str, *, show: bool = True) -> Iterator[Progress]:
    """A spinner with ``message`` on stderr while the block runs, when ``show`` and stderr is
    a terminal; yields a function that replaces the message (e.g. with a count).

    Nothing may be printed to stdout meanwhile when it is the same terminal.
    """
    if not show or not sys.stderr.isatty():
        yield no_progress
        return
    from rich.console import Console
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", text=message)
    console = Console(file=sys.stderr)
    with Live(spinner, console=console, transient=True, redirect_stdout=False):
        yield lambda text: spinner.update(text=text)
