"""protonats: typed event schemas for NATS JetStream, with a runtime that never loses silently."""

from ._errors import (
    AckTimeoutError,
    ActorDeclarationError,
    BatchEmitError,
    ConnectError,
    ConsumerConfigError,
    ConsumerDeletedError,
    ConsumerError,
    DecodeError,
    EmitError,
    EventDeclarationError,
    InvalidDescriptionError,
    InvalidEventNameError,
    InvalidLimitsError,
    JetStreamError,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    MessageRejectedError,
    MessageTooLargeError,
    MessageTypeError,
    NewerRegistryError,
    NoStreamError,
    ProtonatsError,
    PublishPermissionError,
    RegisterLockTimeoutError,
    SchemaIncompatibleError,
    StreamConfigError,
    StreamExistsError,
    StreamUnavailableError,
    UnknownEventError,
    UnsupportedSchemaError,
)
from .actors._actor import Actor
from .actors._config import ConsumerPlan
from .actors._connected import ConnectedActors
from .actors._dead import DeadLetter, Replayed
from .actors._middleware import Context, ErrorContext, Middleware, OkContext
from .actors._otel import OpenTelemetryTraceMiddleware
from .actors._prometheus import PrometheusMiddleware
from .actors._registry import Actors, ActorsConnection
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
from .jetstream._connect import ConnectContext
from .jetstream._connected import ConnectedEvents
from .jetstream._consume import ConsumerOptions, Delivery
from .jetstream._ledger import LedgerEntry, LedgerLimits, LedgerRevision, LedgerSchema
from .jetstream._publish import Ack
from .jetstream._register import OnNewer

__all__ = [
    "Ack",
    "AckTimeoutError",
    "Action",
    "Actor",
    "ActorDeclarationError",
    "Actors",
    "ActorsConnection",
    "BatchEmitError",
    "BytesSerializer",
    "ConnectContext",
    "ConnectError",
    "ConnectedActors",
    "ConnectedEvents",
    "ConsumerConfigError",
    "ConsumerDeletedError",
    "ConsumerError",
    "ConsumerOptions",
    "ConsumerPlan",
    "Context",
    "DeadLetter",
    "DecodeError",
    "Delivery",
    "Discard",
    "EmitError",
    "ErrorContext",
    "Event",
    "EventDeclarationError",
    "Events",
    "FieldChange",
    "InvalidDescriptionError",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "JSONSerializer",
    "JetStreamError",
    "JetStreamNotEnabledError",
    "JetStreamTimeoutError",
    "LedgerEntry",
    "LedgerError",
    "LedgerLimits",
    "LedgerRevision",
    "LedgerSchema",
    "Limits",
    "MessageRejectedError",
    "MessageTooLargeError",
    "MessageTypeError",
    "Middleware",
    "NewerRegistryError",
    "NoStreamError",
    "OkContext",
    "OnNewer",
    "OpenTelemetryTraceMiddleware",
    "PrometheusMiddleware",
    "ProtobufSerializer",
    "ProtonatsError",
    "PublishPermissionError",
    "PydanticSerializer",
    "RegisterLockTimeoutError",
    "Replayed",
    "Retention",
    "SchemaIncompatibleError",
    "Serializer",
    "Storage",
    "StreamConfigError",
    "StreamExistsError",
    "StreamPlan",
    "StreamUnavailableError",
    "UnknownEventError",
    "UnsupportedSchemaError",
    "stream_config",
]
