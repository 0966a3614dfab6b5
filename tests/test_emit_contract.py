"""What emit promises beyond the happy path, on a real server: no ack in time is
``AckTimeoutError``, the server's ``max_payload`` bounds every message, ``emit_many`` sends the
same headers as ``emit``, and ``register(create=False)`` creates nothing."""

from __future__ import annotations

import asyncio
import datetime

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from protonats import (
    AckTimeoutError,
    Action,
    BatchEmitError,
    EmitError,
    Event,
    Events,
    MessageTooLargeError,
)

from .helpers import DEADLINE
from .models import User


async def test_no_ack_in_time_is_an_ack_timeout_error(nats_url: str, unique: str) -> None:
    """A plain subscriber on the subject (not a stream) takes the message and never acks."""
    event = Event(f"unacked-{unique}", User)
    nc = await nats.connect(nats_url)
    try:
        silent = await nc.subscribe(event.subject_name)
        await nc.flush()
        async with Events(event).connect(nats_url, ack_timeout=0.2) as conn:
            async with asyncio.timeout(DEADLINE):
                with pytest.raises(AckTimeoutError) as one:
                    await conn.emit(event, User("1", "a"), uid="u-1")
                with pytest.raises(BatchEmitError) as many:
                    await conn.emit_many(event, [User("2", "b"), User("3", "c")])
        received = await silent.next_msg(timeout=DEADLINE)
    finally:
        await nc.close()
    error = one.value
    assert isinstance(error, EmitError)
    assert isinstance(error, TimeoutError)
    assert f"event {event.name!r}" in str(error)
    assert "0.2 s" in str(error)
    assert "same uid" in str(error)  # the fix: retry with the uid, stored once
    assert received.headers is not None
    assert received.headers["Nats-Msg-Id"] == "u-1"  # it was sent: stored or not, unknown
    assert sorted(many.value.failures) == [0, 1]
    assert all(isinstance(f, AckTimeoutError) for f in many.value.failures.values())
    assert many.value.acks == [None, None]


async def test_the_servers_max_payload_bounds_every_message(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    # A declared message_size above max_payload is refused by register itself
    # (tests/test_max_payload.py); an unlimited one is bounded by max_payload here.
    unlimited = Event(f"no-size-{unique}", bytes)
    async with Events(unlimited).connect(nats_url) as conn:
        max_payload = conn.client.max_payload
        await conn.register()
        for event in (unlimited,):
            await conn.emit(event, b"x" * (max_payload - 1024))  # headers fit in the rest
            with pytest.raises(MessageTooLargeError, match="max_payload") as caught:
                await conn.emit(event, b"x" * max_payload)
            assert "nothing was sent" in str(caught.value)
            with pytest.raises(MessageTooLargeError):
                await conn.emit_many(event, [b"ok", b"x" * max_payload])
            info = await js.stream_info(event.stream_name)
            assert info.state.messages == 1  # only the one that fits


async def test_emit_many_sends_headers_trace_id_and_cloudevents(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"batched-headers-{unique}", User)
    events = Events(event)
    async with events.connect(nats_url, cloudevents_source="/tests/emit") as conn:
        await conn.register()
        users = [User(str(i), "x") for i in range(3)]
        with_uids = await conn.emit_many(
            event, users, uids=["a", "b", "c"], headers={"X-Tenant": "t1"}, trace_id="trace-9"
        )
        without_uids = await conn.emit_many(event, users[:2])
        with pytest.raises(EmitError, match="Nats-Msg-Id"):
            await conn.emit_many(event, users, headers={"Nats-Msg-Id": "mine"})
    stored = [await js.get_msg(event.stream_name, a.seq) for a in with_uids + without_uids]
    assert (await js.stream_info(event.stream_name)).state.messages == 5  # none of the refused
    for msg, uid in zip(stored[:3], ["a", "b", "c"], strict=True):
        headers = msg.headers or {}
        assert headers["X-Tenant"] == "t1"
        assert headers["Protonats-Trace-Id"] == "trace-9"
        assert headers["Nats-Msg-Id"] == uid
        assert headers["Content-Type"] == "application/json"
        assert headers["Protonats-Schema"] == "User"
        assert headers["Nats-Expected-Stream"] == event.stream_name
        assert headers["ce-specversion"] == "1.0"
        assert headers["ce-id"] == uid
        assert headers["ce-type"] == event.name
        assert headers["ce-source"] == "/tests/emit"
        assert datetime.datetime.fromisoformat(headers["ce-time"]).tzinfo is not None
    plain = [msg.headers or {} for msg in stored[3:]]
    assert all("X-Tenant" not in h and "Protonats-Trace-Id" not in h for h in plain)
    ids = [h["ce-id"] for h in plain]
    assert len(set(ids)) == 2  # without uids, every message gets its own CloudEvents id


async def test_register_without_create_leaves_a_missing_stream_missing(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"uncreated-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        [skipped] = await conn.register(create=False)
        with pytest.raises(NotFoundError):
            await js.stream_info(event.stream_name)
        [created] = await conn.register()
        [unchanged] = await conn.register(create=False)
    assert skipped.action is Action.SKIPPED
    assert created.action is Action.CREATE
    assert unchanged.action is Action.UNCHANGED
    assert (await js.stream_info(event.stream_name)).config.subjects == [event.subject_name]
