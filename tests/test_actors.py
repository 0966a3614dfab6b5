"""Actors against a real server: acks, retries, dead letters, timeouts, pulses, concurrency."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from nats.js import JetStreamContext, api
from nats.js.api import RawStreamMsg

from protonats import (
    Action,
    Actor,
    Actors,
    ConnectedActors,
    ConsumerConfigError,
    Event,
    Limits,
    NoStreamError,
)

from .helpers import registered
from .models import User

WITHIN = 30.0  # generous deadline for anything to happen on a loaded machine


class Calls:
    """What a handler saw, with a condition a test can wait on."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, float]] = []
        self.changed = asyncio.Condition()

    async def add(self, item: str) -> None:
        async with self.changed:
            self.seen.append((item, time.monotonic()))
            self.changed.notify_all()

    def ids(self) -> list[str]:
        return [item for item, _ in self.seen]

    async def until(self, predicate: Callable[[list[str]], bool]) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: predicate(self.ids())), WITHIN)


@contextlib.asynccontextmanager
async def listening(
    url: str, *actors: Actor[Any], **options: Any
) -> AsyncIterator[ConnectedActors]:
    """Registered actors listening in a task, cancelled (gracefully) on exit."""
    async with Actors(*actors).connect(url) as conn:
        await conn.register()
        options = {"poll_delay": 0.5, "handle_signals": False, **options}
        task = asyncio.create_task(conn.listen(**options))
        try:
            yield conn
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def dead_letters(js: JetStreamContext, event: Event[Any]) -> list[RawStreamMsg]:
    info = await js.stream_info(f"{event.name}-dead")
    return [
        await js.get_msg(f"{event.name}-dead", seq)
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
        if info.state.messages
    ]


async def settled(
    js: JetStreamContext, event: Event[Any], consumer: str, *, pending: int = 0
) -> None:
    """Wait until the consumer has nothing unacked and ``pending`` messages to deliver.

    The server applies acks asynchronously, so its counters are polled, with a deadline.
    """
    deadline = time.monotonic() + WITHIN
    while True:
        info = await js.consumer_info(event.stream_name, consumer)
        if info.num_pending == pending and info.num_ack_pending == 0:
            return
        assert time.monotonic() < deadline, f"consumer {consumer} did not settle: {info}"


async def test_success_acks_and_register_is_a_no_op_the_second_time(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"acked-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)

    actor = Actor("greeter", event, handle)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(20)])
        async with Actors(actor).connect(nats_url) as actors:
            first = await actors.register()
            assert [p.action for p in first] == [Action.CREATE, Action.CREATE]
            again = await actors.register()
            assert [p.action for p in again] == [Action.UNCHANGED, Action.UNCHANGED]
            await actors.listen(burst=True)
    assert sorted(calls.ids(), key=int) == [str(i) for i in range(20)]
    await settled(js, event, "greeter")
    assert (await js.consumer_info(event.stream_name, "greeter")).num_redelivered == 0


async def test_failures_retry_after_each_delay_then_succeed(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"flaky-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        if len(calls.seen) < 3:
            raise ConnectionError("smtp down")

    actor = Actor("flaky", event, handle, retry_delay=(0.3, 0.6), max_attempts=5)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "x"))
        async with listening(nats_url, actor):
            await calls.until(lambda ids: len(ids) == 3)
            await settled(js, event, "flaky")
    times = [t for _, t in calls.seen]
    assert times[1] - times[0] >= 0.3 * 0.95
    assert times[2] - times[1] >= 0.6 * 0.95
    assert calls.ids() == ["1", "1", "1"]
    info = await js.stream_info(f"{event.name}-dead")
    assert info.state.messages == 0


async def test_max_attempts_means_that_many_calls_then_a_dead_letter(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"doomed-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        if user.id == "poison":
            raise ValueError(f"cannot mail {user.name}\nat all")

    actor = Actor("mailer", event, handle, max_attempts=3, retry_delay=(0.05,))
    async with registered(nats_url, event) as conn:
        ack = await conn.emit(event, User("poison", "ann"), uid="signup-ann", headers={"X-T": "1"})
        assert ack is not None
        await conn.emit(event, User("fine", "bob"))
        async with listening(nats_url, actor):
            await calls.until(lambda ids: ids.count("poison") == 3 and "fine" in ids)
            await settled(js, event, "mailer")
        # Nothing more arrives later: three calls, not four.
        assert calls.ids().count("poison") == 3
    [dead] = await dead_letters(js, event)
    assert dead.data == b'{"id":"poison","name":"ann"}'
    headers = dead.headers or {}
    assert headers["X-T"] == "1"
    assert headers["Content-Type"] == "application/json"
    assert headers["Protonats-Dead-Actor"] == "mailer"
    assert headers["Protonats-Dead-Attempts"] == "3"
    assert headers["Protonats-Dead-Reason"] == "attempts-used-up"
    assert headers["Protonats-Dead-Error-Type"] == "builtins.ValueError"
    assert headers["Protonats-Dead-Error"] == "cannot mail ann at all"
    assert headers["Protonats-Dead-Seq"] == str(ack.seq)
    assert headers["Protonats-Dead-Uid"] == "signup-ann"
    assert dead.subject == f"{event.name}.dead"


async def test_undecodable_payload_goes_straight_to_dead_letters_without_holding_others(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"garbled-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)

    actor = Actor("reader", event, handle, max_jobs=1, ack_wait=60)
    async with registered(nats_url, event) as conn:
        await js.publish(event.subject_name, b"not json")
        await conn.emit_many(event, [User(str(i), "x") for i in range(5)])
        started = time.monotonic()
        async with listening(nats_url, actor):
            await calls.until(lambda ids: len(ids) == 5)
            await settled(js, event, "reader")
    assert time.monotonic() - started < 30  # not one ack_wait (60 s) behind the bad one
    [dead] = await dead_letters(js, event)
    assert dead.data == b"not json"
    headers = dead.headers or {}
    assert headers["Protonats-Dead-Reason"] == "undecodable"
    assert headers["Protonats-Dead-Attempts"] == "1"
    assert headers["Protonats-Dead-Error-Type"] == "protonats.DecodeError"
    assert "does not decode" in headers["Protonats-Dead-Error"]


async def test_without_dead_letters_the_message_is_terminated_with_an_error_log(
    nats_url: str, unique: str, js: JetStreamContext, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event(f"dropped-{unique}", User)
    calls = Calls()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        raise RuntimeError("nope")

    actor = Actor("strict", event, handle, max_attempts=2, retry_delay=(0,), dead_letter=False)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "x"))
        with caplog.at_level(logging.ERROR, logger="protonats.actors"):
            async with listening(nats_url, actor):
                await calls.until(lambda ids: len(ids) == 2)
                await settled(js, event, "strict")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("terminated without a dead letter" in r.getMessage() for r in errors)
    names = {s.config.name for s in await js.streams_info()}
    assert f"{event.name}-dead" not in names


async def test_job_timeout_cancels_a_stuck_handler_and_counts_as_a_failure(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"stuck-{unique}", User)
    calls = Calls()
    cancelled: list[str] = []

    async def handle(user: User) -> None:
        await calls.add(user.id)
        try:
            await asyncio.Event().wait()  # never set: stuck
        except asyncio.CancelledError:
            cancelled.append(user.id)
            raise

    actor = Actor("stuck", event, handle, job_timeout=0.3, max_attempts=2, retry_delay=(0,))
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "x"))
        async with listening(nats_url, actor):
            await calls.until(lambda ids: len(ids) == 2)
            await settled(js, event, "stuck")
    assert cancelled == ["1", "1"]
    [dead] = await dead_letters(js, event)
    headers = dead.headers or {}
    assert headers["Protonats-Dead-Error-Type"] == "builtins.TimeoutError"
    assert "job_timeout" in headers["Protonats-Dead-Error"]


@pytest.mark.parametrize("pulse", [True, False])
async def test_pulse_keeps_a_long_job_from_being_redelivered(
    nats_url: str, unique: str, js: JetStreamContext, pulse: bool
) -> None:
    event = Event(f"long-{unique}-{str(pulse).lower()}", User)
    calls = Calls()
    release = asyncio.Event()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        await release.wait()

    actor = Actor("slow", event, handle, ack_wait=1, pulse=pulse, job_timeout=60)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, User("1", "x"))
        async with listening(nats_url, actor):
            await calls.until(lambda ids: len(ids) == 1)
            if pulse:  # three ack_waits pass without a redelivery
                until = time.monotonic() + 3.0
                while time.monotonic() < until:
                    info = await js.consumer_info(event.stream_name, "slow")
                    assert info.num_redelivered == 0
                    assert len(calls.seen) == 1
            else:  # the server gives the running message to someone else
                await calls.until(lambda ids: len(ids) == 2)
            release.set()
            await settled(js, event, "slow")


async def test_max_jobs_bounds_running_jobs_and_what_is_pulled(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"bounded-{unique}", User)
    calls = Calls()
    release = asyncio.Event()
    running = 0
    most = 0

    async def handle(user: User) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await calls.add(user.id)
        await release.wait()
        running -= 1

    actor = Actor("bounded", event, handle, max_jobs=3)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(12)])
        async with listening(nats_url, actor, max_jobs=10):
            await calls.until(lambda ids: len(ids) == 3)
            info = await js.consumer_info(event.stream_name, "bounded")
            assert info.num_ack_pending == 3  # pulled only what the free slots can take
            assert info.num_pending == 9
            release.set()
            await calls.until(lambda ids: len(ids) == 12)
            await settled(js, event, "bounded")
    assert most == 3


async def test_sync_handlers_run_in_threads(nats_url: str, unique: str) -> None:
    event = Event(f"threaded-{unique}", User)
    threads: list[str] = []
    done = threading.Event()

    def handle(user: User) -> None:
        threads.append(threading.current_thread().name)
        if len(threads) == 3:
            done.set()

    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(3)])
        async with Actors(Actor("sync", event, handle)).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
    assert done.is_set()
    assert all(name.startswith("protonats-actor") for name in threads)


async def test_cancelling_listen_drains_running_jobs_and_naks_the_rest(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"drained-{unique}", User)
    calls = Calls()
    finished: list[str] = []
    stuck = asyncio.Event()

    async def handle(user: User) -> None:
        await calls.add(user.id)
        if user.id == "forever" and not stuck.is_set():
            await asyncio.Event().wait()
        finished.append(user.id)

    actor = Actor("drainer", event, handle, max_jobs=2, ack_wait=60, job_timeout=60)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User("forever", "x"), User("quick", "y")])
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            task = asyncio.create_task(actors.listen(drain_timeout=0.5, handle_signals=False))
            await calls.until(lambda ids: len(ids) == 2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        assert finished == ["quick"]
        stuck.set()
        # The interrupted job was naked: the next instance gets it at once, not after the
        # ack_wait of 60 s (the deadline of ``until`` is shorter).
        async with listening(nats_url, actor):
            await calls.until(lambda ids: ids.count("forever") == 2)
            await settled(js, event, "drainer")
    assert finished == ["quick", "forever"]


async def test_register_refuses_a_consumer_it_did_not_create_and_needs_the_stream(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"owned-{unique}", User)

    async def handle(user: User) -> None:
        return None

    async with Actors(Actor("worker", event, handle)).connect(nats_url) as actors:
        with pytest.raises(NoStreamError, match="register the events first"):
            await actors.register()
    async with registered(nats_url, event):
        # A durable consumer of the same name made by hand (or by consume()).
        await js.add_consumer(
            event.stream_name, durable_name="worker", ack_policy=api.AckPolicy.EXPLICIT
        )
        async with Actors(Actor("worker", event, handle)).connect(nats_url) as actors:
            with pytest.raises(ConsumerConfigError, match="not created by this protonats actor"):
                await actors.register()


async def test_register_updates_a_changed_actor_and_dead_letter_limits(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"tuned-{unique}", User)

    async def handle(user: User) -> None:
        return None

    async with registered(nats_url, event):
        async with Actors(Actor("tuned", event, handle)).connect(nats_url) as actors:
            await actors.register()
        changed = Actors(
            Actor("tuned", event, handle, ack_wait=40, max_attempts=7),
            dead_letter_limits=Limits(age=3600),
        )
        async with changed.connect(nats_url) as actors:
            plans = await actors.register()
            assert [p.action for p in plans] == [Action.UPDATE, Action.UPDATE]
            assert [p.action for p in await actors.register()] == [Action.UNCHANGED] * 2
    info = await js.consumer_info(event.stream_name, "tuned")
    assert info.config.ack_wait == 40
    assert (info.config.metadata or {})["protonats.max_attempts"] == "7"
    assert (await js.stream_info(f"{event.name}-dead")).config.max_age == 3600
