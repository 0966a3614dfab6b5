"""emit_many's acked path: up to ``window`` messages unanswered, every message accounted for.

A batch attempt registers a ``Replies`` (``_batch_replies``) with the connection's ack inbox;
each message's reply subject is the attempt's base plus the message's position. Messages go
to the client in runs (``Link.publish_run``: no coroutine or future of ours per message), and
the acks are decoded together at the end, in one msgspec call when every reply is a plain ack.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any

import msgspec

from .._errors import EmitError
from .._errors._messages import ConnectionClosedError
from .._wire import header_size
from ._batch_replies import DENIED, EXPIRED, Outcome, Replies
from ._publish import (
    RETRIES,
    RETRY_WAIT,
    Ack,
    decode_acks,
    explain_no_responders,
    no_ack_in_time,
    parse_ack,
    parse_ack_data,
    publish_denied,
    send,
    stalled,
)

if TYPE_CHECKING:
    from ..events._event import Event
    from ._nats import Link, Msg
    from ._publish import AckInbox

__all__ = ["BatchResult", "Outgoing", "plain_batch", "publish_batch"]


@dataclasses.dataclass(slots=True)
class Outgoing:
    """A batch's encoded messages: payloads and their headers by index (in the common case
    the same dict at every index). Two flat lists, not a tuple per message: fewer objects
    for the garbage collector to walk while the batch is in flight."""

    payloads: list[bytes]
    headers: list[dict[str, str]]

    def pick(self, indexes: list[int]) -> Outgoing:
        return Outgoing([self.payloads[i] for i in indexes], [self.headers[i] for i in indexes])


def plain_batch(
    event: Event[Any], messages: list[Any], headers: dict[str, str], max_size: int
) -> Outgoing | None:
    """A batch whose messages all carry the event's shared ``headers``, encoded in one pass;
    None when one is of another type or too large (then emit_many encodes each on its own,
    naming the first that fails)."""
    payloads = event.encode_many(messages)
    room = max_size - header_size(headers)
    if payloads is None or max(map(len, payloads), default=0) > room:
        return None
    return Outgoing(payloads, [headers] * len(payloads))


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
    batch: Outgoing,
    within: float,
    window: int,
) -> BatchResult:
    """Publish a batch with up to ``window`` acks in flight; every message is accounted for.

    Each message's deadline runs from its own send, so a batch nobody answers fails about
    ``within`` seconds after its last send. 503 replies are re-sent together, then explained.
    """
    result = BatchResult([None] * len(batch.payloads))
    todo: list[int] = list(range(len(batch.payloads)))
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(RETRY_WAIT)
        items = batch if attempt == 0 else batch.pick(todo)
        replies = Replies(event.subject_name, len(items.payloads), within)
        base = inbox.add_batch(replies)
        try:
            await _send_all(link, event, items, todo, replies, base, within, window, result)
            await replies.until(replies.sent)
        finally:
            replies.stop()
            inbox.remove_batch(replies)
        todo = _record(event.name, replies, todo, within, result)
        if not todo:
            return result
    error = await explain_no_responders(link, event)
    for index in todo:
        result.failures[index] = error
    return result


async def _send_all(
    link: Link,
    event: Event[Any],
    items: Outgoing,
    todo: list[int],
    replies: Replies,
    base: str,
    within: float,
    window: int,
    result: BatchResult,
) -> None:
    """Hand every message to the client, ``window`` unanswered at most; a message the client
    cannot take ends the sending (it and the rest are failures)."""
    subject, name, total = event.subject_name, event.name, len(items.payloads)
    position = 0
    while position < total:
        if replies.expired:  # the server stopped answering: do not feed it the rest
            _not_sent(name, todo[position:], result, _unanswered(within))
            return
        room = window - (position - replies.settled)
        if room <= 0:  # full: wait for the oldest, then send as many as are free by then
            await replies.until(position - window + 1)
            continue
        stop = min(total, position + room)
        position = await link.publish_run(
            subject, items.payloads, items.headers, position, stop, (base, 0, "")
        )
        replies.handed_over(position)
        if position == stop:
            continue
        # The client's buffer is full or it refused the message: send it the careful way.
        payload, headers = items.payloads[position], items.headers[position]
        try:
            sent = await send(link, subject, payload, base + str(position), headers, name, within)
        except EmitError as exc:
            result.failures[todo[position]] = exc
            _not_sent(name, todo[position + 1 :], result)
            return
        if not sent:
            result.failures[todo[position]] = stalled(name, within)
            result.maybe_stored.add(todo[position])
            _not_sent(name, todo[position + 1 :], result)
            return
        position += 1
        replies.handed_over(position)


def _not_sent(
    name: str, indexes: list[int], result: BatchResult, why: str = "the connection was stalled"
) -> None:
    for index in indexes:
        result.failures[index] = EmitError(f"event {name!r}: not sent, {why}; nothing stored")


def _unanswered(within: float) -> str:
    return (
        f"an earlier message of the batch got no ack within {within:g} s (server down or "
        "unreachable)"
    )


def _record(
    name: str, replies: Replies, todo: list[int], within: float, result: BatchResult
) -> list[int]:
    """Put each sent position's outcome into ``result``; return the indexes answered 503."""
    got = replies.replies[: replies.sent]
    if _all_acks(got, todo, result):
        return []
    unanswered: list[int] = []
    for position, reply in enumerate(got):
        index = todo[position]
        if reply is None:  # not reached: every sent position is settled before this
            continue
        if isinstance(reply, Outcome):
            result.failures[index] = _failure(name, reply, replies.subject, within)
            if reply.maybe_stored:
                result.maybe_stored.add(index)
            continue
        try:
            ack = (
                parse_ack_data(reply, name) if isinstance(reply, bytes) else parse_ack(reply, name)
            )
        except EmitError as exc:
            result.failures[index] = exc
            continue
        if ack is None:
            unanswered.append(index)
        else:
            result.acks[index] = ack
    return unanswered


def _all_acks(
    got: list[bytes | Msg | Outcome | None], todo: list[int], result: BatchResult
) -> bool:
    """The common case in one decode: every reply a plain ack. False when any is not."""
    for reply in got:
        if type(reply) is not bytes:
            return False
    joined = b"[" + b",".join(got) + b"]"  # type: ignore[arg-type]
    if b'"error"' in joined:
        return False
    try:
        decoded = decode_acks(joined)
    except msgspec.DecodeError:  # ValidationError too: not every reply is an ack
        return False
    if len(todo) == len(result.acks):  # the first attempt: positions are indexes
        result.acks[:] = decoded
    else:
        for position, ack in enumerate(decoded):
            result.acks[todo[position]] = ack
    return True


def _failure(name: str, outcome: Outcome, subject: str, within: float) -> EmitError:
    if outcome is EXPIRED:
        return no_ack_in_time(name, within)
    if outcome is DENIED:
        return publish_denied(subject)
    return ConnectionClosedError(
        f"event {name!r}: {outcome.name}; the message may or may not be stored"
    )
