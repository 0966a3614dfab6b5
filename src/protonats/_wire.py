"""The wire contract: every header a protonats message carries, and how big headers are.

One module, read by emit, consume and tail, the catalog and the AsyncAPI document, so a header
is named once; with ``cloudevents_source`` emit adds the CloudEvents headers of
``cloudevents``. Consumers in other languages rely on exactly these names.
"""

from __future__ import annotations

import datetime
import re
import urllib.parse
import uuid
from collections.abc import Mapping

__all__ = [
    "BATCH_COMMIT",
    "BATCH_ID",
    "BATCH_SEQUENCE",
    "CLOUDEVENTS",
    "CLOUDEVENTS_PREFIX",
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
    "MAX_HEADER_SIZE",
    "MSG_ID",
    "PIN_ID",
    "RESERVED",
    "SCHEDULE",
    "SCHEDULER",
    "SCHEDULE_NEXT",
    "SCHEDULE_TARGET",
    "SCHEDULE_TTL",
    "SCHEMA",
    "TRACEPARENT",
    "TRACE_ID",
    "TTL",
    "cloudevents",
    "decode_cloudevents",
    "delayed_subject",
    "encode_cloudevents",
    "header_name_problem",
    "header_size",
    "header_value_problem",
    "percent_decode",
    "percent_encode",
    "rfc3339",
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
TTL = "Nats-TTL"
"""How long the server keeps the message (events with ``allow_ttl`` or ``message_ttl``): the
emit's ``ttl=``, else the event's ``limits.message_ttl``, in whole seconds (``60``) or as a Go
duration (``1.5s``); nats-server 2.11+ removes the message that long after storing it."""

# Atomic batches (``emit_many(..., atomic=True)``, events with ``allow_atomic``, nats-server
# 2.12+, ADR-50): every message of the batch carries the batch's id and its place in it; the
# last one commits, and the server stores all of them or none.
BATCH_ID = "Nats-Batch-Id"
"""The batch's id (at most 64 characters), the same on every message of the batch."""
BATCH_SEQUENCE = "Nats-Batch-Sequence"
"""The message's place in the batch: 1, 2, ... without gaps."""
BATCH_COMMIT = "Nats-Batch-Commit"
"""On the last message only: ``1``, store the batch with it."""

# Delayed messages (``emit(delay=...)``, events with ``allow_delay=True``): the emit stores a
# schedule on ``<event>.delayed.<key>``; the server publishes it on ``<event>`` when due, with
# the emit's headers (not Nats-Msg-Id nor Nats-Expected-Stream) plus its own two.
SCHEDULE = "Nats-Schedule"
"""On the stored schedule: ``@at <RFC 3339 UTC time>``, when the server publishes it."""
SCHEDULE_TARGET = "Nats-Schedule-Target"
"""On the stored schedule: the subject it is published on (the event's)."""
SCHEDULE_TTL = "Nats-Schedule-TTL"
"""On the stored schedule of a message with a TTL: the ``Nats-TTL`` the server gives the
message it publishes (the schedule itself keeps none, so it cannot expire before it is due)."""
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

PIN_ID = "Nats-Pin-Id"
"""Set by the server on messages to the pinned instance of a ``pinned`` actor (ADR-42): its
pull requests carry it from then on, and lose the pin (status 423) when another is pinned."""

DEFAULT_MAX_PAYLOAD = 1 << 20
"""nats-server's ``max_payload`` unless configured otherwise (1 MiB; at most 64 MiB): the
largest message, payload plus headers, a server accepts."""

MAX_HEADER_SIZE = 64 * 1024 - 1
"""The most bytes of headers (as ``header_size`` counts them) JetStream stores with a message;
64 KiB or more is refused (error 10097)."""

RESERVED = frozenset(
    {CONTENT_TYPE, SCHEMA, EXPECTED_STREAM, MSG_ID, TRACE_ID, TTL, BATCH_ID, BATCH_SEQUENCE}
    | {BATCH_COMMIT}
)
"""Headers protonats sets itself; user headers may not override them."""


CLOUDEVENTS_PREFIX = "ce-"
"""Headers of CloudEvents attributes in binary mode (``ce-id``, ``ce-source``, ...)."""

# The CloudEvents HTTP binding (3.1.3.2): a header value is the attribute's UTF-8 bytes with
# space, '"', '%' and everything outside printable ASCII (U+0021..U+007E) percent-encoded.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')


def percent_encode(value: str) -> str:
    """A CloudEvents attribute value as its header value (HTTP binding percent-encoding)."""
    return urllib.parse.quote(value, safe=_SAFE, encoding="utf-8")


def percent_decode(value: str) -> str:
    """The attribute value of a CloudEvents header value (inverse of ``percent_encode``)."""
    return urllib.parse.unquote(value, encoding="utf-8", errors="strict") if "%" in value else value


def rfc3339(moment: datetime.datetime) -> str:
    """``2024-05-01T10:00:00.123456Z``: RFC 3339 in UTC, as CloudEvents' ``time`` wants."""
    utc = moment.astimezone(datetime.UTC)
    return utc.isoformat(timespec="microseconds").replace("+00:00", "Z")


CLOUDEVENTS = ("ce-specversion", "ce-id", "ce-type", "ce-source", "ce-time")
"""The CloudEvents 1.0 binary-mode headers ``cloudevents()`` sets (a ``CloudEvent`` given as
emit's ``meta=`` may set more ``ce-*`` attributes)."""


def cloudevents(event: str, source: str, uid: str | None) -> dict[str, str]:
    """CloudEvents 1.0 binary-mode headers of one message of ``event``: its ``uid`` is the
    CloudEvents id (a fresh one without it), the event name its type. The values are the
    attributes themselves; ``encode_cloudevents`` makes them header values."""
    return {
        "ce-specversion": "1.0",
        "ce-id": uid if uid is not None else uuid.uuid4().hex,
        "ce-type": event,
        "ce-source": source,
        "ce-time": rfc3339(datetime.datetime.now(datetime.UTC)),
    }


def encode_cloudevents(headers: dict[str, str]) -> dict[str, str]:
    """``headers`` with every ``ce-*`` value percent-encoded as the CloudEvents HTTP binding
    says, so CloudEvents SDKs read back exactly the attribute (in place; returned)."""
    for name, value in headers.items():
        if name.lower().startswith(CLOUDEVENTS_PREFIX):
            headers[name] = percent_encode(value)
    return headers


def decode_cloudevents(headers: Mapping[str, str]) -> dict[str, str]:
    """``headers`` with every ``ce-*`` value percent-decoded (what the emitter meant)."""
    return {
        name: percent_decode(value) if name.lower().startswith(CLOUDEVENTS_PREFIX) else value
        for name, value in headers.items()
    }


def header_size(headers: Mapping[str, str]) -> int:
    """Bytes the headers take on the wire (UTF-8); JetStream counts them in the max message
    size. ``NATS/1.0\r\n``, ``name: value\r\n`` per header, and the closing ``\r\n``."""
    size = 12
    for name, value in headers.items():
        size += 4 + len(name) + len(value)
        if not (name.isascii() and value.isascii()):
            size += len(name.encode()) - len(name) + len(value.encode()) - len(value)
    return size


# What nats-py does to a header before it sends it: a name must be a token (else it raises);
# a value is stripped (str.strip: Unicode whitespace too) and its CR/LF become spaces, and a
# value that is not a UTF-8 ``str`` fails in the middle of the send. A value it would change is
# another value on the wire (for a uid, another message merged into the first), so protonats
# refuses it; control characters too. One check for the uid and every header value.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ENDS = "it starts or ends with whitespace, which the client strips"


def header_value_problem(value: object) -> str | None:
    """Why ``value`` would not arrive as given in a header (uid included), or ``None``."""
    if type(value) is str and value.isascii() and value.isprintable():  # the common case
        return _ENDS if value and (value[0] == " " or value[-1] == " ") else None
    if not isinstance(value, str):
        return f"it is {type(value).__name__}, not str"
    try:
        value.encode()
    except UnicodeEncodeError:
        return "it is not valid Unicode (a lone surrogate), so it cannot be sent as UTF-8"
    if "\r" in value or "\n" in value:
        return "it contains CR or LF, which the client turns into spaces"
    control = _CONTROL.search(value)
    if control is not None:
        return f"it contains the control character {control.group()!r}"
    return _ENDS if value != value.strip() else None


def header_name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a header name as given, or ``None``."""
    if not isinstance(name, str):
        return f"it is {type(name).__name__}, not str"
    if _TOKEN.fullmatch(name) is None:
        return "a header name is letters, digits and !#$%&'*+-.^_`|~ only"
    return None
