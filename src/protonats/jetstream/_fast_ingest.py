"""emit_many through fast-ingest batches (ADR-50, nats-server 2.14+, streams with
``allow_batched``): the server acknowledges a window of messages at once, not each one.

Every message's reply subject carries the batch: ``<inbox>.<flow>.fail.<seq>.<op>.$FI``
(op 0 starts the batch, 1 appends, 2 stores the last message and commits). ``<inbox>`` is a
fresh inbox, ``_INBOX.<id>``: its last token, unique, is the batch's id (ADR-50's
``<prefix>.<id>``; no second id, so the reply subject nats-py checks and sends per message
stays short). The client waits for the first reply (the server's flow: an ack every ``msgs``
messages, or a refusal), then sends a flow window at a time, keeping at most
``OUTSTANDING`` unacknowledged. Gap mode ``fail``: a message the server never got ends the
batch, the final ack's ``count`` says how many were stored (all of them before the gap, in
order), and nothing after is stored. The final ack names the last message's sequence; the
others' sequences are derived from it and ``count``.

A stream that does not allow batched publish refuses the first message (nothing stored):
then the whole batch goes the acked path. Acks, ``BatchEmitError``, ``not_stored`` and
``maybe_stored`` mean what they mean there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from .. import _wire
from .._errors import EmitError
from ._batch import BatchResult, Outgoing
from ._publish import Ack, ApiError, no_ack_in_time, rejected, send, stalled

if TYPE_CHECKING:
    from ..events._event import Event
    from ._nats import Link, Msg

__all__ = ["FLOW", "OUTSTANDING", "publish_fast"]

FLOW = 500
"""The flow asked for: the server acknowledges at least every ``FLOW`` messages (it may ask
for acks more often, and says so in each flow ack)."""
OUTSTANDING = 2
"""Flow windows sent but not yet acknowledged (ADR-50's recommendation)."""
# The first message refused, nothing stored: "batch publish is disabled" (the stream does not
# allow batched publish), "batch publish invalid pattern used" (a server that reads the reply
# subject otherwise).
_NOT_FOR_THIS_STREAM = frozenset({10205, 10206})


class _Reply(msgspec.Struct):
    """Any reply on a fast-ingest batch's inbox: a flow ack (``type`` "ack"), a gap ("gap"),
    a refused message ("err"), or the batch's final publish ack (no ``type``)."""

    type: str = ""
    seq: int = 0
    msgs: int = 0
    last_seq: int = 0
    stream: str = ""
    count: int = 0
    error: ApiError | None = None


_decode = msgspec.json.Decoder(_Reply).decode
_NO_RESPONDERS = _Reply(type="503")


class _Batch:
    """What the server said so far about one fast-ingest batch (the inbox callback writes)."""

    __slots__ = ("_waiter", "acked", "failed_at", "final", "first", "flow", "gap", "refused")

    def __init__(self) -> None:
        self.first: _Reply | None = None  # the first reply: flow, or why not
        self.acked = 0  # highest batch sequence the server acknowledged
        self.flow = FLOW
        self.gap: _Reply | None = None
        self.refused: _Reply | None = None  # a message the stream refused ("err")
        self.failed_at: int | None = None  # batch sequence where the batch stops
        self.final: _Reply | None = None
        self._waiter: asyncio.Future[None] | None = None

    async def on_reply(self, msg: Msg) -> None:
        if not msg.data:  # a status: 503, nobody took the message (no stream, no leader)
            if self.first is None and (msg.headers or {}).get("Status") == "503":
                self.first = _NO_RESPONDERS
                self._wake()
            return
        try:
            reply = _decode(msg.data)
        except msgspec.DecodeError:
            return  # not a reply of the protocol: the deadline covers what it was for
        if self.first is None:
            self.first = reply
        if reply.type == "ack":
            self.acked = max(self.acked, reply.seq)
            self.flow = max(1, reply.msgs)
        elif reply.type in ("gap", "err"):
            if reply.type == "gap":
                self.gap = reply
            else:
                self.refused = reply
            self.failed_at = reply.seq if self.failed_at is None else self.failed_at
        elif self.final is None and (reply.stream or reply.error is not None):
            self.final = reply
        self._wake()

    def room_for(self, sent: int, window: int) -> Callable[[], bool]:
        """Whether the message after ``sent`` may go: flow acked, or the batch ended."""
        return lambda: (
            sent < self.acked + self.flow * window
            or self.failed_at is not None
            or self.final is not None
        )

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def until(self, ready: Callable[[], bool], within: float) -> bool:
        """Wait until ``ready()``; False after ``within`` seconds without it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not ready():
            left = deadline - loop.time()
            if left <= 0:
                return False
            self._waiter = loop.create_future()
            try:
                async with asyncio.timeout(left):
                    await self._waiter
            except TimeoutError:
                return bool(ready())
        return True


async def publish_fast(
    link: Link,
    event: Event[Any],
    batch: Outgoing,
    within: float,
    *,
    drop: frozenset[int] = frozenset(),
) -> BatchResult | None:
    """Publish ``batch`` as one fast-ingest batch (gap mode fail); None when the stream does
    not allow batched publish (nothing was stored: send it the acked way).

    ``drop``: positions not sent at all, as if lost on the way (tests: the server's gap).
    """
    payloads, headers = batch.payloads, _bound_after_first(batch.headers)
    total, subject, name = len(payloads), event.subject_name, event.name
    inbox = link.new_inbox()  # _INBOX.<id>: the id (22 characters) names the batch
    base = f"{inbox}.{FLOW}.fail."
    state = _Batch()
    sub = await link.subscribe(f"{inbox}.>", state.on_reply)
    result = BatchResult([None] * total)
    sent = 0  # positions handed to the client (or dropped)
    try:
        first = f"{base}1.{'2' if total == 1 else '0'}.$FI"
        if not await send(link, subject, payloads[0], first, headers[0], name, within):
            return _stalled_at(result, 0, name, within)
        sent = 1
        if not await state.until(lambda: state.first is not None, within):
            return _unconfirmed(result, sent, name, within)
        opening = state.first
        if opening is _NO_RESPONDERS:
            return None  # nothing stored: the acked path re-sends it all, then explains
        refused = opening.error if opening is not None and not opening.count else None
        if refused is not None and refused.err_code in _NOT_FOR_THIS_STREAM:
            return None  # nothing stored: the acked path sends it all
        window = OUTSTANDING
        while sent < total - 1 and state.failed_at is None and state.final is None:
            allowed = state.acked + state.flow * window  # highest batch sequence to send
            if sent >= allowed:
                if not await state.until(state.room_for(sent, window), within):
                    return _unconfirmed(result, sent, name, within)
                continue
            # At most one flow window at a time, then the loop runs (the client writes it
            # out, reads the server's acks): two windows in one go, after two acks read at
            # once, leave the server idle while the client builds them, then the client idle
            # while the server stores the first (measured: 145,000 -> 175,000 msg/s).
            stop = min(total - 1, allowed, sent + state.flow)
            if drop:  # send up to the next dropped position, skip it
                if sent in drop:
                    sent += 1
                    continue
                stop = min(stop, *(p for p in drop if p > sent), stop)
            reached = await link.publish_run(
                subject, payloads, headers, sent, stop, (base, 1, ".1.$FI")
            )
            if reached < stop:  # the client's buffer is full: send this one the careful way
                reply = f"{base}{reached + 1}.1.$FI"
                payload, hdrs = payloads[reached], headers[reached]
                try:
                    ok = await send(link, subject, payload, reply, hdrs, name, within)
                except EmitError as exc:  # the client refused it: not sent
                    result.failures[reached] = exc
                    return _unconfirmed(result, reached, name, within, stopped=reached + 1)
                if not ok:
                    return _stalled_at(result, reached, name, within)
                reached += 1
            sent = reached
            await asyncio.sleep(0)
        if total > 1 and state.failed_at is None and state.final is None:
            last = f"{base}{total}.2.$FI"
            if not await send(link, subject, payloads[-1], last, headers[-1], name, within):
                return _stalled_at(result, total - 1, name, within)
            sent = total
        if not await state.until(lambda: state.final is not None, within):
            return _unconfirmed(result, sent, name, within)
    finally:
        await link.unsubscribe(sub)
    return _settled(result, state, event, sent)


def _bound_after_first(headers: list[dict[str, str]]) -> list[dict[str, str]]:
    """The headers to send: the first message checks the stream (``Nats-Expected-Stream``:
    a batch bound for another stream is refused whole, nothing stored); the server keeps the
    rest of the batch on the first one's stream, so they leave that header out (nats-py
    charges about 1 µs to encode it on each message; readers never use it)."""
    rest: list[dict[str, str]] = []
    shared: dict[int, dict[str, str]] = {}  # the same dict, usually, for every message
    for one in headers[1:]:
        without = shared.get(id(one))
        if without is None:
            without = {k: v for k, v in one.items() if k != _wire.EXPECTED_STREAM}
            shared[id(one)] = without
        rest.append(without)
    return headers[:1] + rest


def _settled(result: BatchResult, state: _Batch, event: Event[Any], sent: int) -> BatchResult:
    """The final ack read into acks and failures: ``count`` stored in order, none after."""
    final = state.final
    if final is None:  # not reached: the caller waited for it
        return result
    name, total = event.name, len(result.acks)
    stored = min(final.count, total) if final.stream else 0
    first_seq = final.seq - stored + 1
    for position in range(stored):
        result.acks[position] = Ack(final.stream, first_seq + position)
    if stored == total:
        return result
    if state.refused is not None and state.refused.error is not None:
        why: EmitError = rejected(name, state.refused.error)
    elif final.error is not None:
        why = rejected(name, final.error)
    elif state.gap is not None:
        why = EmitError(
            f"event {name!r}: message #{stored} never reached the server (a gap in the "
            "fast-ingest batch); it and every later message were not stored"
        )
    else:
        why = EmitError(f"event {name!r}: the server stored {stored} of {total}; not stored")
    result.failures[stored] = why
    for position in range(stored + 1, total):
        result.failures.setdefault(
            position,
            EmitError(
                f"event {name!r}: not stored: the fast-ingest batch stopped at message "
                f"#{stored} ({why})"
            ),
        )
    return result


def _unconfirmed(
    result: BatchResult, sent: int, name: str, within: float, stopped: int | None = None
) -> BatchResult:
    """No final ack in time: every message sent may be stored (the sequences are only in the
    final ack); those never sent were not stored."""
    for position in range(min(sent, len(result.acks))):
        if position not in result.failures:
            result.failures[position] = no_ack_in_time(name, within)
            result.maybe_stored.add(position)
    start = sent if stopped is None else stopped
    for position in range(start, len(result.acks)):
        result.failures.setdefault(
            position, EmitError(f"event {name!r}: not sent, the batch stopped; nothing stored")
        )
    return result


def _stalled_at(result: BatchResult, position: int, name: str, within: float) -> BatchResult:
    """The connection did not take message ``position`` in time: it may be stored (as may all
    before it, unconfirmed), the rest were never sent."""
    result.failures[position] = stalled(name, within)
    result.maybe_stored.add(position)
    return _unconfirmed(result, position + 1, name, within)
