"""``Actors``: the actors one service runs; ``connect()`` to register and listen."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .._errors import ActorDeclarationError
from ..events._limits import Limits
from ..jetstream._connect import Connecting
from ..jetstream._connected import ConnectedEvents
from ..jetstream._connection import Connection
from ..jetstream._nats import Client
from ._actor import Actor
from ._config import DEAD_LETTER_LIMITS
from ._connected import ConnectedActors

__all__ = ["Actors"]


class Actors:
    """A registry of actors with unique names per event.

    ::

        actors = Actors(SEND_EMAIL, SEND_SMS)
        async with actors.connect() as conn:
            await conn.register()
            await conn.listen()

    ``dead_letter_limits`` are the limits of the ``<event>-dead`` streams (30 days of age by
    default; replicas follow the event's).
    """

    __slots__ = ("_actors", "dead_letter_limits")

    def __init__(
        self, *actors: Actor[Any], dead_letter_limits: Limits = DEAD_LETTER_LIMITS
    ) -> None:
        if not actors:
            raise ActorDeclarationError("Actors() needs at least one Actor")
        seen: dict[tuple[str, str], Actor[Any]] = {}
        events = set()
        for actor in actors:
            if not isinstance(actor, Actor):
                raise ActorDeclarationError(f"Actors() takes Actor objects, got {actor!r}")
            key = (actor.event.name, actor.name)
            if key in seen and seen[key] != actor:
                raise ActorDeclarationError(
                    f"two different actors are named {actor.name!r} on event "
                    f"{actor.event.name!r}; an actor name is its durable consumer, unique per event"
                )
            seen[key] = actor
            events.add(actor.event.name)
        for actor in actors:
            if actor.dead_letter and f"{actor.event.name}-dead" in events:
                raise ActorDeclarationError(
                    f"event {actor.event.name!r} keeps its dead letters in stream "
                    f"'{actor.event.name}-dead', which is also the name of an event handled "
                    "here; rename that event (names ending in '-dead' are best avoided)"
                )
        if not isinstance(dead_letter_limits, Limits):
            raise ActorDeclarationError("dead_letter_limits must be a protonats.Limits")
        self._actors = tuple(seen.values())
        self.dead_letter_limits = dead_letter_limits

    def get(self, name: str) -> Actor[Any] | None:
        """The actor called ``name`` (the first one, if several events have one), or None."""
        for actor in self._actors:
            if actor.name == name:
                return actor
        return None

    def __iter__(self) -> Iterator[Actor[Any]]:
        return iter(self._actors)

    def __len__(self) -> int:
        return len(self._actors)

    def __repr__(self) -> str:
        return f"Actors({', '.join(f'{a.event.name}/{a.name}' for a in self._actors)})"

    def connect(
        self,
        server: str | Sequence[str] | Client | ConnectedEvents | ConnectedActors | None = None,
        *,
        ack_timeout: float = 5.0,
        domain: str | None = None,
        api_prefix: str | None = None,
        **options: Any,
    ) -> ActorsConnection:
        """Connect to NATS; use as ``async with actors.connect() as conn:``.

        Takes what ``Events.connect()`` takes: ``server`` is a URL, a comma-separated list or
        a list of URLs (default: ``$NATS_URL``, else ``nats://localhost:4222``), or an
        already connected ``nats`` client (left open on exit); ``options`` go to
        ``nats.connect`` (user/password, token, user_credentials, nkeys_seed, tls, ...);
        ``domain``/``api_prefix`` select the JetStream API (``$JS.<domain>.API``);
        ``ack_timeout`` bounds the wait for each replayed dead letter's ack
        (``cloudevents_source`` has no use here: a replay carries its original headers).
        ``server`` may also be an open ``ConnectedEvents`` (or ``ConnectedActors``): the
        actors then share its connection (one socket for a service that emits and listens;
        no options then), and the ``connect()`` that opened it closes it.
        """
        return ActorsConnection(
            self, server, options, ack_timeout=ack_timeout, domain=domain, api_prefix=api_prefix
        )


class ActorsConnection(Connecting[ConnectedActors]):
    """``async with actors.connect(...) as conn``: connects, and closes what it opened."""

    def __init__(
        self,
        actors: Actors,
        server: str | Sequence[str] | Client | ConnectedEvents | ConnectedActors | None,
        options: dict[str, Any],
        *,
        ack_timeout: float = 5.0,
        domain: str | None = None,
        api_prefix: str | None = None,
    ) -> None:
        super().__init__(server, options, domain=domain, api_prefix=api_prefix)
        self._actors = actors
        self._ack_timeout = ack_timeout

    def __repr__(self) -> str:
        return f"ActorsConnection({self._actors!r}, {self._where()})"

    def _bind(self, connection: Connection) -> ConnectedActors:
        return ConnectedActors(self._actors, connection, ack_timeout=self._ack_timeout)
