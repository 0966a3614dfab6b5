"""``ConnectedEvents``: a registry bound to a NATS connection — register, emit, consume."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .. import _wire
from .._errors import (
    REGISTER_FIRST,
    BatchEmitError,
    EmitError,
    MessageTooLargeError,
    NoStreamError,
    UnknownEventError,
    with_message,
)
from ..events._cloudevent import CloudEvent, with_meta
from ..events._event import Event
from ..events._fields import DEFAULT_DUPLICATE_WINDOW
from ._atomic import BATCH_HEADERS, check_atomic, publish_atomic
from ._batch import Outgoing, plain_batch, publish_batch
from ._config import StreamPlan, stream_config
from ._connection import Connection, Shareable, inbox_of, link_of
from ._consume import ConsumerOptions, Delivery, iterate_deliveries
from ._delay import schedule
from ._fast_ingest import publish_fast
from ._features import FAST_INGEST, supports
from ._headers import check_headers, check_size, check_uid
from ._ledger import LedgerEntry, LedgerRevision
from ._ledger_kv import LedgerStore
from ._nats import Client, api
from ._publish import Ack, publish_one
from ._register import OnNewer, plan_events, register_events
from ._trace import current_trace
from ._ttl import default_ttl, ttl_header

if TYPE_CHECKING:
    from ..events._registry import Events

__all__ = ["ConnectedEvents"]

T = TypeVar("T")

_WINDOW = 1024
FAST_MIN = 64
"""Batches smaller than this go the acked path even when fast-ingest is allowed: setting up a
fast-ingest batch (its inbox, the wait for the server's first reply) costs more than it gains."""


class _Route:
    """What emit needs per event, computed once per connection."""

    __slots__ = ("event", "header_size", "headers", "max_size")

    def __init__(self, event: Event[Any], max_payload: int) -> None:
        self.event = event
        self.headers = {
            _wire.CONTENT_TYPE: event.content_type,
            _wire.SCHEMA: event.schema_name,
            _wire.EXPECTED_STREAM: event.stream_name,
            **default_ttl(event),
        }
        self.header_size = _wire.header_size(self.headers)
        size = event.limits.message_size
        self.max_size = min(size, max_payload) if size is not None else max_payload


class ConnectedEvents(Shareable):
    """The registry's events on a live connection. Get one from ``Events.connect()``.

    ``api_prefix`` is the JetStream API subject prefix every call uses (``$JS.API``, or
    ``$JS.<domain>.API``); ``servers`` are the server URLs, their secrets redacted. Pass it as
    ``server`` to ``Actors.connect()`` to run actors on the same connection.
    """

    def __init__(
        self,
        events: Events,
        connection: Connection,
        *,
        ack_timeout: float = 5.0,
        cloudevents_source: str | None = None,
    ) -> None:
        self.events = events
        self._connection = connection
        self.api_prefix = connection.api_prefix
        self.servers = connection.servers
        self._link = link_of(connection)
        self.ack_timeout = ack_timeout
        self.cloudevents_source = cloudevents_source
        self._inbox = inbox_of(connection)
        self._routes = {e.name: _Route(e, self._link.max_payload) for e in events}
        self._fast_busy: set[str] = set()  # events with a fast-ingest batch under way

    @property
    def client(self) -> Client:
        """The nats-py client under this connection: the escape hatch for what protonats does
        not do (core NATS request/reply, say). Leave its lifecycle (close, drain) to
        ``Events.connect()``; JetStream calls made on it bypass protonats' errors."""
        return self._link.client

    def __repr__(self) -> str:
        return (
            f"ConnectedEvents({self.events!r}, servers={list(self.servers)}, "
            f"api_prefix={self.api_prefix!r})"
        )

    async def plan(
        self,
        *,
        on_newer: OnNewer = "raise",
        allow_incompatible: bool = False,
        allow_data_loss: bool = False,
    ) -> list[StreamPlan]:
        """What ``register()`` (same flags) would do to each event's stream; changes nothing."""
        return await plan_events(
            self._link,
            self.events,
            version=self.events.version,
            on_newer=on_newer,
            allow_incompatible=allow_incompatible,
            allow_data_loss=allow_data_loss,
        )

    async def register(
        self,
        *,
        create: bool = True,
        update: bool = True,
        on_newer: OnNewer = "raise",
        allow_incompatible: bool = False,
        allow_data_loss: bool = False,
        lock_timeout: float = 60.0,
    ) -> list[StreamPlan]:
        """Create missing streams and update changed ones; return what was done per event.

        Unchanged streams are not touched. Refuses (``StreamExistsError``/``StreamConfigError``)
        a stream protonats does not own, a storage or retention change, and reverting a stream
        registered by a newer registry version (``on_newer="skip"`` skips those instead).
        Records every event in the schema ledger (KV bucket ``protonats-registry``) and refuses
        a schema that cannot read the ledger's (``SchemaIncompatibleError``) unless
        ``allow_incompatible``. Runs under the ledger's register lock, waiting for another
        registrant at most ``lock_timeout`` seconds. A lowered limit that would delete stored
        messages is refused (``DataLossError``) unless ``allow_data_loss``.
        """
        return await register_events(
            self._link,
            self.events,
            version=self.events.version,
            create=create,
            update=update,
            on_newer=on_newer,
            allow_incompatible=allow_incompatible,
            allow_data_loss=allow_data_loss,
            lock_timeout=lock_timeout,
        )

    async def ledger(self, name: str) -> LedgerEntry | None:
        """Event ``name``'s current entry in the server's schema ledger; None if never
        registered. Any event on the server, not only this registry's."""
        store = await LedgerStore.open(self._link)
        found = await store.get(name) if store is not None else None
        return found.entry if found is not None else None

    async def ledger_history(self, name: str) -> list[LedgerRevision]:
        """Every kept revision (up to 64) of event ``name``'s ledger entry, oldest first."""
        store = await LedgerStore.open(self._link)
        return await store.history(name) if store is not None else []

    async def ledger_entries(self) -> list[LedgerEntry]:
        """The current ledger entry of every event registered on the server, by name."""
        store = await LedgerStore.open(self._link)
        return [r.entry for r in await store.entries()] if store is not None else []

    def _route(self, event: Event[Any]) -> _Route:
        route = self._routes.get(event.name)
        if route is None or (route.event is not event and route.event != event):
            raise UnknownEventError(
                f"event {event.name!r} is not in this registry ({self.events!r}); "
                "add it to Events(...) before emitting"
            )
        return route

    def _headers(
        self,
        route: _Route,
        uid: str | None,
        headers: Mapping[str, str] | None,
        trace_id: str | None,
        traced: Mapping[str, str] | None,
    ) -> dict[str, str]:
        """The message's headers; the event's shared dict when nothing is added (hot path).

        ``traced`` is the current span's trace context (``_traced()``), looked up once per call
        of emit or emit_many."""
        if (
            uid is None
            and headers is None
            and trace_id is None
            and traced is None
            and self.cloudevents_source is None
        ):
            return route.headers
        result = dict(route.headers)
        if traced:  # the current span's W3C trace context; headers given explicitly win
            result.update(traced)
        if headers:  # checked by check_headers, once per emit or emit_many
            result.update(headers)
        if uid is not None:
            check_uid(route.event.name, uid)
            result[_wire.MSG_ID] = uid
        if trace_id is not None:
            result[_wire.TRACE_ID] = trace_id
        if self.cloudevents_source is not None:
            # setdefault: a CloudEvent given as emit's meta= says it better
            for key, value in _wire.cloudevents(
                route.event.name, self.cloudevents_source, uid
            ).items():
                result.setdefault(key, value)
        return _wire.encode_cloudevents(result)  # ce-* values as the CloudEvents binding says

    def _encode(self, route: _Route, message: Any, headers: Mapping[str, str]) -> bytes:
        payload = route.event.encode(message)
        hdr = route.header_size if headers is route.headers else _wire.header_size(headers)
        check_size(route.event.name, hdr)
        if len(payload) + hdr > route.max_size:
            raise MessageTooLargeError(
                f"event {route.event.name!r}: payload of {len(payload)} bytes plus "
                f"{hdr} bytes of headers is over the limit of {route.max_size} "
                "(limits.message_size or the server's max_payload); nothing was sent. "
                "Send less, or raise limits.message_size"
            )
        return payload

    def _fast_ingest(self, event: Event[Any], count: int) -> bool:
        """Whether a batch of ``count`` goes as a fast-ingest batch: the event allows it, the
        server has it, the batch is large enough to gain, and no other fast-ingest batch of
        the event is under way on this connection (the sequences of each batch's acks are
        derived from its final ack: two at once would interleave)."""
        return (
            event.allow_batched
            and count >= FAST_MIN
            and event.name not in self._fast_busy
            and supports(self._link.server, FAST_INGEST)
        )

    @overload
    async def emit(
        self,
        event: Event[T],
        message: T,
        *,
        uid: str | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        delay: float | None = None,
        ttl: float | None = None,
        meta: Mapping[str, str] | CloudEvent | None = None,
        sync: Literal[True] = True,
    ) -> Ack: ...

    @overload
    async def emit(
        self,
        event: Event[T],
        message: T,
        *,
        uid: str | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        delay: float | None = None,
        ttl: float | None = None,
        meta: Mapping[str, str] | CloudEvent | None = None,
        sync: Literal[False],
    ) -> None: ...

    @overload
    async def emit(
        self,
        event: Event[T],
        message: T,
        *,
        uid: str | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        delay: float | None = None,
        ttl: float | None = None,
        meta: Mapping[str, str] | CloudEvent | None = None,
        sync: bool,
    ) -> Ack | None: ...

    async def emit(
        self,
        event: Event[T],
        message: T,
        *,
        uid: str | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        delay: float | None = None,
        ttl: float | None = None,
        meta: Mapping[str, str] | CloudEvent | None = None,
        sync: bool = True,
    ) -> Ack | None:
        """Publish ``message`` and wait until the stream has stored it; return the ``Ack``.

        Validates the event, the message type and size before sending. ``uid`` (sent as
        ``Nats-Msg-Id``) makes a retried emit store once. ``delay`` (seconds; events with
        ``allow_delay=True``) stores it now and has the server publish it that much later.
        ``ttl`` (seconds, at least 1; events with ``allow_ttl=True`` or ``message_ttl``): the
        server removes the message that long after storing it. ``meta``: extra headers, or a
        ``CloudEvent`` sent as ``ce-*`` headers. ``sync=False`` does not wait for the ack and
        returns None: the message is lost, silently, if the server drops it.
        """
        route = self._route(event)
        extra, uid = with_meta(headers, meta, uid)
        check_headers(event.name, extra, trace_id)
        hdrs = self._headers(route, uid, extra, trace_id, _traced())
        if ttl is not None:
            hdrs = {**hdrs, **ttl_header(event, ttl, self._link.server)}
        subject = event.subject_name
        if delay is not None:
            server = self._link.server
            subject, hdrs = schedule(event, hdrs, delay, uid=uid, server=server)
        payload = self._encode(route, message, hdrs)
        if not sync:
            await self._link.publish(subject, payload, "", hdrs, event.name)
            return None
        return await publish_one(
            self._link, self._inbox, event, payload, hdrs, self.ack_timeout, subject
        )

    async def emit_many(
        self,
        event: Event[T],
        messages: Iterable[T],
        *,
        uids: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        trace_id: str | None = None,
        ttl: float | None = None,
        atomic: bool = False,
    ) -> list[Ack]:
        """Publish a batch with many acks in flight; return every ack in input order.

        Every message is validated and encoded before the first is sent. If any is not
        stored, raises ``BatchEmitError`` whose ``failures`` maps index -> error and whose
        ``acks`` has the acks of the others. ``ttl``: every message's, as in ``emit``.
        ``atomic=True`` (events with ``allow_atomic=True``): all are stored or none, at most
        1000; else ``AtomicBatchError`` and nothing is stored.
        """
        route = self._route(event)
        messages = list(messages)
        extra = ttl_header(event, ttl, self._link.server) if ttl is not None else None
        if atomic:
            check_atomic(event, len(messages), self._link.server)
            extra = {**(extra or {}), **BATCH_HEADERS}  # counted in each message's size

        if uids is not None and len(uids) != len(messages):
            raise EmitError(
                f"event {event.name!r}: {len(uids)} uids for {len(messages)} messages; "
                "nothing was sent"
            )
        check_headers(event.name, headers, trace_id)
        traced = _traced()  # one span for the whole batch
        plain = not (uids or headers or trace_id or traced or extra or self.cloudevents_source)
        batch = plain_batch(route.event, messages, route.headers, route.max_size) if plain else None
        if batch is None:
            batch = Outgoing([], [])
            for index, message in enumerate(messages):
                try:
                    uid = uids[index] if uids else None
                    hdrs = self._headers(route, uid, headers, trace_id, traced)
                    if extra:
                        hdrs = {**hdrs, **extra}
                    batch.payloads.append(self._encode(route, message, hdrs))
                    batch.headers.append(hdrs)
                except EmitError as exc:
                    raise _at_index(exc, index) from exc
        if atomic:
            pairs = list(zip(batch.payloads, batch.headers, strict=True))
            return await publish_atomic(self._link, self._inbox, event, pairs, self.ack_timeout)
        result = None
        if uids is None and self._fast_ingest(event, len(batch.payloads)):
            self._fast_busy.add(event.name)
            try:
                result = await publish_fast(self._link, event, batch, self.ack_timeout)
            finally:
                self._fast_busy.discard(event.name)
        if result is None:
            result = await publish_batch(
                self._link, self._inbox, event, batch, self.ack_timeout, _WINDOW
            )
        if result.failures:
            raise _batch_error(event, result.failures, result.acks, result.maybe_stored)
        return [ack for ack in result.acks if ack is not None]

    def consume(
        self,
        event: Event[T],
        consumer: str,
        *,
        batch: int = 100,
        idle_timeout: float | None = None,
        options: ConsumerOptions | None = None,
        **option_kwargs: Any,
    ) -> AsyncGenerator[Delivery[T], None]:
        """Iterate over the event's messages through the durable pull consumer ``consumer``.

        The consumer is created if missing (the same config again is a no-op) and resumes
        where it left off. ``ack_wait``, ``max_deliver``, ``backoff`` and ``max_ack_pending``
        go to ``ConsumerOptions``. The iterator ends after ``idle_timeout`` seconds without
        a message, or never when it is None.
        """
        self._route(event)
        opts = options if options is not None else ConsumerOptions(**option_kwargs)
        return iterate_deliveries(
            self._link, event, opts.config(event, consumer), batch=batch, idle_timeout=idle_timeout
        )

    async def tail(
        self,
        event: Event[T],
        *,
        last: int | None = None,
        from_start: bool = False,
        idle_timeout: float | None = None,
    ) -> AsyncGenerator[Delivery[T], None]:
        """Watch the event's stream through an ephemeral consumer that is deleted after.

        New messages only by default; ``last=N`` starts N messages back, ``from_start`` at
        the first one. Nothing is acked: tailing never takes a message from an actor.
        """
        self._route(event)
        config = api.ConsumerConfig(
            ack_policy=api.AckPolicy.NONE,
            filter_subject=event.subject_name,
            inactive_threshold=30.0,
            deliver_policy=api.DeliverPolicy.ALL if from_start else api.DeliverPolicy.NEW,
        )
        info = await self._link.stream_info(event)
        if info is None:
            raise NoStreamError.with_fix(
                f"event {event.name!r}: stream {event.stream_name!r} does not exist",
                REGISTER_FIRST,
            )
        if last is not None and not from_start:
            first = max(info.state.first_seq, info.state.last_seq - last + 1)
            config.deliver_policy = api.DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = first
        deliveries = iterate_deliveries(
            self._link, event, config, batch=100, idle_timeout=idle_timeout, ephemeral=True
        )
        async with contextlib.aclosing(deliveries):  # delete the consumer when we stop
            async for delivery in deliveries:
                yield delivery


def _at_index(exc: EmitError, index: int) -> EmitError:
    """A new error like ``exc`` that says which message of the batch it is about."""
    text = f"{exc} (message #{index} of the batch; nothing was sent)"
    try:
        return with_message(exc, text)  # its class and fields (EncodeError's event...)
    except TypeError:  # fields it cannot be built from: keep the class family
        return EmitError(text)


def _batch_error(
    event: Event[Any],
    failures: dict[int, BaseException],
    acks: Sequence[Ack | None],
    maybe_stored: Iterable[int],
) -> BatchEmitError:
    maybe = frozenset(maybe_stored)
    window = float(stream_config(event).duplicate_window or DEFAULT_DUPLICATE_WINDOW)
    refused = len(failures) - len(maybe)
    shown = ", ".join(f"#{i}: {failures[i]}" for i in sorted(failures)[:3])
    more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
    retry = (
        f"; {len(maybe)} got no answer and may be stored: retry them with the same uids "
        f"within the stream's duplicate window ({window:g} s) to store each exactly once"
        if maybe
        else ""
    )
    return BatchEmitError(
        f"event {event.name!r}: {len(failures)} of {len(acks)} messages were not stored "
        f"({refused} certainly not stored{retry}): {shown}{more}",
        failures,
        acks,
        maybe_stored=maybe,
        duplicate_window=window,
    )


def _traced() -> dict[str, str] | None:
    """The current span's W3C trace context, or None (always None without OpenTelemetry)."""
    return current_trace() if current_trace is not None else None
