"""The wire contract: every header a protonats message carries, and how big headers are.

One module, read by emit, consume and tail, the catalog and the AsyncAPI document, so a header
is named once; with ``cloudevents_source`` emit adds the CloudEvents headers of
``cloudevents``. Consumers in other languages rely on exactly these names.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping

__all__ = [
    "CONTENT_TYPE",
    "DEAD_ACTOR",
    "DEAD_ATTEMPTS",
    "DEAD_ERROR",
    "DEAD_ERROR_TYPE",
    "DEAD_REASON",
    "DEAD_SEQ",
    "DEAD_UID",
    "DEFAULT_MAX_PAYLOAD",
    "EXPECTED_STREAM",
    "MSG_ID",
    "RESERVED",
    "SCHEDULE",
    "SCHEDULER",
    "SCHEDULE_NEXT",
    "SCHEDULE_TARGET",
    "SCHEMA",
    "TRACEPARENT",
    "TRACE_ID",
    "cloudevents",
    "delayed_subject",
    "header_size",
]

CONTENT_TYPE = "Content-Type"
"""MIME type of the payload: ``application/protobuf``, ``application/json`` or
``application/octet-stream``."""
SCHEMA = "Protonats-Schema"
"""Full name of the payload's schema (``shop.v1.UserRegistered``)."""
EXPECTED_STREAM = "Nats-Expected-Stream"
"""The stream the message must land in; JetStream refuses it anywhere else."""
MSG_ID = "Nats-Msg-Id"
"""The emit's ``uid``: a message with a repeated id is stored once within the duplicate window."""
TRACE_ID = "Protonats-Trace-Id"
"""The emit's ``trace_id``, for correlating messages across services."""

# Delayed messages (``emit(delay=...)``, events with ``allow_delay=True``): the emit stores a
# schedule on ``<event>.delayed.<key>``; the server publishes it on ``<event>`` when due, with
# the emit's headers (not Nats-Msg-Id nor Nats-Expected-Stream) plus its own two.
SCHEDULE = "Nats-Schedule"
"""On the stored schedule: ``@at <RFC 3339 UTC time>``, when the server publishes it."""
SCHEDULE_TARGET = "Nats-Schedule-Target"
"""On the stored schedule: the subject it is published on (the event's)."""
SCHEDULER = "Nats-Scheduler"
"""Set by the server on the published message: the subject that held the schedule."""
SCHEDULE_NEXT = "Nats-Schedule-Next"
"""Set by the server on the published message: ``purge`` (the schedule is gone)."""


def delayed_subject(event: str, key: str) -> str:
    """Where a delayed message of ``event`` waits: ``<event>.delayed.<key>``."""
    return f"{event}.delayed.{key}"


TRACEPARENT = "traceparent"
"""W3C trace context of the span that emitted the message (set when OpenTelemetry is active)."""

# Dead letters (``<event>-dead`` streams): the original headers, plus why the message died.
DEAD_ACTOR = "Protonats-Dead-Actor"
"""The actor (durable consumer) that gave up on the message."""
DEAD_ATTEMPTS = "Protonats-Dead-Attempts"
"""Deliveries of the message to that actor, the last included."""
DEAD_REASON = "Protonats-Dead-Reason"
"""``attempts-used-up`` or ``undecodable``."""
DEAD_ERROR_TYPE = "Protonats-Dead-Error-Type"
"""Qualified type of the last error (``builtins.ValueError``)."""
DEAD_ERROR = "Protonats-Dead-Error"
"""The last error's message, on one line, at most 1024 characters."""
DEAD_SEQ = "Protonats-Dead-Seq"
"""Sequence of the original message in the event's stream."""
DEAD_UID = "Protonats-Dead-Uid"
"""The original ``Nats-Msg-Id``, if the message had one; replay sends it again."""

DEFAULT_MAX_PAYLOAD = 1 << 20
"""nats-server's ``max_payload`` unless configured otherwise (1 MiB; at most 64 MiB): the
largest message, payload plus headers, a server accepts."""

RESERVED = frozenset({CONTENT_TYPE, SCHEMA, EXPECTED_STREAM, MSG_ID, TRACE_ID})
"""Headers protonats sets itself; user headers may not override them."""


def cloudevents(event: str, source: str, uid: str | None) -> dict[str, str]:
    """CloudEvents 1.0 binary-mode headers of one message of ``event``: its ``uid`` is the
    CloudEvents id (a fresh one without it), the event name its type."""
    return {
        "ce-specversion": "1.0",
        "ce-id": uid if uid is not None else uuid.uuid4().hex,
        "ce-type": event,
        "ce-source": source,
        "ce-time": datetime.datetime.now(datetime.UTC).isoformat(),
    }


def header_size(headers: Mapping[str, str]) -> int:
    """Bytes the headers take on the wire; JetStream counts them in the max message size."""
    return 12 + sum(len(k) + len(v) + 4 for k, v in headers.items())  # NATS/1.0 + CRLFs
