"""A process running one actor whose handler misbehaves, for tests/test_actors_faults.py:
``python -m tests.actors_stop_worker URL EVENT MODE``.

MODE ``stuck``: a sync handler that never returns (job_timeout 0.5 s, one attempt), in a burst;
the process must exit once ``listen()`` returns. MODE ``exit``/``interrupt``: an async/sync
handler raises ``SystemExit(3)``/``KeyboardInterrupt`` on message "stop" while message "slow"
is being handled; ``listen()`` drains "slow", then raises.
"""

from __future__ import annotations

import asyncio
import sys
import threading

from protonats import Actor, Actors, Event

from .models import User


async def main(url: str, event_name: str, mode: str) -> None:
    event = Event(event_name, User)
    started = asyncio.Event()
    release = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stuck(user: User) -> None:
        threading.Event().wait()  # never set, and a thread cannot be interrupted

    async def exits(user: User) -> None:
        if user.id == "slow":
            started.set()
            await release.wait()
            print("slow done", flush=True)
            return
        await started.wait()
        loop.call_later(0.2, release.set)  # "slow" ends during the drain
        raise SystemExit(3)

    def interrupts(user: User) -> None:
        if user.id == "slow":
            asyncio.run_coroutine_threadsafe(_set(started), loop).result()
            asyncio.run_coroutine_threadsafe(release.wait(), loop).result()
            print("slow done", flush=True)
            return
        asyncio.run_coroutine_threadsafe(started.wait(), loop).result()
        loop.call_soon_threadsafe(loop.call_later, 0.2, release.set)
        raise KeyboardInterrupt

    if mode == "stuck":
        actor = Actor("stuck", event, stuck, job_timeout=0.5, max_attempts=1)
    else:
        handler = exits if mode == "exit" else interrupts
        actor = Actor("stopper", event, handler, ack_wait=60, job_timeout=60)
    async with Actors(actor).connect(url) as conn:
        await conn.register()
        await conn.listen(burst=mode == "stuck", poll_delay=0.2)
    print("listen returned", flush=True)


async def _set(event: asyncio.Event) -> None:
    event.set()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
