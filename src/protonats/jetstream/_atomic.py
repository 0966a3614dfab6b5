"""Atomic batches (nats-server 2.12+, ADR-50): ``emit_many(..., atomic=True)`` stores every
message of the batch, or none of them.

Every message carries the batch's id (``Nats-Batch-Id``) and its place in it
(``Nats-Batch-Sequence``, 1, 2, ...). The first is sent as a request: the server answers with an
empty reply, or with why it refuses the batch (the stream does not allow atomic batches, too
many batches in flight). The middle ones are sent without a reply. The last one carries
``Nats-Batch-Commit: 1`` and gets the batch's ack, or the reason it was not committed (a
duplicate uid, an expected-sequence mismatch, a message the stream refuses, a gap): then none
is stored. A batch that stops half-way (the connection stalls) is never committed and the
server drops it after 10 s idle. The sequences of a committed batch are consecutive: the ack's
``seq`` is the last one's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import msgspec

from .. import _wire
from .._errors import AckTimeoutError, AtomicBatchError, EmitError
from ._features import ATOMIC_BATCH, ServerInfo, refusal
from ._publish import Ack, AckInbox, ApiError, explain_no_responders, send, stalled

if TYPE_CHECKING:
    from ..events._event import Event
    from ._nats import Link

__all__ = ["BATCH_HEADERS", "MAX_ATOMIC_BATCH", "check_atomic", "publish_atomic"]

MAX_ATOMIC_BATCH = 1000
"""Messages in one atomic batch: nats-server's limit (ADR-50, its default)."""
BATCH_HEADERS = {
    _wire.BATCH_ID: "0" * 32,
    _wire.BATCH_SEQUENCE: str(MAX_ATOMIC_BATCH),
    _wire.BATCH_COMMIT: "1",
}
"""The batch headers at their largest: emit counts them in each message's size."""


class _BatchReply(msgspec.Struct):
    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    batch: str = ""
    count: int = 0
    error: ApiError | None = None


_decode = msgspec.json.Decoder(_BatchReply).decode


def check_atomic(event: Event[Any], count: int, server: ServerInfo) -> None:
    """Refuse, before anything is sent, an atomic batch the event, its size or the server
    does not allow."""
    name = event.name
    if not event.allow_atomic:
        raise EmitError(
            f"event {name!r}: emit_many(atomic=True) needs the event declared with "
            "allow_atomic=True and registered since: its stream then allows atomic batches; "
            "nothing was sent"
        )
    if count > MAX_ATOMIC_BATCH:
        raise AtomicBatchError(
            f"event {name!r}: an atomic batch of {count} messages is over the server's limit "
            f"of {MAX_ATOMIC_BATCH}; nothing was sent. Split it into batches of at most "
            f"{MAX_ATOMIC_BATCH} (each all or nothing), or emit without atomic",
            event=name,
            stream=event.stream_name,
        )
    too_old = refusal(
        ATOMIC_BATCH,
        server,
        what=f"event {name!r}: emit_many(atomic=True)",
        field="atomic",
        fix="emit without atomic",
        event=name,
        stream=event.stream_name,
    )
    if too_old is not None:
        raise too_old


async def publish_atomic(
    link: Link,
    inbox: AckInbox,
    event: Event[Any],
    batch: list[tuple[bytes, dict[str, str]]],
    within: float,
) -> list[Ack]:
    """Publish ``batch`` (payload and headers, validated) as one atomic batch; the acks of
    its messages in order, or ``AtomicBatchError`` and nothing stored."""
    if not batch:
        return []
    batch_id = uuid.uuid4().hex
    last = len(batch)
    reply: _BatchReply | None = None
    for number, (payload, headers) in enumerate(batch, 1):
        hdrs = {**headers, _wire.BATCH_ID: batch_id, _wire.BATCH_SEQUENCE: str(number)}
        if number == last:
            hdrs[_wire.BATCH_COMMIT] = "1"
        else:
            hdrs.pop(_wire.BATCH_COMMIT, None)
        if number in (1, last):  # the start and the commit are answered
            reply = await _request(link, inbox, event, payload, hdrs, within, number, last)
        elif not await send(link, event.subject_name, payload, "", hdrs, event.name, within):
            raise _refused(event, "the connection stalled before the commit", number)
    if reply is None or reply.seq < last:
        raise EmitError(f"event {event.name!r}: unreadable atomic batch ack {reply!r}")
    first = reply.seq - last + 1
    return [Ack(reply.stream, first + i) for i in range(last)]


async def _request(
    link: Link,
    inbox: AckInbox,
    event: Event[Any],
    payload: bytes,
    headers: dict[str, str],
    within: float,
    number: int,
    last: int,
) -> _BatchReply:
    subject, name = event.subject_name, event.name
    reply, future = inbox.expect(subject, within)
    try:
        if not await send(link, subject, payload, reply, headers, name, within):
            if number == last:
                raise stalled(name, within)
            raise _refused(event, "the connection stalled at the start", number)
        msg = await future
    except TimeoutError:
        if number == last:
            raise AckTimeoutError(
                f"event {name!r}: no answer to the atomic batch's commit within {within} s: "
                "all of it or none of it is stored (never a part). Look before retrying, or "
                "retry with the same uids (within the duplicate window) to store it once"
            ) from None
        raise _refused(event, f"no answer to its first message within {within} s", 1) from None
    finally:
        inbox.forget(reply)
    if not msg.data:
        status = (msg.headers or {}).get("Status", "")
        if status == "503":
            error = await explain_no_responders(link, event)
            raise AtomicBatchError(str(error), event=name, stream=event.stream_name, code=503)
        if number != last and not status:
            return _BatchReply()  # the start is accepted
        raise _refused(event, f"status {status or 'empty'} to the commit", number)
    try:
        decoded = _decode(msg.data)
    except msgspec.DecodeError as exc:
        raise EmitError(
            f"event {name!r}: unreadable atomic batch reply {msg.data[:200]!r}"
        ) from exc
    if decoded.error is not None:
        err = decoded.error
        raise AtomicBatchError(
            f"event {name!r}: the server did not commit the atomic batch of {last} messages, "
            f"none is stored: {err.description} (code {err.code}, err_code {err.err_code})",
            event=name,
            stream=event.stream_name,
            code=err.code,
            err_code=err.err_code,
            description=err.description,
        )
    return decoded


def _refused(event: Event[Any], why: str, number: int) -> AtomicBatchError:
    return AtomicBatchError(
        f"event {event.name!r}: atomic batch not committed ({why}, message #{number - 1}); "
        "none is stored",
        event=event.name,
        stream=event.stream_name,
        index=number - 1,
    )
