"""The ``pause`` and ``resume`` commands: one module, as they are one act and its undo, with
the same flags (``ACTOR``, ``--event``), the same search for the actor and the same table.

The command line knows the registry's events, not the actors' code: an actor is found as the
durable consumer protonats registered for it on an event's stream (``--event`` narrows it).
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Annotated, Any

import typer

from .._errors._cli import CliError, UsageError
from ..actors._pause import ActorState, actor_states, events_of_actor, pause, resume
from ..events._event import Event
from ..events._registry import Events
from ._actor_states import actors_table
from ._human import parse_duration
from ._options import Connection, Debug, Format, Registry, connection_flags, registry_of

__all__ = ["pause_command", "resume_command"]

ActorName = Annotated[
    str,
    typer.Argument(metavar="ACTOR", help="Actor name (its durable consumer).", show_default=False),
]
OnEvent = Annotated[
    str | None,
    typer.Option("--event", "-e", metavar="EVENT", help="Only the actor of this event."),
]


@connection_flags
def pause_command(
    ctx: typer.Context,
    actor: ActorName,
    for_: Annotated[
        str | None,
        typer.Option("--for", metavar="DURATION", help="How long: 90s, 10m, 1h30m, 2d."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="TIME", help="Until when: 2026-12-24T00:00:00Z."),
    ] = None,
    event: OnEvent = None,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Pause an actor: its listeners receive nothing until the pause ends (or resume), and
    lose nothing. nats-server 2.11+."""
    if (for_ is None) == (until is None):
        raise UsageError("pause: give one of --for DURATION or --until TIME")
    end: datetime.datetime | float
    try:
        end = parse_duration(for_) if for_ is not None else _time(until or "")
    except ValueError as exc:
        raise UsageError(f"pause: {exc}") from exc
    events = registry_of(ctx, registry)
    states = asyncio.run(_apply(events, conn, actor, event, end))
    actors_table(states, "paused").print(fmt)


@connection_flags
def resume_command(
    ctx: typer.Context,
    actor: ActorName,
    event: OnEvent = None,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Resume a paused actor: its listeners continue where they were."""
    events = registry_of(ctx, registry)
    states = asyncio.run(_apply(events, conn, actor, event, None))
    actors_table(states, "resumed").print(fmt)


def _time(text: str) -> datetime.datetime:
    when = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=datetime.UTC)


async def _apply(
    events: Events,
    conn: Connection,
    actor: str,
    event: str | None,
    until: datetime.datetime | float | None,
) -> list[ActorState]:
    chosen: list[Event[Any]] = [events.get(event)] if event is not None else list(events)
    async with conn.connect(events) as connected:
        link = connected._link
        found = await events_of_actor(link, chosen, actor)
        if not found:
            where = f"event {event!r}" if event else "the registry's events"
            raise CliError(f"no actor {actor!r} is registered on {where}")
        for each in found:
            if until is None:
                await resume(link, each, actor)
            else:
                until = await pause(link, each, actor, until)
        return [s for s in await actor_states(link, found) if s.actor == actor]
