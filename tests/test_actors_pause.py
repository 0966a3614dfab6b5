"""Pausing and resuming actors (nats-server 2.11+): a paused actor's listeners receive
nothing and lose nothing; on resume they continue where they were."""

from __future__ import annotations

import asyncio
import contextlib
import datetime

import pytest
from nats.js import JetStreamContext

from protonats import (
    Actor,
    ActorDeclarationError,
    Actors,
    Event,
    ServerTooOldError,
)
from protonats.actors._pause import pause_until

from .helpers import eventually, parked, registered
from .models import User

WITHIN = 30.0


def test_until_is_a_future_aware_time_or_positive_seconds() -> None:
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    assert pause_until(90, now) == now + datetime.timedelta(seconds=90)
    later = now + datetime.timedelta(hours=1)
    assert pause_until(later, now) == later
    for bad in (0, -1, float("nan"), now, datetime.datetime(2031, 1, 1), True):
        with pytest.raises(ValueError, match=r"future|seconds|time zone"):
            pause_until(bad, now)


async def test_a_paused_actor_receives_nothing_and_continues_on_resume(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"paused-{unique}", User)
    seen: list[str] = []
    done = asyncio.Event()

    async def handle(user: User) -> None:
        seen.append(user.id)
        if len(seen) == 5:
            done.set()

    actor = Actor("pausable", event, handle)
    async with registered(nats_url, event) as events, Actors(actor).connect(nats_url) as conn:
        await conn.register()
        end = await conn.pause("pausable", datetime.timedelta(hours=1).total_seconds())
        [state] = await conn.states()
        assert state.paused_until is not None
        assert abs((state.paused_until - end).total_seconds()) < 1
        task = asyncio.create_task(conn.listen(poll_delay=0.5, handle_signals=False))
        try:
            await events.emit_many(event, [User(str(i), "x") for i in range(5)])

            async def waiting() -> bool:
                [now] = await conn.states()
                return now.pending == 5 and await parked(js, event.stream_name, "pausable")

            await eventually(waiting, "5 messages pending while a listener waits")
            assert seen == []
            await conn.resume("pausable")
            await asyncio.wait_for(done.wait(), WITHIN)
            assert sorted(seen) == [str(i) for i in range(5)]
            [after] = await conn.states()
            assert after.paused_until is None
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with pytest.raises(ActorDeclarationError, match="no actor named 'nope'"):
            await conn.pause("nope", 60)


async def test_pause_on_an_old_server_is_refused_before_sending(old_nats_url: str) -> None:
    event = Event("paused-old", User)

    async def handle(user: User) -> None:
        pass

    async with Actors(Actor("old", event, handle)).connect(old_nats_url) as conn:
        with pytest.raises(ServerTooOldError, match=r"consumer pause.*2\.10\.26.*2\.11\.0"):
            await conn.pause("old", 60)


def test_the_command_line_pauses_lists_and_resumes(nats_url: str, unique: str) -> None:
    import json

    from typer.testing import CliRunner

    from protonats.cli._app import app

    from .cli_registry import make_events

    events = make_events(unique)
    event = events.get(f"order-placed-{unique}")

    async def setup() -> None:
        async with events.connect(nats_url) as conn:
            await conn.register()

        async def handle(message: object) -> None:
            pass

        async with Actors(Actor("billing", event, handle)).connect(nats_url) as actors:
            await actors.register()

    asyncio.run(setup())
    runner = CliRunner()
    reg = ("-r", f"tests.cli_registry:events_{unique}")

    def cli(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env={"NATS_URL": nats_url})
        return result.exit_code, result.stdout, result.stderr

    code, out, err = cli("pause", "billing", "--for", "10m", *reg, "-f", "json")
    assert code == 0, err
    [paused] = json.loads(out)
    assert (paused["event"], paused["actor"]) == (event.name, "billing")
    until = datetime.datetime.fromisoformat(paused["paused_until"].replace("Z", "+00:00"))
    left = until - datetime.datetime.now(datetime.UTC)
    assert datetime.timedelta(minutes=9) < left <= datetime.timedelta(minutes=10)
    code, out, err = cli("ls", "--actors", *reg, "-f", "tsv")
    assert code == 0, err
    assert "billing" in out
    assert "until " in out
    assert "left)" in out
    code, out, err = cli("resume", "billing", *reg, "-f", "json")
    assert code == 0, err
    assert json.loads(out)[0]["paused_until"] is None
    code, _, err = cli("pause", "billing", *reg)
    assert code == 2
    assert "--for DURATION or --until TIME" in err
    code, _, err = cli("pause", "nobody", "--until", "2999-01-01T00:00:00Z", *reg)
    assert code == 1
    assert "no actor 'nobody'" in err
