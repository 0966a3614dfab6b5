"""Pure mappings of actors to JetStream configs, the plans to get there, and dead-letter headers.

Nothing here talks to a server, so every rule of ``Actors.register()`` is unit-tested without
one. Dead letters of event ``x`` live in stream ``x-dead`` on subject ``x.dead``: an event
subject never has a dot, so no event's messages can land there, and a stream ``x-dead`` that
protonats did not create for the dead letters of ``x`` (say, an event named ``x-dead``) is
refused, never taken over.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .. import _wire
from .._errors import ConsumerConfigError, ProtonatsError, StreamConfigError, StreamExistsError
from ..events._event import Event
from ..events._limits import Limits
from ..jetstream._config import (
    META_EVENT,
    Action,
    FieldChange,
    StreamPlan,
    comparable,
    stream_config,
)
from ..jetstream._features import PRIORITY_GROUPS, ServerInfo, refusal
from ..jetstream._loss import Stored, data_loss_error, losses
from ..jetstream._nats import PriorityConsumerConfig, api
from ._actor import Actor

__all__ = [
    "DEAD_LETTER_LIMITS",
    "META_ACTOR",
    "META_DEAD_LETTERS",
    "ConsumerPlan",
    "consumer_config",
    "dead_letter_headers",
    "dead_letter_stream",
    "dead_letter_stream_config",
    "dead_letter_subject",
    "plan_consumer",
    "plan_dead_letter_stream",
    "pull_priority",
    "replay_headers",
]

META_ACTOR = "protonats.actor"
META_MAX_ATTEMPTS = "protonats.max_attempts"
META_DEAD_LETTERS = "protonats.dead_letters"
DEAD_LETTER_LIMITS = Limits(age=30 * 86_400)
"""Dead letters are kept 30 days unless ``Actors(dead_letter_limits=...)`` says otherwise."""
MAX_ERROR_LENGTH = 1024
PRIORITY_GROUP = "protonats"
"""The one priority group of a pinned or overflow actor's consumer (ADR-42 allows one)."""
PINNED, OVERFLOW = "pinned_client", "overflow"
# Fields JetStream cannot change on an existing consumer.
_FROZEN = ("ack_policy", "deliver_policy", "deliver_subject", "priority_policy", "priority_groups")
_DROPPED_ON_DEATH = (_wire.MSG_ID, _wire.EXPECTED_STREAM)


@dataclasses.dataclass(frozen=True, slots=True)
class ConsumerPlan:
    """The outcome of comparing one actor's declaration with its consumer on the server."""

    actor: str
    event: str
    action: Action
    changes: tuple[FieldChange, ...] = ()
    error: ProtonatsError | None = None


def dead_letter_stream(event: Event[Any]) -> str:
    """Name of the stream keeping the dead letters of ``event``: ``<event>-dead``."""
    return f"{event.name}-dead"


def dead_letter_subject(event: Event[Any]) -> str:
    """Subject dead letters of ``event`` are stored on: ``<event>.dead``."""
    return f"{event.name}.dead"


def consumer_config(actor: Actor[Any]) -> PriorityConsumerConfig:
    """The durable pull consumer of ``actor``.

    The server redelivers without limit (``max_deliver=-1``): attempts are counted by the
    actor, which dead-letters the message itself, so a message is never given up silently by
    the server after an instance died in its last attempt.
    """
    attempts = "unlimited" if actor.max_attempts is None else str(actor.max_attempts)
    policy = PINNED if actor.pinned else OVERFLOW if actor.overflow is not None else None
    return PriorityConsumerConfig(
        durable_name=actor.name,
        description=actor.description or None,
        ack_policy=api.AckPolicy.EXPLICIT,
        deliver_policy=api.DeliverPolicy.ALL,
        filter_subject=actor.event.subject_name,
        ack_wait=float(actor.ack_wait),
        max_deliver=-1,
        max_ack_pending=actor.max_ack_pending,
        metadata={
            META_ACTOR: actor.name,
            META_EVENT: actor.event.name,
            META_MAX_ATTEMPTS: attempts,
        },
        priority_groups=[PRIORITY_GROUP] if policy else None,
        priority_policy=policy,
        priority_timeout=float(actor.pinned_ttl) if actor.pinned else None,
    )


def pull_priority(actor: Actor[Any]) -> dict[str, object]:
    """What each pull request of ``actor`` carries besides its batch: the priority group,
    and an overflow instance's ``min_pending`` (it is served only while more than
    ``overflow`` messages are pending)."""
    if actor.pinned:
        return {"group": PRIORITY_GROUP}
    if actor.overflow is not None:
        extra: dict[str, object] = {"group": PRIORITY_GROUP}
        if actor.overflow > 0:
            extra["min_pending"] = actor.overflow + 1
        return extra
    return {}


def priority_error(actor: Actor[Any], server: ServerInfo) -> ProtonatsError | None:
    """Why a pinned or overflow ``actor`` cannot be had on ``server``, if it cannot."""
    if not actor.pinned and actor.overflow is None:
        return None
    field = "pinned" if actor.pinned else "overflow"
    return refusal(
        PRIORITY_GROUPS,
        server,
        what=f"actor {actor.name!r}: {field}",
        field=field,
        fix=f"declare the actor without {field}",
        event=actor.event.name,
        stream=actor.event.stream_name,
    )


def comparable_consumer(config: api.ConsumerConfig) -> dict[str, Any]:
    """The consumer fields protonats manages, normalised so equal configs compare equal."""
    return {
        "description": config.description or None,
        "ack_policy": _value(config.ack_policy) or "none",
        "deliver_policy": _value(config.deliver_policy) or "all",
        "deliver_subject": config.deliver_subject or None,
        "filter_subject": config.filter_subject or None,
        "ack_wait": round((config.ack_wait or 30.0) * 1e9),
        "max_deliver": max(config.max_deliver or -1, -1),
        "max_ack_pending": config.max_ack_pending or 1000,
        "backoff": list(config.backoff or ()),
        "metadata": {
            k: v for k, v in (config.metadata or {}).items() if k.startswith("protonats.")
        },
        **_priority(config),
    }


def _priority(config: api.ConsumerConfig) -> dict[str, Any]:
    """The priority group fields (a plain ``ConsumerConfig`` has none: no policy)."""
    policy = getattr(config, "priority_policy", None) or None
    timeout = getattr(config, "priority_timeout", None) if policy == PINNED else None
    return {
        "priority_policy": policy,
        "priority_groups": list(getattr(config, "priority_groups", None) or ()),
        "priority_timeout": round(timeout * 1e9) if timeout else None,
    }


def plan_consumer(
    actor: Actor[Any],
    desired: api.ConsumerConfig,
    actual: api.ConsumerConfig | None,
    server: ServerInfo | None = None,
) -> ConsumerPlan:
    """Decide what ``register`` does for ``actor``'s consumer, given the server's (or None).
    A priority policy (``pinned``, ``overflow``) the server lacks is refused; so is a change
    of policy or group, which JetStream cannot make on an existing consumer."""
    event = actor.event.name
    too_old = priority_error(actor, server or ServerInfo())
    if too_old is not None:
        return ConsumerPlan(actor.name, event, Action.REFUSED, error=too_old)
    if actual is None:
        return ConsumerPlan(actor.name, event, Action.CREATE)
    old, new = comparable_consumer(actual), comparable_consumer(desired)
    where = f"actor {actor.name!r}: consumer {actor.name!r} on stream {actor.event.stream_name!r}"
    owner = old["metadata"].get(META_ACTOR)
    if owner != actor.name:
        return ConsumerPlan(
            actor.name,
            event,
            Action.REFUSED,
            error=ConsumerConfigError(
                f"{where} exists and was not created by this protonats actor (it has no "
                f"metadata {META_ACTOR}={actor.name!r}; made by hand or by consume()?); "
                "protonats does not take it over. Delete it, or give the actor another name",
                event=event,
                stream=actor.event.stream_name,
                field="metadata." + META_ACTOR,
                old=owner,
                new=actor.name,
            ),
        )
    changes = tuple(FieldChange(k, old[k], new[k]) for k in new if old[k] != new[k])
    if not changes:
        return ConsumerPlan(actor.name, event, Action.UNCHANGED)
    for change in changes:
        if change.field in _FROZEN:
            return ConsumerPlan(
                actor.name,
                event,
                Action.REFUSED,
                changes,
                ConsumerConfigError(
                    f"{where} has {change.field} {change.old!r}, the actor needs "
                    f"{change.new!r}; JetStream cannot change {change.field} of an existing "
                    "consumer. Delete the consumer (it restarts from the stream's first "
                    "message) or give the actor another name",
                    event=event,
                    stream=actor.event.stream_name,
                    field=change.field,
                    old=change.old,
                    new=change.new,
                ),
            )
    return ConsumerPlan(actor.name, event, Action.UPDATE, changes)


def dead_letter_stream_config(event: Event[Any], limits: Limits) -> api.StreamConfig:
    """The stream of ``event``'s dead letters: file storage, ``limits`` (replicas as the
    event's unless set), no size limit per message (a dead letter carries extra headers)."""
    if limits.replicas is None and event.limits.replicas is not None:
        limits = limits.evolve(replicas=event.limits.replicas)
    base = stream_config(Event(event.name, bytes, limits=limits.evolve(message_size=None)))
    return base.evolve(
        name=dead_letter_stream(event),
        subjects=[dead_letter_subject(event)],
        description=f"Dead letters of event {event.name!r}: messages its actors gave up on",
        metadata={META_DEAD_LETTERS: event.name},
    )


def plan_dead_letter_stream(
    event: Event[Any],
    desired: api.StreamConfig,
    actual: api.StreamConfig | None,
    stored: Stored | None = None,
    *,
    allow_data_loss: bool = False,
) -> StreamPlan:
    """Decide what ``register`` does for the dead-letter stream of ``event``; a lowered
    limit that would delete ``stored`` dead letters is refused unless ``allow_data_loss``."""
    stream = dead_letter_stream(event)
    if actual is None:
        return StreamPlan(event.name, stream, Action.CREATE)
    owner = (actual.metadata or {}).get(META_DEAD_LETTERS)
    if owner != event.name:
        return StreamPlan(
            event.name,
            stream,
            Action.REFUSED,
            error=StreamExistsError(
                f"event {event.name!r}: stream {stream!r} for its dead letters already exists "
                f"and is not protonats' dead-letter stream of {event.name!r} (an event named "
                f"{stream!r}?); it is not taken over. Rename that event or stream",
                event=event.name,
                stream=stream,
            ),
        )
    old, new = comparable(actual), comparable(desired)
    changes = tuple(FieldChange(k, old[k], new[k]) for k in new if old[k] != new[k])
    for change in changes:
        if change.field in ("storage", "retention"):
            error = StreamConfigError(
                f"event {event.name!r}: dead-letter stream {stream!r} has {change.field} "
                f"{change.old!r}, not {change.new!r}; JetStream cannot change it. Delete the "
                "stream (after replaying its dead letters) to recreate it",
                event=event.name,
                stream=stream,
                field=change.field,
                old=change.old,
                new=change.new,
            )
            return StreamPlan(event.name, stream, Action.REFUSED, changes, error)
    loss = tuple(losses(changes, new["discard"], stored))
    if loss and not allow_data_loss:
        refused = data_loss_error(event.name, stream, loss, stored.messages if stored else 0)
        return StreamPlan(event.name, stream, Action.REFUSED, changes, refused, loss)
    action = Action.UPDATE if changes else Action.UNCHANGED
    return StreamPlan(event.name, stream, action, changes, loss=loss)


def dead_letter_headers(
    headers: Mapping[str, str] | None,
    *,
    event: Event[Any],
    actor: str,
    attempts: int,
    reason: str,
    error: BaseException | None,
    seq: int,
) -> dict[str, str]:
    """Headers of a dead letter: the original ones, plus who gave up, when, and why."""
    original = dict(headers or {})
    result = {k: v for k, v in original.items() if k not in _DROPPED_ON_DEATH}
    result[_wire.EXPECTED_STREAM] = dead_letter_stream(event)
    result[_wire.MSG_ID] = f"{actor}:{seq}"  # dead-lettered twice after a crash: stored once
    result[_wire.DEAD_ACTOR] = actor
    result[_wire.DEAD_ATTEMPTS] = str(attempts)
    result[_wire.DEAD_REASON] = reason
    result[_wire.DEAD_SEQ] = str(seq)
    if error is not None:
        kind = type(error)
        module = kind.__module__
        if module.startswith("protonats."):  # protonats' errors are public as protonats.X
            module = "protonats"
        result[_wire.DEAD_ERROR_TYPE] = f"{module}.{kind.__qualname__}"
        text = " ".join(str(error).split()) or kind.__name__
        result[_wire.DEAD_ERROR] = text[:MAX_ERROR_LENGTH]
    if _wire.MSG_ID in original:
        result[_wire.DEAD_UID] = original[_wire.MSG_ID]
    return result


def replay_headers(headers: Mapping[str, str], event: Event[Any]) -> dict[str, str]:
    """Headers to send a dead letter back to ``event`` with: the original ones and uid.

    A message emitted without a uid gets ``replay:<event>:<seq>``, so replaying twice stores
    it once either way.
    """
    result = {k: v for k, v in headers.items() if not k.startswith("Protonats-Dead-")}
    result[_wire.EXPECTED_STREAM] = event.stream_name
    uid = headers.get(_wire.DEAD_UID) or f"replay:{event.name}:{headers.get(_wire.DEAD_SEQ)}"
    result[_wire.MSG_ID] = uid
    return result


def _value(enum_value: Any) -> str | None:
    value = getattr(enum_value, "value", enum_value)
    return None if value is None else str(value)
