"""Reading events back through durable consumers and tail, against a real server."""

from __future__ import annotations

import asyncio

import pytest
from nats.js import JetStreamContext

from protonats import (
    ConsumerOptions,
    DecodeError,
    Delivery,
    Event,
    EventDeclarationError,
    Events,
    NoStreamError,
)

from .helpers import ack, eventually, parked, registered, take
from .models import User


async def test_ack_nak_term_and_redelivery_counts(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"handled-{unique}", User)

    async def handle(delivery: Delivery[User]) -> None:
        user = delivery.data
        if user.id == "retry" and delivery.num_delivered == 1:
            await delivery.nak()
        elif user.id == "poison":
            await delivery.term()
        else:
            await delivery.ack()

    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User("retry", "a"), User("poison", "b"), User("ok", "c")])
        # retry is delivered twice (nak), the others once: 4 deliveries in all.
        got = await take(conn.consume(event, "worker", max_deliver=5), 4, handle=handle)
        await _settled(js, event.stream_name, "worker")
    seen = sorted((d.data.id, d.num_delivered) for d in got)
    assert seen == [("ok", 1), ("poison", 1), ("retry", 1), ("retry", 2)]
    info = await js.consumer_info(event.stream_name, "worker")
    assert info.num_ack_pending == 0
    assert info.num_pending == 0
    assert info.num_redelivered == 0


async def test_durable_consumer_resumes_and_same_config_is_a_no_op(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"resumed-{unique}", User)
    options = ConsumerOptions(ack_wait=10, max_deliver=3, backoff=[1, 2], max_ack_pending=50)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "a"))
        await take(conn.consume(event, "mailer", options=options), 1, handle=ack)
        await _settled(js, event.stream_name, "mailer")
        created = (await js.consumer_info(event.stream_name, "mailer")).created
        await conn.emit(event, User("2", "b"))
        later = await take(conn.consume(event, "mailer", options=options), 1, handle=ack)
        await _settled(js, event.stream_name, "mailer")
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
        [delivery] = await take(conn.consume(event, "reader"), 1)
    with pytest.raises(DecodeError, match=f"garbled-{unique}") as info:
        _ = delivery.data
    assert info.value.raw == b"not json"
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
        last_two = await take(conn.tail(event, last=2), 2)
        everything = await take(conn.tail(event, from_start=True), 5)
        tail = conn.tail(event, from_start=True)
        async for _ in tail:
            break
        await tail.aclose()
    assert [d.data.id for d in last_two] == ["3", "4"]
    assert [d.seq for d in everything] == [1, 2, 3, 4, 5]
    info = await js.stream_info(event.stream_name)
    assert info.state.consumer_count == 0


async def test_tail_of_a_missing_stream_says_register(nats_url: str, unique: str) -> None:
    event = Event(f"untailed-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(NoStreamError, match="register"):
            await take(conn.tail(event), 1)


async def test_consume_picks_up_a_message_emitted_while_it_waits(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"awaited-{unique}", User)
    async with registered(nats_url, event) as conn:
        deliveries = conn.consume(event, "waiter")
        first = asyncio.ensure_future(take(deliveries, 1, handle=ack))
        # Wait until the consumer's pull is parked on the server, then emit.
        await eventually(
            lambda: parked(js, event.stream_name, "waiter"), "a pull waiting on the server"
        )
        assert not first.done()
        await conn.emit(event, User("late", "x"))
        [delivery] = await first
    assert delivery.data == User("late", "x")
    assert delivery.num_delivered == 1


async def _settled(js: JetStreamContext, stream: str, consumer: str) -> None:
    """Wait until the server has processed every ack sent to ``consumer``."""

    async def done() -> bool:
        return bool((await js.consumer_info(stream, consumer)).num_ack_pending == 0)

    await eventually(done, f"every ack reaching {consumer!r}")
