"""protonats: typed event schemas for NATS JetStream, with a runtime that never loses silently."""

from ._errors import (
    AckTimeoutError,
    BatchEmitError,
    ConnectError,
    DecodeError,
    EmitError,
    EventDeclarationError,
    InvalidDescriptionError,
    InvalidEventNameError,
    InvalidLimitsError,
    JetStreamError,
    MessageRejectedError,
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
from .events._event import Event
from .events._limits import Discard, Limits, Retention, Storage
from .events._registry import Events
from .events._serializers import (
    BytesSerializer,
    JSONSerializer,
    ProtobufSerializer,
    PydanticSerializer,
    Serializer,
)
from .jetstream._config import Action, FieldChange, StreamPlan, stream_config
from .jetstream._connected import ConnectedEvents
from .jetstream._consume import ConsumerOptions, Delivery
from .jetstream._publish import Ack

__all__ = [
    "Ack",
    "AckTimeoutError",
    "Action",
    "BatchEmitError",
    "BytesSerializer",
    "ConnectError",
    "ConnectedEvents",
    "ConsumerOptions",
    "DecodeError",
    "Delivery",
    "Discard",
    "EmitError",
    "Event",
    "EventDeclarationError",
    "Events",
    "FieldChange",
    "InvalidDescriptionError",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "JSONSerializer",
    "JetStreamError",
    "Limits",
    "MessageRejectedError",
    "MessageTooLargeError",
    "MessageTypeError",
    "NewerRegistryError",
    "NoStreamError",
    "ProtobufSerializer",
    "ProtonatsError",
    "PydanticSerializer",
    "Retention",
    "Serializer",
    "Storage",
    "StreamConfigError",
    "StreamExistsError",
    "StreamPlan",
    "UnknownEventError",
    "UnsupportedSchemaError",
    "stream_config",
]
