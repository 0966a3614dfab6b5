"""A service running one actor, for the shutdown test: ``python -m tests.actors_worker``.

Arguments: NATS URL, event name, output file. Each handled message's id is appended to the
file as a line once its (simulated) work is done; SIGTERM stops the process gracefully.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from protonats import Actor, Actors, Event

from .models import User

WORK_SECONDS = 0.2  # what each job takes: long enough to be caught mid-batch


async def main(url: str, event_name: str, out: Path) -> None:
    event = Event(event_name, User)

    async def handle(user: User) -> None:
        await asyncio.sleep(WORK_SECONDS)
        with out.open("a") as file:
            file.write(user.id + "\n")

    actors = Actors(Actor("worker", event, handle, max_jobs=4, ack_wait=30))
    async with actors.connect(url) as conn:
        await conn.register()
        print("listening", flush=True)
        await conn.listen(poll_delay=0.5)
    print("stopped", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3])))
