"""Leaving ``Events.connect()`` after the server died: the error in flight is what comes out
(never a raw ``ConnectionResetError``/``BrokenPipeError`` from closing), and a large batch
fails about ``ack_timeout`` after its last send, its accounting exact."""

from __future__ import annotations

import asyncio
import logging

import pytest

from protonats import BatchEmitError, Event, Events, Storage
from tests.models import User
from tests.servers import Server, server

ACK_TIMEOUT = 3.0
DEADLINE = 30.0  # before the fix 100,000 messages failed 36-42 s after the kill (ack_timeout 3)


async def test_a_batch_to_a_dead_server_fails_soon_and_closing_keeps_its_error(
    unique: str,
) -> None:
    event = Event(f"dies-{unique}", User, storage=Storage.FILE)
    messages = [User(str(i), "x") for i in range(100_000)]
    with server() as node:
        raised = await _leave_after_kill(node, event, messages)
    assert isinstance(raised, BatchEmitError), repr(raised)  # not replaced by closing's error
    error = raised
    assert len(error.failures) == len(messages)  # every message accounted for, none acked
    assert not any(error.acks)
    assert 0 < len(error.maybe_stored) < len(messages)  # those sent; the rest certainly not
    unsent = next(i for i in range(len(messages)) if i not in error.maybe_stored)
    assert "not sent" in str(error.failures[unsent])


async def _leave_after_kill(
    node: Server, event: Event[User], messages: list[User]
) -> BaseException:
    """The exception that leaves ``Events.connect()`` when ``emit_many`` runs after a kill."""
    try:
        async with Events(event).connect(node.url, ack_timeout=ACK_TIMEOUT) as conn:
            await conn.register()
            await conn.emit(event, User("before", "x"))
            await asyncio.to_thread(node.kill)
            async with asyncio.timeout(DEADLINE):
                await conn.emit_many(event, messages)
    except BaseException as exc:  # what comes out is what is checked
        return exc
    raise AssertionError("emit_many to a dead server did not fail")


async def test_closing_after_the_server_died_raises_nothing_raw(
    unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event(f"gone-{unique}", User, storage=Storage.FILE)
    with server() as node, caplog.at_level(logging.WARNING, logger="protonats"):
        async with Events(event).connect(node.url, ack_timeout=ACK_TIMEOUT) as conn:
            await conn.register()
            await asyncio.to_thread(node.kill)
            for i in range(1000):  # not waiting for acks: they wait in the client's buffer
                await conn.emit(event, User(str(i), "x"), sync=False)
    # Leaving the block raised nothing: what could not be sent is only a warning.
