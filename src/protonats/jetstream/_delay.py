"""Delayed messages through the server's own message scheduling (nats-server 2.12+).

An event declared with ``allow_delay=True`` has a stream that allows message schedules and
also stores the subjects ``<event>.delayed.*``. ``emit(delay=...)`` stores the message there
as a one-shot schedule (``Nats-Schedule: @at <time>``, target the event's subject); when it
is due the server publishes it on the event's subject, where consumers see it like any other
message, and removes the schedule. Nothing is held in the client: a delayed message is as
durable as a stored one. A retried emit with the same ``uid`` replaces its schedule (its key
is derived from the uid) and is stored once.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import uuid
from collections.abc import Mapping
from typing import Any

from .. import _wire
from .._errors import DelayError, StreamConfigError
from ..events._event import Event

__all__ = [
    "SCHEDULES_SINCE",
    "delay_support_error",
    "delayed_subjects",
    "schedule",
]

SCHEDULES_SINCE = (2, 12, 0)
"""The first nats-server with message scheduling (ADR-51)."""


def delayed_subjects(event: Event[Any]) -> list[str]:
    """The stream's extra subjects for delayed messages (none unless ``allow_delay``)."""
    return [_wire.delayed_subject(event.subject_name, "*")] if event.allow_delay else []


def delay_support_error(
    event: Event[Any], nats_version: tuple[int, int, int] | None
) -> StreamConfigError | None:
    """Why ``event`` (``allow_delay=True``) cannot be registered on this server, if it cannot."""
    if not event.allow_delay or nats_version is None or nats_version >= SCHEDULES_SINCE:
        return None
    have = ".".join(map(str, nats_version))
    return StreamConfigError(
        f"event {event.name!r}: allow_delay needs the server's message scheduling, which "
        f"nats-server {have} does not have (2.12 or newer does). Upgrade the servers, or "
        "declare the event without allow_delay",
        event=event.name,
        stream=event.stream_name,
        field="allow_delay",
        old=have,
        new=True,
    )


def schedule(
    event: Event[Any],
    headers: Mapping[str, str],
    delay: float,
    *,
    uid: str | None,
    nats_version: tuple[int, int, int] | None,
    now: datetime.datetime | None = None,
) -> tuple[str, dict[str, str]]:
    """The subject and headers that store the message as a schedule due in ``delay`` seconds;
    ``DelayError`` (nothing sent) if the event, the server or the delay does not allow it."""
    name = event.name
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not math.isfinite(delay):
        raise DelayError(f"event {name!r}: delay must be a number of seconds, got {delay!r}")
    if delay < 0:
        raise DelayError(f"event {name!r}: delay must not be negative, got {delay}")
    if not event.allow_delay:
        raise DelayError(
            f"event {name!r}: emit(delay=...) needs the event declared with "
            "allow_delay=True (and registered since): its stream then allows the server's "
            "message scheduling; nothing was sent"
        )
    if nats_version is not None and nats_version < SCHEDULES_SINCE:
        have = ".".join(map(str, nats_version))
        raise DelayError(
            f"event {name!r}: nats-server {have} cannot schedule messages (2.12 or newer "
            "can); nothing was sent. Upgrade the servers, or emit without delay"
        )
    age = event.limits.age
    if age is not None and delay >= age:
        raise DelayError(
            f"event {name!r}: delay {delay:g} s is not shorter than limits.age {age:g} s: the "
            "stream would drop the message before it is due; nothing was sent"
        )
    when = (now or datetime.datetime.now(datetime.UTC)) + datetime.timedelta(seconds=delay)
    key = hashlib.sha256(uid.encode()).hexdigest()[:32] if uid is not None else uuid.uuid4().hex
    out = dict(headers)
    out[_wire.SCHEDULE] = "@at " + when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out[_wire.SCHEDULE_TARGET] = event.subject_name
    return _wire.delayed_subject(event.subject_name, key), out
