"""``protonats dead EVENT``: list dead letters, replay them once, refuse a replay that the
duplicate window would drop."""

from __future__ import annotations

import asyncio
import datetime
import json

import nats
import pytest
from typer.testing import CliRunner

from protonats import Actor, Actors, Event
from protonats.cli._app import app

from .cli_registry import OrderPlaced, make_events

runner = CliRunner()


def cli(*args: str, url: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"NATS_URL": url})
    return result.exit_code, result.stdout, result.stderr


def order(order_id: str) -> OrderPlaced:
    return OrderPlaced(order_id, 100, [], datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC))


async def refuse(message: OrderPlaced) -> None:
    raise LookupError(f"no customer for {message.order_id}")


async def dead_lettered(url: str, suffix: str, *, uid: str | None) -> Event[OrderPlaced]:
    """Register the test registry, emit one order and one garbled payload, and let an actor
    with one attempt give up on both."""
    events = make_events(suffix)
    event: Event[OrderPlaced] = events.get(f"order-placed-{suffix}")
    async with events.connect(url) as conn:
        await conn.register()
        await conn.emit(event, order("o-1"), uid=uid)
        await conn.client.publish(event.subject_name, b"{garbled")
        await conn.client.flush()
    actors = Actors(Actor("billing", event, refuse, max_attempts=1))
    async with actors.connect(url) as connected:
        await connected.register()
        await connected.listen(burst=True, handle_signals=False)
    return event


def test_dead_lists_then_replays_once(nats_url: str, unique: str) -> None:
    event = asyncio.run(dead_lettered(nats_url, unique, uid=None))
    reg = ("-r", f"tests.cli_registry:events_{unique}")

    code, out, err = cli("dead", event.name, *reg, "-f", "json", url=nats_url)
    assert code == 0, err
    records = json.loads(out)
    assert [r["reason"] for r in records] == ["attempts-used-up", "undecodable"]
    first, second = records
    assert first["actor"] == "billing"
    assert first["attempts"] == 1
    assert first["error_type"] == "builtins.LookupError"
    assert first["error"] == "no customer for o-1"
    assert first["original_seq"] == 1
    assert first["data"]["order_id"] == "o-1"
    assert second["data"] is None
    assert second["raw"] == "e2dhcmJsZWQ="  # base64 of b"{garbled"

    code, out, err = cli("dead", event.name, *reg, "-f", "tsv", url=nats_url)
    assert code == 0, err
    assert out.splitlines()[0].split("\t")[:3] == ["SEQ", "TIME", "ACTOR"]

    code, out, err = cli("dead", event.name, "--replay", *reg, "-f", "json", url=nats_url)
    assert code == 0, err
    replayed = json.loads(out)
    assert [(r["original_seq"], r["new_seq"], r["duplicate"]) for r in replayed] == [
        (1, 3, False),
        (2, 4, False),
    ]
    code, out, err = cli("dead", event.name, *reg, "-f", "json", url=nats_url)
    assert (code, json.loads(out)) == (0, [])
    code, out, err = cli("dead", event.name, "--replay", *reg, "-f", "json", url=nats_url)
    assert (code, json.loads(out)) == (0, [])

    messages, uid = asyncio.run(stored(nats_url, event))
    assert messages == 4  # two originals, two replays: each stored once
    assert uid == f"replay:{event.name}:1"


async def stored(url: str, event: Event[OrderPlaced]) -> tuple[int, str]:
    """How many messages the event's stream has, and the uid of the first replay (seq 3)."""
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info(event.stream_name)
        replay = await nc.jetstream().get_msg(event.stream_name, 3)
        return info.state.messages, (replay.headers or {})["Nats-Msg-Id"]
    finally:
        await nc.close()


def test_dead_reads_the_schema_from_the_ledger_without_a_registry(
    nats_url: str, unique: str
) -> None:
    event = asyncio.run(dead_lettered(nats_url, unique, uid=None))
    code, out, err = cli("dead", event.name, "-f", "json", url=nats_url)  # no --registry
    assert code == 0, err
    first, second = json.loads(out)
    assert first["data"]["order_id"] == "o-1"  # decoded with the ledger's schema
    assert second["data"] is None


def test_replay_inside_the_duplicate_window_is_refused_and_kept(nats_url: str, unique: str) -> None:
    event = asyncio.run(dead_lettered(nats_url, unique, uid="order-o-1"))
    reg = ("-r", f"tests.cli_registry:events_{unique}")
    code, out, err = cli("dead", event.name, "--replay", *reg, url=nats_url)
    assert code == 1
    assert "still inside" in err
    assert "duplicate window" in err
    code, out, err = cli("dead", event.name, *reg, "-f", "json", url=nats_url)
    assert code == 0, err
    assert [r["uid"] for r in json.loads(out)] == ["order-o-1", None]


@pytest.mark.parametrize("fmt", ["table", "jsonl"])
def test_no_dead_letters_yet(nats_url: str, unique: str, fmt: str) -> None:
    asyncio.run(register(nats_url, f"{unique}-{fmt}"))
    name = f"order-placed-{unique}-{fmt}"
    reg = ("-r", f"tests.cli_registry:events_{unique}_{fmt}")
    code, out, err = cli("dead", name, *reg, "-f", fmt, url=nats_url)
    assert code == 0, err
    assert out.strip() == "" if fmt == "jsonl" else "SEQ" in out


async def register(url: str, suffix: str) -> None:
    async with make_events(suffix).connect(url) as conn:
        await conn.register()
