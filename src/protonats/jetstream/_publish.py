"""Acknowledged publishing: one reply inbox, one future per message, deadlines from the send.

nats-py's ``js.publish`` pays for a generic request (new inbox token, ``wait_for``, JSON into a
dataclass) on every message; here the reply subject is a counter on one wildcard inbox, every
message's ack deadline starts when it is sent (one timer for all of them), and the ack is
decoded by msgspec straight into a struct. A 503 (nobody answered) is retried briefly, then
explained: no stream, a stream without a leader, or no JetStream at all.
"""

from __future__ import annotations

import asyncio
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
from .._errors._messages import ConnectionClosedError
from ._batch_replies import CLOSED, DENIED, Replies
from ._nats import jetstream_error

if TYPE_CHECKING:
    from typing import Any

    from ..events._event import Event
    from ._nats import Link, Msg, Subscription

__all__ = [
    "RETRIES",
    "RETRY_WAIT",
    "Ack",
    "AckInbox",
    "ApiError",
    "decode_acks",
    "explain_no_responders",
    "no_ack_in_time",
    "parse_ack",
    "parse_ack_data",
    "publish_denied",
    "rejected",
    "send",
]

RETRIES = 2
"""Times a 503 (no responders) reply is retried before it is explained (as nats.go does)."""
RETRY_WAIT = 0.25
"""Seconds between those retries."""


class Ack(msgspec.Struct, frozen=True, gc=False):
    """The server's acknowledgement: the message is stored as ``seq`` in ``stream``.

    ``duplicate`` is true when a message with the same ``uid`` was already stored within the
    stream's duplicate window; it was not stored again. (Immutable; never tracked by the
    garbage collector, so the thousands of acks of a large batch cost its collections nothing.)
    """

    stream: str
    seq: int
    duplicate: bool = False


decode_acks = msgspec.json.Decoder(list[Ack]).decode
"""A JSON array of plain publish acks (no error among them) as ``Ack``s, in one call."""


class ApiError(msgspec.Struct):
    """A JetStream API error in a reply."""

    code: int = 0
    err_code: int = 0
    description: str = ""


class _Reply(msgspec.Struct):
    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    error: ApiError | None = None


_decode_reply = msgspec.json.Decoder(_Reply).decode


class AckInbox:
    """A wildcard reply subscription that resolves one future per published message.

    Each future fails with ``TimeoutError`` ``within`` seconds after ``expect`` (called right
    before the send), so a thousand unanswered messages all fail one timeout after their send,
    not one after another; and with ``PublishPermissionError`` when the server says the
    publish to its subject was not allowed.
    """

    __slots__ = (
        "_batches",
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
        self._batches: dict[str, Replies] = {}

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
        for batch in self._batches.values():
            batch.fail_unsettled(CLOSED)

    def add_batch(self, replies: Replies) -> str:
        """Route the replies of a batch attempt to ``replies``; returns the reply subject base
        (a message's reply subject is the base and its position)."""
        self._batches[replies.id] = replies
        return f"{self._prefix}{replies.id}-"

    def remove_batch(self, replies: Replies) -> None:
        self._batches.pop(replies.id, None)

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

    async def _on_reply(self, msg: Msg) -> None:
        token = msg.subject[len(self._prefix) :]
        batch, dash, position = token.partition("-")
        if dash:  # a message of a batch: "<batch id>-<position>"
            replies = self._batches.get(batch)
            if replies is not None and position.isdigit():
                replies.take(int(position), msg)
            return
        entry = self._pending.pop(token, None)
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
                    future.set_exception(publish_denied(target))
        for batch in list(self._batches.values()):
            if batch.subject.lower() == subject:
                batch.fail_unsettled(DENIED)

    async def wait(
        self, reply: str, future: asyncio.Future[Msg], within: float, event: str
    ) -> Ack | None:
        """The ack of one message; None for a 503 (nobody answered: retry or explain)."""
        try:
            msg = await future
        except TimeoutError:
            raise no_ack_in_time(event, within) from None
        finally:
            self.forget(reply)
        return parse_ack(msg, event)


def no_ack_in_time(event: str, within: float) -> AckTimeoutError:
    return AckTimeoutError(
        f"event {event!r}: no acknowledgement within {within} s of the send; the "
        "message may or may not be stored. Retry the emit with the same uid (within "
        "the stream's duplicate window) to store it exactly once"
    )


def publish_denied(subject: str) -> PublishPermissionError:
    return PublishPermissionError(
        f"publish to subject {subject!r} refused: no permission (Permissions Violation); "
        "nothing was stored. Grant this user publish permission on the subject",
        subject=subject,
    )


def parse_ack(msg: Msg, event: str) -> Ack | None:
    """A JetStream publish reply as an ``Ack``; None for 503; raise the error it reports."""
    data = msg.data
    if not data:
        status = (msg.headers or {}).get("Status", "")
        if status == "503":
            return None
        raise EmitError(f"event {event!r}: server replied with status {status or 'empty'}")
    return parse_ack_data(data, event)


def parse_ack_data(data: bytes, event: str) -> Ack:
    """A JetStream publish reply's body as an ``Ack``; raise the error it reports."""
    try:
        reply = _decode_reply(data)
    except msgspec.DecodeError as exc:
        raise EmitError(f"event {event!r}: unreadable ack {data[:200]!r}") from exc
    if reply.error is not None:
        raise rejected(event, reply.error)
    return Ack(reply.stream, reply.seq, reply.duplicate)


def rejected(event: str, err: ApiError) -> MessageRejectedError:
    """The server's refusal to store a message, as the error emit raises."""
    return MessageRejectedError(
        f"event {event!r}: the server did not store the message: {err.description} "
        f"(code {err.code}, err_code {err.err_code})",
        event=event,
        stream=event,
        code=err.code,
        err_code=err.err_code,
        description=err.description,
    )


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
