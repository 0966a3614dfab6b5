"""Reading events back: durable pull consumers yielding typed, lazily decoded deliveries."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import re
import time
import uuid
from collections.abc import AsyncGenerator, Coroutine, Sequence
from typing import Any, Generic, TypeVar

from .. import _wire
from .._errors import EventDeclarationError, ProtonatsError
from ..events._event import Event
from ._nats import Link, Msg, api, log
from ._nats_msg import delivered, nak_all, settle, stream_seq, timestamp
from ._pull_ahead import PullAhead

__all__ = ["ConsumerOptions", "Delivery", "Received", "iterate_deliveries"]

T = TypeVar("T")
_UNDECODED: Any = object()
TURN_EVERY = 200
"""Deliveries handed out between two turns of the event loop: each turn sends the acks so far,
so the server hands out the next messages while the application handles the rest."""
_CONSUMER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")


class Received:
    """What a delivered message says about itself, under the same names for a consumer's
    ``Delivery`` and an actor's ``Context``: its headers (CloudEvents ``ce-*`` values
    percent-decoded), stream sequence, delivery count, store time and trace id."""

    __slots__ = ()
    _msg: Msg  # nats-py's message: read through the boundary only

    @property
    def headers(self) -> dict[str, str]:
        """The message's headers; CloudEvents ``ce-*`` values percent-decoded."""
        return _wire.decode_cloudevents(self._msg.headers or {})

    @property
    def seq(self) -> int:
        """Sequence of the message in its stream."""
        return stream_seq(self._msg)

    @property
    def seq_number(self) -> int:
        """``seq``, under walnats' name."""
        return self.seq

    @property
    def num_delivered(self) -> int:
        """How many times this message has been delivered, this time included."""
        return delivered(self._msg)

    @property
    def timestamp(self) -> datetime.datetime:
        """When the stream stored the message (UTC)."""
        return timestamp(self._msg)

    @property
    def trace_id(self) -> str | None:
        """The emit's ``trace_id``, if it had one."""
        return (self._msg.headers or {}).get(_wire.TRACE_ID)


class Delivery(Received, Generic[T]):
    """One message of an event as a consumer received it.

    ``data`` is decoded on first access; a payload that does not decode raises ``DecodeError``
    there (carrying the raw bytes) and the message stays unacked, so nothing is lost.
    """

    __slots__ = ("_consumer", "_data", "_event", "_msg")

    def __init__(self, event: Event[T], msg: Msg, consumer: str | None = None) -> None:
        self._event = event
        self._consumer = consumer
        self._data: T = _UNDECODED
        self._msg = msg  # nats-py's message: read through the boundary only

    @property
    def data(self) -> T:
        """The decoded message, typed as the event's schema."""
        data = self._data
        if data is _UNDECODED:
            msg = self._msg
            headers = msg.headers
            schema = headers.get(_wire.SCHEMA) if headers else None
            data = self._data = self._event.decode(msg.data, schema=schema)
        return data

    @property
    def event(self) -> Event[T]:
        return self._event

    @property
    def consumer(self) -> str | None:
        """The consumer it was delivered to."""
        return self._consumer

    def ack(self) -> Coroutine[Any, Any, None]:
        """Done with it: the consumer will not get it again. ``ConsumerError`` if not sent.

        (A coroutine to await, as from an ``async def``: one call fewer per message.)"""
        return settle(self._msg, "ack", self._event, self._consumer)

    async def nak(self, delay: float | None = None) -> None:
        """Not done: redeliver it, after ``delay`` seconds if given."""
        await settle(self._msg, "nak", self._event, self._consumer, delay)

    async def term(self) -> None:
        """Never redeliver it (e.g. it can never be handled); it stays in the stream."""
        await settle(self._msg, "term", self._event, self._consumer)

    async def in_progress(self) -> None:
        """Still working on it: reset the ack timer."""
        await settle(self._msg, "in_progress", self._event, self._consumer)

    def __repr__(self) -> str:
        return f"Delivery(event={self._event.name!r}, subject={self._msg.subject!r})"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerOptions:
    """How a durable consumer redelivers; validated before anything reaches the server."""

    ack_wait: float = 30.0
    """Seconds the server waits for an ack before it redelivers."""
    max_deliver: int | None = None
    """Deliveries of one message before the server gives up on it (None: no limit)."""
    backoff: Sequence[float] | None = None
    """Seconds between redeliveries; overrides ack_wait. Needs max_deliver > len(backoff)."""
    max_ack_pending: int | None = None
    """Messages delivered but not acked at once (None: server default, 1000)."""

    def __post_init__(self) -> None:
        if self.ack_wait <= 0:
            raise EventDeclarationError(f"ack_wait must be positive seconds, got {self.ack_wait}")
        if self.max_deliver is not None and self.max_deliver < 1:
            raise EventDeclarationError(f"max_deliver must be at least 1, got {self.max_deliver}")
        if self.backoff is not None:
            if not self.backoff or any(b <= 0 for b in self.backoff):
                raise EventDeclarationError(
                    f"backoff must be positive seconds, got {list(self.backoff)}"
                )
            if self.max_deliver is None or self.max_deliver <= len(self.backoff):
                raise EventDeclarationError(
                    f"backoff has {len(self.backoff)} steps, so max_deliver must be greater "
                    f"than {len(self.backoff)} (got {self.max_deliver})"
                )
        if self.max_ack_pending is not None and self.max_ack_pending < 1:
            raise EventDeclarationError(
                f"max_ack_pending must be at least 1, got {self.max_ack_pending}"
            )

    def config(self, event: Event[Any], name: str) -> api.ConsumerConfig:
        if not _CONSUMER_NAME.fullmatch(name):
            raise EventDeclarationError(
                f"consumer name {name!r} for event {event.name!r} must be 1-255 letters, "
                "digits, '-' or '_'"
            )
        return api.ConsumerConfig(
            durable_name=name,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            filter_subject=event.subject_name,
            ack_wait=self.ack_wait,
            max_deliver=self.max_deliver,
            backoff=list(self.backoff) if self.backoff is not None else None,
            max_ack_pending=self.max_ack_pending,
        )


def _stop_if_cancelled() -> None:
    """Raise the cancellation that a call inside nats-py swallowed.

    On Python 3.11, ``asyncio.wait_for`` (nats-py's requests use it) returns its result when a
    cancel arrives in the same loop turn as the reply, leaving the task running with the
    cancel still counted: Ctrl-C during ``add_consumer`` would be lost and tail run on.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


async def iterate_deliveries(
    link: Link,
    event: Event[T],
    config: api.ConsumerConfig,
    *,
    batch: int,
    idle_timeout: float | None,
    ephemeral: bool = False,
) -> AsyncGenerator[Delivery[T], None]:
    """Create (or reuse) the consumer and yield its deliveries; stop after ``idle_timeout``.

    An ``ephemeral`` consumer gets a name chosen here, before it is created, and is deleted
    when the iteration ends however it ends (even cancelled while being created).
    """
    if ephemeral and not config.name:
        config.name = f"protonats-tail-{uuid.uuid4().hex[:16]}"
    name = str(config.durable_name or config.name)
    puller = PullAhead(link, event, name, batch)
    wait = min(idle_timeout, 5.0) if idle_timeout is not None else 5.0
    msgs: list[Msg] = []
    handed = 0  # of msgs
    try:
        await link.add_consumer(event, config)
        await puller.start()
        idle_since = time.monotonic()
        while True:
            _stop_if_cancelled()
            msgs, handed = await puller.take(wait), 0
            if not msgs:
                if idle_timeout is not None and time.monotonic() - idle_since >= idle_timeout:
                    return
                continue
            for start in range(0, len(msgs), TURN_EVERY):
                if start:
                    await asyncio.sleep(0)
                for msg in msgs[start : start + TURN_EVERY]:
                    handed += 1
                    yield Delivery(event, msg, name)
            idle_since = time.monotonic()
    finally:
        await puller.stop()  # what the server sent has arrived: in unread()
        unread = msgs[handed:] + puller.unread()
        if unread and not ephemeral:  # pulled, never handed out: to the next reader, now
            await nak_all(unread)
        if ephemeral:
            try:
                await link.delete_consumer(event, name)
            except ProtonatsError as exc:  # the server went away: it expires by itself
                log.warning("%s (it expires after its inactive threshold)", exc)
