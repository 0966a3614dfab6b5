"""A batch's replies in one shared record, by position: no future per message.

The ack inbox's callback stores each reply at its message's position and counts it; the
sender waits on the count (one future per wait, not per message). Deadlines stay per
message: the time a run of sends was handed to the client is noted once per run, and one
timer fails every message still unanswered ``within`` seconds after its run.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._nats import Msg

__all__ = ["CLOSED", "DENIED", "EXPIRED", "Outcome", "Replies"]


class Outcome:
    """What stands at a position that got no reply: why, and whether it may be stored."""

    __slots__ = ("maybe_stored", "name")

    def __init__(self, name: str, maybe_stored: bool) -> None:
        self.name = name
        self.maybe_stored = maybe_stored


EXPIRED = Outcome("no ack in time", maybe_stored=True)
DENIED = Outcome("publish permission denied", maybe_stored=False)
CLOSED = Outcome("the connection was closed before the ack", maybe_stored=True)
_NEVER = 1 << 62
_ids = itertools.count()


class Replies:
    """The replies of one batch attempt by position, written by the ack inbox's callback."""

    __slots__ = (
        "_cursor",
        "_loop",
        "_run",
        "_runs",
        "_timer",
        "_waiter",
        "_wake_at",
        "_within",
        "expired",
        "id",
        "replies",
        "sent",
        "settled",
        "subject",
    )

    def __init__(self, subject: str, size: int, within: float) -> None:
        self.id = f"b{next(_ids)}"
        self.subject = subject
        # A reply's body (bytes: not tracked by the garbage collector, so a large batch does
        # not slow its collections), the whole message for a bodiless status reply, or why none.
        self.replies: list[bytes | Msg | Outcome | None] = [None] * size
        self.sent = 0  # positions handed to the client so far
        self.settled = 0  # positions with a reply or an outcome
        self.expired = 0  # positions that got no reply in time (the server is not answering)
        self._within = within
        self._loop = asyncio.get_running_loop()
        self._runs: list[tuple[int, float]] = []  # (end position, handed over at)
        self._run = 0
        self._cursor = 0
        self._timer: asyncio.TimerHandle | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._wake_at = _NEVER

    def take(self, position: int, msg: Msg) -> None:
        """The inbox callback: the reply to the message at ``position``."""
        replies = self.replies
        if 0 <= position < self.sent and replies[position] is None:
            replies[position] = msg.data or msg
            self.settled += 1
            if self.settled >= self._wake_at:
                self._wake()

    def handed_over(self, sent: int) -> None:
        """Messages up to ``sent`` are with the client now: their deadlines start."""
        now = self._loop.time()
        self.sent = sent
        self._runs.append((sent, now))
        if self._timer is None:
            self._timer = self._loop.call_at(now + self._within, self._expire)

    async def until(self, count: int) -> None:
        """Wait until ``count`` positions are settled (answered, expired, refused)."""
        while self.settled < count:
            self._waiter = self._loop.create_future()
            self._wake_at = count
            try:
                await self._waiter
            finally:
                self._waiter = None
                self._wake_at = _NEVER

    def fail_unsettled(self, outcome: Outcome) -> None:
        """Every sent position still unanswered gets ``outcome`` (denied, closed)."""
        replies = self.replies
        for position in range(self.sent):
            if replies[position] is None:
                replies[position] = outcome
                self.settled += 1
        self._wake()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _wake(self) -> None:
        self._wake_at = _NEVER
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _expire(self) -> None:
        """Fail each sent message unanswered ``within`` s after its run; wake for the next."""
        self._timer = None
        now = self._loop.time()
        replies, runs = self.replies, self._runs
        cursor, run = self._cursor, self._run
        while cursor < self.sent:
            if replies[cursor] is not None:
                cursor += 1
                continue
            while runs[run][0] <= cursor:
                run += 1
            deadline = runs[run][1] + self._within
            if deadline > now:
                self._timer = self._loop.call_at(deadline, self._expire)
                break
            replies[cursor] = EXPIRED
            self.settled += 1
            self.expired += 1
            cursor += 1
        self._cursor, self._run = cursor, run
        if self.settled >= self._wake_at:
            self._wake()
