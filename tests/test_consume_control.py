"""What a handler can tell the server about a delivery, and a consumer that goes away, on a
real server: ``nak(delay)``, ``in_progress()``, a consumer deleted while it is consumed."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest
from nats.js import JetStreamContext

from protonats import Delivery, Event, ProtonatsError

from .helpers import DEADLINE, eventually, parked, registered, take
from .models import User


async def test_nak_with_a_delay_holds_the_message_back(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"nak-later-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("a", "x"))
        deliveries = conn.consume(event, "later", ack_wait=60)
        async with contextlib.aclosing(deliveries):
            async with asyncio.timeout(DEADLINE):
                first = await anext(deliveries)
                await first.nak(delay=3600)
                await conn.emit(event, User("b", "x"))
                second = await anext(deliveries)  # b: a waits for its hour
                await second.ack()

        async def only_a_pending() -> bool:  # once b's ack has reached the consumer
            info = await js.consumer_info(event.stream_name, "later")
            return bool(info.num_ack_pending == 1 and info.num_redelivered == 0)

        await eventually(only_a_pending, "a alone waiting out its delay")
    assert (first.data.id, second.data.id) == ("a", "b")
    assert second.num_delivered == 1


async def test_nak_with_a_short_delay_redelivers(nats_url: str, unique: str) -> None:
    event = Event(f"nak-soon-{unique}", User)

    async def handle(delivery: Delivery[User]) -> None:
        if delivery.num_delivered == 1:
            await delivery.nak(delay=0.2)
        else:
            await delivery.ack()

    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("a", "x"))
        got = await take(conn.consume(event, "soon", ack_wait=60), 2, handle=handle)
    assert [(d.data.id, d.num_delivered) for d in got] == [("a", 1), ("a", 2)]


@pytest.mark.parametrize("keep_alive", [True, False], ids=["in_progress", "silent"])
async def test_in_progress_keeps_a_slow_message_from_redelivery(
    nats_url: str, unique: str, js: JetStreamContext, keep_alive: bool
) -> None:
    """With ack_wait 1.5 s, a handler busy for 4 s keeps its message by calling
    ``in_progress()``; one that stays silent gets it redelivered."""
    event = Event(f"slow-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("a", "x"))
        deliveries = conn.consume(event, "slow", ack_wait=1.5)
        async with contextlib.aclosing(deliveries):
            async with asyncio.timeout(DEADLINE):
                first = await anext(deliveries)
            again = asyncio.ensure_future(anext(deliveries))
            busy_until = time.monotonic() + 4
            while keep_alive and time.monotonic() < busy_until:
                await first.in_progress()
                await conn.client.flush()  # each round trip paces the loop
            if keep_alive:
                assert not again.done()
                info = await js.consumer_info(event.stream_name, "slow")
                await first.ack()
                again.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await again
            else:
                async with asyncio.timeout(DEADLINE):
                    redelivered = await again
                await redelivered.ack()
    if keep_alive:
        assert info.num_redelivered == 0
        assert first.num_delivered == 1
    else:
        assert redelivered.num_delivered == 2


async def test_a_consumer_deleted_while_consumed_is_an_error_not_a_hang(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"doomed-{unique}", User)
    async with registered(nats_url, event) as conn:
        deliveries = conn.consume(event, "doomed")
        async with contextlib.aclosing(deliveries):
            waiting = asyncio.ensure_future(anext(deliveries))
            await eventually(
                lambda: parked(js, event.stream_name, "doomed"), "a pull waiting on the server"
            )
            await js.delete_consumer(event.stream_name, "doomed")
            with pytest.raises(ProtonatsError) as caught:
                async with asyncio.timeout(DEADLINE):
                    await waiting
    assert "deleted" in str(caught.value).lower()
