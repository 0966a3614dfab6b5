"""Connecting: server lists and redaction (pure), reconnects, closing while reconnecting, and
JetStream domains and API prefixes (real servers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time

import nats
import pytest

from protonats import Actor, Actors, ConnectError, Event, Events, JetStreamNotEnabledError
from protonats.jetstream._nats import api_prefix, denied_subject
from protonats.jetstream._servers import DEFAULT_SERVER, redact, secrets_of, server_urls
from protonats.testing import free_port, nats_server

from .auth_servers import TOKEN, TOKEN_CONFIG
from .models import User

# --- pure ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "urls"),
    [
        (None, [DEFAULT_SERVER]),  # nats://localhost and the standard port
        ("nats://a:1", ["nats://a:1"]),
        ("nats://a:1, nats://b:2,", ["nats://a:1", "nats://b:2"]),
        (["nats://a:1", "nats://b:2,nats://c:3"], ["nats://a:1", "nats://b:2", "nats://c:3"]),
    ],
)
def test_server_urls(server: str | list[str] | None, urls: list[str]) -> None:
    assert server_urls(server) == urls


def test_redact_hides_every_password_and_token() -> None:
    text = "nats://alice:PW1@h1:7422,tls://bob:PW2@h2,nats://TOKEN123@h3 and netloc='carol:PW3@h4'"
    shown = redact(text)
    assert shown == (
        "nats://alice:***@h1:7422,tls://bob:***@h2,nats://***@h3 and netloc='carol:***@h4'"
    )
    assert redact("password hunter22 in text", ["hunter22"]) == "password *** in text"
    assert redact("a short pw x", ["x"]) == "a short pw x"  # too short to scrub in free text


def test_secrets_of_urls_and_options() -> None:
    urls = ["nats://alice:PW1@h1", "nats://TOKEN123@h2", "nats://h3"]
    options = {"password": "pw-opt", "token": "tok-opt", "nkeys_seed": "/path/to/seed"}
    assert secrets_of(urls, options) == ("PW1", "TOKEN123", "pw-opt", "tok-opt")


def test_api_prefix() -> None:
    assert api_prefix() == "$JS.API"
    assert api_prefix(domain="hub") == "$JS.hub.API"
    assert api_prefix(prefix="$JS.other.API") == "$JS.other.API"


async def test_domain_and_api_prefix_together_are_refused() -> None:
    with pytest.raises(ConnectError, match="not both"):
        async with Events(Event("both", User)).connect(domain="hub", api_prefix="$JS.API"):
            pass


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        (
            'nats: permissions violation for publish to "$js.api.stream.info.x"',
            "$js.api.stream.info.x",
        ),
        ("nats: 'Permissions Violation for Publish to \"Orders.New\"'", "orders.new"),
        ("nats: 'Permissions Violation for Subscription to \"orders.>\"'", None),
        ("nats: 'Authorization Violation'", None),
    ],
)
def test_denied_subject_reads_any_case(text: str, subject: str | None) -> None:
    assert denied_subject(text) == subject


# --- real servers --------------------------------------------------------------------------


async def test_a_server_that_never_answers_fails_within_the_connect_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never says INFO
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"nats://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ConnectError, match="timed out") as info:
            async with Events(Event("silent", User)).connect(url, connect_timeout=1):
                pass
        took = time.monotonic() - started
    assert type(info.value) is ConnectError
    assert 0.9 < took < 4, took


async def test_reconnects_after_a_restart_and_emits_again(
    unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event = Event(f"reconnect-{unique}", User)
    port = free_port()
    back = asyncio.Event()

    async def reconnected() -> None:
        back.set()

    with contextlib.ExitStack() as stack:
        stack.enter_context(nats_server(port=port, config=TOKEN_CONFIG))
        url = f"nats://{TOKEN}@127.0.0.1:{port}"  # the token in the URL
        async with Events(event).connect(url, reconnected_cb=reconnected) as conn:
            await conn.register()
            stack.close()  # the server stops
            stack.enter_context(nats_server(port=port, config=TOKEN_CONFIG))  # starts, empty
            await asyncio.wait_for(back.wait(), 30)
            await conn.register()
            ack = await conn.emit(event, User(id="1", name="a"))
            assert ack is not None
            assert TOKEN not in repr(conn)
        assert conn.client.is_closed
    assert f"reconnected to nats://***@127.0.0.1:{port}" in caplog.text
    assert TOKEN not in caplog.text


async def test_leaving_connect_while_reconnecting_closes_the_client(
    unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    lost = asyncio.Event()

    async def disconnected() -> None:
        lost.set()

    with contextlib.ExitStack() as stack:
        url = stack.enter_context(nats_server())
        async with Events(Event(f"leave-{unique}", User)).connect(
            url, disconnected_cb=disconnected
        ) as conn:
            stack.close()
            await asyncio.wait_for(lost.wait(), 30)
            nc = conn.client
            assert nc.is_reconnecting or nc.is_connecting
        assert nc.is_closed
    assert any("connection lost" in r.getMessage() for r in caplog.records)


async def test_connect_to_an_open_client_leaves_it_open(nats_url: str, unique: str) -> None:
    nc = await nats.connect(nats_url)
    try:
        async with Events(Event(f"open-{unique}", User)).connect(nc) as conn:
            assert conn.api_prefix == "$JS.API"
            assert conn.servers == (nats_url,)
        assert nc.is_connected
    finally:
        await nc.close()


async def test_domain_and_api_prefix_reach_jetstream(unique: str) -> None:
    event = Event(f"domain-{unique}", User)
    with nats_server(config="jetstream { domain: hub }") as url:
        async with Events(event).connect(url, domain="hub") as conn:
            assert conn.api_prefix == "$JS.hub.API"
            assert "$JS.hub.API" in repr(conn)
            await conn.register()
            assert (await conn.emit(event, User(id="1", name="a"))) is not None
        async with Events(event).connect(url, api_prefix="$JS.hub.API") as conn:
            assert [p.action.value for p in await conn.plan()] == ["unchanged"]
        with pytest.raises(JetStreamNotEnabledError, match=r"\$JS\.elsewhere\.API"):
            async with Events(event).connect(url, domain="elsewhere"):
                pass


async def test_events_and_actors_share_one_connection_either_way(
    nats_url: str, unique: str
) -> None:
    """Events.connect(an open ConnectedActors) and Actors.connect(an open ConnectedEvents)
    ride the same client; only the connect() that opened it closes it."""
    event = Event(f"shared-{unique}", User)
    handled: list[User] = []

    async def handle(user: User) -> None:
        handled.append(user)

    actors = Actors(Actor("shared", event, handle))
    async with actors.connect(nats_url) as acting:
        async with Events(event).connect(acting) as conn:
            assert conn.client is acting.client
            await conn.register()
            await acting.register()
            await conn.emit(event, User("1", "a"))
        assert not acting.client.is_closed  # the borrower closed nothing
        async with asyncio.timeout(30):
            await acting.listen(burst=True, handle_signals=False)
        with pytest.raises(ConnectError, match="shared connection takes no connection"):
            async with Events(event).connect(acting, user="x"):
                pass
    assert handled == [User("1", "a")]
