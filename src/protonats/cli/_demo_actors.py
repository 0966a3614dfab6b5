"""The actors part of ``make demo``: handled events, a retry that succeeds, a dead letter."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging

from ..actors._actor import Actor
from ..actors._registry import Actors
from ..events._event import Event
from ..events._limits import Limits
from ..events._registry import Events


@dataclasses.dataclass
class Greeting:
    name: str


GREETING = Event("demo-greeting", Greeting, limits=Limits(age=3600))


async def show_actors(url: str) -> bool:
    """Run an actor on a few greetings; return whether everything went as described."""
    calls: collections.Counter[str] = collections.Counter()
    done = asyncio.Event()
    lines: list[str] = []

    async def greet(greeting: Greeting) -> None:
        calls[greeting.name] += 1
        attempt = calls[greeting.name]
        if greeting.name == "flaky" and attempt < 3:
            lines.append(f"  greet {greeting.name!r}: attempt {attempt} fails (ConnectionError)")
            raise ConnectionError("the mail server is down")
        lines.append(f"  greet {greeting.name!r}: attempt {attempt} handled")
        if calls["flaky"] == 3:
            done.set()

    print("\nactors: 'greeter' handles demo-greeting (max_attempts=3, retry_delay=0.2 s)")
    logging.getLogger("protonats.actors").setLevel(logging.ERROR)  # the lines below say it
    async with Events(GREETING).connect(url) as conn:
        await conn.register()
        for name in ("ann", "flaky", "bob"):
            await conn.emit(GREETING, Greeting(name))
        poison = b"\x00 not a greeting"  # undecodable: it ends in the dead letters
        await conn._link.publish(GREETING.subject_name, poison, "", None, GREETING.name)
        await conn._link.flush(5.0)
    actor = Actor("greeter", GREETING, greet, max_attempts=3, retry_delay=(0.2,))
    async with Actors(actor).connect(url) as connected:
        await connected.register()
        listening = asyncio.create_task(connected.listen(poll_delay=0.5, handle_signals=False))
        try:
            await asyncio.wait_for(done.wait(), 30)
        finally:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
        letters = await connected.dead_letters(GREETING)
    print("\n".join(lines))
    for letter in letters:
        print(
            f"  dead letter {letter.seq} in {GREETING.name}-dead: {letter.reason} after "
            f"{letter.attempts} attempt(s), {letter.error_type}; "
            f"`protonats dead {GREETING.name}` lists it, --replay sends it back"
        )
    return calls == {"ann": 1, "flaky": 3, "bob": 1} and len(letters) == 1
