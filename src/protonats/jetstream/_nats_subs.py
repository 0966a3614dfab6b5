"""Part of the boundary: subscriptions of a ``Link`` (its base): reply inboxes, a subscribe
whose callback the client calls once per message, and the two ways to stop one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

__all__ = ["Subscriptions"]

log = logging.getLogger("protonats")


class Subscriptions:
    """The subscription calls of a ``Link`` (which sets ``_nc``)."""

    __slots__ = ()
    _nc: Client

    def new_inbox(self) -> str:
        return self._nc.new_inbox()

    async def subscribe(
        self, subject: str, on_msg: Callable[[Msg], Awaitable[None]]
    ) -> Subscription:
        """Subscribe ``on_msg`` (a coroutine function that never waits: the client calls it
        once per message, in order) to ``subject``."""
        return await self._nc.subscribe(subject, cb=on_msg, pending_bytes_limit=0)

    async def unsubscribe(self, sub: Subscription) -> None:
        """Stop a subscription; a closed connection has nothing left to stop."""
        try:
            await sub.unsubscribe()
        except nats.errors.Error as exc:
            log.debug("nats: unsubscribe: %s", exc)

    async def drain(self, sub: Subscription, within: float) -> None:
        """Stop a subscription once what the server sent it so far has reached its callback
        (one round trip, at most ``within`` s); on a closed connection, or past that, just
        stop it."""
        if not self._nc.is_connected:
            await self.unsubscribe(sub)
            return
        try:
            async with asyncio.timeout(within):
                await sub.drain()  # type: ignore[no-untyped-call]
        except (TimeoutError, nats.errors.Error) as exc:
            log.debug("nats: drain: %s", exc or type(exc).__name__)
            await self.unsubscribe(sub)
