"""Pull requests kept ahead of the reader, so the next messages travel while these are handled.

``consume`` reads through this: when it hands out messages and the consumer holds more than
the open requests will still bring (the count in the last message's ack subject), with half
a batch or less still coming, it asks for more before the application handles them; the
server sends the next messages (as acks make room under ``max_ack_pending``) meanwhile,
instead of one round trip and a wait per batch.

Every request is ``no_wait`` with an expiry: it ends as soon as the server has nothing more to
hand out right now (404), or at its expiry (408). A request made with nothing in hand waits up
to ``wait`` s for the first message (the long poll); a request made ahead expires after
``AHEAD_EXPIRES`` s. Pull request messages arrive on the stream's subjects, so they are
counted against the requests in the order they were made (the server serves its waiting
requests in order); a request's status names it by its reply subject. A reader that stops
drains its inbox, so what the server already sent is in ``unread`` to give back.
"""

from __future__ import annotations

import asyncio
import collections
import json
from typing import TYPE_CHECKING, Any

from ._nats_msg import pending
from ._pull import GRACE, HEARTBEAT, Puller

if TYPE_CHECKING:
    from ..events._event import Event
    from ._nats import Link, Msg

__all__ = ["AHEAD_EXPIRES", "DRAIN_WITHIN", "PullAhead"]

AHEAD_EXPIRES = 0.5
"""Seconds a request made ahead waits for room or for messages before it ends."""
DRAIN_WITHIN = 1.0
"""Seconds a stopping reader waits for what the server already sent it (to give it back)."""


class PullAhead(Puller):
    """Keeps pull requests of up to ``batch`` messages in flight ahead of the reader."""

    __slots__ = ("_arrived", "_ended", "_got", "_half", "_open", "_size", "_wake")

    def __init__(self, link: Link, event: Event[Any], consumer: str, batch: int) -> None:
        super().__init__(link, event, consumer)
        self._size = batch
        self._half = batch // 2
        self._got: list[Msg] = []  # arrived, not yet taken
        # The open requests, oldest first: [token, messages it may still bring].
        self._open: collections.deque[list[Any]] = collections.deque()
        self._arrived = 0  # messages not yet counted against a request
        self._ended: list[str] = []  # statuses of requests the server ended, not yet read
        self._wake: asyncio.Future[None] | None = None

    async def take(self, wait: float) -> list[Msg]:
        """What has arrived since the last take; when nothing has, the first messages within
        ``wait`` s (none: nothing came). Before handing them out, asks for the next ones if
        the consumer holds more than the open requests will bring."""
        if not self._got:
            owed = self._owed()
            if owed <= self._half:
                await self._ask(self._size - owed, wait)  # the long poll
            await self._arrival(wait + GRACE)
        if self._ended:
            await self._read_ended()
        got, self._got = self._got, []
        if got:
            owed = self._owed()
            if owed <= self._half and pending(got[-1]) > owed:
                await self._ask(self._size - owed, AHEAD_EXPIRES)
        return got

    async def stop(self) -> None:
        """Stop, once what the server already sent has arrived (``unread`` has it all)."""
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await self._link.drain(sub, DRAIN_WITHIN)

    def unread(self) -> list[Msg]:
        """What arrived and was never taken (the reader stopped); taken now."""
        got, self._got = self._got, []
        return got

    def _owed(self) -> int:
        """Messages the open requests may still bring."""
        self._count_arrivals()
        return sum(request[1] for request in self._open)

    async def _ask(self, count: int, expires: float) -> None:
        if self._ceiling and count > self._ceiling:
            count = self._ceiling  # the server's limit per request, learnt from a refusal
        token = str(next(self._counter))
        body = {"batch": count, "no_wait": True, "expires": max(int(expires * 1e9), 1_000_000)}
        self._open.append([token, count])
        await self._link.publish(
            self._request, json.dumps(body).encode(), self._prefix + token, None, self._event.name
        )

    async def _arrival(self, wait: float) -> None:
        """Wait for a message or the end of a request; the server silent past ``wait`` s
        while asked is an error."""
        self._wake = wake = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(wait):  # unlike wait_for (3.11), never loses a cancel
                await wake
        except TimeoutError:
            raise self._silent(wait) from None
        finally:
            self._wake = None

    async def _read_ended(self) -> None:
        ended, self._ended = self._ended, []
        for status in ended:
            await self._check(status, bool(self._got))

    def _end(self, token: str) -> None:
        """The request ``token`` brings nothing more."""
        for request in self._open:
            if request[0] == token:
                self._open.remove(request)
                return

    def _count_arrivals(self) -> None:
        """Count the messages that arrived since last time against the open requests,
        oldest first (the server fills its waiting requests in order)."""
        arrived, self._arrived = self._arrived, 0
        open_ = self._open
        while arrived and open_:
            head = open_[0]
            used = min(arrived, head[1])
            head[1] -= used
            arrived -= used
            if not head[1]:
                open_.popleft()

    async def _on_msg(self, msg: Msg) -> None:
        headers = msg.headers
        if headers is not None and not msg.data and "Status" in headers:
            status = headers["Status"]
            if status == HEARTBEAT:
                return
            self._count_arrivals()
            self._end(msg.subject[len(self._prefix) :])
            if status not in ("404", "408"):  # not just "nothing more now"
                self._ended.append(f"{status} {headers.get('Description', '')}")
        else:
            self._got.append(msg)
            self._arrived += 1
        wake = self._wake
        if wake is not None:
            self._wake = None
            if not wake.done():
                wake.set_result(None)
