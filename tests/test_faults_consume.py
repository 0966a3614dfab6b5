"""Consumers under faults: deleted under the iterator, stream deleted, acks on a closed client.

Each failure is a ``ConsumerError`` naming the event and the consumer, within a bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js import JetStreamContext

from protonats import ConsumerDeletedError, ConsumerError, Delivery, Event, Events
from tests.models import User


async def _iterate(deliveries: AsyncIterator[Delivery[User]]) -> None:
    async for delivery in deliveries:
        await delivery.ack()


@pytest.mark.parametrize("what", ["consumer", "stream"])
async def test_deleted_under_the_iterator_is_a_consumer_deleted_error(
    nats_url: str, unique: str, js: JetStreamContext, what: str
) -> None:
    event = Event(f"gone-{what}-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"))
        deliveries = conn.consume(event, "worker")
        first = await anext(deliveries)
        await first.ack()
        if what == "consumer":
            await js.delete_consumer(event.stream_name, "worker")
        else:
            await js.delete_stream(event.stream_name)
        started = time.monotonic()
        with pytest.raises(ConsumerDeletedError) as info:
            async with asyncio.timeout(20):
                await _iterate(deliveries)
        assert time.monotonic() - started < 12
    text = str(info.value)
    assert event.name in text
    assert "'worker'" in text
    assert info.value.consumer == "worker"
    assert info.value.event == event.name


async def test_ack_on_a_closed_connection_is_a_consumer_error(nats_url: str, unique: str) -> None:
    event = Event(f"ack-closed-{unique}", User)
    nc = await nats.connect(nats_url)
    async with Events(event).connect(nc) as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"))
        deliveries = conn.consume(event, "acker")
        delivery = await anext(deliveries)
        await nc.close()
        for settle in (delivery.ack, delivery.nak, delivery.term, delivery.in_progress):
            with pytest.raises(ConsumerError) as info:
                await settle()
            assert event.name in str(info.value)
            assert "'acker'" in str(info.value)
            assert info.value.__cause__ is not None  # chained to the client's error
        await deliveries.aclose()
