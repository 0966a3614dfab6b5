"""Emitting: what ``ConnectedEvents.emit`` and ``emit_many`` do before and around a send — the
event's route (shared headers, size limit), the message's headers, the checks made before
anything is sent, and the choice of path (one acked publish, a window of acks, an atomic or a
fast-ingest batch). A base of ``ConnectedEvents``, which owns the connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from .. import _wire
from .._errors import (
    BatchEmitError,
    EmitError,
    MessageTooLargeError,
    UnknownEventError,
    with_message,
)
from ..events._cloudevent import CloudEvent, with_meta
from ..events._event import Event
from ..events._fields import DEFAULT_DUPLICATE_WINDOW
from ._atomic import BATCH_HEADERS, check_atomic, publish_atomic
from ._batch import Outgoing, plain_batch, publish_batch
from ._config import stream_config
from ._delay import schedule
from ._fast_ingest import publish_fast
from ._features import FAST_INGEST, supports
from ._headers import check_headers, check_size, check_uid
from ._publish import Ack, AckInbox, publish_one
from ._trace import current_trace
from ._ttl import default_ttl, ttl_header

if TYPE_CHECKING:
    from ..events._registry import Events
    from ._nats import Link

__all__ = ["Emitting", "Route"]

T = TypeVar("T")

_WINDOW = 1024
FAST_MIN = 64
"""Batches smaller than this go the acked path even when fast-ingest is allowed: setting up a
fast-ingest batch (its inbox, the wait for the server's first reply) costs more than it gains."""


class Route:
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


class Emitting:
    """``emit`` and ``emit_many`` over the connection's link and ack inbox."""

    events: Events
    ack_timeout: float
    cloudevents_source: str | None
    _link: Link
    _inbox: AckInbox
    _routes: dict[str, Route]
    _fast_busy: set[str]

    def _route(self, event: Event[Any]) -> Route:
        route = self._routes.get(event.name)
        if route is None or (route.event is not event and route.event != event):
            raise UnknownEventError(
                f"event {event.name!r} is not in this registry ({self.events!r}); "
                "add it to Events(...) before emitting"
            )
        return route

    def _headers(
        self,
        route: Route,
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

    def _encode(self, route: Route, message: Any, headers: Mapping[str, str]) -> bytes:
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
