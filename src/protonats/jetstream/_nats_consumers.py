"""Part of the boundary: the JetStream API calls on consumers, a base of ``Link``.

Each failure leaves as a ``ConsumerError`` naming the event and the consumer
(``consumer_error``); a consumer (or stream) that does not exist is ``None``, or nothing to do.
"""

from __future__ import annotations

from typing import Any

import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors

from ..events._event import Event
from ._nats_errors import consumer_error
from ._nats_priority import PriorityConsumerConfig, read_consumer_config

__all__ = ["ConsumerCalls"]


class ConsumerCalls:
    """The consumer calls of a ``Link`` (which sets these attributes)."""

    __slots__ = ()
    _js: JetStreamContext
    _nc: Client
    _timeout: float
    api_prefix: str

    async def add_consumer(self, event: Event[Any], config: api.ConsumerConfig) -> api.ConsumerInfo:
        """Create the consumer, or update it (the server edits what it can)."""
        name = config.durable_name or config.name
        try:
            return await self._js.add_consumer(event.stream_name, config)
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "create") from exc

    async def consumer_info(self, event: Event[Any], name: str) -> api.ConsumerInfo | None:
        """The consumer on the event's stream, or None when it (or the stream) does not exist."""
        try:
            info: api.ConsumerInfo = await self._js.consumer_info(event.stream_name, name)
        except js_errors.NotFoundError:
            return None
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "look up") from exc
        return info

    async def consumer_config(self, event: Event[Any], name: str) -> PriorityConsumerConfig | None:
        """The consumer's config with its priority group fields (which ``consumer_info``
        drops), or None when it (or the stream) does not exist."""
        try:
            return await read_consumer_config(
                self._nc, self.api_prefix, event.stream_name, name, self._timeout
            )
        except js_errors.NotFoundError:
            return None
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "look up") from exc

    async def consumer_exists(self, event: Event[Any], name: str) -> bool:
        """Whether the consumer (and its stream) exists."""
        return await self.consumer_info(event, name) is not None

    async def consumers(
        self, event: Event[Any], stream: str | None = None
    ) -> list[api.ConsumerInfo]:
        """Every consumer of the event's stream (or of ``stream``: its dead letters'); none
        when the stream does not exist."""
        try:
            found: list[api.ConsumerInfo] = await self._js.consumers_info(
                stream or event.stream_name
            )
        except js_errors.NotFoundError:
            return []
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, None, "list") from exc
        return found

    async def pause_consumer(
        self, event: Event[Any], name: str, until: str | None
    ) -> api.ConsumerPause:
        """Pause the consumer until ``until`` (RFC 3339, UTC), or resume it (None): it hands
        out no message meanwhile and keeps its place (nats-server 2.11+)."""
        try:
            if until is None:
                return await self._js.resume_consumer(event.stream_name, name)
            return await self._js.pause_consumer(event.stream_name, name, until)
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "pause" if until else "resume") from exc

    async def delete_consumer(self, event: Event[Any], name: str) -> None:
        """Delete a consumer; one already gone is fine."""
        try:
            await self._js.delete_consumer(event.stream_name, name)
        except js_errors.NotFoundError:
            return
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "delete") from exc
