"""Every nats-py call the actors make, and the translation of its errors, in one place."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors

from .._errors import JetStreamError, NoStreamError
from ..events._event import Event
from ..jetstream._nats import Link, jetstream_error
from ..jetstream._pull import Puller

__all__ = [
    "ack",
    "add_consumer",
    "add_stream",
    "check_stream",
    "consumer_config_of",
    "delete_message",
    "delivered",
    "flush",
    "in_progress",
    "nak",
    "next_message",
    "open_puller",
    "publish",
    "stream_config_of",
    "term",
    "update_stream",
]

log = logging.getLogger("protonats.actors")
_PUBLISH_TIMEOUT = 5.0


async def check_stream(link: Link, event: Event[Any]) -> None:
    """Raise ``NoStreamError`` unless the event's stream exists."""
    if await link.stream_info(event) is None:
        raise NoStreamError(
            f"event {event.name!r}: stream {event.stream_name!r} does not exist; register "
            "the events first (Events(...).connect() then register()), then the actors"
        )


async def stream_config_of(
    js: JetStreamContext, event: Event[Any], stream: str
) -> api.StreamConfig | None:
    try:
        return (await js.stream_info(stream)).config
    except js_errors.NotFoundError:
        return None
    except nats.errors.Error as exc:
        raise _error(
            exc,
            event,
            "look up the stream"
            if stream == event.stream_name
            else "look up the dead-letter stream of",
        ) from exc


async def add_stream(js: JetStreamContext, event: Event[Any], config: api.StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except nats.errors.Error as exc:
        raise _error(exc, event, "create the dead-letter stream of") from exc


async def update_stream(js: JetStreamContext, event: Event[Any], config: api.StreamConfig) -> None:
    try:
        await js.update_stream(config)
    except nats.errors.Error as exc:
        raise _error(exc, event, "update the dead-letter stream of") from exc


async def consumer_config_of(
    js: JetStreamContext, event: Event[Any], name: str
) -> api.ConsumerConfig | None:
    try:
        info = await js.consumer_info(event.stream_name, name)
        config: api.ConsumerConfig = info.config
        return config
    except js_errors.NotFoundError:
        return None
    except nats.errors.Error as exc:
        raise _error(exc, event, f"look up consumer {name!r} on stream") from exc


async def add_consumer(link: Link, event: Event[Any], config: api.ConsumerConfig) -> None:
    """Create the durable consumer, or update it (the server edits what it can)."""
    await link.add_consumer(event, config)


async def open_puller(link: Link, event: Event[Any], consumer: str) -> Puller:
    puller = Puller(link, event, consumer)
    await puller.start()
    return puller


async def close_puller(puller: Puller) -> None:
    with contextlib.suppress(nats.errors.Error):  # a closed connection has no subscriptions
        await puller.stop()


async def publish(
    js: JetStreamContext,
    event: Event[Any],
    subject: str,
    payload: bytes,
    headers: Mapping[str, str],
    stream: str,
) -> api.PubAck:
    """Publish and wait for the stream's ack; raise ``JetStreamError`` if not stored."""
    try:
        return await js.publish(
            subject, payload, timeout=_PUBLISH_TIMEOUT, stream=stream, headers=dict(headers)
        )
    except nats.errors.Error as exc:
        raise _error(
            exc, event, f"store a message in {stream!r}, the dead-letter stream of"
        ) from exc


async def next_message(
    js: JetStreamContext, event: Event[Any], stream: str, subject: str, seq: int
) -> api.RawStreamMsg | None:
    """The first message on ``subject`` at or after ``seq`` in ``stream``, or None."""
    try:
        return await js.get_msg(stream, seq, subject=subject, next=True)
    except js_errors.NotFoundError:
        return None
    except nats.errors.Error as exc:
        raise _error(exc, event, f"read {stream!r}, the dead-letter stream of") from exc


async def delete_message(js: JetStreamContext, event: Event[Any], stream: str, seq: int) -> None:
    try:
        await js.delete_msg(stream, seq)
    except js_errors.NotFoundError:
        return  # already deleted (a replay that ran twice)
    except nats.errors.Error as exc:
        raise _error(
            exc, event, f"delete message {seq} of {stream!r}, the dead letters of"
        ) from exc


def delivered(msg: Msg) -> int:
    """How many times the server has delivered ``msg`` (1 the first time), read straight from
    its JetStream ack subject (v1: 9 tokens; v2: 11 or 12) without building ``metadata``."""
    tokens = (msg.reply or "").split(".")
    try:
        return int(tokens[4] if len(tokens) == 9 else tokens[Msg.Ack.NumDelivered])
    except (IndexError, ValueError):
        return int(msg.metadata.num_delivered)


async def ack(msg: Msg) -> None:
    try:
        await msg.ack()
    except nats.errors.Error as exc:
        _unsettled(msg, "ack", exc)


async def nak(msg: Msg, delay: float = 0.0) -> None:
    await _settle(msg.nak(delay=delay or None), msg, "nak")


async def term(msg: Msg) -> None:
    await _settle(msg.term(), msg, "term")


async def in_progress(msg: Msg) -> None:
    await _settle(msg.in_progress(), msg, "in-progress")


async def flush(nc: Client, within: float) -> None:
    """Make sure the server has read every ack sent so far (no-op on a closed connection)."""
    with contextlib.suppress(nats.errors.Error, TimeoutError):
        await nc.flush(timeout=max(1, round(within)))


async def _settle(coro: Any, msg: Msg, verb: str) -> None:
    try:
        await coro
    except nats.errors.Error as exc:
        _unsettled(msg, verb, exc)


def _unsettled(msg: Msg, verb: str, exc: Exception) -> None:
    """Nothing is lost: an unanswered message is redelivered after ack_wait."""
    log.warning("could not %s message on %s: %s; it will be redelivered", verb, msg.subject, exc)


def _error(exc: nats.errors.Error, event: Event[Any], doing: str) -> JetStreamError:
    return jetstream_error(exc, event, doing)
