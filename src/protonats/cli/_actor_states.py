"""The actors registered on the server for the registry's events, as a table: what
``ls --actors`` lists and what ``pause`` and ``resume`` print (pending, in progress, and until
when each is paused)."""

from __future__ import annotations

import datetime

from .._wire import rfc3339
from ..actors._pause import ActorState, actor_states
from ..events._registry import Events
from ._human import duration
from ._options import Connection
from ._output import Table

__all__ = ["actors_table", "list_actors"]


async def list_actors(events: Events, conn: Connection) -> list[ActorState]:
    """Every actor registered on the registry's events, with its pause."""
    async with conn.connect(events) as connected:
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
