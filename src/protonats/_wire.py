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
    "EXPECTED_STREAM",
    "MSG_ID",
    "RESERVED",
    "SCHEMA",
    "TRACEPARENT",
    "TRACE_ID",
    "cloudevents",
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
