"""``ConnectedEvents``: a registry bound to a NATS connection — register, plan, the ledger,
consume and tail; emitting is its base ``Emitting`` (``_emitting``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, TypeVar

from .._errors import REGISTER_FIRST, NoStreamError
from ..events._event import Event
from ._config import StreamPlan
from ._connection import Connection, Shareable, inbox_of, link_of
from ._consume import ConsumerOptions, Delivery, iterate_deliveries
from ._emitting import Emitting, Route
from ._ledger import LedgerEntry, LedgerRevision
from ._ledger_kv import LedgerStore
from ._nats import Client, api
from ._register import OnNewer, plan_events, register_events

if TYPE_CHECKING:
    from ..events._registry import Events

__all__ = ["ConnectedEvents"]

T = TypeVar("T")


class ConnectedEvents(Emitting, Shareable):
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
        self._routes = {e.name: Route(e, self._link.max_payload) for e in events}
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
