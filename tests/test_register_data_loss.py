"""A lowered limit that would delete stored messages is refused by ``plan``/``register``
(``DataLossError`` naming the count and the flag) and changes nothing, unless
``allow_data_loss``; a lowering that deletes nothing stored is an ordinary update. Against a
real server, one test per limit (age, messages, bytes), plus the flag and the CLI."""

from __future__ import annotations

import asyncio
import datetime
import json
import time
from typing import Any

import pytest
from nats.js import JetStreamContext
from typer.testing import CliRunner

from protonats import (
    Action,
    Actor,
    Actors,
    DataLossError,
    Discard,
    Event,
    Events,
    Limits,
    StreamConfigError,
    StreamPlan,
)
from protonats.cli._app import app
from protonats.jetstream._changes import FieldChange
from protonats.jetstream._loss import Stored, losses

from .helpers import eventually
from .models import User

USERS = [User(id=f"u{i:03}", name="same size") for i in range(50)]


async def stored_state(js: JetStreamContext, stream: str) -> tuple[int, int, int]:
    info = await js.stream_info(stream)
    return info.state.messages, info.state.bytes, info.config.max_msgs or 0


async def emit_users(url: str, event: Event[User], count: int = 50) -> None:
    async with Events(event).connect(url) as conn:
        await conn.register()
        await conn.emit_many(event, USERS[:count])


async def test_lowered_max_messages_is_refused_then_applied_with_the_flag(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"kept-{unique}"
    await emit_users(nats_url, Event(name, User, limits=Limits(messages=100)))
    lowered = Events(Event(name, User, limits=Limits(messages=10)))
    async with lowered.connect(nats_url) as conn:
        [plan] = await conn.plan()
        assert plan.action is Action.REFUSED
        assert isinstance(plan.error, DataLossError)
        assert [(x.field, x.messages) for x in plan.loss] == [("messages", 40)]
        with pytest.raises(DataLossError) as caught:
            await conn.register()
        error = caught.value
        assert isinstance(error, StreamConfigError)
        assert (error.event, error.field, error.would_drop) == (name, "messages", 40)
        assert (error.old, error.new) == (100, 10)
        assert error.would_drop_bytes > 0
        assert "max messages 100 → 10" in str(error)
        assert "delete 40 of the 50 messages" in str(error)
        assert "allow_data_loss=True" in str(error)
        assert await stored_state(js, name) == (50, (await js.stream_info(name)).state.bytes, 100)
        [allowed] = await conn.plan(allow_data_loss=True)
        assert allowed.action is Action.UPDATE
        assert allowed.loss == plan.loss
        [applied] = await conn.register(allow_data_loss=True)
        assert applied.action is Action.UPDATE
        assert [p.action for p in await conn.plan()] == [Action.UNCHANGED]
    messages, _, max_msgs = await stored_state(js, name)
    assert (messages, max_msgs) == (10, 10)


async def test_lowered_max_bytes_is_refused_with_the_count(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"bytes-{unique}"
    await emit_users(nats_url, Event(name, User, limits=Limits(bytes=1 << 20)))
    held = (await js.stream_info(name)).state.bytes
    half = Event(name, User, limits=Limits(bytes=held // 2))
    async with Events(half).connect(nats_url) as conn:
        with pytest.raises(DataLossError) as caught:
            await conn.register()
        assert (caught.value.field, caught.value.would_drop) == ("bytes", 25)
        assert caught.value.would_drop_bytes == held - held // 2
        assert (await js.stream_info(name)).state.messages == 50
        await conn.register(allow_data_loss=True)
    # Messages of one size: the estimate from the average is what the server deleted.
    assert (await js.stream_info(name)).state.messages == 25


async def test_lowered_max_age_is_refused_while_older_messages_are_stored(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"aged-{unique}"
    await emit_users(nats_url, Event(name, User, limits=Limits(age=3600)))
    emitted = time.monotonic()

    async def older_than_the_new_limit() -> bool:
        await js.stream_info(name)  # a round trip per poll
        return time.monotonic() - emitted > 1.5

    await eventually(older_than_the_new_limit, "1.5 s passing")
    async with Events(Event(name, User, limits=Limits(age=1))).connect(nats_url) as conn:
        [plan] = await conn.plan()
        assert plan.action is Action.REFUSED
        with pytest.raises(DataLossError) as caught:
            await conn.register()
        assert (caught.value.field, caught.value.would_drop) == ("age", 50)
        assert (caught.value.old, caught.value.new) == (3600, 1)
        assert "max age 1 h → 1 s" in str(caught.value)
        info = await js.stream_info(name)
        assert (info.state.messages, info.config.max_age) == (50, 3600)
        await conn.register(allow_data_loss=True)

    async def expired() -> bool:
        return (await js.stream_info(name)).state.messages == 0

    await eventually(expired, "the server expiring the messages")


async def test_the_first_message_by_time_comes_from_the_server(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """The boundary's get-message-by-time: the age count starts at its answer."""
    event = Event(f"by-time-{unique}", User)
    await emit_users(nats_url, event)
    third = await js.get_msg(event.stream_name, seq=3)
    assert third.time is not None
    async with Events(event).connect(nats_url) as conn:
        link = conn._link
        assert await link.first_seq_since(event, third.time) == 3
        assert await link.first_seq_since(event, third.time - datetime.timedelta(days=1)) == 1
        future = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        assert await link.first_seq_since(event, future) is None


async def test_a_lowering_that_drops_nothing_stored_is_an_ordinary_update(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"roomy-{unique}"
    await emit_users(nats_url, Event(name, User, limits=Limits(messages=1000, age=7200)))
    held = (await js.stream_info(name)).state.bytes
    lower = Event(name, User, limits=Limits(messages=60, age=3600, bytes=held * 2))
    async with Events(lower).connect(nats_url) as conn:
        [plan] = await conn.register()
        assert plan.action is Action.UPDATE
        assert plan.loss == ()
    assert (await js.stream_info(name)).state.messages == 50


async def test_discard_new_keeps_what_is_stored_so_lowering_is_an_update(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"discard-new-{unique}"
    limits = Limits(messages=100)
    await emit_users(nats_url, Event(name, User, limits=limits, discard=Discard.NEW))
    lowered = Event(name, User, limits=Limits(messages=10), discard=Discard.NEW)
    async with Events(lowered).connect(nats_url) as conn:
        [plan] = await conn.register()
        assert plan.action is Action.UPDATE
    assert (await js.stream_info(name)).state.messages == 50


async def give_up(user: User) -> None:
    raise LookupError(f"no {user.id}")


async def test_lowered_dead_letter_limits_are_refused_while_they_would_delete_dead_letters(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"dead-kept-{unique}", User)
    await emit_users(nats_url, event, 5)
    dead = f"{event.name}-dead"

    def actors(messages: int) -> Actors:
        actor = Actor("giver", event, give_up, max_attempts=1)
        return Actors(actor, dead_letter_limits=Limits(messages=messages))

    async with actors(100).connect(nats_url) as conn:
        await conn.register()
        await conn.listen(burst=True, handle_signals=False)
    assert (await js.stream_info(dead)).state.messages == 5
    async with actors(2).connect(nats_url) as conn:
        with pytest.raises(DataLossError) as caught:
            await conn.register()
        assert (caught.value.stream, caught.value.would_drop) == (dead, 3)
        assert (await js.stream_info(dead)).state.messages == 5
        [stream, _consumer] = await conn.plan(allow_data_loss=True)
        assert isinstance(stream, StreamPlan)
        assert stream.action is Action.UPDATE
        await conn.register(allow_data_loss=True)
    assert (await js.stream_info(dead)).state.messages == 2


def test_several_lowered_limits_drop_as_many_as_the_worst() -> None:
    """All three drop from the oldest end: the union is the largest of them."""
    stored = Stored(messages=50, bytes=5000, first_seq=11, last_seq=60, kept_from=41)
    changes = [
        FieldChange("max_msgs", 100, 20),  # 30
        FieldChange("max_bytes", -1, 4000),  # 10
        FieldChange("max_age", 0, 60 * 10**9),  # 41 - 11 = 30
        FieldChange("max_msg_size", -1, 10),  # deletes nothing stored
    ]
    found = losses(changes, "old", stored)
    assert [(x.field, x.messages, x.bytes) for x in found] == [
        ("messages", 30, 3000),
        ("bytes", 10, 1000),
        ("age", 30, 3000),
    ]
    assert [x.field for x in losses(changes, "new", stored)] == ["age"]
    assert losses(changes, "old", Stored(0, 0, 0, 0)) == []


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_plan_shows_the_refusal_and_register_applies_with_the_flag(
    nats_url: str, unique: str
) -> None:
    import tests.test_register_data_loss as here

    name = f"cli-kept-{unique}"
    before = Event(name, User, limits=Limits(messages=100))
    here.BEFORE = Events(before)  # type: ignore[attr-defined]
    here.AFTER = Events(Event(name, User, limits=Limits(messages=10)))  # type: ignore[attr-defined]
    registry = "tests.test_register_data_loss"
    assert cli("register", "-s", nats_url, "-r", f"{registry}:BEFORE").exit_code == 0
    asyncio.run(emit_users(nats_url, before, 30))
    plan = cli("plan", "-s", nats_url, "-r", f"{registry}:AFTER", "-f", "json")
    assert plan.exit_code == 0, plan.stderr
    [row] = json.loads(plan.stdout)
    assert row["action"] == "refused"
    assert row["would_drop"][0]["field"] == "messages"
    assert row["would_drop"][0]["messages"] == 20
    assert "delete 20 of the 30 messages" in row["error"]
    assert "protonats register --allow-data-loss" in row["error"]
    refused = cli("register", "-s", nats_url, "-r", f"{registry}:AFTER")
    assert refused.exit_code == 1
    assert "--allow-data-loss" in refused.stderr
    shown = cli("plan", "-s", nats_url, "-r", f"{registry}:AFTER", "--allow-data-loss")
    assert "max messages deletes 20 stored messages" in shown.stdout
    done = cli("register", "-s", nats_url, "-r", f"{registry}:AFTER", "--allow-data-loss")
    assert done.exit_code == 0, done.stderr
    again = cli("plan", "-s", nats_url, "-r", f"{registry}:AFTER", "--check")
    assert again.exit_code == 0, again.stdout
