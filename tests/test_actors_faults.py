"""Actors under faults: a second actor is never starved of slots, a stuck sync handler does
not keep the process alive, SystemExit/KeyboardInterrupt from a handler stop listen() after a
drain with the interrupted message redelivered at once."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from protonats import Actor, Event, Events

from .helpers import registered
from .models import User
from .test_actors import Calls, dead_letters, listening, settled

ROOT = Path(__file__).resolve().parent.parent
EXIT_WITHIN = 60.0  # seconds for a subprocess to do its work and exit on a loaded machine


async def test_a_second_actor_is_served_with_every_default(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    a, b = Event(f"idle-a-{unique}", User), Event(f"busy-b-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)

    async with registered(nats_url, a, b) as conn:
        await conn.emit_many(b, [User(str(i), "x") for i in range(3)])
        # Every default: Actor(max_jobs=16), listen(max_jobs=16, poll_delay=2). The idle
        # actor's long poll holds none of the shared slots.
        async with listening(
            nats_url, Actor("send-a", a, handle), Actor("send-b", b, handle), poll_delay=2.0
        ):
            await calls.until(lambda ids: len(ids) == 3)
            await settled(js, b, "send-b")


async def test_a_freed_slot_goes_to_the_actor_that_waited_not_the_busiest(
    nats_url: str, unique: str
) -> None:
    a, b = Event(f"hog-a-{unique}", User), Event(f"meek-b-{unique}", User)
    calls = Calls()  # the hog's message ids as its jobs start, and "b" when the other's is handled
    gates = {str(i): asyncio.Event() for i in range(10)}

    async def hog(user: User) -> None:
        await calls.add(user.id)
        await gates[user.id].wait()

    async def meek(user: User) -> None:
        await calls.add("b")

    def hogged(ids: list[str]) -> list[str]:
        return [i for i in ids if i != "b"]

    async with registered(nats_url, a, b) as conn:
        await conn.emit_many(a, [User(str(i), "x") for i in range(10)])
        await conn.emit(b, User("b", "y"))
        async with listening(nats_url, Actor("hog", a, hog), Actor("meek", b, meek), max_jobs=2):
            await calls.until(lambda ids: len(hogged(ids)) == 2 or "b" in ids)
            for released in range(1, 3):  # free the hog's slots one at a time
                if "b" in calls.ids():
                    break
                gates[hogged(calls.ids())[released - 1]].set()

                def progressed(ids: list[str], want: int = released + 2) -> bool:
                    return len(hogged(ids)) >= want or "b" in ids

                await calls.until(progressed)
            # Served after at most two of the hog's jobs ended, not after all ten.
            assert "b" in calls.ids(), calls.ids()
            for gate in gates.values():
                gate.set()
            await calls.until(lambda ids: len(hogged(ids)) == 10)


def run_worker(url: str, event: str, mode: str) -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.actors_stop_worker", url, event, mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out, _ = proc.communicate(timeout=EXIT_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"the process did not exit in {EXIT_WITHIN} s:\n{out.decode()}")
    return proc.returncode, out.decode()


async def test_a_sync_handler_that_never_returns_does_not_keep_the_process_alive(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"forever-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "x"))
    code, out = await asyncio.to_thread(run_worker, nats_url, event.name, "stuck")
    assert code == 0, out
    assert "listen returned" in out
    [dead] = await dead_letters(js, event)  # job_timeout failed it, as documented
    assert (dead.headers or {})["Protonats-Dead-Error-Type"] == "builtins.TimeoutError"


@pytest.mark.parametrize(
    ("mode", "code"), [("exit", 3), ("interrupt", -2)]
)  # -2: died of SIGINT, as Python does
async def test_systemexit_or_keyboardinterrupt_in_a_handler_drains_then_propagates(
    nats_url: str, unique: str, js: JetStreamContext, mode: str, code: int
) -> None:
    event = Event(f"stopped-{unique}-{mode}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        await conn.emit_many(event, [User("slow", "x"), User("stop", "y")])
    returncode, out = await asyncio.to_thread(run_worker, nats_url, event.name, mode)
    assert returncode == code, out
    assert "slow done" in out  # the running job was drained, not cut short
    assert "listen returned" not in out  # the exception came out of listen()
    assert "stopping every actor" in out
    if mode == "interrupt":
        assert "KeyboardInterrupt" in out
    # "stop" was naked at once: handled again now, not after its ack_wait (60 s).
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)

    async with listening(nats_url, Actor("stopper", event, handle, ack_wait=60, job_timeout=60)):
        await calls.until(lambda ids: "stop" in ids)
        await settled(js, event, "stopper")
    assert calls.ids() == ["stop"]  # "slow" was acked by the drain, never redelivered
