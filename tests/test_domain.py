"""One connection for events and actors, against a JetStream domain across a leafnode: a hub
server with ``jetstream { domain: hub }`` and a leaf server without JetStream; connected to
the leaf with ``domain="hub"``, everything protonats does reaches the hub's JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from protonats import (
    Actor,
    Actors,
    ConnectedActors,
    ConnectError,
    DeadLetter,
    Event,
    Events,
    JetStreamNotEnabledError,
)
from protonats.cli._app import app
from protonats.testing import free_port, nats_server

from .cli_registry import OrderPlaced, make_events
from .helpers import DEADLINE, ack, take
from .models import User


@contextlib.contextmanager
def hub_and_leaf() -> Iterator[str]:
    """A hub (JetStream domain ``hub``) and a leaf without JetStream joined by a leafnode;
    yields the leaf's URL."""
    port = free_port()
    hub = f"jetstream {{ domain: hub }}\nleafnodes {{ listen: 127.0.0.1:{port} }}\n"
    leaf = f'leafnodes {{ remotes: [ {{ url: "nats-leaf://127.0.0.1:{port}" }} ] }}\n'
    with nats_server(config=hub), nats_server(jetstream=False, config=leaf) as url:
        yield url


async def _joined(url: str, events: Events) -> None:
    """Until the leafnode is up: the hub's JetStream answers through the leaf."""
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            async with events.connect(url, domain="hub"):
                return
        except JetStreamNotEnabledError:
            if time.monotonic() > deadline:
                pytest.fail(f"the leafnode did not join in {DEADLINE} s")


async def test_events_actors_dead_letters_and_the_ledger_through_a_leaf(unique: str) -> None:
    event = Event(f"leaf-{unique}", User)
    handled: list[str] = []
    done = asyncio.Event()

    def handle(user: User) -> None:
        if user.id == "bad":
            raise ValueError("cannot handle bad")
        handled.append(user.id)
        if len(handled) == 2:
            done.set()

    events = Events(event)
    actors = Actors(Actor("greeter", event, handle, max_attempts=1))
    with hub_and_leaf() as url:
        await _joined(url, events)
        async with events.connect(url, domain="hub") as conn:
            assert conn.api_prefix == "$JS.hub.API"
            [plan] = await conn.register()
            assert plan.action.value == "create"
            for uid in ("1", "bad", "2"):
                await conn.emit(event, User(id=uid, name="a"))
            got = await take(conn.consume(event, "reader"), 3, handle=ack)
            assert [d.data.id for d in got] == ["1", "bad", "2"]
            entry = await conn.ledger(event.name)
            assert entry is not None
            assert entry.event == event.name

            # The actors share the events' connection: one socket for the whole service.
            async with actors.connect(conn) as acting:
                assert acting.client is conn.client
                assert acting.api_prefix == "$JS.hub.API"
                await acting.register()
                listening = asyncio.create_task(acting.listen(handle_signals=False))
                try:
                    await asyncio.wait_for(done.wait(), DEADLINE)
                    letters = await _letters(acting, event)
                finally:
                    listening.cancel()
                    await asyncio.gather(listening, return_exceptions=True)
                assert [(x.actor, x.reason, x.original_seq) for x in letters] == [
                    ("greeter", "attempts-used-up", 2)
                ]
            assert not conn.client.is_closed  # left open: the events' connect() owns it

        # Actors on their own connection to the leaf, with the domain; replay the letter.
        async with actors.connect(url, domain="hub") as acting:
            [replayed] = await acting.replay_dead_letters(event)
            assert (replayed.letter.original_seq, replayed.new_seq) == (2, 4)
            assert not replayed.duplicate
            assert await acting.dead_letters(event) == []


async def _letters(acting: ConnectedActors, event: Event[User]) -> list[DeadLetter]:
    """The dead letters of ``event``, once there is one (each look is a server round trip)."""
    deadline = time.monotonic() + DEADLINE
    while not (found := await acting.dead_letters(event)):
        assert time.monotonic() < deadline, "no dead letter"
    return found


async def test_a_shared_connection_takes_no_options(nats_url: str, unique: str) -> None:
    event = Event(f"shared-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(ConnectError, match="shared"):
            async with Actors(Actor("a", event, lambda u: None)).connect(conn, domain="hub"):
                pass


async def _refuse(message: OrderPlaced) -> None:
    raise LookupError(f"no customer for {message.order_id}")


async def _dead_letter_on_the_hub(url: str, suffix: str) -> Event[OrderPlaced]:
    events = make_events(suffix)
    event: Event[OrderPlaced] = events.get(f"order-placed-{suffix}")
    await _joined(url, events)
    async with events.connect(url, domain="hub") as conn:
        await conn.register()
        order = OrderPlaced("o-1", 100, [], datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))
        await conn.emit(event, order)
        async with Actors(Actor("billing", event, _refuse, max_attempts=1)).connect(conn) as acting:
            await acting.register()
            await acting.listen(burst=True, handle_signals=False)
    return event


def test_protonats_dead_replays_through_a_leaf(unique: str) -> None:
    """``protonats dead EVENT --replay --domain hub`` against the leaf."""
    with hub_and_leaf() as url:
        event = asyncio.run(_dead_letter_on_the_hub(url, unique))
        registry = f"tests.cli_registry:events_{unique}"
        args = ["dead", event.name, "--replay", "-r", registry, "--domain", "hub", "-f", "json"]
        result = CliRunner().invoke(app, args, env={"NATS_URL": url})
        assert result.exit_code == 0, result.stderr
        [replayed] = json.loads(result.stdout)
        assert (replayed["original_seq"], replayed["new_seq"]) == (1, 2)
        result = CliRunner().invoke(app, args[:2] + args[3:], env={"NATS_URL": url})
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == []
