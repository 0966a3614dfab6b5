"""Per-message TTL (nats-server 2.11+): emit(ttl=), limits.message_ttl, and the refusals
before anything is sent."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from protonats import EmitError, Event, Limits, ServerTooOldError, stream_config
from protonats.jetstream._features import ServerInfo
from protonats.jetstream._ttl import ttl_header, ttl_value

from .helpers import eventually, registered
from .models import User

ADA = User(id="1", name="Ada")


def test_header_values_and_refusals() -> None:
    event = Event("x-ttl", User, allow_ttl=True, limits=Limits(age=60))
    new = ServerInfo((2, 12, 0), 2)
    assert ttl_header(event, 5, new) == {"Nats-TTL": "5"}
    assert ttl_header(event, 1.5, new) == {"Nats-TTL": "1.5s"}
    assert ttl_value(60.0) == "60"
    for bad, why in [
        (0.5, "at least 1 s"),
        (61, "longer than limits.age"),
        (float("inf"), "number of seconds"),
        (True, "number of seconds"),
    ]:
        with pytest.raises(EmitError, match=why):
            ttl_header(event, bad, new)
    with pytest.raises(EmitError, match="allow_ttl=True"):
        ttl_header(Event("x-plain", User), 5, new)
    with pytest.raises(ServerTooOldError, match=r"per-message TTL.*2\.10\.26.*2\.11\.0"):
        ttl_header(event, 5, ServerInfo((2, 10, 26)))
    implied = Event("x-implied", User, limits=Limits(message_ttl=30))
    assert ttl_header(implied, 5, new) == {"Nats-TTL": "5"}
    assert stream_config(implied).allow_msg_ttl is True


async def test_a_message_with_ttl_expires_and_one_without_stays(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"user-ttl-{unique}", User, allow_ttl=True)
    async with registered(nats_url, event) as conn:
        assert (await js.stream_info(event.stream_name)).config.allow_msg_ttl is True
        short = await conn.emit(event, ADA, ttl=1)
        kept = await conn.emit(event, ADA)
        many = await conn.emit_many(event, [ADA, ADA], ttl=1)
        assert short is not None
        assert kept is not None

        async def expired() -> bool:
            return (await js.stream_info(event.stream_name)).state.messages == 1

        await eventually(expired, "the messages with ttl=1 expiring")
        assert (await js.get_msg(event.stream_name, kept.seq)).seq == kept.seq
        for gone in (short, *many):
            with pytest.raises(NotFoundError):
                await js.get_msg(event.stream_name, gone.seq)


async def test_message_ttl_is_every_messages_default(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"user-mttl-{unique}", User, limits=Limits(message_ttl=1))
    async with registered(nats_url, event) as conn:
        ack = await conn.emit(event, ADA)
        assert ack is not None
        stored = await js.get_msg(event.stream_name, ack.seq)
        assert (stored.headers or {}).get("Nats-TTL") == "1"
        longer = await conn.emit(event, ADA, ttl=3600)  # one message's own wins
        assert longer is not None

        async def expired() -> bool:
            return (await js.stream_info(event.stream_name)).state.messages == 1

        await eventually(expired, "the message with the default TTL expiring")
        assert (await js.get_msg(event.stream_name, longer.seq)).seq == longer.seq


def test_a_delayed_message_carries_its_ttl_to_the_published_message() -> None:
    from protonats.jetstream._delay import schedule

    event = Event("x-later", User, allow_ttl=True, allow_delay=True)
    _, headers = schedule(event, {"Nats-TTL": "5"}, 10, uid=None, server=ServerInfo())
    assert "Nats-TTL" not in headers  # the schedule itself never expires before it is due
    assert headers["Nats-Schedule-TTL"] == "5"


def test_the_emit_command_passes_ttl(nats_url: str, unique: str) -> None:
    from typer.testing import CliRunner

    from protonats.cli._app import app

    from .cli_registry import make_events

    make_events(unique)  # an event without allow_ttl: refused before sending
    reg = ("-r", f"tests.cli_registry:events_{unique}")
    result = CliRunner().invoke(
        app,
        ["emit", f"user-signed-up-{unique}", "--json", '{"email": "a@b"}', "--ttl", "5", *reg],
        env={"NATS_URL": nats_url},
    )
    assert result.exit_code == 1
    assert "allow_ttl=True" in result.stderr


async def test_a_delayed_message_is_published_with_its_ttl(nats_url: str, unique: str) -> None:
    event = Event(f"user-later-ttl-{unique}", User, allow_ttl=True, allow_delay=True)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, ADA, delay=0.5, ttl=3600)
        async for delivery in conn.tail(event, from_start=True, idle_timeout=30.0):
            assert "Nats-Scheduler" in delivery.headers  # published by the server when due
            assert delivery.headers.get("Nats-TTL") in ("3600", "1h0m0s")
            break
        else:
            pytest.fail("the delayed message did not arrive")
