"""The ``catalog`` command: its flags, and the one entry point to the catalog's support
modules: ``catalog_site/`` (``_build`` writes everything, ``_serve`` is ``--serve``), which
uses ``_catalog_docs`` (the Markdown pages and the AsyncAPI document), ``_catalog_schemas``
(the events' JSON Schemas as components, with examples), ``_field_tables`` (the pages' field
tables), ``_markdown`` (registry text as Markdown text) and ``_manifest`` (the files the
output directory holds), and ``_ledger_events`` for ``--ledger``."""

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from .._errors._cli import UsageError
from ._options import (
    Connection,
    Debug,
    Format,
    Registry,
    credential_flags,
    registry_of,
    registry_spec,
)
from ._output import Table

__all__ = ["catalog_command"]


@credential_flags
def catalog_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Directory to write the catalog to (with --serve: default a temporary one).",
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="Catalog title (default: the registry's)."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            "-s",
            metavar="URL",
            help="NATS server: listed in the AsyncAPI document, and read for the site's live "
            "numbers (actors, pending, dead letters) and each event's ledger history.",
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
    live: Annotated[
        bool,
        typer.Option(
            "--live/--no-live",
            help="Read live numbers and history from --server (or --ledger); --no-live only "
            "names the server in the AsyncAPI document.",
        ),
    ] = True,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Preview the site on a free loopback port (printed) and rebuild it when the "
            "registry's files change (with a server, also every 15 s). Ctrl-C stops.",
        ),
    ] = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Write the event catalog: a static web site (index.html, a page per event), Markdown
    pages and asyncapi.json.

    The site needs no server to be hosted: copy the folder anywhere (or open index.html).
    With --server it shows who reads each event, their backlog and dead letters, and each
    event's history in the schema ledger. The AsyncAPI 3.0 document has every event as a
    channel with its message schema; it lists --server without credentials. With --ledger
    URL the events come from what register recorded on that server (no registry needed).
    --user/--password/--token/--creds/--tls-* connect to --server or --ledger as in every
    command. Prints the files written. Only the
    catalog's own files are written or removed: DIR/.protonats-catalog.json lists them; any
    other file in the way is refused (--force overwrites it); symlinks never.
    """
    from .catalog_site._build import CatalogRequest, build

    if out is None and not serve:
        raise UsageError("--out DIR is required (or --serve, to preview)")
    spec = registry_spec(ctx, registry)
    request = CatalogRequest(
        out=out or Path(tempfile.mkdtemp(prefix="protonats-catalog-")),
        title=title,
        server=server,
        ledger=ledger,
        live=live,
        force=force,
        connection=conn,
    )
    if serve:
        from .catalog_site._serve import serve_catalog

        serve_catalog(request, spec)
        return
    done = build(request, lambda: registry_of(ctx, registry))
    rows = [[str(path.relative_to(request.out)), action] for path, action in done]
    records = [{"path": str(path), "action": action} for path, action in done]
    Table(f"catalog in {request.out}", ["FILE", "ACTION"], rows, records).print(fmt)
