"""emit() and emit_many() against a real JetStream server: acks, dedup, refusals, batches."""

from __future__ import annotations

import json
from typing import Any

import pytest
from nats.js import JetStreamContext

from protonats import (
    Ack,
    BatchEmitError,
    Discard,
    EmitError,
    Event,
    Events,
    Limits,
    MessageRejectedError,
    MessageTooLargeError,
    MessageTypeError,
    NoStreamError,
    UnknownEventError,
)
from protonats.v1 import options_pb2

from .helpers import ack, registered, take
from .models import Order, Parcel, Status, User, sample_order


async def _stored(js: JetStreamContext, stream: str) -> int:
    info = await js.stream_info(stream)
    return int(info.state.messages)


async def test_emit_returns_the_ack_and_sends_typed_headers(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"user-registered-{unique}", User)
    async with registered(nats_url, event) as conn:
        first = await conn.emit(event, User("1", "Ann"), trace_id="trace-1")
        second = await conn.emit(event, User("2", "Bob"))
    assert first == Ack(stream=event.stream_name, seq=1, duplicate=False)
    assert second == Ack(stream=event.stream_name, seq=2, duplicate=False)
    msg = await js.get_msg(event.stream_name, 1)
    assert json.loads(msg.data or b"") == {"id": "1", "name": "Ann"}
    assert msg.headers is not None
    assert msg.headers["Content-Type"] == "application/json"
    assert msg.headers["Protonats-Schema"] == "User"
    assert msg.headers["Protonats-Trace-Id"] == "trace-1"


async def test_uid_makes_a_retried_emit_store_once(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"deduped-{unique}", User)
    async with registered(nats_url, event) as conn:
        first = await conn.emit(event, User("1", "Ann"), uid="order-1")
        retry = await conn.emit(event, User("1", "Ann"), uid="order-1")
    assert first is not None
    assert retry == Ack(event.stream_name, first.seq, duplicate=True)
    assert await _stored(js, event.stream_name) == 1


async def test_wrong_type_is_refused_before_anything_is_sent(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"typed-{unique}", User)
    async with registered(nats_url, event) as conn:
        with pytest.raises(MessageTypeError, match=f"typed-{unique}"):
            await conn.emit(event, {"id": "1", "name": "Ann"})  # type: ignore[misc]
        with pytest.raises(TypeError):
            await conn.emit_many(event, [User("1", "a"), "oops"])  # type: ignore[misc]
    assert await _stored(js, event.stream_name) == 0


async def test_oversized_payload_is_refused_before_anything_is_sent(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    # JetStream counts headers in the max message size, so protonats does too.
    event = Event(f"small-{unique}", User, limits=Limits(message_size=200))
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "fits"))
        with pytest.raises(MessageTooLargeError, match="over the limit of 200"):
            await conn.emit(event, User("1", "x" * 150))
        with pytest.raises(MessageTooLargeError, match="message #1 of the batch"):
            await conn.emit_many(event, [User("1", "a"), User("1", "x" * 150)])
    assert await _stored(js, event.stream_name) == 1


async def test_event_outside_the_registry_is_refused(nats_url: str, unique: str) -> None:
    known = Event(f"known-{unique}", User)
    stranger = Event(f"stranger-{unique}", User)
    impostor = Event(f"known-{unique}", Order)
    async with Events(known).connect(nats_url) as conn:
        with pytest.raises(UnknownEventError, match=f"stranger-{unique}"):
            await conn.emit(stranger, User("1", "a"))
        with pytest.raises(UnknownEventError):
            await conn.emit(impostor, None)  # type: ignore[misc]


async def test_emit_without_a_stream_raises(nats_url: str, unique: str) -> None:
    event = Event(f"unregistered-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(NoStreamError, match="register"):
            await conn.emit(event, User("1", "a"))
        with pytest.raises(BatchEmitError) as info:
            await conn.emit_many(event, [User("1", "a")])
    assert isinstance(info.value.failures[0], NoStreamError)


async def test_reserved_headers_cannot_be_overridden(nats_url: str, unique: str) -> None:
    event = Event(f"headers-{unique}", User)
    async with registered(nats_url, event) as conn:
        with pytest.raises(EmitError, match="Nats-Msg-Id"):
            await conn.emit(event, User("1", "a"), headers={"Nats-Msg-Id": "x"})
        ack = await conn.emit(event, User("1", "a"), headers={"Tenant": "acme"})
    assert ack is not None


async def test_cloudevents_headers_for_interop(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"cloud-{unique}", User)
    async with Events(event).connect(nats_url, cloudevents_source="/shop/users") as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"), uid="u-1")
    msg = await js.get_msg(event.stream_name, 1)
    assert msg.headers is not None
    assert msg.headers["ce-specversion"] == "1.0"
    assert msg.headers["ce-id"] == "u-1"
    assert msg.headers["ce-type"] == event.name
    assert msg.headers["ce-source"] == "/shop/users"
    assert msg.headers["ce-time"].startswith("20")


async def test_fire_and_forget_returns_none(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"forget-{unique}", User)
    async with registered(nats_url, event) as conn:
        sync = False  # a bool, as a caller's flag would be: emit is then typed Ack | None
        assert await conn.emit(event, User("1", "a"), sync=sync) is None
        await conn.client.flush()
        # A later acked emit proves the earlier one was stored before it.
        ack = await conn.emit(event, User("2", "b"))
    assert ack is not None
    assert ack.seq == 2


async def test_emit_many_returns_acks_in_order(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"batch-{unique}", User)
    users = [User(str(i), f"user {i}") for i in range(2500)]
    async with registered(nats_url, event) as conn:
        acks = await conn.emit_many(event, users)
        retried = await conn.emit_many(event, users[:3], uids=["a", "b", "c"])
        again = await conn.emit_many(event, users[:3], uids=["a", "b", "c"])
        stored = await _stored(js, event.stream_name)
        read = await take(conn.consume(event, "check", batch=500), stored, handle=ack)
    assert [a.seq for a in acks] == list(range(1, 2501))
    assert [a.duplicate for a in again] == [True, True, True]
    assert [a.seq for a in again] == [a.seq for a in retried]
    assert stored == 2503  # the duplicates were not stored again
    assert [d.data for d in read] == users + users[:3]


async def test_emit_many_names_exactly_the_messages_that_failed(nats_url: str, unique: str) -> None:
    # A full stream that discards new messages refuses everything after the 5th.
    event = Event(f"full-{unique}", User, limits=Limits(messages=5), discard=Discard.NEW)
    async with registered(nats_url, event) as conn:
        with pytest.raises(BatchEmitError, match="3 of 8 messages were not stored") as info:
            await conn.emit_many(event, [User(str(i), "x") for i in range(8)])
    err = info.value
    assert sorted(err.failures) == [5, 6, 7]
    assert [a.seq if a else None for a in err.acks] == [1, 2, 3, 4, 5, None, None, None]
    assert isinstance(err.failures[5], MessageRejectedError)
    assert err.failures[5].err_code == 10077  # maximum messages exceeded


async def test_emit_many_uids_must_match_messages(nats_url: str, unique: str) -> None:
    event = Event(f"uids-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(EmitError, match="2 uids for 1 messages"):
            await conn.emit_many(event, [User("1", "a")], uids=["a", "b"])


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (Order, sample_order()),
        (Parcel, Parcel(id="p1", status=Status.SHIPPED, weight_kg=2.5)),
        (options_pb2.EventOptions, options_pb2.EventOptions(name="n", description="d")),
        (bytes, b"\x00raw\xff"),
    ],
    ids=["dataclass", "pydantic", "protobuf", "bytes"],
)
async def test_every_serializer_round_trips_through_the_server(
    nats_url: str, unique: str, schema: Any, message: Any
) -> None:
    event: Event[Any] = Event(f"trip-{unique}", schema)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, message)
        deliveries = conn.consume(event, "reader", idle_timeout=5)
        delivery = await anext(deliveries)
        await delivery.ack()
        await deliveries.aclose()
    assert delivery.data == message
    assert type(delivery.data) is type(message)
    assert delivery.headers["Content-Type"] == event.content_type
