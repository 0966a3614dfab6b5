"""One instance of an actor fleet, for the scale-out test: ``python -m tests.actors_fleet_worker
URLS EVENT OUT`` (URLS comma-separated: every node of the cluster).

Each handled message's id is appended to OUT with one ``write(2)`` on an ``O_APPEND`` file, so
a line is either whole or absent whatever kills the process; SIGTERM stops it gracefully.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from protonats import Actor, Actors, ConnectError, Event, Limits

from .models import User

ACTOR = "fleet"
MAX_JOBS = 16
MAX_ACK_PENDING = 64
"""Messages delivered and not yet acked across the fleet: the most a kill can bring back."""
ACK_WAIT = 4.0
"""Seconds before the messages of a killed listener are delivered to another."""
MAX_ATTEMPTS = 8
"""Deliveries before a message is dead-lettered: the handler never fails, so any dead letter
is a delivery lost to a fault."""


def fleet_event(name: str) -> Event[User]:
    return Event(name, User, limits=Limits(replicas=3))


def fleet_actor(event: Event[User], handle: Callable[[User], Awaitable[None]]) -> Actor[User]:
    return Actor(
        ACTOR,
        event,
        handle,
        max_jobs=MAX_JOBS,
        max_ack_pending=MAX_ACK_PENDING,
        ack_wait=ACK_WAIT,
        max_attempts=MAX_ATTEMPTS,
    )


async def main(urls: str, event_name: str, out: Path) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    async def handle(user: User) -> None:
        os.write(fd, f"{user.id}\n".encode())

    actors = Actors(fleet_actor(fleet_event(event_name), handle))
    deadline = time.monotonic() + 60
    while True:  # as a supervisor would: a loaded machine may answer the first connect late
        try:
            connecting = actors.connect(urls, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
            async with connecting as conn:
                print("listening", flush=True)
                await conn.listen(poll_delay=0.5, max_jobs=MAX_JOBS)
            break
        except ConnectError as exc:
            if time.monotonic() > deadline:
                raise
            print(f"connecting again: {exc}", flush=True)
    print("stopped", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
