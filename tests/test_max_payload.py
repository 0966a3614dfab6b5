"""``max_message_size`` above the server's ``max_payload``: register refuses it, naming the
server limit, against a real server started with ``max_payload: 8192``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import nats
import pytest
from typer.testing import CliRunner

from protonats import Event, Events, Limits, StreamConfigError
from protonats.cli._app import app
from protonats.testing import nats_server

from .models import User

SMALL = 8192


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    with nats_server(config=f"max_payload: {SMALL}") as url:
        yield url


def events() -> Events:
    return Events(
        Event("fits-payload", User, limits=Limits(message_size=SMALL)),
        Event("over-payload", User, limits=Limits(message_size=16 << 10)),
        Event("no-size-payload", User),
    )


async def streams(url: str) -> list[str]:
    """The event streams on the server (not the ledger's KV bucket)."""
    nc = await nats.connect(url)
    try:
        infos = await nc.jetstream().streams_info()
        names = [str(i.config.name) for i in infos]
        return sorted(name for name in names if not name.startswith("KV_"))
    finally:
        await nc.close()


async def test_register_refuses_a_message_size_above_max_payload(small_server: str) -> None:
    async with events().connect(small_server) as conn:
        plans = {p.event: p for p in await conn.plan()}
        assert plans["over-payload"].action.value == "refused"
        assert plans["fits-payload"].action.value == "create"
        with pytest.raises(StreamConfigError) as caught:
            await conn.register()
    error = caught.value
    assert error.event == "over-payload"
    assert (error.field, error.old, error.new) == ("message_size", SMALL, 16 << 10)
    text = str(error)
    assert "max message size 16 KiB (16384 bytes) is above the server's max_payload 8 KiB" in text
    assert "Lower max_message_size to at most 8192" in text
    # The others are registered; the refused one has no stream.
    assert await streams(small_server) == ["fits-payload", "no-size-payload"]


def test_cli_plan_shows_the_refusal(small_server: str) -> None:
    import tests.test_max_payload as here

    here.REGISTRY = events()  # type: ignore[attr-defined]
    result = CliRunner().invoke(
        app, ["plan", "-r", "tests.test_max_payload:REGISTRY", "-f", "json"],
        env={"NATS_URL": small_server},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = {row["event"]: row for row in json.loads(result.stdout)}
    assert rows["over-payload"]["action"] == "refused"
    assert "server's max_payload 8 KiB" in rows["over-payload"]["error"]
