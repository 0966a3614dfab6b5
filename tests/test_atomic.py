"""Atomic batches (nats-server 2.12+): emit_many(..., atomic=True) stores all or nothing."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext

from protonats import (
    Action,
    AtomicBatchError,
    EmitError,
    Event,
    Limits,
    ServerTooOldError,
    stream_config,
)
from protonats.jetstream._atomic import MAX_ATOMIC_BATCH, check_atomic, publish_atomic
from protonats.jetstream._features import ServerInfo

from .helpers import registered
from .models import User


def users(count: int) -> list[User]:
    return [User(id=str(i), name=f"user {i}") for i in range(count)]


def test_refusals_before_anything_is_sent() -> None:
    event = Event("x-atomic", User, allow_atomic=True)
    assert stream_config(event).allow_atomic is True
    check_atomic(event, MAX_ATOMIC_BATCH, ServerInfo((2, 12, 0), 2))
    with pytest.raises(AtomicBatchError, match="1001 messages is over the server's limit of 1000"):
        check_atomic(event, MAX_ATOMIC_BATCH + 1, ServerInfo((2, 12, 0), 2))
    with pytest.raises(EmitError, match="allow_atomic=True"):
        check_atomic(Event("x-plain", User), 2, ServerInfo())
    with pytest.raises(ServerTooOldError, match=r"atomic batch publish.*2\.11\.4.*2\.12\.0"):
        check_atomic(event, 2, ServerInfo((2, 11, 4), 1))


async def stored(js: JetStreamContext, event: Event[User]) -> int:
    return int((await js.stream_info(event.stream_name)).state.messages)


async def test_500_are_stored_atomically_with_their_uids(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"user-atomic-{unique}", User, allow_atomic=True)
    async with registered(nats_url, event) as conn:
        uids = [f"u{i}" for i in range(500)]
        acks = await conn.emit_many(event, users(500), uids=uids, atomic=True)
        assert [a.seq for a in acks] == list(range(1, 501))
        assert await stored(js, event) == 500
        last = await js.get_msg(event.stream_name, 500)
        assert (last.headers or {}).get("Nats-Msg-Id") == "u499"
        with pytest.raises(AtomicBatchError) as caught:  # a uid twice in one batch
            await conn.emit_many(event, users(2), uids=["a", "a"], atomic=True)
        assert caught.value.err_code is not None
        assert caught.value.description
        assert await stored(js, event) == 500


async def test_a_batch_with_one_refused_message_stores_nothing(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(
        f"user-atomic-no-{unique}", User, allow_atomic=True, limits=Limits(message_size=400)
    )
    async with registered(nats_url, event) as conn:
        headers = {"Content-Type": "application/json", "Nats-Expected-Stream": event.stream_name}
        batch = [(b'{"id": "1", "name": "x"}', dict(headers)) for _ in range(5)]
        batch[2] = (b"x" * 1000, dict(headers))  # over message_size, sent past validation
        with pytest.raises(AtomicBatchError) as caught:
            await publish_atomic(conn._link, conn._inbox, event, batch, 5.0)
        assert caught.value.code is not None
        assert await stored(js, event) == 0
        await conn.emit_many(event, users(3), atomic=True)  # the stream still takes batches
        assert await stored(js, event) == 3


async def test_over_the_limit_or_undeclared_is_refused_before_sending(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"user-atomic-big-{unique}", User, allow_atomic=True)
    plain = Event(f"user-plain-{unique}", User)
    async with registered(nats_url, event, plain) as conn:
        with pytest.raises(AtomicBatchError, match="limit of 1000"):
            await conn.emit_many(event, users(1001), atomic=True)
        with pytest.raises(EmitError, match="allow_atomic=True"):
            await conn.emit_many(plain, users(2), atomic=True)
        assert await stored(js, event) == 0
        assert await stored(js, plain) == 0


def test_turning_allow_atomic_off_is_an_update_and_allow_ttl_off_a_refusal() -> None:
    from protonats.jetstream._config import plan_stream

    for flag, action in (("allow_atomic", Action.UPDATE), ("allow_ttl", Action.REFUSED)):
        on = Event("x-flag", User, **{flag: True})  # type: ignore[arg-type]
        off = Event("x-flag", User)
        plan = plan_stream(off, stream_config(off), stream_config(on))
        assert plan.action is action, flag
        assert [c.name for c in plan.changes if c.name.startswith("allow")] == [flag]
