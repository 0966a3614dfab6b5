"""Commands that document and guard the registry: ``catalog`` and ``breaking``."""

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import CliError, Connection, OutputFormat, Table
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
    ledger: Annotated[
        str | None,
        typer.Option(
            "--ledger",
            metavar="URL",
            help="Build the catalog from the schema ledger of the NATS server at URL instead of "
            "a registry.",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite files in DIR that an earlier catalog run did not write.",
        ),
    ] = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
) -> None:
    """Write a browsable event catalog: one Markdown page per event and asyncapi.json.

    The AsyncAPI 3.0 document has every event as a channel with its message schema, so
    teams outside Python can use the registry. Prints the files written. With --ledger URL
    the events come from what register recorded on that server (no registry needed).
    Only the catalog's own files are written or removed: DIR/.protonats-catalog.json lists
    them; any other file in the way is refused (--force overwrites it); symlinks never.
    """
    from ._catalog import write_catalog
    from ._manifest import Manifest
    from ._schema import Schemas

    schemas: Schemas | None = None
    if ledger is not None:
        from ._ledger import entries, ledger_catalog

        found = asyncio.run(entries(Connection(server=ledger)))
        if not found:
            raise CliError(f"the schema ledger of {ledger} is empty: register events first")
        events, schemas = ledger_catalog(found)
        title = title or "Event catalog (schema ledger)"
    else:
        events = registry_of(ctx, registry)
    manifest = Manifest(out, force=force)
    written = write_catalog(
        events, out, title=title, server=server or ledger, schemas=schemas, manifest=manifest
    )
    done = [(path, "written") for path in written]
    done += [(path, "removed") for path in manifest.finish()]
    done += [(path, "kept (edited since written)") for path in manifest.kept]
    rows = [[str(path.relative_to(out)), action] for path, action in done]
    records = [{"path": str(path), "action": action} for path, action in done]
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
