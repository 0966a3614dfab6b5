"""Faults on a real nats-server: killed and restarted, paused and resumed.

The producer does what the README tells users: retry a failed emit with the same uid. After a
SIGKILL and a restart on the same port and store, the stream holds every message exactly
once. While the server is paused (SIGSTOP), every call fails with its typed error within its
bound, and everything works again after SIGCONT.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from protonats import (
    AckTimeoutError,
    BatchEmitError,
    ConnectedEvents,
    ConsumerError,
    EmitError,
    Event,
    Events,
    JetStreamError,
    NoStreamError,
    Storage,
)
from tests.models import User
from tests.servers import Server, server

ACK_TIMEOUT = 1.0
RECONNECT: dict[str, Any] = {"reconnect_time_wait": 0.1, "max_reconnect_attempts": -1}


def _event(unique: str) -> Event[User]:
    return Event(f"fault-{unique}", User, storage=Storage.FILE)


class Progress:
    """What a producer task reports after every step, for the test to wait on (no sleeps)."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until(self, condition: Callable[[], bool], within: float, what: str) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(condition), within)
            except TimeoutError:
                raise AssertionError(f"timed out waiting for {what}") from None


async def _stored_uids(conn: ConnectedEvents, event: Event[User]) -> list[str]:
    """The uid of every message in the stream, in order (reads exactly what the stream has)."""
    info = await conn.client.jetstream().stream_info(event.stream_name)
    total = int(info.state.messages)
    uids: list[str] = []
    if total:
        async for delivery in conn.tail(event, from_start=True):
            uids.append(delivery.headers["Nats-Msg-Id"])
            if len(uids) == total:
                break
    return uids


async def _emit_until_stored(
    conn: ConnectedEvents, event: Event[User], uid: str, progress: Progress, met: list[str]
) -> None:
    """emit with ``uid`` until acked, as a user would; add the errors it meets to ``met``."""
    deadline = time.monotonic() + 60
    while True:
        try:
            await conn.emit(event, User(uid, "x"), uid=uid)
            return
        except (EmitError, JetStreamError) as exc:
            met.append(type(exc).__name__)
            await progress.changed()
            assert "NoStreamError" not in met, met  # the stream always existed
            assert time.monotonic() < deadline, f"{uid} never stored: {met}"


@pytest.fixture
async def node() -> AsyncIterator[Server]:
    with server() as running:
        yield running


async def test_kill_and_restart_during_emit_stores_every_message_once(
    node: Server, unique: str
) -> None:
    event = _event(unique)
    async with Events(event).connect(node.url, ack_timeout=ACK_TIMEOUT, **RECONNECT) as conn:
        await conn.register()
        acked = 0
        errors: list[str] = []
        progress = Progress()
        stop = asyncio.Event()

        async def produce() -> None:  # until told to stop, each uid until it is stored
            nonlocal acked
            while not stop.is_set():
                await _emit_until_stored(conn, event, f"m-{acked}", progress, errors)
                acked += 1
                await progress.changed()

        producer = asyncio.create_task(produce())
        try:
            await progress.until(lambda: acked >= 30, 30, "30 acks before the kill")
            await asyncio.to_thread(node.kill)
            await progress.until(lambda: len(errors) >= 1, 30, "a failed emit")
            await asyncio.to_thread(node.start)
            mark = acked
            await progress.until(lambda: acked >= mark + 30, 60, "30 acks after the restart")
        finally:
            stop.set()
            await asyncio.wait_for(producer, 90)
        uids = await _stored_uids(conn, event)
    assert sorted(uids) == sorted(f"m-{i}" for i in range(acked))  # 0 lost, 0 duplicated
    assert set(errors) <= {"AckTimeoutError", "EmitError", "StreamUnavailableError"}, errors


async def test_kill_and_restart_during_emit_many_stores_every_message_once(
    node: Server, unique: str
) -> None:
    event = _event(unique)
    size = 50
    async with Events(event).connect(node.url, ack_timeout=ACK_TIMEOUT, **RECONNECT) as conn:
        await conn.register()
        done_batches = 0
        failures: list[EmitError] = []
        progress = Progress()
        stop = asyncio.Event()

        async def produce() -> None:
            nonlocal done_batches
            while not stop.is_set():
                todo = [f"b{done_batches}-{i}" for i in range(size)]
                deadline = time.monotonic() + 60
                while todo:
                    try:
                        await conn.emit_many(event, [User(u, "x") for u in todo], uids=todo)
                        todo = []
                    except BatchEmitError as exc:
                        failures.append(exc)
                        todo = [todo[i] for i in sorted(exc.failures)]  # same uids again
                    except EmitError as exc:  # nothing of the batch was sent
                        failures.append(exc)
                    await progress.changed()
                    assert time.monotonic() < deadline, "batch never stored"
                done_batches += 1
                await progress.changed()

        producer = asyncio.create_task(produce())
        try:
            await progress.until(lambda: done_batches >= 3, 30, "3 batches before the kill")
            await asyncio.to_thread(node.kill)
            await progress.until(lambda: bool(failures), 30, "a failed batch")
            await asyncio.to_thread(node.start)
            mark = done_batches
            await progress.until(lambda: done_batches >= mark + 3, 60, "batches after restart")
        finally:
            stop.set()
            await asyncio.wait_for(producer, 120)
        uids = await _stored_uids(conn, event)
    causes = [e for f in failures if isinstance(f, BatchEmitError) for e in f.failures.values()]
    assert not any(isinstance(e, NoStreamError) for e in causes)  # the stream always existed
    expected = [f"b{b}-{i}" for b in range(done_batches) for i in range(size)]
    assert sorted(uids) == sorted(expected)  # 0 lost, 0 duplicated


async def _within(bound: float, call: Callable[[], Any]) -> tuple[BaseException, float]:
    """Run ``call`` (a coroutine function); return the exception it raised and how long."""
    start = time.monotonic()
    try:
        async with asyncio.timeout(bound + 30) as scope:
            await call()
    except BaseException as exc:
        assert not scope.expired(), f"hung past {bound + 30} s"
        return exc, time.monotonic() - start
    raise AssertionError("no error while the server was paused")


async def test_paused_server_fails_each_call_within_its_bound_then_works(
    node: Server, unique: str
) -> None:
    event = _event(unique)
    async with Events(event).connect(node.url, ack_timeout=ACK_TIMEOUT, **RECONNECT) as conn:
        await conn.register()
        await conn.emit(event, User("before", "x"), uid="before")
        node.pause()
        try:
            exc, took = await _within(ACK_TIMEOUT, lambda: conn.emit(event, User("1", "x")))
            assert isinstance(exc, AckTimeoutError), exc
            assert took < ACK_TIMEOUT + 3, took

            batch = [User(str(i), "x") for i in range(40)]
            exc, took = await _within(ACK_TIMEOUT, lambda: conn.emit_many(event, batch))
            assert isinstance(exc, BatchEmitError), exc
            assert exc.maybe_stored == frozenset(range(40)), exc
            assert "duplicate window (120 s)" in str(exc)
            assert took < ACK_TIMEOUT + 5, took  # one ack_timeout after the last send

            exc, took = await _within(10, conn.register)
            assert isinstance(exc, JetStreamError), repr(exc)
            assert isinstance(exc, TimeoutError), repr(exc)
            assert took < 15, took

            async def consume_one() -> None:
                async for _ in conn.consume(event, "paused", idle_timeout=None):
                    break

            exc, took = await _within(10, consume_one)
            assert isinstance(exc, ConsumerError), repr(exc)
            assert "paused" in str(exc)
            assert event.name in str(exc)
            assert took < 15, took
        finally:
            node.resume()
        assert (await conn.emit(event, User("after", "x"), uid="after")) is not None
        await conn.register()
        seen = 0
        async for delivery in conn.consume(event, "after-resume"):
            await delivery.ack()
            seen += 1
            if delivery.data.id == "after":
                break
        assert seen >= 2
