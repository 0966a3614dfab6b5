"""Text from the server or from messages never reaches a terminal raw: control characters are
escaped in every CLI format (table, tsv, json, jsonl), in the error line and in log lines."""

from __future__ import annotations

import asyncio
import logging

import pytest
from typer.testing import CliRunner

from protonats import Actor, Actors, Event, Events
from protonats.cli._app import app

from .models import User

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m"  # clear screen, window title, a C1 CSI
RAW = ("\x1b", "\x07", "\x9b")


def cli(*args: str, url: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"NATS_URL": url})
    return result.exit_code, result.stdout, result.stderr


def raw(text: str) -> bool:
    return any(char in text for char in RAW)


@pytest.mark.parametrize("fmt", ["table", "tsv", "json", "jsonl"])
def test_a_description_from_the_ledger_is_escaped_in_every_format(
    nats_url: str, unique: str, fmt: str
) -> None:
    event = Event(f"escaped-{unique}-{fmt}", User, description=f"nice{HOSTILE}text")

    async def register() -> None:
        async with Events(event).connect(nats_url) as conn:
            await conn.register()

    asyncio.run(register())
    code, out, err = cli("schema", event.name, "--format", fmt, url=nats_url)
    assert code == 0, err
    assert not raw(out), repr(out)
    assert "nice" in out


def test_handler_error_text_is_escaped_in_dead_and_in_the_log(
    nats_url: str, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event(f"hostile-{unique}", User)

    async def fail(user: User) -> None:
        raise ValueError(f"bad{HOSTILE}user")

    async def run() -> None:
        async with Events(event).connect(nats_url) as conn:
            await conn.register()
            await conn.emit(event, User("1", "x"))
        actors = Actors(Actor("hostile", event, fail, max_attempts=2, retry_delay=(0,)))
        async with actors.connect(nats_url) as connected:
            await connected.register()
            await connected.listen(burst=True, handle_signals=False)

    with caplog.at_level(logging.WARNING, logger="protonats"):
        asyncio.run(run())
    logged = [logging.Formatter().format(r) for r in caplog.records if "bad" in r.getMessage()]
    assert logged  # the retry's WARNING and the dead letter's, with their tracebacks
    assert not any(raw(line) for line in logged), logged
    assert any("\\x1b[2J" in line for line in logged)
    for fmt in ("table", "tsv", "json", "jsonl"):
        code, out, err = cli("dead", event.name, "--format", fmt, url=nats_url)
        assert code == 0, err
        assert not raw(out), repr(out)
        assert "bad" in out
