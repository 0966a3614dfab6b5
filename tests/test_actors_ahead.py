"""Short jobs fetch ahead: while every slot of an actor whose jobs are quick is busy, it
pulls what is there now and starts it as slots free; nothing is lost, nothing handled twice,
and what is in hand on shutdown is naked at once."""

from __future__ import annotations

import asyncio
from collections import Counter

from nats.js import JetStreamContext

from protonats import Actor, Actors, Event
from protonats.testing import nats_server

from .helpers import eventually, registered
from .models import User
from .test_actors import WITHIN, Calls, listening, settled


async def test_short_jobs_handle_every_message_once(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"ahead-{unique}", User)
    seen: Counter[str] = Counter()

    async def handle(user: User) -> None:
        seen[user.id] += 1

    actor = Actor("ahead", event, handle, max_jobs=4)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(400)])
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            async with asyncio.timeout(WITHIN):
                await actors.listen(burst=True, batch=4, handle_signals=False)
    assert seen == Counter({str(i): 1 for i in range(400)})
    await settled(js, event, "ahead")


async def test_what_is_fetched_ahead_is_naked_at_once_on_shutdown(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"ahead-stop-{unique}", User)
    calls = Calls()
    release = asyncio.Event()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        if user.id.startswith("slow") and not release.is_set():
            await release.wait()

    # ack_wait 60 s: a message left unanswered would come back only after the test's deadline
    actor = Actor("ahead-stop", event, handle, max_jobs=2, ack_wait=60, job_timeout=60)
    quick = [User(f"q{i}", "x") for i in range(10)]
    rest = [User(f"r{i}", "x") for i in range(4)]
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [*quick, User("slow-a", "x"), User("slow-b", "x"), *rest])
        async with listening(nats_url, actor, drain_timeout=0.5):
            await calls.until(lambda ids: "slow-a" in ids and "slow-b" in ids)

            # both slots busy with slow jobs after quick ones: the next two are in hand ahead
            async def two_ahead() -> bool:
                info = await js.consumer_info(event.stream_name, "ahead-stop")
                return bool(info.num_ack_pending == 4)

            await eventually(two_ahead, "two messages fetched ahead", within=WITHIN)
        assert not any(i.startswith("r") for i in calls.ids())  # in hand, never started
        release.set()
        async with listening(nats_url, actor):
            await calls.until(lambda ids: all(f"r{i}" in ids for i in range(4)))
            await settled(js, event, "ahead-stop")
    ids = calls.ids()
    assert all(ids.count(f"r{i}") == 1 for i in range(4))
    assert ids.count("slow-a") == 2  # interrupted by the shutdown, then handled again


async def test_jobs_that_go_on_with_the_next_message_handle_each_once(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """Jobs that each wait for a server round trip (as a call to a service would), 20 slots:
    a job that ends goes on with a message fetched ahead in the same task; every message
    still handled once, and nothing left unacked."""
    event = Event(f"goes-on-{unique}", User)
    seen: Counter[str] = Counter()
    tasks: set[asyncio.Task[object] | None] = set()

    async with registered(nats_url, event) as conn:

        async def handle(user: User) -> None:
            tasks.add(asyncio.current_task())
            await conn.client.flush(timeout=30)  # a round trip to the server
            seen[user.id] += 1

        actor = Actor("goes-on", event, handle, max_jobs=20)
        await conn.emit_many(event, [User(str(i), "x") for i in range(600)])
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            async with asyncio.timeout(WITHIN):
                await actors.listen(burst=True, batch=20, max_jobs=20, handle_signals=False)
    assert seen == Counter({str(i): 1 for i in range(600)})
    assert len(tasks) < 600  # jobs went on in their task: fewer tasks than messages
    await settled(js, event, "goes-on")


async def test_a_batch_over_the_servers_limit_pulls_what_the_server_takes(unique: str) -> None:
    event = Event(f"limited-{unique}", User)
    seen: Counter[str] = Counter()

    async def handle(user: User) -> None:
        seen[user.id] += 1

    with nats_server(config="jetstream { limits { max_request_batch: 5 } }") as url:
        async with registered(url, event) as conn:
            await conn.emit_many(event, [User(str(i), "x") for i in range(40)])
        async with Actors(Actor("small", event, handle)).connect(url) as actors:
            await actors.register()
            async with asyncio.timeout(WITHIN):
                await actors.listen(burst=True, batch=100, handle_signals=False)
    assert seen == Counter({str(i): 1 for i in range(40)})
