"""Serializers: the one place that knows a schema's kind (protobuf, pydantic, msgspec, bytes).

A serializer turns a schema's messages into bytes and back, and says what its messages look
like as JSON: their JSON Schema (what the ledger records, the fingerprint hashes and the
catalog and AsyncAPI document publish) and JSON in and out (``protonats emit --json``,
``tail``). A new schema kind is one class implementing ``Serializer``.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
import sys
import types
import typing
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from google.protobuf import json_format
from google.protobuf.message import Message

from .._errors import UnsupportedSchemaError
from ._fingerprint import descriptor_set
from ._json_schema import msgspec_json_schema, protobuf_json_schema, standalone

__all__ = [
    "BytesSerializer",
    "JSONSerializer",
    "ProtobufSerializer",
    "PydanticSerializer",
    "Serializer",
    "complete",
    "is_pydantic",
    "pick_serializer",
]

T = TypeVar("T")
M = TypeVar("M", bound=Message)

_PRIMITIVES: tuple[type, ...] = (str, int, float, bool, list, dict, tuple)
_PROTOBUF_FIELD = re.compile(r"Failed to parse (?P<field>\S+) field: ")
_MSGSPEC_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


class Serializer(Protocol[T]):
    """One schema kind: messages to bytes and back, and what they look like as JSON."""

    @property
    def content_type(self) -> str:
        """MIME type sent in the ``Content-Type`` header, so any consumer can decode."""
        ...

    def encode(self, message: T) -> bytes: ...

    def decode(self, data: bytes) -> T: ...

    def json_schema(self) -> dict[str, Any]:
        """A standalone JSON Schema (2020-12) of a message's JSON form, named types under
        ``$defs``: what the ledger records and the catalog publishes."""
        ...

    def fingerprint_part(self) -> dict[str, Any]:
        """What of the schema the event's fingerprint hashes (JSON-compatible)."""
        ...

    def to_json(self, message: T) -> Any:
        """A JSON-compatible value of ``message``: what ``from_json`` accepts back."""
        ...

    def from_json(self, value: Any) -> T:
        """A message from a JSON value; ``ValueError`` naming the field and why if it does not
        fit."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class ProtobufSerializer(Generic[M]):
    """Protobuf binary wire format; unknown fields from newer producers are kept. Its JSON
    form is the proto3 JSON mapping."""

    schema: type[M]
    content_type: str = "application/protobuf"

    def encode(self, message: M) -> bytes:
        return message.SerializeToString()

    def decode(self, data: bytes) -> M:
        return self.schema.FromString(data)

    def json_schema(self) -> dict[str, Any]:
        descriptor: Any = self.schema.DESCRIPTOR  # pure-Python and upb descriptors differ
        return protobuf_json_schema(descriptor)

    def fingerprint_part(self) -> dict[str, Any]:
        return {"descriptor_set_sha256": hashlib.sha256(descriptor_set(self.schema)).hexdigest()}

    def to_json(self, message: M) -> Any:
        return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)

    def from_json(self, value: Any) -> M:
        full_name = self.schema.DESCRIPTOR.full_name
        if not isinstance(value, dict) and not full_name.startswith("google.protobuf."):
            raise ValueError(  # a well-known type (Timestamp: a string) may be any JSON value
                f"{full_name} is a protobuf message, so the JSON must be an object, "
                f"got {type(value).__name__}"
            )
        try:
            return json_format.ParseDict(value, self.schema())
        except json_format.ParseError as exc:
            raise ValueError(_protobuf_error(exc)) from None


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
    decode: Callable[[bytes], T] = dataclasses.field(init=False, repr=False, compare=False)
    """``data`` -> a message: msgspec's decoder itself (no call of ours in between)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "decode", msgspec.json.Decoder(self.schema).decode)

    def encode(self, message: T) -> bytes:
        return self._encoder.encode(message)

    def json_schema(self) -> dict[str, Any]:
        return msgspec_json_schema(self.schema)

    def fingerprint_part(self) -> dict[str, Any]:
        return _hashed(self.json_schema())

    def to_json(self, message: T) -> Any:
        return msgspec.to_builtins(message)

    def from_json(self, value: Any) -> T:
        try:
            return msgspec.convert(value, type=self.schema)  # type: ignore[no-any-return]
        except msgspec.ValidationError as exc:
            raise ValueError(_msgspec_error(exc)) from None


@dataclasses.dataclass(frozen=True, slots=True)
class PydanticSerializer(Generic[T]):
    """JSON through a pydantic v2 model's own ``model_dump_json``/``model_validate_json``. Its
    JSON Schema is the serialization one: what ``model_dump_json`` sends (computed fields
    included)."""

    schema: Any
    content_type: str = "application/json"

    def encode(self, message: T) -> bytes:
        return message.model_dump_json().encode()  # type: ignore[attr-defined,no-any-return]

    def decode(self, data: bytes) -> T:
        return self.schema.model_validate_json(data)  # type: ignore[no-any-return]

    def json_schema(self) -> dict[str, Any]:
        return standalone(self.schema.model_json_schema(mode="serialization"))

    def fingerprint_part(self) -> dict[str, Any]:
        return _hashed(self.json_schema())

    def to_json(self, message: T) -> Any:
        return message.model_dump(mode="json")  # type: ignore[attr-defined]

    def from_json(self, value: Any) -> T:
        pydantic = sys.modules["pydantic"]  # imported: the schema is a pydantic model
        try:
            return self.schema.model_validate(value)  # type: ignore[no-any-return]
        except pydantic.ValidationError as exc:
            problems = []
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"])
                problems.append(f"field {where}: {error['msg']}" if where else error["msg"])
            raise ValueError("; ".join(problems)) from None


@dataclasses.dataclass(frozen=True, slots=True)
class BytesSerializer:
    """Raw bytes, sent as they are; their JSON form is base64 text."""

    content_type: str = "application/octet-stream"

    def encode(self, message: bytes) -> bytes:
        return bytes(message)

    def decode(self, data: bytes) -> bytes:
        return data

    def json_schema(self) -> dict[str, Any]:
        return standalone({"type": "string", "contentEncoding": "base64"})

    def fingerprint_part(self) -> dict[str, Any]:
        return _hashed(self.json_schema())

    def to_json(self, message: bytes) -> Any:
        return base64.b64encode(bytes(message)).decode()

    def from_json(self, value: Any) -> bytes:
        if not isinstance(value, str):
            raise ValueError(f"expected base64 text, got {type(value).__name__}")
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise ValueError(f"not base64: {exc}") from None


@dataclasses.dataclass(frozen=True, slots=True)
class _Described(Generic[T]):
    """A serializer given to ``Event`` that only encodes and decodes (written before
    serializers described their schema): described like the schema's own kind, when protonats
    knows it, else by its name and content type only."""

    codec: Any
    schema: Any
    schema_name: str
    kind: Serializer[Any] | None = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            kind: Serializer[Any] | None = pick_serializer(self.schema)
        except UnsupportedSchemaError:
            kind = None
        object.__setattr__(self, "kind", kind)

    @property
    def content_type(self) -> str:
        return str(self.codec.content_type)

    def encode(self, message: T) -> bytes:
        return self.codec.encode(message)  # type: ignore[no-any-return]

    def decode(self, data: bytes) -> T:
        return self.codec.decode(data)  # type: ignore[no-any-return]

    def json_schema(self) -> dict[str, Any]:
        if self.kind is not None:
            return self.kind.json_schema()
        return standalone({"description": f"{self.schema_name}, encoded as {self.content_type}"})

    def fingerprint_part(self) -> dict[str, Any]:
        if self.kind is not None:
            return self.kind.fingerprint_part()
        return {"repr": repr(self.schema)}

    def to_json(self, message: T) -> Any:
        try:
            return self.kind.to_json(message) if self.kind is not None else repr(message)
        except TypeError:
            return repr(message)

    def from_json(self, value: Any) -> T:
        if self.kind is None:
            raise ValueError(f"{self.schema_name} cannot be built from JSON")
        return self.kind.from_json(value)  # type: ignore[no-any-return]


def complete(codec: Any, schema: Any, schema_name: str) -> Serializer[Any]:
    """``codec`` as a full ``Serializer``: itself, or described by its schema's kind."""
    if all(callable(getattr(codec, m, None)) for m in _DESCRIBING):
        return codec  # type: ignore[no-any-return]
    return _Described(codec, schema, schema_name)


_DESCRIBING = ("json_schema", "fingerprint_part", "to_json", "from_json")


def _hashed(schema: dict[str, Any]) -> dict[str, Any]:
    return {"json_schema": {k: v for k, v in schema.items() if k != "$schema"}}


def _one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split())


_UNKNOWN_FIELD = re.compile(
    r'Message type "(?P<type>[^"]+)" has no field named "(?P<name>[^"]+)" at "[^"]*"\.?\s*'
    r'Available Fields\(except extensions\): "\[(?P<known>[^\]]*)\]"\.?'
)


def _protobuf_error(exc: json_format.ParseError) -> str:
    """``Failed to parse a field: Failed to parse b field: why`` -> ``field a.b: why``; an
    unknown field in plain words (protobuf's own text quotes a Python list)."""
    text = _one_line(exc)
    unknown = _UNKNOWN_FIELD.search(text)
    if unknown:
        known = ", ".join(name.strip().strip("'") for name in unknown["known"].split(","))
        text = (
            text[: unknown.start()]
            + f"{unknown['type']} has no field {unknown['name']!r} (its fields: {known})"
        )
    path = []
    while match := _PROTOBUF_FIELD.match(text):
        path.append(match["field"])
        text = text[match.end() :]
    return f"field {'.'.join(path)}: {text.rstrip('.')}" if path else text


def _msgspec_error(exc: msgspec.ValidationError) -> str:
    """``Expected `int`, got `str` - at `$.count``` -> ``field count: expected int, got str``."""
    match = _MSGSPEC_AT.match(str(exc))
    if match is None:  # pragma: no cover - the pattern matches any text
        return _one_line(exc)
    what = match["what"].replace("`", "")
    what = what[:1].lower() + what[1:]
    path = (match["path"] or "").lstrip(".")
    return _one_line(f"field {path}: {what}" if path else what)


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
