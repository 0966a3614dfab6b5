"""The ``schema`` command: what the server's schema ledger says about its events."""

import asyncio
from typing import Annotated

import typer

from . import _ledger
from ._common import Connection
from ._options import Debug, Format, connection_flags

__all__ = ["schema_command"]


@connection_flags
def schema_command(
    event: Annotated[
        str | None,
        typer.Argument(metavar="EVENT", help="The event to show (default: list every event)."),
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Every kept revision: version, fingerprint and time."),
    ] = False,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Show the schema ledger on the server: every event, or one event's entry.

    register records each event in the KV bucket protonats-registry: version, fingerprint,
    limits and schema (the protobuf descriptor set and a JSON Schema). Needs no registry.
    --format json prints the ledger's JSON document itself.
    """
    if event is None:
        _ledger.list_table(asyncio.run(_ledger.entries(conn))).print(fmt)
        return
    found = asyncio.run(_ledger.one(conn, event))
    table = _ledger.history_table(found) if history else _ledger.show_table(found[-1])
    table.print(fmt)
