"""protonats: typed event schemas for NATS JetStream, with a runtime that never loses silently.

This module exports what you construct and catch; ``protonats.types`` the types you only name
in annotations (each still importable from here). Importing ``protonats`` imports neither
nats-py nor the runtime: a name is imported on first use (PEP 562), so the buf plugin and the
code generator load the event rules alone.
"""

from __future__ import annotations

TYPE_CHECKING = False  # even typing costs start-up time: the buf plugin imports protonats

if TYPE_CHECKING:  # what type checkers see; at run time each name is imported on first use
    from typing import Any

    from ._errors import (
        AckTimeoutError,
        ActorDeclarationError,
        AtomicBatchError,
        AuthError,
        BatchEmitError,
        BuildError,
        CodegenError,
        ConnectError,
        ConsumerConfigError,
        ConsumerDeletedError,
        ConsumerError,
        DataLossError,
        DecodeError,
        DelayError,
        EmitError,
        EncodeError,
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
        PermissionDeniedError,
        ProtonatsError,
        PublishPermissionError,
        RegisterLockTimeoutError,
        RegistryFingerprintError,
        SchemaIncompatibleError,
        ServerTooOldError,
        StreamConfigError,
        StreamExistsError,
        StreamUnavailableError,
        TLSError,
        UnknownEventError,
        UnsupportedSchemaError,
    )
    from .actors._actor import Actor
    from .actors._middleware import Middleware
    from .actors._otel import OpenTelemetryTraceMiddleware
    from .actors._prometheus import PrometheusMiddleware
    from .actors._registry import Actors
    from .events._cloudevent import CloudEvent
    from .events._event import Event
    from .events._limits import Discard, Limits, Retention, Storage
    from .events._registry import Events
    from .events._serializers import (
        BytesSerializer,
        JSONSerializer,
        ProtobufSerializer,
        PydanticSerializer,
    )
    from .jetstream._config import stream_config
    from .jetstream._consume import ConsumerOptions
    from .types import *  # noqa: F403  # importable from here too, as before

_HOMES: dict[str, str] = {
    "Actor": ".actors._actor",
    "Actors": ".actors._registry",
    "BytesSerializer": ".events._serializers",
    "CloudEvent": ".events._cloudevent",
    "ConsumerOptions": ".jetstream._consume",
    "Discard": ".events._limits",
    "Event": ".events._event",
    "Events": ".events._registry",
    "JSONSerializer": ".events._serializers",
    "Limits": ".events._limits",
    "Middleware": ".actors._middleware",
    "OpenTelemetryTraceMiddleware": ".actors._otel",
    "PrometheusMiddleware": ".actors._prometheus",
    "ProtobufSerializer": ".events._serializers",
    "PydanticSerializer": ".events._serializers",
    "Retention": ".events._limits",
    "Storage": ".events._limits",
    "stream_config": ".jetstream._config",
}
"""Where each exported class lives, imported when first used; the other names of
``__all__`` are the exceptions (``_errors``)."""

__all__ = [
    "AckTimeoutError",
    "Actor",
    "ActorDeclarationError",
    "Actors",
    "AtomicBatchError",
    "AuthError",
    "BatchEmitError",
    "BuildError",
    "BytesSerializer",
    "CloudEvent",
    "CodegenError",
    "ConnectError",
    "ConsumerConfigError",
    "ConsumerDeletedError",
    "ConsumerError",
    "ConsumerOptions",
    "DataLossError",
    "DecodeError",
    "DelayError",
    "Discard",
    "EmitError",
    "EncodeError",
    "Event",
    "EventDeclarationError",
    "Events",
    "InvalidDescriptionError",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "JSONSerializer",
    "JetStreamError",
    "JetStreamNotEnabledError",
    "JetStreamTimeoutError",
    "LedgerError",
    "Limits",
    "MessageRejectedError",
    "MessageTooLargeError",
    "MessageTypeError",
    "Middleware",
    "NewerRegistryError",
    "NoStreamError",
    "OpenTelemetryTraceMiddleware",
    "PermissionDeniedError",
    "PrometheusMiddleware",
    "ProtobufSerializer",
    "ProtonatsError",
    "PublishPermissionError",
    "PydanticSerializer",
    "RegisterLockTimeoutError",
    "RegistryFingerprintError",
    "Retention",
    "SchemaIncompatibleError",
    "ServerTooOldError",
    "Storage",
    "StreamConfigError",
    "StreamExistsError",
    "StreamUnavailableError",
    "TLSError",
    "UnknownEventError",
    "UnsupportedSchemaError",
    "stream_config",
]


def __getattr__(name: str) -> Any:
    import importlib

    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    elif name in __all__:
        value = getattr(importlib.import_module("._errors", __name__), name)
    elif name[:1].isupper() and name in (types := _types()).__all__:  # moved, served here too
        value = getattr(types, name)
    else:  # a submodule not imported yet (``from . import _wire``) comes through here too
        raise AttributeError(f"module 'protonats' has no attribute {name!r}")
    globals()[name] = value
    return value


def _types() -> Any:
    import importlib

    return importlib.import_module(".types", __name__)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_types().__all__})
