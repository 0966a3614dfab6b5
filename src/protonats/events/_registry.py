"""``Events``: the set of events a service declares, looked up by name."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import EventDeclarationError, UnknownEventError
from ._event import Event

if TYPE_CHECKING:
    from ..jetstream._connect import ConnectContext
    from ..jetstream._connection import Shareable
    from ..jetstream._nats import Client

__all__ = ["Events"]


class Events:
    """A registry of events with unique names; ``connect()`` to register and emit them.

    ``version`` (e.g. the generated package's version) is stamped on every stream, so an
    older deployment never reverts a stream registered by a newer one. ``docs`` maps the full
    names of protobuf declarations (``shop.v1.UserRegistered.user_id``) to their ``.proto``
    comments, for the event catalog; the code generator fills it.
    """

    __slots__ = ("_by_name", "docs", "version")

    def __init__(
        self,
        *events: Event[Any],
        version: str | None = None,
        docs: Mapping[str, str] | None = None,
    ) -> None:
        by_name: dict[str, Event[Any]] = {}
        for event in events:
            if not isinstance(event, Event):
                raise EventDeclarationError(f"Events() takes Event objects, got {event!r}")
            if event.name in by_name and by_name[event.name] != event:
                raise EventDeclarationError(
                    f"two different events are named {event.name!r} "
                    f"({by_name[event.name].schema_name} and {event.schema_name}); "
                    "event names must be unique in a registry"
                )
            by_name[event.name] = event
        self._by_name = by_name
        self.version = version
        self.docs: Mapping[str, str] = dict(docs or {})

    def get(self, name: str) -> Event[Any]:
        """The event called ``name``; ``UnknownEventError`` listing the known names if none."""
        try:
            return self._by_name[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._by_name), n=1, cutoff=0.6)
            suggestion = close[0] if close else None
            known = ", ".join(sorted(self._by_name)) or "none"
            hint = f"did you mean {suggestion!r}? " if suggestion else ""
            raise UnknownEventError(
                f"no event named {name!r}; {hint}(known: {known})",
                name=name,
                suggestion=suggestion,
            ) from None

    def __contains__(self, event: object) -> bool:
        if isinstance(event, Event):
            return self._by_name.get(event.name) == event
        return event in self._by_name

    def __iter__(self) -> Iterator[Event[Any]]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        names = ", ".join(self._by_name)
        return f"Events({names}, version={self.version!r})"

    def connect(
        self,
        server: str | Sequence[str] | Client | Shareable | None = None,
        *,
        ack_timeout: float = 5.0,
        cloudevents_source: str | None = None,
        domain: str | None = None,
        api_prefix: str | None = None,
        **options: Any,
    ) -> ConnectContext:
        """Connect to NATS; use as ``async with events.connect() as conn:``.

        ``server`` is a URL, a comma-separated list of URLs, or a list of them (default:
        ``$NATS_URL``, else ``nats://localhost:4222``), or an already connected ``nats``
        client, which is then left open on exit. ``options`` go to ``nats.connect``
        (user/password, token, user_credentials, nkeys_seed, tls, reconnect settings, ...).
        The first connection tries each server once and fails fast (``AuthError``,
        ``TLSError``, ``JetStreamNotEnabledError``, ``ConnectError``); later outages are
        reconnected by nats-py (forever unless ``max_reconnect_attempts`` says otherwise).
        ``domain``/``api_prefix`` select the JetStream API (``$JS.<domain>.API``).
        ``ack_timeout`` bounds the wait for each emit's ack, in seconds; with
        ``cloudevents_source`` every message also carries CloudEvents binary-mode headers.
        ``server`` may also be an open ``ConnectedActors`` (or ``ConnectedEvents``): these
        events then share its connection (one socket for a service that listens and emits;
        no connection options then), and the ``connect()`` that opened it closes it.
        """
        from ..jetstream._connect import ConnectContext

        return ConnectContext(
            self,
            server,
            options,
            ack_timeout=ack_timeout,
            cloudevents_source=cloudevents_source,
            domain=domain,
            api_prefix=api_prefix,
        )
