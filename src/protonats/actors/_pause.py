"""Pausing and resuming an actor (nats-server 2.11+, consumer pause).

A paused actor's durable consumer hands out no message until the pause ends (or ``resume``):
its listeners keep running and receive nothing, messages wait in the stream, and when the
pause ends every listener continues where the consumer was. The pause is the server's, so it
holds across restarts of the listeners and is seen by every instance.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable
from typing import Any

from .._errors import ActorDeclarationError, ConsumerError
from .._wire import rfc3339
from ..events._event import Event
from ..jetstream._features import CONSUMER_PAUSE, refusal
from ..jetstream._nats import Link
from ._config import META_ACTOR

__all__ = ["ActorState", "actor_states", "events_of_actor", "pause", "pause_until", "resume"]


@dataclasses.dataclass(frozen=True, slots=True)
class ActorState:
    """An actor as its consumer is on the server: messages waiting, and its pause."""

    event: str
    actor: str
    pending: int
    """Messages not yet handed out."""
    in_progress: int
    """Messages handed out and not yet acked."""
    paused_until: datetime.datetime | None = None
    """When the pause ends (UTC); None when not paused."""


def pause_until(
    until: datetime.datetime | float, now: datetime.datetime | None = None
) -> datetime.datetime:
    """When a pause given as a time or a number of seconds from now ends (UTC);
    ``ValueError`` for a time in the past, a naive time or a non-positive number."""
    now = now or datetime.datetime.now(datetime.UTC)
    if isinstance(until, datetime.datetime):
        if until.tzinfo is None:
            raise ValueError(
                f"until={until.isoformat()} has no time zone; give an aware datetime "
                "(datetime.now(UTC) + ...)"
            )
        end = until.astimezone(datetime.UTC)
    elif isinstance(until, int | float) and not isinstance(until, bool):
        if not math.isfinite(until) or until <= 0:
            raise ValueError(f"until must be a positive number of seconds, got {until!r}")
        end = now + datetime.timedelta(seconds=until)
    else:
        raise ValueError(f"until must be a datetime or seconds, got {until!r}")
    if end <= now:
        raise ValueError(f"until={rfc3339(end)} is not in the future")
    return end


async def pause(
    link: Link, event: Event[Any], actor: str, until: datetime.datetime | float
) -> datetime.datetime:
    """Pause ``actor``'s consumer on ``event`` until ``until``; when the pause ends."""
    try:
        end = pause_until(until)
    except ValueError as exc:
        raise ActorDeclarationError(f"actor {actor!r}: pause: {exc}") from exc
    await _check(link, event, actor, "pause")
    reply = await link.pause_consumer(event, actor, rfc3339(end))
    if not reply.paused:
        raise ConsumerError(
            f"event {event.name!r}, actor {actor!r}: the server did not pause the consumer "
            f"(until {rfc3339(end)})",
            event=event.name,
            stream=event.stream_name,
            consumer=actor,
        )
    return end


async def resume(link: Link, event: Event[Any], actor: str) -> None:
    """End ``actor``'s pause on ``event`` now (one not paused stays as it is)."""
    await _check(link, event, actor, "resume")
    await link.pause_consumer(event, actor, None)


async def _check(link: Link, event: Event[Any], actor: str, doing: str) -> None:
    too_old = refusal(
        CONSUMER_PAUSE,
        await link.learn_server(),
        what=f"actor {actor!r}: {doing}",
        field=doing,
        fix=f"stop the actor's listeners instead of {doing.removesuffix('e')}ing it",
        event=event.name,
        stream=event.stream_name,
    )
    if too_old is not None:
        raise too_old


async def actor_states(link: Link, events: Iterable[Event[Any]]) -> list[ActorState]:
    """Every actor (a consumer protonats registered for an actor) of ``events``' streams."""
    states: list[ActorState] = []
    for event in events:
        for info in await link.consumers(event):
            config = info.config
            name = (config.metadata or {}).get(META_ACTOR)
            if name is None:
                continue
            states.append(
                ActorState(
                    event=event.name,
                    actor=name,
                    pending=int(info.num_pending or 0),
                    in_progress=int(info.num_ack_pending or 0),
                    paused_until=_paused_until(info),
                )
            )
    return states


def _paused_until(info: Any) -> datetime.datetime | None:
    if not getattr(info, "paused", False):
        return None
    until = getattr(info.config, "pause_until", None)
    if not until:
        return None
    text = str(until).replace("Z", "+00:00")
    whole, dot, rest = text.partition(".")
    if dot:  # the server writes nanoseconds; Python reads at most microseconds
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{whole}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        return datetime.datetime.fromisoformat(text).astimezone(datetime.UTC)
    except ValueError:
        return None


async def events_of_actor(link: Link, events: Iterable[Event[Any]], actor: str) -> list[Event[Any]]:
    """The events among ``events`` whose stream has ``actor``'s consumer (registered by
    protonats for that actor)."""
    found = []
    for event in events:
        info = await link.consumer_info(event, actor)
        if info is not None and (info.config.metadata or {}).get(META_ACTOR) == actor:
            found.append(event)
    return found
