"""Serializers: turn a schema's messages into bytes and back, picked from the schema's type."""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from google.protobuf.message import Message

from .._errors import UnsupportedSchemaError

__all__ = [
    "BytesSerializer",
    "JSONSerializer",
    "ProtobufSerializer",
    "PydanticSerializer",
    "Serializer",
    "is_pydantic",
    "pick_serializer",
]

T = TypeVar("T")
M = TypeVar("M", bound=Message)

_PRIMITIVES: tuple[type, ...] = (str, int, float, bool, list, dict, tuple)


class Serializer(Protocol[T]):
    """Encodes messages of one schema to bytes and decodes them back."""

    @property
    def content_type(self) -> str:
        """MIME type sent in the ``Content-Type`` header, so any consumer can decode."""
        ...

    def encode(self, message: T) -> bytes: ...

    def decode(self, data: bytes) -> T: ...


@dataclasses.dataclass(frozen=True, slots=True)
class ProtobufSerializer(Generic[M]):
    """Protobuf binary wire format; unknown fields from newer producers are kept."""

    schema: type[M]
    content_type: str = "application/protobuf"

    def encode(self, message: M) -> bytes:
        return message.SerializeToString()

    def decode(self, data: bytes) -> M:
        return self.schema.FromString(data)


@dataclasses.dataclass(frozen=True, slots=True)
class JSONSerializer(Generic[T]):
    """JSON through msgspec, for dataclasses, msgspec Structs and primitives.

    Unknown fields from a newer producer are ignored and missing fields take their defaults,
    so adding a field with a default is backward compatible.
    """

    schema: Any
    content_type: str = "application/json"
    _encoder: msgspec.json.Encoder = dataclasses.field(
        init=False, repr=False, compare=False, default_factory=msgspec.json.Encoder
    )
    _decoder: msgspec.json.Decoder[T] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_decoder", msgspec.json.Decoder(self.schema))

    def encode(self, message: T) -> bytes:
        return self._encoder.encode(message)

    def decode(self, data: bytes) -> T:
        return self._decoder.decode(data)


@dataclasses.dataclass(frozen=True, slots=True)
class PydanticSerializer(Generic[T]):
    """JSON through a pydantic v2 model's own ``model_dump_json``/``model_validate_json``."""

    schema: Any
    content_type: str = "application/json"

    def encode(self, message: T) -> bytes:
        return message.model_dump_json().encode()  # type: ignore[attr-defined,no-any-return]

    def decode(self, data: bytes) -> T:
        return self.schema.model_validate_json(data)  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True, slots=True)
class BytesSerializer:
    """Raw bytes, sent as they are."""

    content_type: str = "application/octet-stream"

    def encode(self, message: bytes) -> bytes:
        return bytes(message)

    def decode(self, data: bytes) -> bytes:
        return data


def pick_serializer(schema: Any) -> Serializer[Any]:
    """Choose the serializer for ``schema``, or raise ``UnsupportedSchemaError`` saying why."""
    if isinstance(schema, type):
        if issubclass(schema, Message):
            return ProtobufSerializer(schema)
        if schema is bytes:
            return BytesSerializer()
        if is_pydantic(schema):
            return PydanticSerializer(schema)
        if (
            dataclasses.is_dataclass(schema)
            or issubclass(schema, msgspec.Struct)
            or schema in _PRIMITIVES
        ):
            return _json(schema)
    elif typing.get_origin(schema) in _PRIMITIVES or isinstance(schema, types.UnionType):
        return _json(schema)
    raise UnsupportedSchemaError(
        f"no serializer for schema {schema!r}: use a dataclass, a pydantic v2 model, a protobuf "
        "message, a msgspec Struct, bytes or a primitive, or pass serializer= to Event"
    )


def instance_type(schema: Any) -> type | tuple[type, ...]:
    """The type ``isinstance`` checks a message against before it is encoded."""
    if isinstance(schema, type):
        return schema
    if isinstance(schema, types.UnionType):
        return tuple(instance_type(arg) for arg in typing.get_args(schema))  # type: ignore[misc]
    origin = typing.get_origin(schema)
    return origin if isinstance(origin, type) else object


def schema_full_name(schema: Any) -> str:
    """A stable, language-neutral name of the schema, sent in headers and stream metadata.

    A protobuf message's full name; otherwise the class's ``__qualname__``, without the module,
    which would differ between a script (``__main__``) and the same file imported as a module.
    """
    descriptor = getattr(schema, "DESCRIPTOR", None)
    if isinstance(schema, type) and issubclass(schema, Message) and descriptor is not None:
        return str(descriptor.full_name)
    if isinstance(schema, type):
        return schema.__qualname__
    return repr(schema)


def is_pydantic(schema: Any) -> bool:
    """Whether ``schema`` is a pydantic v2 model class (without importing pydantic)."""
    pydantic = sys.modules.get("pydantic")
    return (
        pydantic is not None and isinstance(schema, type) and issubclass(schema, pydantic.BaseModel)
    )


def _json(schema: Any) -> Serializer[Any]:
    try:
        return JSONSerializer(schema)
    except TypeError as exc:
        raise UnsupportedSchemaError(
            f"schema {schema!r} cannot be serialized as JSON: {exc}; pass serializer= to Event"
        ) from exc
