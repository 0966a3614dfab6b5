"""What a stream holds and who reads it, as the server says now: for the catalog's live pages.

Read-only JetStream API calls through the ``Link`` (stream info, the list of its consumers),
returned as plain data; a failure leaves as a ``ProtonatsError`` naming the event.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..events._event import Event

if TYPE_CHECKING:
    from ._nats import Link

__all__ = ["ConsumerUsage", "StreamUsage", "stream_usage"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerUsage:
    """One consumer of a stream: how far behind it is."""

    name: str
    durable: bool
    """A durable consumer (an actor's); the others are ephemeral (a ``tail``)."""
    pending: int
    """Messages of the stream the consumer has not been delivered yet."""
    ack_pending: int
    """Messages delivered and not yet acknowledged."""
    redelivered: int
    """Messages delivered more than once and not yet acknowledged."""
    paused: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StreamUsage:
    """A stream's size and its consumers."""

    stream: str
    messages: int
    bytes: int
    consumers: tuple[ConsumerUsage, ...]


async def stream_usage(link: Link, event: Event[Any], stream: str) -> StreamUsage | None:
    """Stream ``stream`` (of ``event``: its own, or its dead letters') and its consumers, by
    name; ``None`` when the stream does not exist."""
    info = await link.stream_info(event, f"read the usage of stream {stream!r} of", stream)
    if info is None:
        return None
    consumers = await link.consumers(event, stream)
    return StreamUsage(
        stream=stream,
        messages=info.state.messages,
        bytes=info.state.bytes,
        consumers=tuple(
            sorted(
                (
                    ConsumerUsage(
                        name=c.name,
                        durable=bool(c.config.durable_name),
                        pending=c.num_pending or 0,
                        ack_pending=c.num_ack_pending or 0,
                        redelivered=c.num_redelivered or 0,
                        paused=bool(c.paused),
                    )
                    for c in consumers
                ),
                key=lambda c: c.name,
            )
        ),
    )
