"""The ``breaking`` command: ``buf breaking`` with the event rules of buf-plugin-protonats
(``checks/_gate``), one row per finding, exit 100 if anything breaks."""

import sys
from typing import Annotated

import typer

from .._errors._cli import CliError
from ._options import Debug, Format
from ._output import OutputFormat, Table

__all__ = ["breaking_command"]


def breaking_command(
    against: Annotated[
        str,
        typer.Option(
            "--against",
            metavar="INPUT",
            help="Baseline buf input: '.git#branch=main', a directory or an image file.",
        ),
    ],
    input_: Annotated[
        str,
        typer.Option("--input", metavar="INPUT", help="The buf input to check (default: '.')."),
    ] = ".",
    fmt: Format = None,
    debug: Debug = False,
) -> None:
    """buf breaking with the event rules of buf-plugin-protonats (exit 100 if anything breaks).

    Prints one row per finding (location, rule, which plugin, what changed and the fix), buf's
    own rules and the event rules alike. Accept a deliberate break in buf.yaml
    (breaking.except / breaking.ignore_only).
    """
    from ..checks._gate import EXIT_BREAKING, BufError, breaking_report

    try:
        report = breaking_report(against=against, input=input_)
    except BufError as exc:
        raise CliError(str(exc)) from exc
    for warning in report.warnings:
        print(f"protonats: warning: {warning}", file=sys.stderr)
    rows = [[f.location, f.rule, f.plugin or "buf", f.message] for f in report.findings]
    columns = ["LOCATION", "RULE", "FROM", "CHANGE"]
    records = report.as_json()
    table = Table(report.summary(), columns, rows, records)
    if fmt is OutputFormat.JSONL:
        table = Table(report.summary(), columns, rows, records["findings"])
    table.print(fmt)
    print(f"protonats: {report.summary()}", file=sys.stderr)
    if report.findings:
        raise typer.Exit(EXIT_BREAKING)
