"""Commands about the registry's streams: ``ls``, ``plan`` and ``register``."""

import asyncio
from typing import Annotated, Literal

import typer

from ..jetstream._config import Action
from . import _commands
from ._cmd_actors import actors_table, list_actors
from ._common import EXIT_CHANGES, CliError, Connection
from ._hints import cli_message
from ._options import (
    AllowDataLoss,
    AllowIncompatible,
    Debug,
    Format,
    Registry,
    SkipNewer,
    connection_flags,
    registry_of,
)

__all__ = ["ls_command", "plan_command", "register_command"]


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
    _commands.ls_table(events).print(fmt)


@connection_flags
def plan_command(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 3 if register would change or refuse anything.")
    ] = False,
    skip_newer: SkipNewer = False,
    allow_incompatible: AllowIncompatible = False,
    allow_data_loss: AllowDataLoss = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Show what register would do to each event's stream, changing nothing.

    Per event: create, update (with the changed fields), unchanged, or refused and why (a
    lowered limit that would delete stored messages says how many). Exits 0, or with --check
    3 when anything would be created, updated or is refused.
    """
    events = registry_of(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with _commands.status(f"planning {len(events)} events..."):
        rows = asyncio.run(
            _commands.plan(
                events,
                conn,
                on_newer=on_newer,
                allow_incompatible=allow_incompatible,
                allow_data_loss=allow_data_loss,
            )
        )
    _commands.plan_table(rows, "plan").print(fmt)
    if check and any(row.action.differs for row in rows):
        raise typer.Exit(EXIT_CHANGES)


@connection_flags
def register_command(
    ctx: typer.Context,
    skip_newer: SkipNewer = False,
    allow_incompatible: AllowIncompatible = False,
    allow_data_loss: AllowDataLoss = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Create missing streams and update changed ones, then print what was done.

    A refused event (a stream protonats does not own, a storage or retention change, a newer
    registry's stream, a lowered limit that would delete stored messages without
    --allow-data-loss) does not stop the others; the table is printed, then exit 1.
    """
    events = registry_of(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with _commands.status(f"registering {len(events)} events..."):
        rows, failure = asyncio.run(
            _commands.register(
                events,
                conn,
                on_newer=on_newer,
                allow_incompatible=allow_incompatible,
                allow_data_loss=allow_data_loss,
            )
        )
    _commands.plan_table(rows, "register").print(fmt)
    if failure is not None:
        refused = [row.event for row in rows if row.action in (Action.REFUSED, Action.FAILED)]
        if len(refused) > 1:
            raise CliError(
                f"{len(refused)} events were not registered ({', '.join(refused)}); "
                f"the first: {cli_message(failure)}"
            )
        raise failure
