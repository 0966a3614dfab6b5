"""The ``ls`` command: the registry's events (name, schema, limits, description), or with
``--actors`` their actors on the server."""

import asyncio
import dataclasses
from typing import Annotated

import typer

from ..events._registry import Events
from ._actor_states import actors_table, list_actors
from ._human import limits_text
from ._options import Connection, Debug, Format, Registry, connection_flags, registry_of
from ._output import Table

__all__ = ["ls_command", "ls_table"]


@connection_flags
def ls_command(
    ctx: typer.Context,
    actors: Annotated[
        bool,
        typer.Option(
            "--actors",
            help="List the actors registered on the server for these events instead: pending "
            "messages, in progress, and which are paused until when.",
        ),
    ] = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """List the registry's events: name, schema, limits and description (--actors: their
    actors on the server, and which are paused)."""
    events = registry_of(ctx, registry)
    if actors:
        actors_table(asyncio.run(list_actors(events, conn))).print(fmt)
        return
    ls_table(events).print(fmt)


def ls_table(events: Events) -> Table:
    """Every event of the registry: name, schema, limits and description."""
    rows = [
        [e.name, e.schema_name, limits_text(e), (e.description or "").strip().split("\n")[0]]
        for e in events
    ]
    records = [
        {
            "name": e.name,
            "schema": e.schema_name,
            "content_type": e.content_type,
            "description": e.description,
            "limits": dataclasses.asdict(e.limits),
            "storage": e.storage.value,
            "retention": e.retention.value,
            "discard": e.discard.value,
        }
        for e in events
    ]
    title = f"{len(rows)} events" + (
        f", registry version {events.version}" if events.version else ""
    )
    return Table(title, ["EVENT", "SCHEMA", "LIMITS", "DESCRIPTION"], rows, records)
