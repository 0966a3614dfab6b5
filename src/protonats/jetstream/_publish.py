"""Acknowledged publishing: one reply inbox, one future per message, deadlines from the send.

nats-py's ``js.publish`` pays for a generic request (new inbox token, ``wait_for``, JSON into a
dataclass) on every message; here the reply subject is a counter on one wildcard inbox, every
message's ack deadline starts when it is sent (one timer for all of them), and the ack is
decoded by msgspec straight into a struct. A 503 (nobody answered) is retried briefly, then
explained: no stream, a stream without a leader, or no JetStream at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections import deque
from typing import TYPE_CHECKING

import msgspec

from .._errors import (
    REGISTER_FIRST,
    AckTimeoutError,
    EmitError,
    JetStreamError,
    JetStreamNotEnabledError,
    MessageRejectedError,
    NoStreamError,
    PublishPermissionError,
    StreamUnavailableError,
)
from .._errors._server import ConnectionClosedError
from ._nats import jetstream_error

if TYPE_CHECKING:
    from typing import Any

    from ..events._event import Event
    from ._nats import Link, Msg, Subscription

__all__ = ["RETRIES", "RETRY_WAIT", "Ack", "AckInbox", "explain_no_responders", "send"]

RETRIES = 2
"""Times a 503 (no responders) reply is retried before it is explained (as nats.go does)."""
RETRY_WAIT = 0.25
"""Seconds between those retries."""


@dataclasses.dataclass(frozen=True, slots=True)
class Ack:
    """The server's acknowledgement: the message is stored as ``seq`` in ``stream``.

    ``duplicate`` is true when a message with the same ``uid`` was already stored within the
    stream's duplicate window; it was not stored again.
    """

    stream: str
    seq: int
    duplicate: bool = False


class _ApiError(msgspec.Struct):
    code: int = 0
    err_code: int = 0
    description: str = ""


class _Reply(msgspec.Struct):
    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    error: _ApiError | None = None


_decode_reply = msgspec.json.Decoder(_Reply).decode


class AckInbox:
    """A wildcard reply subscription that resolves one future per published message.

    Each future fails with ``TimeoutError`` ``within`` seconds after ``expect`` (called right
    before the send), so a thousand unanswered messages all fail one timeout after their send,
    not one after another; and with ``PublishPermissionError`` when the server says the
    publish to its subject was not allowed.
    """

    __slots__ = (
        "_counter",
        "_deadlines",
        "_link",
        "_loop",
        "_pending",
        "_prefix",
        "_sub",
        "_timer",
        "_unwatch",
    )

    def __init__(self, link: Link) -> None:
        self._link = link
        self._pending: dict[str, tuple[asyncio.Future[Msg], str]] = {}
        self._deadlines: deque[tuple[float, str]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._counter = itertools.count()
        self._prefix = ""
        self._sub: Subscription | None = None
        self._loop = asyncio.get_running_loop()
        self._unwatch = link.errors.watch(self._on_denied)

    async def start(self) -> None:
        self._prefix = self._link.new_inbox() + "."
        self._sub = await self._link.subscribe(self._prefix + "*", self._on_reply)

    async def stop(self) -> None:
        self._unwatch()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await self._link.unsubscribe(sub)
        pending, self._pending = self._pending, {}
        for future, _ in pending.values():
            if not future.done():
                future.set_exception(
                    ConnectionClosedError("the connection was closed before the ack")
                )
        self._deadlines.clear()

    def expect(self, subject: str, within: float) -> tuple[str, asyncio.Future[Msg]]:
        """A fresh reply subject for a message to ``subject`` about to be sent, and its future."""
        token = str(next(self._counter))
        future: asyncio.Future[Msg] = self._loop.create_future()
        self._pending[token] = (future, subject)
        deadline = self._loop.time() + within
        self._deadlines.append((deadline, token))
        if self._timer is None:
            self._timer = self._loop.call_at(deadline, self._expire)
        return self._prefix + token, future

    def forget(self, reply: str) -> None:
        """Drop the future of ``reply`` (its publish failed or its waiter gave up)."""
        self._pending.pop(reply[len(self._prefix) :], None)

    def _on_reply(self, msg: Msg) -> None:
        entry = self._pending.pop(msg.subject[len(self._prefix) :], None)
        if entry is not None and not entry[0].done():
            entry[0].set_result(msg)

    def _expire(self) -> None:
        """Fail every future past its deadline; drop answered ones; wake again for the next."""
        self._timer = None
        now = self._loop.time()
        deadlines, pending = self._deadlines, self._pending
        while deadlines:
            deadline, token = deadlines[0]
            if token in pending:
                if deadline > now:
                    self._timer = self._loop.call_at(deadline, self._expire)
                    return
                future = pending.pop(token)[0]
                if not future.done():
                    future.set_exception(TimeoutError())
            deadlines.popleft()

    def _on_denied(self, subject: str) -> None:
        subject = subject.lower()  # nats-py may lower-case the server's error line
        for token, (future, target) in list(self._pending.items()):
            if target.lower() == subject:
                del self._pending[token]
                if not future.done():
                    future.set_exception(
                        PublishPermissionError(
                            f"publish to subject {target!r} refused: no permission "
                            "(Permissions Violation); nothing was stored. Grant this user "
                            "publish permission on the subject",
                            subject=target,
                        )
                    )

    async def wait(
        self, reply: str, future: asyncio.Future[Msg], within: float, event: str
    ) -> Ack | None:
        """The ack of one message; None for a 503 (nobody answered: retry or explain)."""
        try:
            msg = await future
        except TimeoutError:
            raise AckTimeoutError(
                f"event {event!r}: no acknowledgement within {within} s of the send; the "
                "message may or may not be stored. Retry the emit with the same uid (within "
                "the stream's duplicate window) to store it exactly once"
            ) from None
        finally:
            self.forget(reply)
        return parse_ack(msg, event)


def parse_ack(msg: Msg, event: str) -> Ack | None:
    """A JetStream publish reply as an ``Ack``; None for 503; raise the error it reports."""
    data = msg.data
    if not data:
        status = (msg.headers or {}).get("Status", "")
        if status == "503":
            return None
        raise EmitError(f"event {event!r}: server replied with status {status or 'empty'}")
    try:
        reply = _decode_reply(data)
    except msgspec.DecodeError as exc:
        raise EmitError(f"event {event!r}: unreadable ack {data[:200]!r}") from exc
    if reply.error is not None:
        err = reply.error
        raise MessageRejectedError(
            f"event {event!r}: the server did not store the message: {err.description} "
            f"(code {err.code}, err_code {err.err_code})",
            event=event,
            stream=event,
            code=err.code,
            err_code=err.err_code,
            description=err.description,
        )
    return Ack(reply.stream, reply.seq, reply.duplicate)


async def send(
    link: Link,
    subject: str,
    payload: bytes,
    reply: str,
    headers: dict[str, str],
    event: str,
    within: float,
) -> bool:
    """Publish one message; False when the socket stayed blocked for ``within`` seconds.

    The client buffers publishes; only with a full buffer (a paused or slow server) does a
    publish wait, and then it waits for the socket without limit: bound it here.
    """
    if not link.send_may_block(len(payload)):
        await link.publish(subject, payload, reply, headers, event)
        return True
    async with asyncio.timeout(within) as scope:
        await link.publish(subject, payload, reply, headers, event)
    return not scope.expired()


def stalled(event: str, within: float) -> AckTimeoutError:
    return AckTimeoutError(
        f"event {event!r}: the connection did not take the message within {within} s (server "
        "paused or unreachable); it may or may not be stored. Retry with the same uid"
    )


async def explain_no_responders(link: Link, event: Event[Any]) -> JetStreamError | EmitError:
    """Why nobody answered a publish, after retries: no stream, no leader, or no JetStream."""
    nothing = "nothing was stored"
    try:
        info = await link.stream_info(event)
    except JetStreamNotEnabledError as exc:
        return JetStreamNotEnabledError(
            f"event {event.name!r}: {nothing}: {exc}", event=event.name, stream=event.stream_name
        )
    except JetStreamError as exc:
        cause = str(exc)
    except Exception as exc:
        cause = str(jetstream_error(exc, event, "look up"))
    else:
        if info is None:
            return NoStreamError.with_fix(
                f"event {event.name!r}: no stream stores subject {event.subject_name!r}; {nothing}",
                REGISTER_FIRST,
            )
        cause = f"stream {event.stream_name!r} exists but no leader answered"
    return StreamUnavailableError(
        f"event {event.name!r}: {cause}; {nothing}. The stream is electing a leader or "
        "recovering: retry the emit (with the same uid) in a moment",
        event=event.name,
        stream=event.stream_name,
        code=503,
    )


async def publish_one(
    link: Link,
    inbox: AckInbox,
    event: Event[Any],
    payload: bytes,
    headers: dict[str, str],
    within: float,
    subject: str | None = None,
) -> Ack:
    """Publish one message (on the event's subject unless ``subject`` is given) and return its
    ack; a 503 is retried, then explained."""
    subject = subject or event.subject_name
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(RETRY_WAIT)
        reply, future = inbox.expect(subject, within)
        try:
            if not await send(link, subject, payload, reply, headers, event.name, within):
                raise stalled(event.name, within)
        except BaseException:
            inbox.forget(reply)
            raise
        ack = await inbox.wait(reply, future, within, event.name)
        if ack is not None:
            return ack
    raise await explain_no_responders(link, event)


@dataclasses.dataclass(slots=True)
class BatchResult:
    """What became of each message of a batch, by index."""

    acks: list[Ack | None]
    failures: dict[int, BaseException] = dataclasses.field(default_factory=dict)
    maybe_stored: set[int] = dataclasses.field(default_factory=set)


async def publish_batch(
    link: Link,
    inbox: AckInbox,
    event: Event[Any],
    batch: list[tuple[bytes, dict[str, str]]],
    within: float,
    window: int,
) -> BatchResult:
    """Publish a batch with up to ``window`` acks in flight; every message is accounted for.

    Each message's deadline runs from its own send, so a batch nobody answers fails about
    ``within`` seconds after its last send. 503 replies are re-sent together, then explained.
    """
    subject, name = event.subject_name, event.name
    result = BatchResult([None] * len(batch))
    todo = list(range(len(batch)))
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(RETRY_WAIT)
        unanswered: list[int] = []
        in_flight: deque[tuple[int, str, asyncio.Future[Msg]]] = deque()

        for position, index in enumerate(todo):
            payload, headers = batch[index]
            reply, future = inbox.expect(subject, within)
            try:
                sent = await send(link, subject, payload, reply, headers, name, within)
            except EmitError as exc:
                inbox.forget(reply)
                result.failures[index] = exc
                continue
            if not sent:
                inbox.forget(reply)
                result.failures[index] = stalled(name, within)
                result.maybe_stored.add(index)
                for rest in todo[position + 1 :]:
                    result.failures[rest] = EmitError(
                        f"event {name!r}: not sent, the connection was stalled; nothing stored"
                    )
                break
            in_flight.append((index, reply, future))
            if len(in_flight) >= window:
                await _settle(inbox, in_flight.popleft(), within, name, result, unanswered)
        while in_flight:
            await _settle(inbox, in_flight.popleft(), within, name, result, unanswered)
        todo = unanswered
        if not todo:
            return result
    error = await explain_no_responders(link, event)
    for index in todo:
        result.failures[index] = error
    return result


async def _settle(
    inbox: AckInbox,
    entry: tuple[int, str, asyncio.Future[Msg]],
    within: float,
    event: str,
    result: BatchResult,
    unanswered: list[int],
) -> None:
    """Record what became of one sent message of a batch."""
    index, reply, future = entry
    try:
        ack = await inbox.wait(reply, future, within, event)
    except (AckTimeoutError, ConnectionClosedError) as exc:
        result.failures[index] = exc
        result.maybe_stored.add(index)
        return
    except EmitError as exc:
        result.failures[index] = exc
        return
    if ack is None:
        unanswered.append(index)
    else:
        result.acks[index] = ack
