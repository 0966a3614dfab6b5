"""protonats: typed event schemas for NATS JetStream, with a runtime that never loses silently."""

from ._errors import (
    BatchEmitError,
    DecodeError,
    EmitError,
    EventDeclarationError,
    InvalidEventNameError,
    InvalidLimitsError,
    JetStreamError,
    MessageTooLargeError,
    MessageTypeError,
    NewerRegistryError,
    NoStreamError,
    ProtonatsError,
    StreamConfigError,
    StreamExistsError,
    UnknownEventError,
    UnsupportedSchemaError,
)
from ._event import Event
from ._limits import Discard, Limits, Retention, Storage
from ._registry import Events
from ._serializers import Serializer

__all__ = [
    "BatchEmitError",
    "DecodeError",
    "Discard",
    "EmitError",
    "Event",
    "EventDeclarationError",
    "Events",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "JetStreamError",
    "Limits",
    "MessageTooLargeError",
    "MessageTypeError",
    "NewerRegistryError",
    "NoStreamError",
    "ProtonatsError",
    "Retention",
    "Serializer",
    "Storage",
    "StreamConfigError",
    "StreamExistsError",
    "UnknownEventError",
    "UnsupportedSchemaError",
]
