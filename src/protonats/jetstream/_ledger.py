"""The schema ledger's document: what ``register`` records about each event on the server.

One JSON document per event, under the event's name in the ``protonats-registry`` KV bucket.
It is a public contract, read by services in any language (see docs/ledger.md): the event's
version, fingerprint, subject, stream, limits and schema — a protobuf message's
``FileDescriptorSet`` (base64) and, for every event, the JSON Schema of its JSON form. The
key's history is the event's schema history. Everything here is pure; ``_ledger_kv`` does I/O.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import json
from typing import Any

import msgspec
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import Message

from .._errors import DecodeError
from ..events._event import Event
from ..events._fields import FLAGS, LIMITS, LimitField, Unit
from ..events._fingerprint import descriptor_set_b64, fingerprint
from ..events._serializers import ProtobufSerializer

__all__ = [
    "PROTOBUF",
    "LedgerEntry",
    "LedgerLimits",
    "LedgerRevision",
    "LedgerSchema",
    "decode_entry",
    "decode_payload",
    "encode_entry",
    "entry_for",
    "message_class",
    "same_registration",
]

PROTOBUF = "application/protobuf"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LedgerLimits:
    """The stream limits, in seconds and counts; an absent (``None``) limit is unlimited."""

    max_age_s: float | None = None
    duplicate_window_s: float | None = None
    max_bytes: int | None = None
    max_messages: int | None = None
    max_message_size: int | None = None
    max_consumers: int | None = None
    replicas: int | None = None
    message_ttl_s: float | None = None
    """Seconds each message lives unless its producer says otherwise (the ``Nats-TTL``)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSchema:
    """The payload's schema: enough for a service in any language to decode a message."""

    name: str
    """Full name: ``shop.v1.UserRegistered``, or ``module.QualName`` of a Python class."""
    content_type: str
    """``application/protobuf``, ``application/json`` or ``application/octet-stream``."""
    json_schema: dict[str, Any]
    """JSON Schema (2020-12) of the payload's JSON form (the proto3 JSON mapping), from the
    event's serializer: the schema the catalog and AsyncAPI document publish."""
    descriptor_set: str | None = None
    """Protobuf only: base64 ``FileDescriptorSet`` of the message's file and its imports."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    """One event as ``register`` recorded it: the value of the event's key in the ledger."""

    event: str
    version: str | None = None
    """The registry version that registered it (``Events(version=...)``)."""
    fingerprint: str
    """``sha256:...`` of the declaration; equal declarations give equal fingerprints."""
    description: str = ""
    subject: str
    stream: str
    limits: LedgerLimits = LedgerLimits()
    storage: str = "file"
    retention: str = "limits"
    discard: str = "old"
    allow_ttl: bool = False
    """Producers may give a message its own TTL (``emit(ttl=)``), or ``message_ttl`` is set."""
    allow_atomic: bool = False
    """Producers may emit atomic batches (``emit_many(atomic=True)``)."""
    allow_delay: bool = False
    """Producers may delay messages (``emit(delay=)``)."""
    allow_batched: bool = False
    """``emit_many`` sends fast-ingest batches (the stream allows batched publish)."""
    schema: LedgerSchema
    registered_at: datetime.datetime
    """When this revision was written (UTC, whole seconds)."""


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerRevision:
    """One revision of an event's ledger key: the KV revision number and the document."""

    revision: int
    entry: LedgerEntry


def ledger_key(row: LimitField) -> str:
    """The key of a limit in the ledger document: its option field name, ``_s`` for seconds."""
    return row.proto + ("_s" if row.unit is Unit.SECONDS else "")


def entry_for(
    event: Event[Any],
    version: str | None,
    now: datetime.datetime | None = None,
    *,
    declared: str | None = None,
) -> LedgerEntry:
    """The ledger document of ``event`` as registered by registry ``version``; ``declared``
    is the event's fingerprint when already known."""
    limits = event.limits
    protobuf = isinstance(event.serializer, ProtobufSerializer)
    when = now or datetime.datetime.now(datetime.UTC)
    return LedgerEntry(
        event=event.name,
        version=version,
        fingerprint=declared or fingerprint(event),
        description=event.description or "",
        subject=event.subject_name,
        stream=event.stream_name,
        limits=LedgerLimits(**{ledger_key(r): getattr(limits, r.keyword) for r in LIMITS}),
        storage=str(event.storage),
        retention=str(event.retention),
        discard=str(event.discard),
        **{flag.keyword: flag.on(event) for flag in FLAGS},
        schema=LedgerSchema(
            name=event.schema_name,
            content_type=event.content_type,
            json_schema=event.json_schema(),
            descriptor_set=descriptor_set_b64(event.schema) if protobuf else None,
        ),
        registered_at=when.astimezone(datetime.UTC).replace(microsecond=0),
    )


def same_registration(a: LedgerEntry, b: LedgerEntry) -> bool:
    """Whether two documents record the same thing, whenever they were written."""
    return dataclasses.replace(a, registered_at=b.registered_at) == b


def encode_entry(entry: LedgerEntry) -> bytes:
    """The document as compact JSON, unset (``None``) fields left out."""
    document: dict[str, Any] = _present(msgspec.to_builtins(entry))
    document["limits"] = _present(document["limits"])
    for flag in FLAGS:  # a feature is in the document when on, as a limit when set
        if not document[flag.keyword]:
            del document[flag.keyword]
    document["schema"] = _present(document["schema"])
    return msgspec.json.encode(document)


def decode_entry(data: bytes) -> LedgerEntry:
    """Read a document; fields this version does not know are ignored (newer writers)."""
    return msgspec.json.decode(data, type=LedgerEntry)


def _present(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if v is not None}


def message_class(schema: LedgerSchema) -> type[Message]:
    """The protobuf message class of a ledger schema, built from its descriptor set alone."""
    if schema.descriptor_set is None:
        raise TypeError(f"{schema.name} is {schema.content_type}, not a protobuf message")
    return _message_class(schema.descriptor_set, schema.name)


@functools.lru_cache(maxsize=256)
def _message_class(descriptor_set: str, name: str) -> type[Message]:
    files = descriptor_pb2.FileDescriptorSet.FromString(base64.b64decode(descriptor_set))
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # dependencies first, as the ledger writes them
        pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


def decode_payload(entry: LedgerEntry, data: bytes) -> Any:
    """A payload of the event as JSON-ready data, using only the ledger (no Python schema).

    Protobuf is decoded with the descriptor set and shown in its proto3 JSON form; JSON is
    parsed; anything else is returned as base64 text.
    """
    schema = entry.schema
    try:
        if schema.content_type == PROTOBUF and schema.descriptor_set is not None:
            message = message_class(schema).FromString(data)
            return json_format.MessageToDict(message)
        if schema.content_type == "application/json":
            return json.loads(data)
    except Exception as exc:
        raise DecodeError(
            f"event {entry.event!r}: payload does not decode as {schema.name} "
            f"(ledger fingerprint {entry.fingerprint}): {exc}",
            event=entry.event,
            raw=data,
        ) from exc
    return base64.b64encode(data).decode()
