"""What happens to a message an actor pulled: decode it, run the handler (in the thread pool
when it is a plain function), then exactly one answer — ack (handled), nak with the retry
delay (failed, attempts left), nak without delay (interrupted by shutdown), or dead letter then
term (attempts used up, undecodable) — and the middlewares' hooks on the way.

A base of ``Runner`` (``_runner``), which pulls the messages and owns the slots."""

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
from .._wire import SCHEMA
from ..jetstream import _nats_msg as _io
from ..jetstream._nats import Link, Msg
from ._actor import Actor
from ._config import dead_letter_headers, dead_letter_stream, dead_letter_subject
from ._middleware import Context, ErrorContext, OkContext
from ._watch import Running

__all__ = ["ATTEMPTS_USED_UP", "UNDECODABLE", "Answering"]

log = logging.getLogger("protonats.actors")
ATTEMPTS_USED_UP = "attempts-used-up"
UNDECODABLE = "undecodable"


class Answering:
    """Handles one pulled message at a time and answers it; ``Runner`` provides the state."""

    actor: Actor[Any]
    link: Link
    executor: Executor
    hooks: set[asyncio.Task[None]]
    running: dict[int, Running]
    retries: dict[int, float]
    timed_out: set[int]
    job_time: float | None
    _loop: asyncio.AbstractEventLoop

    async def _retry(self, msg: Msg, delay: float) -> None:
        """Nak ``msg`` to come back after ``delay`` s; a burst waits for it."""
        self.retries[_seq(msg)] = time.monotonic() + delay
        await _io.nak(msg, delay)

    async def _handle(self, msg: Msg) -> None:
        actor = self.actor
        attempt = _io.delivered(msg)
        if actor.max_attempts is not None and attempt > actor.max_attempts:
            # The instance running the last attempt stopped without an answer.
            await self._give_up(msg, None, attempt - 1, ATTEMPTS_USED_UP, None)
            return
        try:
            headers = msg.headers
            data = actor.event.decode(msg.data, schema=headers.get(SCHEMA) if headers else None)
        except DecodeError as exc:
            self._hooks("on_failure", ErrorContext(actor, None, attempt, msg, exc, 0.0, True))
            await self._give_up(msg, None, attempt, UNDECODABLE, exc)
            return
        if actor.middlewares:
            self._hooks("on_start", Context(actor, data, attempt, msg))
        key = id(msg)
        start = time.perf_counter()
        self.running[key] = Running(msg, asyncio.current_task(), time.monotonic())
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
            took = time.perf_counter() - start
            self.job_time = took if self.job_time is None else self.job_time * 0.9 + took * 0.1
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
        await self._retry(msg, delay)

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
            await self._retry(msg, retry)
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


async def _quiet(hook: Awaitable[None], middleware: object, name: str) -> None:
    try:
        await hook
    except Exception:
        log.exception("middleware %r %s failed", middleware, name)


def _seq(msg: Msg) -> int:
    return _io.stream_seq(msg)
