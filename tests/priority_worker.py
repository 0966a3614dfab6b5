"""One instance of a pinned or overflow actor, for the priority group tests:
``python -m tests.priority_worker URL EVENT OUT LABEL MODE``.

MODE is ``pinned`` (``pinned_ttl`` 3 s) or ``overflow=N``. Each handled message's id is
appended to OUT as ``LABEL id`` once its (simulated) work is done.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from protonats import Actor, Actors, Event

from .models import User

WORK_SECONDS = 0.02
PINNED_TTL = 3.0


async def main(url: str, event_name: str, out: Path, label: str, mode: str) -> None:
    event = Event(event_name, User)

    async def handle(user: User) -> None:
        await asyncio.sleep(WORK_SECONDS)  # simulated work, not synchronisation
        with out.open("a") as file:
            file.write(f"{label} {user.id}\n")

    options: dict[str, Any] = {"max_jobs": 1}
    if mode == "pinned":
        options.update(pinned=True, pinned_ttl=PINNED_TTL)
    else:
        options["overflow"] = int(mode.removeprefix("overflow="))
    async with Actors(Actor("prio", event, handle, **options)).connect(url) as conn:
        await conn.register()
        print("listening", flush=True)
        await conn.listen(poll_delay=0.5)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]))
