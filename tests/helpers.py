"""Small helpers shared by the server tests: registered connections, and ending a consumption
by a message count or a condition, with a generous deadline instead of a short idle timeout."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from protonats import ConnectedEvents, Delivery, Event, Events

T = TypeVar("T")

DEADLINE = 30.0
"""Seconds a test waits for something that should happen at once: long enough for a loaded
machine, short enough that a hang fails the test instead of the whole run."""


@contextlib.asynccontextmanager
async def registered(url: str, *events: Event[Any]) -> AsyncIterator[ConnectedEvents]:
    """A connection to ``url`` whose events' streams are registered."""
    async with Events(*events).connect(url) as conn:
        await conn.register()
        yield conn


async def take(
    deliveries: AsyncGenerator[Delivery[T], None],
    count: int,
    *,
    handle: Callable[[Delivery[T]], Awaitable[None]] | None = None,
    within: float = DEADLINE,
) -> list[Delivery[T]]:
    """The first ``count`` deliveries, each passed to ``handle`` (ack it, nak it...) as it
    comes; fails the test if they do not all arrive ``within`` seconds. Closes the iterator."""
    got: list[Delivery[T]] = []
    async with contextlib.aclosing(deliveries):
        try:
            async with asyncio.timeout(within):
                async for delivery in deliveries:
                    got.append(delivery)
                    if handle is not None:
                        await handle(delivery)
                    if len(got) >= count:
                        break
        except TimeoutError:
            pytest.fail(f"{len(got)} of {count} deliveries arrived in {within} s")
    assert len(got) == count, f"the iterator ended after {len(got)} of {count} deliveries"
    return got


async def ack(delivery: Delivery[Any]) -> None:
    """A ``take`` handler that acks every delivery."""
    await delivery.ack()


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, *, within: float = DEADLINE
) -> None:
    """Poll ``check`` (each poll is a server round trip) until it holds; fail after ``within``
    seconds naming ``what`` did not happen."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {within} s")


async def parked(js: JetStreamContext, stream: str, consumer: str) -> bool:
    """Whether the consumer exists and has a pull request waiting on the server."""
    try:
        return bool((await js.consumer_info(stream, consumer)).num_waiting)
    except NotFoundError:
        return False
