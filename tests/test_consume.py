"""Reading events back through durable consumers and tail, against a real server."""

from __future__ import annotations

import asyncio
import time

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from protonats import (
    ConsumerOptions,
    DecodeError,
    Event,
    EventDeclarationError,
    Events,
    NoStreamError,
)

from .helpers import registered
from .models import User


async def test_ack_nak_term_and_redelivery_counts(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"handled-{unique}", User)
    seen: list[tuple[str, int]] = []
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User("retry", "a"), User("poison", "b"), User("ok", "c")])
        async for delivery in conn.consume(event, "worker", idle_timeout=0.5, max_deliver=5):
            user = delivery.data
            seen.append((user.id, delivery.num_delivered))
            if user.id == "retry" and delivery.num_delivered == 1:
                await delivery.nak()
            elif user.id == "poison":
                await delivery.term()
            else:
                await delivery.ack()
    assert sorted(seen) == [("ok", 1), ("poison", 1), ("retry", 1), ("retry", 2)]
    info = await js.consumer_info(event.stream_name, "worker")
    assert info.num_ack_pending == 0
    assert info.num_pending == 0


async def test_durable_consumer_resumes_and_same_config_is_a_no_op(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"resumed-{unique}", User)
    options = ConsumerOptions(ack_wait=10, max_deliver=3, backoff=[1, 2], max_ack_pending=50)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "a"))
        async for delivery in conn.consume(event, "mailer", idle_timeout=0.3, options=options):
            await delivery.ack()
        created = (await js.consumer_info(event.stream_name, "mailer")).created
        await conn.emit(event, User("2", "b"))
        later = [d async for d in conn.consume(event, "mailer", idle_timeout=0.3, options=options)]
    assert [d.data.id for d in later] == ["2"]
    assert [d.seq for d in later] == [2]
    info = await js.consumer_info(event.stream_name, "mailer")
    assert info.created == created
    assert info.config.max_deliver == 3
    assert info.config.backoff == [1, 2]
    assert info.config.max_ack_pending == 50


async def test_undecodable_payload_raises_with_raw_and_is_not_acked(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"garbled-{unique}", User)
    async with registered(nats_url, event) as conn:
        await js.publish(event.subject_name, b"not json")
        async for delivery in conn.consume(event, "reader", idle_timeout=0.3):
            with pytest.raises(DecodeError, match=f"garbled-{unique}") as info:
                _ = delivery.data
            assert info.value.raw == b"not json"
            break
    consumer = await js.consumer_info(event.stream_name, "reader")
    assert consumer.num_ack_pending == 1


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"ack_wait": 0}, "ack_wait"),
        ({"max_deliver": 0}, "max_deliver"),
        ({"backoff": [1, 2], "max_deliver": 2}, "greater than 2"),
        ({"backoff": [-1], "max_deliver": 3}, "positive"),
        ({"max_ack_pending": 0}, "max_ack_pending"),
    ],
)
def test_consumer_options_are_validated(kwargs: dict[str, object], why: str) -> None:
    with pytest.raises(EventDeclarationError, match=why):
        ConsumerOptions(**kwargs)  # type: ignore[arg-type]


async def test_consumer_name_is_validated(nats_url: str, unique: str) -> None:
    event = Event(f"named-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(EventDeclarationError, match="consumer name"):
            conn.consume(event, "bad.name")


async def test_tail_reads_the_last_messages_and_leaves_nothing_behind(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"tailed-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(5)])
        last_two = [d.data.id async for d in conn.tail(event, last=2, idle_timeout=0.3)]
        everything = [d.seq async for d in conn.tail(event, from_start=True, idle_timeout=0.3)]
        tail = conn.tail(event, from_start=True)
        async for _ in tail:
            break
        await tail.aclose()
    assert last_two == ["3", "4"]
    assert everything == [1, 2, 3, 4, 5]
    info = await js.stream_info(event.stream_name)
    assert info.state.consumer_count == 0


async def test_tail_of_a_missing_stream_says_register(nats_url: str, unique: str) -> None:
    event = Event(f"untailed-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(NoStreamError, match="register"):
            async for _ in conn.tail(event, idle_timeout=0.1):
                pass


async def test_consume_picks_up_a_message_emitted_while_it_waits(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"awaited-{unique}", User)
    async with registered(nats_url, event) as conn:
        deliveries = conn.consume(event, "waiter", idle_timeout=30)
        first = asyncio.ensure_future(anext(deliveries))
        # Wait until the consumer's long pull is parked on the server, then emit.
        while not await _parked(js, event.stream_name, "waiter"):
            assert not first.done()
        started = time.monotonic()
        await conn.emit(event, User("late", "x"))
        delivery = await first
        await delivery.ack()
        await deliveries.aclose()
    assert delivery.data == User("late", "x")
    assert time.monotonic() - started < 5  # delivered on arrival, not at the pull's expiry


async def _parked(js: JetStreamContext, stream: str, consumer: str) -> bool:
    """Whether the consumer exists and has a pull request waiting for messages."""
    try:
        return bool((await js.consumer_info(stream, consumer)).num_waiting)
    except NotFoundError:
        return False
