"""Pull requests to a JetStream consumer, collected as they arrive.

nats-py's ``fetch`` waits for every message with its own ``wait_for``; here one pull request's
messages are appended to a list by the inbox callback and the waiter wakes once, when the batch
is complete or the server says there is no more. A request the server never answers (paused,
gone) fails with ``ConsumerError`` naming the event and the consumer.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._errors import ConsumerDeletedError, ConsumerError
from .._errors._jetstream import ConsumerTimeoutError
from ._publish import RETRY_WAIT

if TYPE_CHECKING:
    from ..events._event import Event
    from ._nats import Link, Msg, Subscription

__all__ = ["GRACE", "HEARTBEAT", "Puller"]

GRACE = 5.0
"""Seconds past a pull request's expiry before an unanswered request is an error."""
log = logging.getLogger("protonats")
_CONFLICT = "409"
_PIN_LOST = "423"  # ADR-42: another client is pinned now
_PIN_ID = "Nats-Pin-Id"
_NO_RESPONDERS = "503"
HEARTBEAT = "100"
_MAX_BATCH = re.compile(r"Exceeded MaxRequestBatch of (\d+)")


class Puller:
    """Fetches batches from one durable or ephemeral pull consumer."""

    __slots__ = (
        "_batch",
        "_ceiling",
        "_consumer",
        "_counter",
        "_done",
        "_event",
        "_limit",
        "_link",
        "_pin",
        "_prefix",
        "_priority",
        "_request",
        "_sub",
        "_token",
    )

    def __init__(
        self,
        link: Link,
        event: Event[Any],
        consumer: str,
        priority: Mapping[str, object] | None = None,
    ) -> None:
        self._link = link
        self._priority = dict(priority or {})  # ADR-42: the group, min_pending
        self._pin: str | None = None  # the id the server pinned this client with
        self._event = event
        self._consumer = consumer
        self._request = f"{link.api_prefix}.CONSUMER.MSG.NEXT.{event.stream_name}.{consumer}"
        self._prefix = ""
        self._counter = itertools.count()
        self._token = ""
        self._batch: list[Msg] = []
        self._limit = 0
        self._ceiling = 0  # the most messages a request may ask for (0: no limit known)
        self._done: asyncio.Future[str] | None = None
        self._sub: Subscription | None = None

    @classmethod
    async def open(
        cls,
        link: Link,
        event: Event[Any],
        consumer: str,
        priority: Mapping[str, object] | None = None,
    ) -> Puller:
        """A started puller; ``priority``: what each request carries for the consumer's
        priority group (``group``, ``min_pending``)."""
        puller = cls(link, event, consumer, priority)
        await puller.start()
        return puller

    async def start(self) -> None:
        self._prefix = self._link.new_inbox() + "."
        self._sub = await self._link.subscribe(self._prefix + "*", self._on_msg)

    async def stop(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await self._link.unsubscribe(sub)

    async def fetch(self, batch: int, wait: float) -> list[Msg]:
        """Up to ``batch`` messages: what is there now, else the first to arrive in ``wait`` s."""
        msgs = await self.now(batch)
        if msgs:
            return msgs
        return await self.first(wait)

    async def now(self, batch: int) -> list[Msg]:
        """Up to ``batch`` messages that are there now (none: the consumer has none to give)."""
        return await self._pull({"batch": batch, "no_wait": True}, wait=GRACE)

    async def first(self, wait: float) -> list[Msg]:
        """The first message to arrive within ``wait`` s (or none), by one long poll.

        Usually one message; more when messages of an earlier request that ended early
        (the server went quiet) arrived since.
        """
        expires = max(int(wait * 1e9), 1_000_000)
        return await self._pull({"batch": 1, "expires": expires}, wait=wait + GRACE)

    async def _pull(self, request: dict[str, object], wait: float) -> list[Msg]:
        if self._batch:  # messages that arrived after their request had ended
            strays, self._batch = self._batch, []
            return strays
        self._token = str(next(self._counter))
        batch = self._batch
        self._done = done = asyncio.get_running_loop().create_future()
        if self._ceiling and int(str(request["batch"])) > self._ceiling:
            request = {**request, "batch": self._ceiling}
        self._limit = int(str(request["batch"]))
        if self._priority:
            request = {**request, **self._priority}
            if self._pin is not None:
                request["id"] = self._pin
        body = json.dumps(request).encode()
        try:
            await self._link.publish(
                self._request, body, self._prefix + self._token, None, self._event.name
            )
            async with asyncio.timeout(wait):  # unlike wait_for (3.11), never loses a cancel
                status = await done
        except TimeoutError:
            if batch:
                return batch  # the server went quiet: what arrived is still ours to handle
            raise self._silent(wait) from None
        finally:
            self._done = None
            self._batch = []  # what arrives from now on waits for the next fetch
        if status.startswith(_PIN_LOST):
            self._pin = None  # another client is pinned: stand by with the next request
            return batch
        await self._check(status, bool(batch))
        return batch

    def _silent(self, wait: float) -> ConsumerError:
        return self._error(
            ConsumerTimeoutError,
            f"no answer to a pull request within {wait:g} s: the server is paused, "
            "overloaded or unreachable. Iterate again once it is back (nothing is lost: "
            "unacked messages are redelivered)",
        )

    async def _check(self, status: str, got_any: bool) -> None:
        """Raise for a status that ended a request because the consumer is gone; wait a
        moment when nobody serves it yet (an election)."""
        if status.startswith(_CONFLICT) and "Deleted" in status:
            raise self._error(
                ConsumerDeletedError,
                f"the consumer (or its stream) was deleted while in use: {status.strip()}",
            )
        if status.startswith(_CONFLICT) and "Exceeded MaxRequest" in status:
            limit = _MAX_BATCH.search(status)
            if limit is not None and (not self._ceiling or int(limit[1]) < self._ceiling):
                self._ceiling = int(limit[1])  # ask for no more from now on
                log.warning(
                    "event %r, consumer %r: the server takes at most %d messages per pull "
                    "request (its max_request_batch, or the consumer's max_batch); pulling "
                    "%d at a time",
                    self._event.name, self._consumer, self._ceiling, self._ceiling,
                )  # fmt: skip
                return
            raise self._error(
                ConsumerError,
                f"the consumer refuses the pull request: {status.strip()}; ask for less per "
                "request or raise the limit (the consumer's, or the server's "
                "max_request_* in its jetstream limits)",
            )
        if status.startswith(_NO_RESPONDERS) and not got_any:
            # Nobody serves the consumer: it is gone, or has no leader yet (an election).
            if not await self._link.consumer_exists(self._event, self._consumer):
                raise self._error(
                    ConsumerDeletedError,
                    "the consumer (or its stream) no longer exists; it was deleted while in use",
                )
            await asyncio.sleep(RETRY_WAIT)  # it exists: give its leader a moment

    def _error(self, cls: type[ConsumerError], why: str) -> ConsumerError:
        event = self._event
        return cls(
            f"event {event.name!r}, consumer {self._consumer!r} on stream "
            f"{event.stream_name!r}: {why}",
            event=event.name,
            stream=event.stream_name,
            consumer=self._consumer,
        )

    async def _on_msg(self, msg: Msg) -> None:
        headers = msg.headers
        if headers is not None and not msg.data and "Status" in headers:
            status = headers["Status"]
            if status == HEARTBEAT or not msg.subject.endswith("." + self._token):
                return  # a heartbeat, or the end of an earlier request
            self._finish(f"{status} {headers.get('Description', '')}")
            return
        if self._priority and headers is not None and _PIN_ID in headers:
            self._pin = headers[_PIN_ID]
        self._batch.append(msg)  # a real message, even one of an earlier request
        if len(self._batch) >= self._limit:
            self._finish("200")

    def _finish(self, status: str) -> None:
        done = self._done
        if done is not None and not done.done():
            done.set_result(status)
