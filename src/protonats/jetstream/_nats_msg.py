"""Part of the boundary: a message a consumer received, its JetStream metadata and its answer;
and the headers of a message read back by get-message (``stored_headers``).

``settle`` answers for a ``Delivery`` (a failure is a ``ConsumerError`` the caller sees);
``ack``/``nak``/``term``/``in_progress`` answer for an actor (a failure is logged: nothing is
lost, an unanswered message is redelivered after ack_wait).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import logging
from typing import Any, Literal

import nats.errors
from nats.aio.msg import Msg
from nats.js import api

from .._errors import ConsumerError
from ..events._event import Event

__all__ = [
    "Verb",
    "ack",
    "delivered",
    "in_progress",
    "nak",
    "nak_all",
    "pending",
    "settle",
    "stored_headers",
    "stream_seq",
    "term",
    "timestamp",
]

log = logging.getLogger("protonats.actors")

Verb = Literal["ack", "nak", "term", "in_progress"]
_WHAT = {"ack": "ack the message", "nak": "nak it", "term": "term it"}


async def _answer(msg: Msg, verb: Verb, delay: float | None = None) -> None:
    if verb == "ack":
        await msg.ack()
    elif verb == "nak":
        await msg.nak(delay=delay or None)
    elif verb == "term":
        await msg.term()
    else:
        await msg.in_progress()


async def settle(
    msg: Msg, verb: Verb, event: Event[Any], consumer: str | None, delay: float | None = None
) -> None:
    """Answer ``msg``; a failure is a ``ConsumerError`` naming the event and the consumer."""
    try:
        if verb == "ack":  # the hot path: no call in between
            await msg.ack()
        else:
            await _answer(msg, verb, delay)
    except nats.errors.Error as exc:
        raise _not_settled(exc, verb, event, consumer) from exc


def _not_settled(
    exc: Exception, verb: Verb, event: Event[Any], consumer: str | None
) -> ConsumerError:
    what = _WHAT.get(verb, "mark it in progress")
    return ConsumerError(
        f"event {event.name!r}, consumer {consumer!r}: could not {what}: "
        f"{exc or type(exc).__name__}; the server will redeliver it after ack_wait",
        event=event.name,
        stream=event.stream_name,
        consumer=consumer,
    )


async def ack(msg: Msg) -> None:
    try:
        await msg.ack()
    except nats.errors.Error as exc:
        _unanswered(msg, "ack", exc)


async def nak(msg: Msg, delay: float = 0.0) -> None:
    try:
        await msg.nak(delay=delay or None)
    except nats.errors.Error as exc:
        _unanswered(msg, "nak", exc)


async def nak_all(msgs: list[Msg]) -> None:
    """Redeliver at once messages pulled but never handed out (a reader that stopped), not
    after ack_wait; a failure is logged once (they come back after ack_wait anyway)."""
    for msg in msgs:
        try:
            await msg.nak()
        except nats.errors.Error as exc:
            log.info(
                "could not give back %d pulled messages on %s (%s); they are redelivered "
                "after ack_wait",
                len(msgs), msg.subject, exc,
            )  # fmt: skip
            return


async def term(msg: Msg) -> None:
    try:
        await msg.term()
    except nats.errors.Error as exc:
        _unanswered(msg, "term", exc)


async def in_progress(msg: Msg) -> None:
    try:
        await msg.in_progress()
    except nats.errors.Error as exc:
        _unanswered(msg, "in-progress", exc)


def _unanswered(msg: Msg, verb: str, exc: Exception) -> None:
    """Nothing is lost: an unanswered message is redelivered after ack_wait."""
    log.warning("could not %s message on %s: %s; it will be redelivered", verb, msg.subject, exc)


def delivered(msg: Msg) -> int:
    """How many times the server has delivered ``msg`` (1 the first time), read straight from
    its JetStream ack subject (v1: 9 tokens; v2: 11 or 12) without building ``metadata``."""
    tokens = (msg.reply or "").split(".")
    try:
        return int(tokens[4] if len(tokens) == 9 else tokens[Msg.Ack.NumDelivered])
    except (IndexError, ValueError):
        return int(msg.metadata.num_delivered)


def pending(msg: Msg) -> int:
    """How many messages the consumer still held for delivery after ``msg`` (its ack
    subject's count; v1: 9 tokens, v2: 11 or 12); 1 when it cannot be read."""
    tokens = (msg.reply or "").split(".")
    try:
        return int(tokens[8] if len(tokens) == 9 else tokens[Msg.Ack.NumPending])
    except (IndexError, ValueError):
        return 1


def stream_seq(msg: Msg) -> int:
    """The message's sequence in its stream."""
    return int(msg.metadata.sequence.stream)


def timestamp(msg: Msg) -> datetime.datetime:
    """When the stream stored the message (UTC)."""
    stamp: datetime.datetime = msg.metadata.timestamp
    return stamp


def stored_headers(raw: api.RawStreamMsg) -> dict[str, str]:
    """The headers of a message read by get-message, from its raw header block, values as
    they were sent (UTF-8; bytes that are not stay as lone surrogates, so a replay refuses
    them instead of sending something else). nats-py's own parse of them (``headers``)
    turns every non-ASCII value into U+FFFD."""
    if not raw.hdrs:
        return {k: str(v) for k, v in (raw.headers or {}).items()}
    try:
        block = base64.b64decode(raw.hdrs)
    except (binascii.Error, ValueError):
        return {k: str(v) for k, v in (raw.headers or {}).items()}
    found: dict[str, str] = {}
    for line in block.split(b"\r\n")[1:]:  # after NATS/1.0
        name, sep, value = line.partition(b":")
        if sep and name.strip():
            key = name.strip().decode("ascii", "surrogateescape")
            found[key] = value.strip(b" \t").decode("utf-8", "surrogateescape")
    return found
