"""Fast-ingest batches (nats-server 2.14+, events with allow_batched=True): emit_many sends a
batch the server acknowledges a window at a time, gap mode fail; the same acks (or
BatchEmitError) as the acked path, and the acked path when the stream does not allow it."""

from __future__ import annotations

import asyncio

import nats
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StreamConfig

from protonats import (
    AckTimeoutError,
    BatchEmitError,
    Event,
    Events,
    NoStreamError,
    _wire,
    stream_config,
)
from protonats.jetstream._batch import plain_batch
from protonats.jetstream._emitting import _batch_error
from protonats.jetstream._fast_ingest import FLOW, publish_fast

from .helpers import DEADLINE, ack, registered, take
from .models import User
from .servers import server


def users(count: int) -> list[User]:
    return [User(id=str(i), name=f"user {i}") for i in range(count)]


async def stored(js: JetStreamContext, event: Event[User]) -> int:
    return int((await js.stream_info(event.stream_name)).state.messages)


class Replies:
    """Every reply the server sends to any inbox, seen from a second connection."""

    def __init__(self) -> None:
        self.fast = 0
        self.plain = 0

    async def on_msg(self, msg: Msg) -> None:
        if msg.subject.endswith(".$FI"):
            self.fast += 1
        else:
            self.plain += 1


def test_the_stream_allows_batched_publish() -> None:
    assert stream_config(Event("x-fast", User, allow_batched=True)).allow_batched is True
    assert stream_config(Event("x-plain", User)).allow_batched is None


async def test_a_batch_over_several_flow_windows_is_acked_in_order(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"fast-{unique}", User, allow_batched=True)
    count = FLOW * 6 + 7  # several windows, and a last one that is not full
    watcher = await nats.connect(nats_url)
    replies = Replies()
    try:
        await watcher.subscribe("_INBOX.>", cb=replies.on_msg)
        await watcher.flush()
        async with registered(nats_url, event) as conn:
            acks = await conn.emit_many(event, users(count))
            read = await take(conn.consume(event, "check", batch=500), count, handle=ack)
        assert [a.seq for a in acks] == list(range(1, count + 1))
        assert {a.stream for a in acks} == {event.stream_name}
        assert await stored(js, event) == count
        assert [d.data for d in read] == users(count)
        # one reply per flow window (and the start and the final ack), not one per message
        assert 3 <= replies.fast <= count // 50, replies.fast
    finally:
        await watcher.close()


async def test_a_gap_fails_the_batch_from_the_lost_message_on(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"fast-gap-{unique}", User, allow_batched=True)
    count, lost = 2000, 1234
    async with registered(nats_url, event) as conn:
        route = conn._routes[event.name]
        batch = plain_batch(event, users(count), route.headers, route.max_size)
        assert batch is not None
        async with asyncio.timeout(DEADLINE):
            result = await publish_fast(conn._link, event, batch, 5.0, drop=frozenset({lost}))
    assert result is not None
    assert [a.seq if a else None for a in result.acks[:lost]] == list(range(1, lost + 1))
    assert result.acks[lost:] == [None] * (count - lost)
    assert sorted(result.failures) == list(range(lost, count))
    assert not result.maybe_stored  # certainly not stored: the server stopped at the gap
    assert "gap" in str(result.failures[lost])
    assert f"#{lost}" in str(result.failures[count - 1])
    assert await stored(js, event) == lost
    error = _batch_error(event, result.failures, result.acks, result.maybe_stored)
    assert isinstance(error, BatchEmitError)  # what emit_many raises for this result
    assert error.not_stored == frozenset(range(lost, count))
    assert error.maybe_stored == frozenset()


async def test_no_answer_in_time_is_maybe_stored(unique: str) -> None:
    event = Event(f"fast-paused-{unique}", User, allow_batched=True)
    with server() as node:
        async with registered(node.url, event):
            pass
        async with Events(event).connect(node.url, ack_timeout=1.0) as conn:
            node.pause()
            try:
                async with asyncio.timeout(DEADLINE):
                    with pytest.raises(BatchEmitError) as caught:
                        await conn.emit_many(event, users(200))
            finally:
                node.resume()
    error = caught.value
    assert sorted(error.failures) == list(range(200))  # nothing confirmed
    assert error.maybe_stored  # what was sent may be stored
    assert error.maybe_stored | error.not_stored == frozenset(range(200))
    assert all(isinstance(error.failures[i], AckTimeoutError) for i in error.maybe_stored)


async def test_a_stream_without_batched_publish_gets_the_acked_path(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"fast-off-{unique}"
    async with registered(nats_url, Event(name, User)):
        pass  # the stream exists without allow_batched
    event = Event(name, User, allow_batched=True)
    async with Events(event).connect(nats_url) as conn:
        acks = await conn.emit_many(event, users(300))
    assert [a.seq for a in acks] == list(range(1, 301))  # every message once
    assert await stored(js, event) == 300
    assert not (await js.stream_info(event.stream_name)).config.allow_batched


async def test_no_stream_is_explained_as_on_the_acked_path(nats_url: str, unique: str) -> None:
    event = Event(f"fast-none-{unique}", User, allow_batched=True)
    async with Events(event).connect(nats_url, ack_timeout=2.0) as conn:
        async with asyncio.timeout(DEADLINE):
            with pytest.raises(BatchEmitError) as caught:
                await conn.emit_many(event, users(100))
    assert caught.value.not_stored == frozenset(range(100))
    assert all(isinstance(c, NoStreamError) for c in caught.value.failures.values())


async def test_only_the_first_message_checks_the_stream_and_every_one_can_be_read(
    nats_url: str, unique: str
) -> None:
    """The first message carries Nats-Expected-Stream (it binds the batch); the rest leave it
    out (the server keeps them on the first one's stream); all carry what readers need."""
    event = Event(f"bound-{unique}", User, allow_batched=True)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, users(200))
        read = await take(conn.consume(event, "check", batch=200), 200, handle=ack)
    assert read[0].headers[_wire.EXPECTED_STREAM] == event.stream_name
    assert not any(_wire.EXPECTED_STREAM in d.headers for d in read[1:])
    assert all(d.headers[_wire.SCHEMA] == event.schema_name for d in read)
    assert all(d.headers[_wire.CONTENT_TYPE] == event.content_type for d in read)
    assert [d.data for d in read] == users(200)


async def test_a_batch_bound_for_another_stream_stores_nothing(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """The event's subject is stored by a stream of another name: the first message's
    Nats-Expected-Stream refuses the batch, and nothing of it lands in that stream."""
    event = Event(f"elsewhere-{unique}", User, allow_batched=True)
    other = f"other-{unique}"
    await js.add_stream(StreamConfig(name=other, subjects=[event.subject_name], allow_batched=True))
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(BatchEmitError) as caught:
            await conn.emit_many(event, users(200))
    assert len(caught.value.not_stored) == 200
    assert (await js.stream_info(other)).state.messages == 0
