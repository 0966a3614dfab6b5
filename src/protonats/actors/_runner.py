"""One actor at work: fetch what free job slots can take, run jobs, answer every message.

Every message pulled gets exactly one answer from here: ack (handled), nak with the retry
delay (failed, attempts left), nak without delay (interrupted by shutdown), or dead letter
then term (attempts used up, undecodable).

Slots: an actor's own (``Actor.max_jobs``) and the ones its ``listen()`` shares (``Slots``,
handed out in turn). A fetch of what is there now asks for shared slots and gives back at
once what it did not fill; waiting for messages to arrive (a long poll for one message)
holds one of the actor's own slots and none of the shared ones, so an idle actor never
keeps a busy one waiting. A message that arrives by a long poll waits its turn for a shared
slot (the server hears it is in progress meanwhile).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from .._errors import JetStreamTimeoutError
from ..jetstream import _nats_msg as _io
from ..jetstream._nats import Link, Msg
from ..jetstream._pull import Puller
from ._actor import Actor
from ._answer import Answering, _seq
from ._config import (
    pull_priority,
)
from ._slots import Slots
from ._watch import Running

__all__ = ["RETRY_GRACE", "Runner"]

log = logging.getLogger("protonats.actors")
RETRY_GRACE = 0.5
"""Seconds a burst waits past the time a retry of its own falls due, for the server to
hand it back, before it counts the retry as taken elsewhere."""
LATE_WAIT = 1.0
"""Seconds a burst waits for a message the consumer has not handed out yet although the
stream stored it before the burst began (the consumer sees a new message a moment late)."""
AHEAD_BELOW = 0.1
"""Seconds: an actor whose jobs take less (on average, lately) fetches messages ahead while
every slot is busy, so a freed slot starts its next job without a pull round trip; a message
fetched ahead then waits about one such job for its slot."""


class Runner(Answering):
    """Pulls and handles the messages of one actor inside one ``listen``: its slots and fetches
    here, what happens to each message in ``Answering`` (``_answer``)."""

    def __init__(
        self,
        actor: Actor[Any],
        link: Link,
        shared: Slots,
        executor: Executor,
        *,
        batch: int,
        poll_delay: float,
        interrupted: Callable[[BaseException], None],
    ) -> None:
        self.actor = actor
        self.link = link
        self.shared = shared
        self.own = actor.max_jobs
        self.executor = executor
        self.batch = batch
        self.poll_delay = poll_delay
        self.interrupted = interrupted
        self.jobs: set[asyncio.Task[None]] = set()
        self.hooks: set[asyncio.Task[None]] = set()
        self.running: dict[int, Running] = {}
        self.held: dict[int, Running] = {}  # in hand, waiting for a shared slot
        # Fetched while every slot was busy, to start the moment one frees (no pull round
        # trip between a job's end and the next one's start); they hold no slot. At most
        # one fetch (``min(max_jobs, batch)``) ahead; also in ``held`` (the watchdog pulses).
        self.ahead: collections.deque[Msg] = collections.deque()
        self.job_time: float | None = None  # seconds a job takes, averaged over recent ones
        self.retries: dict[int, float] = {}  # stream seq -> when its retry falls due
        self.timed_out: set[int] = set()
        self.stopping = False
        self.changed = asyncio.Event()  # a job ended, or stop()
        self._asking: asyncio.Future[int] | None = None
        self._loop = asyncio.get_running_loop()

    def stop(self) -> None:
        """Stop pulling (a fetch in flight ends within ``poll_delay``); jobs go on."""
        self.stopping = True
        if self._asking is not None and not self._asking.done():
            self.shared.withdraw(self._asking)  # a grant already made is used: it is quick
        self.changed.set()

    async def pull(self, burst: bool) -> None:
        """Fetch and start jobs until stopped (or, in a burst, until nothing is left).

        In a burst, "nothing left" means: a fetch found nothing, no job runs, and no retry
        of a message this burst failed is due (each is waited for until ``RETRY_GRACE``
        past its due time).
        """
        priority = pull_priority(self.actor)  # a pinned or overflow actor's priority group
        puller = await Puller.open(self.link, self.actor.event, self.actor.name, priority)
        more = True  # the consumer may have messages for us right now
        end = await self._stream_end() if burst else 0  # what the stream held at the start
        try:
            while not self.stopping:
                try:
                    if self.ahead and self.own:
                        await self._start_ahead()
                    elif self.own == 0 or (self.shared.free <= 0 and self.jobs):
                        # Every slot this actor could use is busy: fetch ahead (short jobs)
                        # so the next job starts without a pull round trip.
                        if more and self._short_jobs() and self._room_ahead() > 0:
                            more = await self._fetch_ahead(puller)
                        else:
                            await self._until_changed()
                    elif self.ahead:
                        await self._until_changed()
                    elif more:
                        more = await self._fetch_now(puller)
                    elif not burst:
                        more = await self._poll(puller, self.poll_delay)
                    elif self.retries:
                        more = await self._poll(puller, self._retry_wait())
                        if not more:
                            now = time.monotonic()
                            self.retries = {
                                s: due for s, due in self.retries.items() if due + RETRY_GRACE > now
                            }
                    elif self.jobs:
                        await self._until_changed()  # a job that fails makes a retry
                    elif await self._left_behind(end):
                        more = await self._poll(puller, LATE_WAIT)
                    else:
                        return
                except JetStreamTimeoutError as exc:
                    if burst:
                        raise
                    # A node down, a leader election: a listening fleet rides it out.
                    log.warning("actor %r: %s; pulling again", self.actor.name, exc)
                    more = True
        finally:
            ahead = {id(msg) for msg in self.ahead}
            self.ahead.clear()
            for job in list(self.held.values()):  # redelivered at once, to anyone
                self.held.pop(id(job.msg), None)
                if id(job.msg) not in ahead:
                    self.own += 1  # it held an own slot (it came by a long poll)
                await _io.nak(job.msg)
            await puller.stop()

    async def _stream_end(self) -> int:
        """The last sequence the event's stream holds now: a burst hands out at least that."""
        info = await self.link.stream_info(self.actor.event)
        return info.state.last_seq if info is not None and info.state.last_seq else 0

    async def _left_behind(self, end: int) -> bool:
        """Whether the consumer still holds, undelivered, a message stored before the burst
        began: a fetch of what is there now can come back empty just after a message is
        stored, before the consumer sees it."""
        if not end:
            return False
        info = await self.link.consumer_info(self.actor.event, self.actor.name)
        if info is None or not info.num_pending or info.delivered is None:
            return False
        return (info.delivered.stream_seq or 0) < end

    def _retry_wait(self) -> float:
        return max(max(self.retries.values()) - time.monotonic(), 0.0) + RETRY_GRACE

    async def _until_changed(self) -> None:
        self.changed.clear()
        await self.changed.wait()

    async def _ask(self, want: int) -> int:
        self._asking = asking = self.shared.ask(want)
        try:
            return await asking
        except asyncio.CancelledError:
            self.shared.withdraw(asking)
            raise
        finally:
            self._asking = None

    async def _fetch_now(self, puller: Puller) -> bool:
        """Fetch what is there now into granted slots; whether there may be more."""
        granted = await self._ask(min(self.own, self.batch))
        if not granted:
            return True  # withdrawn: stopping
        self.own -= granted
        msgs: list[Msg] = []
        try:
            msgs = await puller.now(granted)
        finally:
            extra = len(msgs) - granted  # messages of an earlier request, if any
            self.own -= max(extra, 0)
            self.shared.take(max(extra, 0))
            if extra < 0:
                self.own -= extra
                self.shared.release(-extra)
            for msg in msgs:
                self._start(msg)
        return len(msgs) >= granted

    def _short_jobs(self) -> bool:
        return self.job_time is not None and self.job_time < AHEAD_BELOW

    def _room_ahead(self) -> int:
        """How many to fetch ahead: refill to one fetch once half of it has started."""
        want = min(self.actor.max_jobs, self.batch)
        return want - len(self.ahead) if len(self.ahead) <= want // 2 else 0

    async def _fetch_ahead(self, puller: Puller) -> bool:
        """Every slot busy: fetch what is there now to start as slots free; whether there
        may be more."""
        want = self._room_ahead()
        msgs = await puller.now(want)
        now = time.monotonic()
        for msg in msgs:
            self.held[id(msg)] = Running(msg, None, now)
            self.ahead.append(msg)
        return len(msgs) >= want

    async def _start_ahead(self) -> None:
        """Start messages fetched ahead in the own slots free now, with a shared slot each."""
        granted = await self._ask(min(self.own, len(self.ahead)))
        if granted > len(self.ahead):  # a stop took them back meanwhile: give back the rest
            self.shared.release(granted - len(self.ahead))
            granted = len(self.ahead)
        self.own -= granted
        for _ in range(granted):
            self._start(self.ahead.popleft())

    async def _poll(self, puller: Puller, wait: float) -> bool:
        """Wait up to ``wait`` s for a message, holding one own slot and no shared one;
        start what arrives once it gets its turn. Whether anything arrived."""
        self.own -= 1
        msgs: list[Msg] = []
        try:
            msgs = await puller.first(wait)
        finally:
            self.own += 1 - len(msgs)
            for msg in msgs:
                self.held[id(msg)] = Running(msg, None, time.monotonic())
        for msg in msgs:
            granted = 0 if self.stopping else await self._ask(1)
            if not granted:
                break  # stopping: pull() gives back what is still in hand
            self._start(msg)
        return bool(msgs)

    def _start(self, msg: Msg) -> None:
        """Run a job for ``msg``, in the own and shared slot taken for it."""
        self.held.pop(id(msg), None)
        if self.retries:
            self.retries.pop(_seq(msg), None)
        task = self._loop.create_task(self._job(msg))
        self.jobs.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.jobs.discard(task)
        self.own += 1
        self.shared.release()
        self.changed.set()

    def _next_ahead(self) -> Msg | None:
        """The message fetched ahead that a job ending now goes on with, in the slots it
        holds: none while stopping or while another actor waits for a shared slot (it gets
        the freed one first). Saves a task, a wake of the pull loop and a grant per job."""
        if self.stopping or not self.ahead or self.shared.waiting(besides=self._asking):
            return None
        msg = self.ahead.popleft()
        self.held.pop(id(msg), None)
        if self.retries:
            self.retries.pop(_seq(msg), None)
        if len(self.ahead) <= min(self.actor.max_jobs, self.batch) // 2:
            self.changed.set()  # room to fetch ahead again
        return msg

    async def _job(self, msg: Msg) -> None:
        current: Msg | None = msg
        while current is not None and await self._one(current):
            current = self._next_ahead()

    async def _one(self, msg: Msg) -> bool:
        """Handle ``msg``; whether the job may go on with another message."""
        try:
            await self._handle(msg)
            return True
        except Exception:  # a bug of ours: still answer the message, never leave it hanging
            log.exception("actor %r: job crashed; the message is redelivered", self.actor.name)
            self.running.pop(id(msg), None)
            await self._retry(msg, self.actor.delay_after(1))
            return True
        except (KeyboardInterrupt, SystemExit) as exc:
            # The handler asked the process to stop: every actor stops as on SIGTERM, and
            # listen() raises it once the running jobs are drained.
            self.running.pop(id(msg), None)
            self.timed_out.discard(id(msg))
            await _io.nak(msg)
            log.warning(
                "actor %r: the handler raised %s on message %s; stopping every actor (the "
                "message is redelivered at once)",
                self.actor.name,
                type(exc).__name__,
                _seq(msg),
            )
            self.interrupted(exc)
            return False
