"""The boundary: every call protonats makes into nats-py, and every translation of its failures.

The runtime and the CLI talk to NATS through a ``Link`` (one per connection) and the
``_nats*`` modules; no other module imports ``nats`` (not even for type checking: the data
types they need, ``api``, ``Msg``, ``Subscription`` and ``Client``, are re-exported here), and
only public nats-py APIs are used. The family: ``_nats`` (publishing, subscribing, JetStream
API calls), ``_nats_msg`` (a received message: acks and metadata), ``_nats_kv`` (a KV bucket),
``_nats_errors`` (the one translation of failures, and the server's async errors),
``_nats_client`` (opening and closing a client) and ``_nats_first_connect`` (why a first
connection failed). A failure leaves the boundary as a ``ProtonatsError`` that keeps the
server's code and description, chained to the original; a publish the server refuses (to a
subject, an API subject, a KV key) is a ``PermissionDeniedError`` naming it, at once.
"""

from __future__ import annotations

import datetime
import json
import logging
import sys
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import api
from nats.js import errors as js_errors

from .. import _text  # noqa: F401 - installs the log filter that escapes control characters
from .._errors import EmitError, JetStreamError, PermissionDeniedError, StreamConfigError
from ..events._event import Event
from ._features import ServerInfo
from ._nats_consumers import ConsumerCalls
from ._nats_errors import (
    CONSUMER_NOT_FOUND,
    DEFAULT_API_PREFIX,
    DEFAULT_PENDING_SIZE,
    ENABLE_JETSTREAM,
    STREAM_NAME_IN_USE,
    STREAM_NOT_FOUND,
    SUBJECTS_OVERLAP,
    ServerErrors,
    attach,
    consumer_error,
    denied_subject,
    failure_class,
    failure_reason,
    hooks_of,
    jetstream_error,
)
from ._nats_kv import Bucket
from ._nats_msg import settle, stored_headers
from ._nats_priority import PriorityConsumerConfig
from ._nats_subs import Subscriptions

__all__ = [
    "CONSUMER_NOT_FOUND",
    "DEFAULT_API_PREFIX",
    "DEFAULT_PENDING_SIZE",
    "ENABLE_JETSTREAM",
    "STREAM_NAME_IN_USE",
    "STREAM_NOT_FOUND",
    "SUBJECTS_OVERLAP",
    "Client",
    "Link",
    "Msg",
    "PriorityConsumerConfig",
    "ServerErrors",
    "Subscription",
    "api",
    "api_prefix",
    "attach",
    "consumer_error",
    "denied_subject",
    "failure_class",
    "failure_reason",
    "jetstream_error",
    "settle",
]

log = logging.getLogger("protonats")
T = TypeVar("T")

_NO_MESSAGE_FOUND = 10037  # JetStream: a get-message request matched none


def api_prefix(domain: str | None = None, prefix: str | None = None) -> str:
    """The JetStream API subject prefix for a domain or a custom prefix (default ``$JS.API``)."""
    if domain:
        return f"$JS.{domain}.API"
    return prefix or DEFAULT_API_PREFIX


class Link(ConsumerCalls, Subscriptions):
    """protonats' link to one NATS connection: publishing, inboxes and JetStream API calls.

    Every call names the event it is for, so its errors can. ``client`` is the nats-py client
    itself, for the one escape hatch users get (``conn.client``); protonats never uses it.
    """

    __slots__ = (
        "_api_level",
        "_asked",
        "_buffer",
        "_js",
        "_nc",
        "_timeout",
        "api_prefix",
        "errors",
    )

    def __init__(
        self,
        nc: Client,
        *,
        prefix: str = DEFAULT_API_PREFIX,
        timeout: float = 5.0,
    ) -> None:
        self._nc = nc
        self.api_prefix = prefix
        self._timeout = timeout
        self.errors, pending_size = hooks_of(nc)
        self._js = nc.jetstream(prefix=prefix, timeout=timeout)
        # The client's outgoing buffer, minus room for one protocol line: past it, a publish
        # waits for the socket.
        self._buffer = pending_size - 1024
        self._api_level: int | None = None  # JetStream API level, once learned
        self._asked = False

    @property
    def client(self) -> Client:
        return self._nc

    @property
    def max_payload(self) -> int:
        return self._nc.max_payload

    @property
    def nats_version(self) -> tuple[int, int, int] | None:
        """The connected server's version, ``None`` when unknown."""
        version = self._nc.connected_server_version
        try:
            found = (int(version.major), int(version.minor), int(version.patch))
        except (TypeError, ValueError):
            return None
        return found if found != (0, 0, 0) else None

    @property
    def server(self) -> ServerInfo:
        """What is known of the connected server: its version, and its JetStream API level
        once learned (at connect, or by ``learn_server``)."""
        return ServerInfo(self.nats_version, self._api_level)

    def learned(self, info: api.AccountInfo | None) -> None:
        """Keep the JetStream API level of an account info reply (absent before 2.11; None:
        the account info may not be asked for)."""
        self._asked = True
        level = info.api.level if info is not None and info.api is not None else None
        self._api_level = level if isinstance(level, int) else None

    async def learn_server(self) -> ServerInfo:
        """``server``, asking ``$JS.API.INFO`` for the API level once per link if it was not
        learned at connect. A server that does not answer it (no permission) is judged by its
        version alone."""
        if not self._asked:
            self._asked = True
            try:
                await self.account_info()
            except (nats.errors.Error, PermissionDeniedError) as exc:
                log.debug("nats: account info for the API level: %s", exc)
        return self.server

    def send_may_block(self, size: int) -> bool:
        """Whether publishing ``size`` more bytes waits for the socket (the buffer is full)."""
        return self._buffer > 0 and self._nc.pending_data_size + size > self._buffer

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
            await self._nc.publish(subject, payload, reply=reply, headers=headers)
        except nats.errors.Error as exc:
            raise EmitError(
                f"event {event!r}: could not send, nothing was stored: {exc or type(exc).__name__}"
            ) from exc

    async def publish_run(
        self,
        subject: str,
        payloads: list[bytes],
        headers: list[dict[str, str]],
        start: int,
        stop: int,
        reply: tuple[str, int, str],
    ) -> int:
        """Hand messages ``start``..``stop`` (payload and headers by position) to the client
        in one loop; ``reply`` is (base, offset, suffix): a message's reply subject is
        ``base + str(position + offset) + suffix``. Returns the position of the first one not
        handed over: ``stop``, or one the client refused or that would wait for the socket
        (send that one with ``publish``, which bounds and explains it)."""
        nc = self._nc
        limit = self._buffer if self._buffer > 0 else sys.maxsize
        publish = nc.publish
        base, offset, suffix = reply
        position = start
        try:
            # Per message this loop's own work is 0.25 us (a for loop, an f-string), nats-py's
            # publish with three headers about 4.7 us; a while loop with += and two string
            # concatenations cost 0.43 us.
            for position in range(start, stop):
                payload = payloads[position]
                if nc.pending_data_size + len(payload) > limit:
                    return position
                await publish(
                    subject, payload, f"{base}{position + offset}{suffix}", headers[position]
                )
        except nats.errors.Error:
            return position
        return stop

    async def flush(self, within: float) -> None:
        """Make sure the server has read everything sent so far (acks too); a closed or stuck
        connection is not waited for longer than ``within`` seconds."""
        try:
            await self._nc.flush(timeout=max(1, round(within)))
        except (nats.errors.Error, TimeoutError) as exc:
            log.debug("nats: flush: %s", exc)

    async def account_info(self) -> api.AccountInfo:
        """The account's JetStream info, raw nats-py errors (``check_jetstream`` reads them);
        the link keeps the server's JetStream API level from it (``server``)."""
        info = await self.errors.guard(f"{self.api_prefix}.INFO", self._js.account_info())
        self.learned(info)
        return info

    # Streams. ``stream`` defaults to the event's; ``doing`` says what the call is for.

    async def stream_info(
        self, event: Event[Any], doing: str = "look up the stream", stream: str | None = None
    ) -> api.StreamInfo | None:
        """The stream, or None when it does not exist."""
        name = stream or event.stream_name
        subject = f"{self.api_prefix}.STREAM.INFO.{name}"
        return await self._api(self._js.stream_info(name), event, doing, subject, missing=True)

    async def add_stream(
        self, event: Event[Any], config: api.StreamConfig, doing: str = "create the stream"
    ) -> None:
        """Create the stream; a refusal is a ``StreamConfigError`` with the server's code."""
        subject = f"{self.api_prefix}.STREAM.CREATE.{config.name}"
        await self._api(self._js.add_stream(config), event, doing, subject, StreamConfigError)

    async def update_stream(
        self, event: Event[Any], config: api.StreamConfig, doing: str = "update the stream"
    ) -> None:
        subject = f"{self.api_prefix}.STREAM.UPDATE.{config.name}"
        await self._api(self._js.update_stream(config), event, doing, subject, StreamConfigError)

    async def find_stream(self, event: Event[Any], subject: str) -> str:
        names = f"{self.api_prefix}.STREAM.NAMES"
        found = self._js.find_stream_name_by_subject(subject)
        return await self._api(found, event, "find", names, StreamConfigError)

    async def store(
        self,
        event: Event[Any],
        subject: str,
        payload: bytes,
        headers: Mapping[str, str],
        stream: str,
        doing: str,
        within: float = 5.0,
    ) -> api.PubAck:
        """Publish and wait for ``stream``'s ack (not the hot path: that is ``_publish``)."""
        call = self._js.publish(
            subject, payload, timeout=within, stream=stream, headers=dict(headers)
        )
        return await self._api(call, event, doing, subject)

    async def next_message(
        self, event: Event[Any], stream: str, subject: str, seq: int, doing: str
    ) -> api.RawStreamMsg | None:
        """The first message on ``subject`` at or after ``seq`` in ``stream``, or None."""
        call = self._js.get_msg(stream, seq, subject=subject, next=True)
        api_subject = f"{self.api_prefix}.STREAM.MSG.GET.{stream}"
        raw = await self._api(call, event, doing, api_subject, missing=True)
        if raw is not None:
            raw.headers = stored_headers(raw)
        return raw

    async def first_seq_since(
        self, event: Event[Any], since: datetime.datetime, stream: str | None = None
    ) -> int | None:
        """The sequence of the first message of ``stream`` (default: the event's) stored at
        or after ``since`` (the server's get-message-by-time); ``None`` when none is."""
        subject = f"{self.api_prefix}.STREAM.MSG.GET.{stream or event.stream_name}"
        start = since.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
        body = json.dumps({"start_time": start}).encode()

        async def ask() -> int | None:
            reply = await self._nc.request(subject, body, timeout=self._timeout)
            try:
                answer = json.loads(reply.data)
                if "error" in answer:
                    js_errors.APIError.from_error(answer["error"])  # raises it
                return int(answer["message"]["seq"])
            except js_errors.NotFoundError as exc:
                if exc.err_code == _NO_MESSAGE_FOUND:
                    return None
                raise
            except (ValueError, TypeError, KeyError) as exc:
                raise js_errors.APIError(description=f"unreadable answer: {exc}") from exc

        doing = "find the first message after a time in"
        return await self._api(ask(), event, doing, subject)

    async def delete_message(self, event: Event[Any], stream: str, seq: int, doing: str) -> None:
        """Delete message ``seq`` of ``stream``; one already gone is fine."""
        subject = f"{self.api_prefix}.STREAM.MSG.DELETE.{stream}"
        await self._api(self._js.delete_msg(stream, seq), event, doing, subject, missing=True)

    async def _api(
        self,
        call: Awaitable[T],
        event: Event[Any],
        doing: str,
        subject: str,
        cls: type[JetStreamError] = JetStreamError,
        *,
        missing: bool = False,
    ) -> T:
        """Await a JetStream call published to ``subject``; its failure as ours. ``missing``:
        a "not found" answer is None."""
        try:
            return await self.errors.guard(subject, call)
        except PermissionDeniedError as exc:
            raise self._denied(event, doing, subject, exc.description) from exc
        except js_errors.NotFoundError as exc:
            if missing:
                return None  # type: ignore[return-value]  # the callers' T is optional
            raise jetstream_error(exc, event, doing, cls=cls) from exc
        except js_errors.APIError as exc:
            raise jetstream_error(exc, event, doing, cls=cls) from exc
        except nats.errors.TimeoutError as exc:
            if self.errors.denied_recently(subject):
                raise self._denied(event, doing, subject, None) from exc
            raise jetstream_error(exc, event, doing) from exc
        except nats.errors.Error as exc:
            raise jetstream_error(exc, event, doing) from exc

    @staticmethod
    def _denied(
        event: Event[Any], doing: str, subject: str, description: str | None
    ) -> PermissionDeniedError:
        return PermissionDeniedError(
            f"event {event.name!r}: could not {doing} {event.stream_name!r}: no permission to "
            f"publish to {subject!r} (Permissions Violation). Grant this user publish "
            "permission on it (for the JetStream API, $JS.API.> or the calls it needs), or "
            "connect as a user that has it",
            subject=subject,
            event=event.name,
            stream=event.stream_name,
            description=description or "Permissions Violation",
        )

    # KV buckets (``_nats_kv``), on the same JetStream context and guard.

    async def bucket(self, name: str, fix: str) -> Bucket | None:
        """KV bucket ``name``, or None when it does not exist. ``fix`` ends its errors."""
        return await Bucket.open(self._js, self.errors, self.api_prefix, name, fix)

    async def create_bucket(self, config: api.KeyValueConfig, fix: str) -> Bucket:
        """Create KV bucket ``config.bucket`` (or open it, if another process just did)."""
        return await Bucket.create(self._js, self.errors, self.api_prefix, config, fix)
