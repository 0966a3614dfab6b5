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
from .._errors import DelayError
from ..events._event import Event
from ._features import MESSAGE_SCHEDULES, ServerInfo, refusal

__all__ = ["delayed_subjects", "schedule"]


def delayed_subjects(event: Event[Any]) -> list[str]:
    """The stream's extra subjects for delayed messages (none unless ``allow_delay``)."""
    return [_wire.delayed_subject(event.subject_name, "*")] if event.allow_delay else []


def schedule(
    event: Event[Any],
    headers: Mapping[str, str],
    delay: float,
    *,
    uid: str | None,
    server: ServerInfo,
    now: datetime.datetime | None = None,
) -> tuple[str, dict[str, str]]:
    """The subject and headers that store the message as a schedule due in ``delay`` seconds;
    ``DelayError`` (nothing sent) if the event or the delay does not allow it,
    ``ServerTooOldError`` if the server cannot schedule."""
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
    too_old = refusal(
        MESSAGE_SCHEDULES,
        server,
        what=f"event {name!r}: emit(delay=)",
        field="delay",
        fix="emit without delay",
        event=name,
        stream=event.stream_name,
    )
    if too_old is not None:
        raise too_old
    age = event.limits.age
    if age is not None and delay >= age:
        raise DelayError(
            f"event {name!r}: delay {delay:g} s is not shorter than limits.age {age:g} s: the "
            "stream would drop the message before it is due; nothing was sent"
        )
    when = (now or datetime.datetime.now(datetime.UTC)) + datetime.timedelta(seconds=delay)
    key = hashlib.sha256(uid.encode()).hexdigest()[:32] if uid is not None else uuid.uuid4().hex
    out = dict(headers)
    ttl = out.pop(_wire.TTL, None)
    if ttl is not None:  # for the published message, not the schedule
        out[_wire.SCHEDULE_TTL] = ttl
    out[_wire.SCHEDULE] = "@at " + when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out[_wire.SCHEDULE_TARGET] = event.subject_name
    return _wire.delayed_subject(event.subject_name, key), out
