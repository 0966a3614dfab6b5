"""Commands about actors: ``pause``, ``resume``, and the actors ``ls --actors`` lists.

The command line knows the registry's events, not the actors' code: an actor is found as the
durable consumer protonats registered for it on an event's stream (``--event`` narrows it).
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Annotated, Any

import typer

from .._wire import rfc3339
from ..actors._pause import ActorState, actor_states, events_of_actor, pause, resume
from ..events._event import Event
from ..events._registry import Events
from ._common import CliError, Connection, Table, UsageError
from ._human import duration, parse_duration
from ._options import Debug, Format, Registry, connection_flags, registry_of

__all__ = ["actors_table", "list_actors", "pause_command", "resume_command"]

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
    async with events.connect(conn.server, **conn.options()) as connected:
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


async def list_actors(events: Events, conn: Connection) -> list[ActorState]:
    """Every actor registered on the registry's events, with its pause."""
    async with events.connect(conn.server, **conn.options()) as connected:
        return await actor_states(connected._link, events)


def actors_table(states: list[ActorState], title: str = "actors") -> Table:
    """Actors: event, actor, pending, in progress, and until when each is paused."""
    now = datetime.datetime.now(datetime.UTC)

    def paused(state: ActorState) -> str:
        if state.paused_until is None:
            return "-"
        left = max(0.0, (state.paused_until - now).total_seconds())
        return f"until {rfc3339(state.paused_until)} ({duration(round(left))} left)"

    return Table(
        title,
        ["event", "actor", "pending", "in progress", "paused"],
        [[s.event, s.actor, str(s.pending), str(s.in_progress), paused(s)] for s in states],
        [
            {
                "event": s.event,
                "actor": s.actor,
                "pending": s.pending,
                "in_progress": s.in_progress,
                "paused_until": rfc3339(s.paused_until) if s.paused_until else None,
            }
            for s in states
        ],
    )
