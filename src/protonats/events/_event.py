"""``Event``: an event name bound to a schema, its serializer and its stream's limits."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any, Generic, NoReturn, TypeVar

from google.protobuf.message import Message

from .._errors import (
    DecodeError,
    EncodeError,
    EventDeclarationError,
    InvalidDescriptionError,
    InvalidEventNameError,
    MessageTypeError,
)
from ._limits import Limits
from ._policies import Discard, Retention, Storage
from ._serializers import (
    Serializer,
    complete,
    instance_type,
    pick_serializer,
    schema_full_name,
)

__all__ = ["Event", "validate_event_name"]

T = TypeVar("T")

NAME_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 4096
# Sent as a header value and stamped in stream metadata: printable ASCII, no spaces.
SCHEMA_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.:<>\[\], -]{0,254}")
_NO_LIMITS = Limits()


def validate_event_name(name: object) -> str:
    """Return ``name`` if it is a valid event name, else raise ``InvalidEventNameError`` saying why.

    The name is both the subject and the stream name, so it must be safe as either.
    """
    if not isinstance(name, str):
        _bad_name(name, f"must be a str, got {type(name).__name__}")
    if not name:
        _bad_name(name, "must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        _bad_name(name, f"is {len(name)} characters; the limit is {MAX_NAME_LENGTH}")
    if not NAME_PATTERN.fullmatch(name):
        _bad_name(
            name,
            "must be lower-case kebab-case: letters a-z, digits and single dashes between them "
            "(no '.', '*', '>', '_', spaces or capitals), e.g. 'user-registered'",
        )
    return name


def _bad_name(name: object, reason: str) -> NoReturn:
    shown = f" {name!r}" if isinstance(name, str) and name else ""
    raise InvalidEventNameError(f"event name{shown} {reason}", name=name, reason=reason)


@dataclasses.dataclass(frozen=True, slots=True)
class Event(Generic[T]):
    """A named event and the schema of its messages; declare it once, as a module constant.

    The name identifies the event across the system and is its subject and stream name: it
    cannot be changed later without losing or splitting messages, so choose it carefully.
    """

    name: str
    """Unique event name, lower-case kebab-case: ``"user-registered"``."""
    schema: type[T]
    """The message type: dataclass, pydantic model, protobuf message, bytes, primitive."""
    _: dataclasses.KW_ONLY
    serializer: Serializer[T] | None = None
    """How messages become bytes; picked from ``schema`` when not given."""
    description: str | None = None
    """What happened, for humans and the event catalog. At most 4096 characters."""
    limits: Limits = _NO_LIMITS
    """Stream limits: how much, and how long, the stream keeps."""
    storage: Storage = Storage.FILE
    """Stream storage (cannot change once the stream exists)."""
    retention: Retention = Retention.LIMITS
    """Stream retention (cannot change once the stream exists)."""
    discard: Discard = Discard.OLD
    """What a full stream does."""
    schema_name: str = ""
    """The schema's language-neutral name, sent in the ``Protonats-Schema`` header and stamped
    on the stream. A protobuf message's full name (``shop.v1.UserRegistered``); for any other
    schema, its class's ``__qualname__`` (``User``), whichever module it is run from. Set it to
    name the schema yourself (``"shop.User"``)."""
    allow_delay: bool = False
    """Whether ``emit(delay=...)`` may schedule messages for later: the stream then allows
    the server's message scheduling (nats-server 2.12+), which JetStream cannot turn off."""
    allow_ttl: bool = False
    """Whether ``emit(ttl=...)`` may give a message its own time to live: the stream then
    allows per-message TTLs (nats-server 2.11+), which JetStream cannot turn off. Implied by
    ``limits.message_ttl``."""
    allow_atomic: bool = False
    """Whether ``emit_many(..., atomic=True)`` may store a batch all or nothing: the stream
    then allows atomic batch publish (nats-server 2.12+)."""
    allow_batched: bool = False
    """Whether ``emit_many`` sends through fast-ingest batches: the stream then allows batched
    publish (nats-server 2.14+) and the server acknowledges a window of messages at once; a
    lost message fails the batch. Without server support emit_many acks each message."""
    _codec: Serializer[T] = dataclasses.field(init=False, repr=False, compare=False)
    _check: Any = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_event_name(self.name)
        if self.description is not None and len(self.description) > MAX_DESCRIPTION_LENGTH:
            reason = f"is {len(self.description)} characters; the limit is {MAX_DESCRIPTION_LENGTH}"
            raise InvalidDescriptionError(
                f"event {self.name!r}: description {reason}",
                event=self.name,
                length=len(self.description),
                reason=reason,
            )
        if not isinstance(self.limits, Limits):
            raise TypeError(f"event {self.name!r}: limits must be a protonats.Limits")
        object.__setattr__(self, "storage", Storage(self.storage))
        object.__setattr__(self, "retention", Retention(self.retention))
        object.__setattr__(self, "discard", Discard(self.discard))
        object.__setattr__(self, "schema_name", self._checked_schema_name())
        if self.allow_delay and self.discard is Discard.NEW:
            raise EventDeclarationError(
                f"event {self.name!r}: allow_delay needs discard=Discard.OLD; JetStream's "
                "message scheduling cannot use discard new"
            )
        codec = self.serializer if self.serializer is not None else pick_serializer(self.schema)
        object.__setattr__(self, "serializer", codec)
        object.__setattr__(self, "_codec", complete(codec, self.schema, self.schema_name))
        object.__setattr__(self, "_check", instance_type(self.schema))

    @property
    def subject_name(self) -> str:
        """The NATS subject messages are published on: the event name."""
        return self.name

    @property
    def stream_name(self) -> str:
        """The JetStream stream that stores the event: the event name."""
        return self.name

    def _checked_schema_name(self) -> str:
        derived = schema_full_name(self.schema)
        given = self.schema_name
        if not given:
            return derived
        if not isinstance(given, str) or not SCHEMA_NAME_PATTERN.fullmatch(given):
            raise EventDeclarationError(
                f"event {self.name!r}: schema_name {given!r} must start with a letter or '_' and "
                "hold at most 255 letters, digits and '_.:-<>[], ' (it is sent as a header)"
            )
        is_protobuf = isinstance(self.schema, type) and issubclass(self.schema, Message)
        if is_protobuf and derived != given:
            raise EventDeclarationError(
                f"event {self.name!r}: schema_name {given!r} differs from the protobuf message's "
                f"full name {derived!r}, which consumers in other languages decode by; leave "
                "schema_name unset for protobuf messages"
            )
        return given

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema (2020-12) of a message's JSON form, from the serializer: what the
        schema ledger records and the catalog and AsyncAPI document publish."""
        return self._codec.json_schema()

    def to_json(self, message: T) -> Any:
        """``message`` as a JSON-compatible value (what ``protonats tail`` prints)."""
        return self._codec.to_json(message)

    def from_json(self, value: Any) -> T:
        """A message from a JSON-compatible value (what ``protonats emit --json`` sends);
        ``DecodeError`` naming the event and the field if it does not fit the schema."""
        try:
            return self._codec.from_json(value)
        except ValueError as exc:
            raise DecodeError(f"event {self.name!r}: {exc}", event=self.name, raw=value) from exc

    @property
    def content_type(self) -> str:
        """MIME type of encoded messages."""
        return self._codec.content_type

    def encode(self, message: T) -> bytes:
        """Serialize ``message``; raise ``MessageTypeError`` if it is not of the schema."""
        if not isinstance(message, self._check):
            raise MessageTypeError(
                f"event {self.name!r} expects {self.schema_name}, "
                f"got {type(message).__module__}.{type(message).__qualname__}"
            )
        try:
            return self._codec.encode(message)
        except Exception as exc:  # protobuf's EncodeError (a required field unset), ...
            raise EncodeError(
                f"event {self.name!r}: the {self.schema_name} message does not encode: {exc}. "
                "Set every required field (and only values the schema allows) before emitting",
                event=self.name,
            ) from exc

    def encode_many(self, messages: Sequence[T]) -> list[bytes] | None:
        """Serialize every message in one pass; None when one is not of the schema or does
        not encode (then ``encode`` each to find which)."""
        check = self._check
        for message in messages:
            if not isinstance(message, check):
                return None
        try:
            return list(map(self._codec.encode, messages))
        except Exception:
            return None

    def decode(self, data: bytes, *, schema: str | None = None) -> T:
        """Deserialize ``data``; raise ``DecodeError`` (with ``raw``) if it does not fit.

        ``schema`` is the schema the message says it carries (its ``Protonats-Schema``
        header, None without one): a message of another schema is a ``DecodeError`` even
        when its bytes happen to decode (protobuf decodes almost any bytes).
        """
        if schema is not None and schema != self.schema_name:
            raise DecodeError(
                f"event {self.name!r}: the message carries schema {schema!r} (its "
                f"Protonats-Schema header), not {self.schema_name}: a producer sent another "
                "event's message on this subject",
                event=self.name,
                raw=data,
            )
        try:
            return self._codec.decode(data)
        except Exception as exc:
            raise DecodeError(
                f"event {self.name!r}: payload does not decode as {self.schema_name}: {exc}",
                event=self.name,
                raw=data,
            ) from exc
