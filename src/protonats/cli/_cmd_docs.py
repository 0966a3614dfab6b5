"""Commands that document and guard the registry: ``catalog`` and ``breaking``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import CliError, OutputFormat, Table
from ._options import Debug, Format, Registry, registry_of

__all__ = ["breaking_command", "catalog_command"]


def catalog_command(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="DIR", help="Directory to write the catalog to."),
    ],
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="Catalog title (default: the registry's)."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server", "-s", metavar="URL", help="NATS URL to list in the AsyncAPI document."
        ),
    ] = None,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
) -> None:
    """Write a browsable event catalog: one Markdown page per event and asyncapi.json.

    The AsyncAPI 3.0 document has every event as a channel with its message schema, so
    teams outside Python can use the registry. Prints the files written.
    """
    from ._catalog import write_catalog

    events = registry_of(ctx, registry)
    written = write_catalog(events, out, title=title, server=server)
    rows = [[str(path.relative_to(out)), "written"] for path in written]
    records = [{"path": str(path), "action": "written"} for path in written]
    Table(f"catalog in {out}", ["FILE", "ACTION"], rows, records).print(fmt)


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
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="TOML with [tool.protonats.breaking]."),
    ] = None,
    fmt: Format = None,
    debug: Debug = False,
) -> None:
    """Find breaking changes in the event declarations of the protos (exit 100 if any).

    Prints one row per finding (location, rule, event, what changed and the fix); allowed
    findings are listed as allowed and do not fail the gate.
    """
    try:
        from ..checks._allow import ConfigError
        from ..checks._gate import EXIT_BREAKING, breaking_report
        from ..checks._images import BuildError
    except ImportError as exc:
        raise CliError(f"protonats breaking is not available in this install: {exc}") from exc
    try:
        report = breaking_report(against=against, input=input_, config=config)
    except (BuildError, ConfigError) as exc:
        raise CliError(str(exc)) from exc
    ordered = [*report.failing, *(f for f in report.findings if f.allowed)]
    rows = [
        [
            str(f.location),
            f.rule,
            f.event or "",
            f"{f.message}; {f.hint}",
            f"allowed: {f.reason}" if f.allowed else "breaking",
        ]
        for f in ordered
    ]
    columns = ["LOCATION", "RULE", "EVENT", "CHANGE", "STATUS"]
    records = report.as_json()
    table = Table(report.summary(), columns, rows, records)
    if fmt is OutputFormat.JSONL:
        table = Table(report.summary(), columns, rows, records["findings"])
    table.print(fmt)
    for note in report.notes():
        print(f"protonats: {note}", file=sys.stderr)
    print(f"protonats: {report.summary()}", file=sys.stderr)
    if report.failing:
        raise typer.Exit(EXIT_BREAKING)
