"""The job slots one ``listen()`` shares between its actors, handed out in turn.

An actor asks for slots only when it is about to fetch messages it can start at once, and
gives back what the fetch did not fill as soon as it returns: no actor holds a slot while it
waits for messages to arrive. Askers are served first come, first served, so a slot that
frees up goes to the actor that has waited longest, not to the one that asks most often:
an actor with pending messages waits for at most one freed slot per actor ahead of it.
"""

from __future__ import annotations

import asyncio
import collections

__all__ = ["Slots"]


class Slots:
    """A count of free job slots, with a first-come-first-served queue of askers."""

    __slots__ = ("_queue", "free")

    def __init__(self, size: int) -> None:
        self.free = size
        self._queue: collections.deque[tuple[asyncio.Future[int], int]] = collections.deque()

    def ask(self, want: int) -> asyncio.Future[int]:
        """A future of the slots granted (1 to ``want``; 0 if withdrawn), in turn."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append((future, want))
        self._grant()
        return future

    def withdraw(self, future: asyncio.Future[int]) -> None:
        """Give up asking (the future gets 0), or give back what was already granted."""
        if future.done():
            if not future.cancelled():
                self.release(future.result())
        else:
            future.set_result(0)  # the queue skips it

    def waiting(self, besides: asyncio.Future[int] | None = None) -> bool:
        """Whether an asker other than ``besides`` waits for a slot (one freed now would be
        theirs)."""
        return any(not future.done() and future is not besides for future, _ in self._queue)

    def take(self, count: int) -> None:
        """Take slots out of turn (messages already in hand), even beyond the size."""
        self.free -= count

    def release(self, count: int = 1) -> None:
        self.free += count
        self._grant()

    def _grant(self) -> None:
        queue = self._queue
        while self.free > 0 and queue:
            future, want = queue.popleft()
            if future.done():
                continue
            granted = min(self.free, want)
            self.free -= granted
            future.set_result(granted)
