"""One actor at work: pull while job slots are free, run jobs, answer every message.

Every message pulled gets exactly one answer from here: ack (handled), nak with the retry
delay (failed, attempts left), nak without delay (interrupted by shutdown), or dead letter
then term (attempts used up, undecodable). Nothing is pulled without a free slot for it.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any

from .._errors import DecodeError, JetStreamError
from ..jetstream import _nats_msg as _io
from ..jetstream._nats import Link, Msg
from ..jetstream._pull import Puller
from ._actor import Actor
from ._config import dead_letter_headers, dead_letter_stream, dead_letter_subject
from ._middleware import Context, ErrorContext, OkContext

__all__ = ["Runner", "Slots"]

log = logging.getLogger("protonats.actors")
ATTEMPTS_USED_UP = "attempts-used-up"
UNDECODABLE = "undecodable"
_BURST_WAIT = 0.2  # a burst's last "anything now?" also sees retries due at once
_PULLERS = 2  # pull requests in flight per actor


class Slots:
    """A count of free job slots; each release wakes the runners that share them."""

    __slots__ = ("_wakers", "free")

    def __init__(self, size: int) -> None:
        self.free = size
        self._wakers: list[asyncio.Event] = []

    def notify(self, waker: asyncio.Event) -> None:
        self._wakers.append(waker)

    def take(self, count: int) -> None:
        self.free -= count

    def release(self, count: int = 1) -> None:
        self.free += count
        for waker in self._wakers:
            waker.set()


class Runner:
    """Pulls and handles the messages of one actor inside one ``listen``."""

    def __init__(
        self,
        actor: Actor[Any],
        link: Link,
        shared: Slots,
        executor: Executor,
        *,
        batch: int,
        poll_delay: float,
    ) -> None:
        self.actor = actor
        self.link = link
        self.shared = shared
        self.own = Slots(actor.max_jobs)
        self.executor = executor
        self.batch = batch
        self.poll_delay = poll_delay
        self.jobs: set[asyncio.Task[None]] = set()
        self.hooks: set[asyncio.Task[None]] = set()
        self.running: dict[int, _Running] = {}
        self.timed_out: set[int] = set()
        self.stopping = False
        self.wake = asyncio.Event()
        self.own.notify(self.wake)
        shared.notify(self.wake)
        self._loop = asyncio.get_running_loop()
        self._failure: BaseException | None = None
        self._empty = False

    def stop(self) -> None:
        """Stop pulling (the fetches in flight end within ``poll_delay``); jobs go on."""
        self.stopping = True
        self.wake.set()

    async def pull(self, burst: bool) -> None:
        """Pull and start jobs until stopped (or, in a burst, until nothing is left).

        Each request asks for at most the slots free when it is sent, and reserves them, so
        nothing waits here for a slot. Two requests may be in flight: slots that free up
        while one travels are asked for at once, not one round trip later.
        """
        actor = self.actor
        idle = [await Puller.open(self.link, actor.event, actor.name) for _ in range(_PULLERS)]
        pullers = list(idle)
        fetches: set[asyncio.Task[None]] = set()
        wait = _BURST_WAIT if burst else self.poll_delay
        try:
            while True:
                self.wake.clear()
                if self._failure is not None:
                    raise self._failure
                free = min(self.own.free, self.shared.free, self.batch)
                in_flight = len(pullers) - len(idle)  # a fetch gives its puller back when done
                if self.stopping:
                    if not in_flight:
                        return
                elif burst and self._empty and not in_flight and not self.jobs:
                    return
                elif free > 0 and idle:
                    self.own.take(free)
                    self.shared.take(free)
                    fetch = self._loop.create_task(self._fetch(idle, idle.pop(), free, wait))
                    fetches.add(fetch)
                    fetch.add_done_callback(fetches.discard)
                    continue
                await self.wake.wait()
        finally:
            for fetch in fetches:
                fetch.cancel()
            for puller in pullers:
                await puller.stop()

    async def _fetch(self, idle: list[Puller], puller: Puller, reserved: int, wait: float) -> None:
        msgs: list[Msg] = []
        try:
            msgs = await puller.fetch(reserved, wait)
        except Exception as exc:
            self._failure = exc
        finally:
            self.own.release(reserved - len(msgs))
            self.shared.release(reserved - len(msgs))
            idle.append(puller)
            self._empty = not msgs
            for msg in msgs:  # their slots are reserved: they start even when stopping
                self._start(msg)
            self.wake.set()

    def _start(self, msg: Msg) -> None:
        task = self._loop.create_task(self._job(msg))
        self.jobs.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.jobs.discard(task)
        self.own.release()
        self.shared.release()

    async def _job(self, msg: Msg) -> None:
        try:
            await self._handle(msg)
        except Exception:  # a bug of ours: still answer the message, never leave it hanging
            log.exception("actor %r: job crashed; the message is redelivered", self.actor.name)
            self.running.pop(id(msg), None)
            await _io.nak(msg, self.actor.delay_after(1))

    async def _handle(self, msg: Msg) -> None:
        actor = self.actor
        attempt = _io.delivered(msg)
        if actor.max_attempts is not None and attempt > actor.max_attempts:
            # The instance running the last attempt stopped without an answer.
            await self._give_up(msg, None, attempt - 1, ATTEMPTS_USED_UP, None)
            return
        try:
            data = actor.event.decode(msg.data)
        except DecodeError as exc:
            self._hooks("on_failure", ErrorContext(actor, None, attempt, msg, exc, 0.0, True))
            await self._give_up(msg, None, attempt, UNDECODABLE, exc)
            return
        if actor.middlewares:
            self._hooks("on_start", Context(actor, data, attempt, msg))
        key = id(msg)
        start = time.perf_counter()
        self.running[key] = _Running(msg, asyncio.current_task(), time.monotonic())
        try:
            if actor.is_async:
                await actor.handler(data)
            else:
                await self._call_sync(actor.handler, data)
        except asyncio.CancelledError as exc:
            self.running.pop(key, None)
            if key not in self.timed_out:
                await _io.nak(msg)  # interrupted by shutdown: redeliver now, to anyone
                log.warning(
                    "actor %r: job for message %s interrupted by shutdown; it is redelivered",
                    actor.name,
                    _seq(msg),
                )
                raise
            self.timed_out.discard(key)
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # the watchdog's cancel is handled here: the job goes on
            error = TimeoutError(f"the handler ran past job_timeout ({actor.job_timeout} s)")
            error.__cause__ = exc
            await self._failed(msg, data, attempt, error, time.perf_counter() - start)
        except Exception as exc:
            self.running.pop(key, None)
            self.timed_out.discard(key)  # a handler that swallowed the watchdog's cancel
            await self._failed(msg, data, attempt, exc, time.perf_counter() - start)
        else:
            self.running.pop(key, None)
            self.timed_out.discard(key)
            await _io.ack(msg)
            if actor.middlewares:
                duration = time.perf_counter() - start
                self._hooks("on_success", OkContext(actor, data, attempt, msg, duration))

    async def _call_sync(self, handler: Callable[[Any], Any], data: Any) -> None:
        context = contextvars.copy_context()  # the handler sees the job's context variables
        result = await self._loop.run_in_executor(self.executor, context.run, handler, data)
        if inspect.isawaitable(result):
            await result

    async def _failed(
        self, msg: Msg, data: Any, attempt: int, error: BaseException, duration: float
    ) -> None:
        actor = self.actor
        final = actor.max_attempts is not None and attempt >= actor.max_attempts
        if actor.middlewares:
            ctx = ErrorContext(actor, data, attempt, msg, error, duration, final)
            self._hooks("on_failure", ctx)
        if final:
            await self._give_up(msg, data, attempt, ATTEMPTS_USED_UP, error)
            return
        delay = actor.delay_after(attempt)
        log.warning(
            "actor %r: attempt %d on message %s failed (%s: %s); retrying in %s s",
            actor.name,
            attempt,
            _seq(msg),
            type(error).__name__,
            error,
            delay,
            exc_info=error,
        )
        await _io.nak(msg, delay)

    async def _give_up(
        self, msg: Msg, data: Any, attempts: int, reason: str, error: BaseException | None
    ) -> None:
        """Store the message in the dead letters, then terminate it; never drop it silently."""
        actor, event = self.actor, self.actor.event
        seq = _seq(msg)
        why = f"{type(error).__name__}: {error}" if error is not None else "no answer"
        if not actor.dead_letter:
            await _io.term(msg)
            log.error(
                "actor %r: gave up on message %s of event %r (%s after %d attempts, %s); "
                "terminated without a dead letter (dead_letter=False)",
                actor.name, seq, event.name, reason, attempts, why,
            )  # fmt: skip
            return
        headers = dead_letter_headers(
            msg.headers,
            event=event,
            actor=actor.name,
            attempts=attempts,
            reason=reason,
            error=error,
            seq=seq,
        )
        stream = dead_letter_stream(event)
        try:
            doing = f"store a message in {stream!r}, the dead-letter stream of"
            subject = dead_letter_subject(event)
            await self.link.store(event, subject, msg.data, headers, stream, doing)
        except JetStreamError as exc:
            retry = max(actor.delay_after(attempts), 1.0)
            log.error(
                "actor %r: could not store message %s in %r (%s); it stays on its stream "
                "and is dead-lettered again in %s s",
                actor.name, seq, stream, exc, retry,
            )  # fmt: skip
            await _io.nak(msg, retry)
            return
        await _io.term(msg)
        log.warning(
            "actor %r: message %s of event %r moved to %r (%s after %d attempts, %s)",
            actor.name, seq, event.name, stream, reason, attempts, why,
        )  # fmt: skip
        if actor.middlewares:
            ctx = ErrorContext(actor, data, attempts, msg, error, 0.0, True)
            self._hooks("on_dead_letter", ctx)

    def _hooks(self, name: str, ctx: Context[Any]) -> None:
        for middleware in self.actor.middlewares:
            try:
                result: Awaitable[None] | None = getattr(middleware, name)(ctx)
                if result is not None:
                    task = self._loop.create_task(_quiet(result, middleware, name))
                    self.hooks.add(task)
                    task.add_done_callback(self.hooks.discard)
            except Exception:
                log.exception(
                    "actor %r: middleware %r %s failed", self.actor.name, middleware, name
                )

    async def watch(self) -> None:
        """One timer per actor, not per job: cancel jobs past ``job_timeout``, and (``pulse``)
        tell the server that jobs running for ``ack_wait / 2`` are still in progress.

        It ticks every quarter of the shorter of the two, so a job is cancelled at most a
        quarter late, and the server hears from a running job at least every 3/4 ack_wait.
        """
        actor = self.actor
        tick = min(actor.job_timeout, actor.ack_wait) / 4
        every = actor.ack_wait / 2
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for key, job in list(self.running.items()):
                if now - job.started >= actor.job_timeout:
                    if key not in self.timed_out and job.task is not None:
                        self.timed_out.add(key)
                        job.task.cancel()
                elif actor.pulse and now - job.answered >= every - tick / 2:
                    job.answered = now
                    await _io.in_progress(job.msg)


class _Running:
    """A job being run: its message, task, and when the server last heard about it."""

    __slots__ = ("answered", "msg", "started", "task")

    def __init__(self, msg: Msg, task: asyncio.Task[Any] | None, started: float) -> None:
        self.msg = msg
        self.task = task
        self.started = started
        self.answered = started


async def _quiet(hook: Awaitable[None], middleware: object, name: str) -> None:
    try:
        await hook
    except Exception:
        log.exception("middleware %r %s failed", middleware, name)


def _seq(msg: Msg) -> int:
    return _io.stream_seq(msg)
