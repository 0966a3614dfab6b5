"""The boundary: every call protonats makes into nats-py, and every translation of its failures.

The rest of the runtime and the CLI talk to NATS through a ``Link`` (one per connection) and
the functions here; nothing else imports ``nats``' clients, and only public nats-py APIs are
used. A nats-py or JetStream failure leaves this module as a ``ProtonatsError`` that keeps the
server's code and description, chained to the original (the translations themselves live in
``_nats_errors`` and are re-exported here).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors

from .._errors import (
    ConsumerError,
    EmitError,
    PermissionDeniedError,
    StreamConfigError,
)
from ..events._event import Event
from ._nats_errors import (
    CONSUMER_NOT_FOUND,
    ENABLE_JETSTREAM,
    STREAM_NAME_IN_USE,
    STREAM_NOT_FOUND,
    SUBJECTS_OVERLAP,
    consumer_error,
    failure_class,
    failure_reason,
    jetstream_error,
)

__all__ = [
    "CONSUMER_NOT_FOUND",
    "DEFAULT_API_PREFIX",
    "DEFAULT_PENDING_SIZE",
    "ENABLE_JETSTREAM",
    "STREAM_NAME_IN_USE",
    "STREAM_NOT_FOUND",
    "SUBJECTS_OVERLAP",
    "Link",
    "ServerErrors",
    "api_prefix",
    "attach",
    "consumer_error",
    "failure_class",
    "failure_reason",
    "jetstream_error",
    "settle",
]

log = logging.getLogger("protonats")
T = TypeVar("T")

DEFAULT_API_PREFIX = "$JS.API"

_ROUTINE = (nats.errors.UnexpectedEOF, nats.errors.StaleConnectionError)
_PERMISSIONS = "permissions violation for publish to"


def api_prefix(domain: str | None = None, prefix: str | None = None) -> str:
    """The JetStream API subject prefix for a domain or a custom prefix (default ``$JS.API``)."""
    if domain:
        return f"$JS.{domain}.API"
    return prefix or DEFAULT_API_PREFIX


class ServerErrors:
    """The async errors a server sends (``-ERR ...``): logged, and handed to who waits on them.

    Pass ``ServerErrors.callback`` as nats-py's ``error_cb``. A permission violation names a
    subject; the publishes waiting on that subject are failed by their watcher. nats-py
    lower-cases the server's error line, so watchers get the subject in lower case.
    ``redact`` hides the connection's secrets in what is logged.
    """

    __slots__ = ("_denied", "_forward", "_redact", "_watchers")

    def __init__(
        self,
        forward: Callable[[Exception], Awaitable[None]] | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._forward = forward  # the user's own error_cb, still called
        self._redact = redact
        self._watchers: list[Callable[[str], None]] = []
        self._denied: dict[str, float] = {}  # subject (lower case) -> when, the last few

    def denied_recently(self, subject: str, within: float = 30.0) -> bool:
        """Whether the server refused a publish to ``subject`` in the last ``within`` s."""
        when = self._denied.get(subject.lower())
        return when is not None and time.monotonic() - when < within

    async def guard(self, subject: str, call: Awaitable[T]) -> T:
        """Await ``call``; ``PermissionDeniedError`` as soon as the server refuses a publish
        to ``subject`` meanwhile (instead of the timeout that would follow)."""
        loop = asyncio.get_running_loop()
        denied: asyncio.Future[str] = loop.create_future()
        wanted = subject.lower()

        def on_denied(refused: str) -> None:
            if refused == wanted and not denied.done():
                denied.set_result(refused)

        unwatch = self.watch(on_denied)
        work = asyncio.ensure_future(call)
        try:
            await asyncio.wait((work, denied), return_when=asyncio.FIRST_COMPLETED)
        finally:
            unwatch()
            if not work.done():
                work.cancel()
                await asyncio.wait((work,))
        if denied.done() and (work.cancelled() or work.exception() is not None):
            raise PermissionDeniedError(
                f"no permission to publish to {subject!r} (Permissions Violation): grant "
                "this user publish permission on it in the server's authorization or accounts "
                "config, or connect as a user that has it",
                subject=subject,
                description="Permissions Violation",
            )
        return work.result()

    def watch(self, on_denied: Callable[[str], None]) -> Callable[[], None]:
        """Call ``on_denied(subject)`` for each publish permission violation; returns undo."""
        self._watchers.append(on_denied)
        return lambda: self._watchers.remove(on_denied)

    async def callback(self, exc: Exception) -> None:
        text = str(exc) or type(exc).__name__
        # What the server says (-ERR, permissions, authorization) is a warning; a socket that
        # fails while (re)connecting is routine and the operation waiting on it reports it.
        server_said = isinstance(exc, nats.errors.Error) and not isinstance(exc, _ROUTINE)
        level = logging.WARNING if server_said else logging.DEBUG
        log.log(level, "nats: %s", self._redact(text))
        if self._forward is not None:
            await self._forward(exc)
        subject = denied_subject(text)
        if subject is not None:
            if len(self._denied) > 100:
                self._denied.clear()
            self._denied[subject] = time.monotonic()
            for watcher in list(self._watchers):
                watcher(subject)


def denied_subject(text: str) -> str | None:
    """The subject of ``Permissions Violation for Publish to "subject"`` (any case: nats-py
    lower-cases the line), in lower case; else None."""
    _, found, rest = text.lower().partition(_PERMISSIONS)
    if not found:
        return None
    return rest.strip().strip("'\"").split('"')[0].strip() or None


_HOOKS: weakref.WeakKeyDictionary[Client, tuple[ServerErrors, int]] = weakref.WeakKeyDictionary()
# nats-py's default outgoing buffer (its ``pending_size`` option), for a client we did not open.
DEFAULT_PENDING_SIZE = 2 * 1024 * 1024


def attach(nc: Client, errors: ServerErrors, pending_size: int = DEFAULT_PENDING_SIZE) -> None:
    """Tell the boundary that ``errors.callback`` is ``nc``'s error_cb and ``pending_size`` its
    outgoing buffer (both set at connect, as the client's options)."""
    _HOOKS[nc] = (errors, pending_size)


class Link:
    """protonats' link to one NATS connection: publishing, inboxes and JetStream API calls."""

    __slots__ = ("_buffer", "api_prefix", "errors", "js", "nc")

    def __init__(
        self,
        nc: Client,
        *,
        prefix: str = DEFAULT_API_PREFIX,
        timeout: float = 5.0,
    ) -> None:
        self.nc = nc
        self.api_prefix = prefix
        # A client connected elsewhere has its own error_cb: its violations stay ack timeouts.
        self.errors, pending_size = _HOOKS.get(nc) or (ServerErrors(), DEFAULT_PENDING_SIZE)
        self.js: JetStreamContext = nc.jetstream(prefix=prefix, timeout=timeout)
        # The client's outgoing buffer, minus room for one protocol line: past it, a publish
        # waits for the socket.
        self._buffer = pending_size - 1024

    @property
    def max_payload(self) -> int:
        return self.nc.max_payload

    @property
    def nats_version(self) -> tuple[int, int, int] | None:
        """The connected server's version, ``None`` when unknown."""
        version = self.nc.connected_server_version
        try:
            found = (int(version.major), int(version.minor), int(version.patch))
        except (TypeError, ValueError):
            return None
        return found if found != (0, 0, 0) else None

    def new_inbox(self) -> str:
        return self.nc.new_inbox()

    async def subscribe(self, subject: str, on_msg: Callable[[Msg], None]) -> Subscription:
        """Subscribe ``on_msg`` (a plain function, called once per message) to ``subject``."""

        async def deliver(msg: Msg) -> None:
            on_msg(msg)

        return await self.nc.subscribe(subject, cb=deliver, pending_bytes_limit=0)

    async def unsubscribe(self, sub: Subscription) -> None:
        """Stop a subscription; a closed connection has nothing left to stop."""
        try:
            await sub.unsubscribe()
        except nats.errors.Error as exc:
            log.debug("nats: unsubscribe: %s", exc)

    def send_may_block(self, size: int) -> bool:
        """Whether publishing ``size`` more bytes waits for the socket (the buffer is full)."""
        return self._buffer > 0 and self.nc.pending_data_size + size > self._buffer

    async def publish(
        self,
        subject: str,
        payload: bytes,
        reply: str,
        headers: dict[str, str] | None,
        event: str,
    ) -> None:
        """Hand one message to the client; ``EmitError`` when it cannot even be buffered."""
        try:
            await self.nc.publish(subject, payload, reply=reply, headers=headers)
        except nats.errors.Error as exc:
            raise EmitError(
                f"event {event!r}: could not send, nothing was stored: {exc or type(exc).__name__}"
            ) from exc

    # JetStream API: each call names the event it is for, so its errors can.

    async def stream_info(self, event: Event[Any], doing: str = "look up") -> api.StreamInfo | None:
        """The event's stream, or None when it does not exist."""
        try:
            return await self.js.stream_info(event.stream_name)
        except js_errors.NotFoundError:
            return None
        except nats.errors.Error as exc:
            raise jetstream_error(exc, event, f"{doing} the stream") from exc

    async def add_stream(self, event: Event[Any], config: api.StreamConfig) -> None:
        """Create the stream; a refusal is a ``StreamConfigError`` with the server's code."""
        subject = f"{self.api_prefix}.STREAM.CREATE.{config.name}"
        await self._api(self.js.add_stream(config), event, "create the stream", subject)

    async def update_stream(self, event: Event[Any], config: api.StreamConfig) -> None:
        subject = f"{self.api_prefix}.STREAM.UPDATE.{config.name}"
        await self._api(self.js.update_stream(config), event, "update the stream", subject)

    async def find_stream(self, event: Event[Any], subject: str) -> str:
        names = f"{self.api_prefix}.STREAM.NAMES"
        found = self._api(self.js.find_stream_name_by_subject(subject), event, "find", names)
        return await found

    async def _api(self, call: Awaitable[T], event: Event[Any], doing: str, subject: str) -> T:
        try:
            return await self.errors.guard(subject, call)
        except PermissionDeniedError as exc:
            raise PermissionDeniedError(
                f"event {event.name!r}: could not {doing} {event.stream_name!r}: {exc}",
                subject=subject,
                event=event.name,
                stream=event.stream_name,
                description=exc.description,
            ) from exc
        except js_errors.APIError as exc:
            raise jetstream_error(exc, event, doing, cls=StreamConfigError) from exc
        except nats.errors.TimeoutError as exc:
            if self.errors.denied_recently(subject):
                raise PermissionDeniedError(
                    f"event {event.name!r}: could not {doing} {event.stream_name!r}: no "
                    f"permission to publish to {subject!r} (Permissions Violation). Grant "
                    "this user the JetStream API permission",
                    subject=subject,
                    event=event.name,
                    stream=event.stream_name,
                ) from exc
            raise jetstream_error(exc, event, doing) from exc
        except nats.errors.Error as exc:
            raise jetstream_error(exc, event, doing) from exc

    async def add_consumer(self, event: Event[Any], config: api.ConsumerConfig) -> api.ConsumerInfo:
        name = config.durable_name or config.name
        try:
            return await self.js.add_consumer(event.stream_name, config)
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "create") from exc

    async def consumer_exists(self, event: Event[Any], name: str) -> bool:
        """Whether the consumer (and its stream) exists."""
        try:
            await self.js.consumer_info(event.stream_name, name)
        except js_errors.NotFoundError:
            return False
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "look up") from exc
        return True

    async def delete_consumer(self, event: Event[Any], name: str) -> None:
        """Delete a consumer; one already gone is fine."""
        try:
            await self.js.delete_consumer(event.stream_name, name)
        except js_errors.NotFoundError:
            return
        except nats.errors.Error as exc:
            raise consumer_error(exc, event, name, "delete") from exc


async def settle(
    call: Callable[[], Awaitable[T]], event: Event[Any], consumer: str | None, what: str
) -> T:
    """Run ``msg.ack()``-like ``call``; nats errors become a ``ConsumerError``."""
    try:
        return await call()
    except nats.errors.Error as exc:
        raise ConsumerError(
            f"event {event.name!r}, consumer {consumer!r}: could not {what}: "
            f"{exc or type(exc).__name__}; the server will redeliver it after ack_wait",
            event=event.name,
            stream=event.stream_name,
            consumer=consumer,
        ) from exc
