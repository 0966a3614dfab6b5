"""JSON Schema (2020-12) of an event's payload in its JSON form: the proto3 JSON mapping of a
protobuf message (walking its descriptor), or the JSON Schema of a dataclass, msgspec or
pydantic schema. The schema ledger stores it; the CLI's catalog builds on the same walk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FieldDescriptorProto
from google.protobuf.message import Message

from ._fingerprint import schema_json

if TYPE_CHECKING:
    from ._event import Event

__all__ = [
    "DEFS",
    "DIALECT",
    "WELL_KNOWN",
    "add_message",
    "enum_of",
    "event_json_schema",
    "is_map",
    "message_of",
    "protobuf_json_schema",
    "scalar_name",
    "synthetic_oneof",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFS = "#/$defs/"
_F = FieldDescriptor
_INT64 = {"type": ["string", "integer"], "format": "int64", "examples": ["0"]}
_UINT64 = {"type": ["string", "integer"], "format": "uint64", "minimum": 0, "examples": ["0"]}
_SCALARS: dict[int, dict[str, Any]] = {
    _F.TYPE_DOUBLE: {"type": "number"},
    _F.TYPE_FLOAT: {"type": "number"},
    _F.TYPE_INT64: _INT64,
    _F.TYPE_SINT64: _INT64,
    _F.TYPE_SFIXED64: _INT64,
    _F.TYPE_UINT64: _UINT64,
    _F.TYPE_FIXED64: _UINT64,
    _F.TYPE_INT32: {"type": "integer", "format": "int32"},
    _F.TYPE_SINT32: {"type": "integer", "format": "int32"},
    _F.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    _F.TYPE_UINT32: {"type": "integer", "format": "uint32", "minimum": 0},
    _F.TYPE_FIXED32: {"type": "integer", "format": "uint32", "minimum": 0},
    _F.TYPE_BOOL: {"type": "boolean"},
    _F.TYPE_STRING: {"type": "string"},
    _F.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
        "examples": ["1.5s"],
    },
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
    "google.protobuf.DoubleValue": {"type": ["number", "null"]},
    "google.protobuf.FloatValue": {"type": ["number", "null"]},
    "google.protobuf.Int64Value": {"type": ["string", "integer", "null"], "format": "int64"},
    "google.protobuf.UInt64Value": {"type": ["string", "integer", "null"], "format": "uint64"},
    "google.protobuf.Int32Value": {"type": ["integer", "null"], "format": "int32"},
    "google.protobuf.UInt32Value": {"type": ["integer", "null"], "format": "uint32"},
    "google.protobuf.BoolValue": {"type": ["boolean", "null"]},
    "google.protobuf.StringValue": {"type": ["string", "null"]},
    "google.protobuf.BytesValue": {"type": ["string", "null"], "contentEncoding": "base64"},
}


def add_message(
    message: Descriptor, components: dict[str, dict[str, Any]], ref: str = DEFS
) -> None:
    """Add ``message`` and every message and enum it uses to ``components``, named by full
    name and referred to as ``ref + full name``."""
    if message.full_name in components:
        return
    schema: dict[str, Any] = {"title": message.name, "type": "object", "properties": {}}
    components[message.full_name] = schema  # before the fields: messages may be recursive
    for field in message.fields:
        prop = _field_schema(field, components, ref)
        if field.containing_oneof is not None and not synthetic_oneof(field):
            prop = {**prop, "description": f"one of {field.containing_oneof.name}"}
        schema["properties"][field.json_name] = prop


def _field_schema(
    field: FieldDescriptor, components: dict[str, dict[str, Any]], ref: str
) -> dict[str, Any]:
    if is_map(field):
        value = message_of(field).fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, components, ref)}
    single = _single(field, components, ref)
    return {"type": "array", "items": single} if field.is_repeated else single


def _single(
    field: FieldDescriptor, components: dict[str, dict[str, Any]], ref: str
) -> dict[str, Any]:
    if field.type == _F.TYPE_ENUM:
        _enum(enum_of(field), components)
        return {"$ref": ref + enum_of(field).full_name}
    if field.type in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        message = message_of(field)
        known = WELL_KNOWN.get(message.full_name)
        if known is not None:
            return dict(known)
        add_message(message, components, ref)
        return {"$ref": ref + message.full_name}
    return dict(_SCALARS[field.type])


def scalar_name(field_type: int) -> str:
    """The proto name of a field type number: ``int64``, ``string``, ``message``."""
    try:
        name = FieldDescriptorProto.Type.Name(field_type)  # type: ignore[arg-type]
    except ValueError:
        return "?"
    return str(name).removeprefix("TYPE_").lower()


def message_of(field: FieldDescriptor) -> Descriptor:
    """The message type of a message (or map) field."""
    if field.message_type is None:
        raise TypeError(f"field {field.full_name} is not a message field")
    return field.message_type


def enum_of(field: FieldDescriptor) -> EnumDescriptor:
    """The enum type of an enum field."""
    if field.enum_type is None:
        raise TypeError(f"field {field.full_name} is not an enum field")
    return field.enum_type


def _enum(enum: EnumDescriptor, components: dict[str, dict[str, Any]]) -> None:
    if enum.full_name == "google.protobuf.NullValue":
        components.setdefault(enum.full_name, {"type": "null"})
    else:
        names = [value.name for value in enum.values]
        components.setdefault(enum.full_name, {"title": enum.name, "type": "string", "enum": names})


def is_map(field: FieldDescriptor) -> bool:
    return bool(
        field.type == _F.TYPE_MESSAGE
        and field.is_repeated
        and message_of(field).GetOptions().map_entry
    )


def synthetic_oneof(field: FieldDescriptor) -> bool:
    """Whether the field's oneof is the one proto3 ``optional`` makes (not a real choice)."""
    oneof = field.containing_oneof
    return oneof is not None and len(oneof.fields) == 1 and oneof.name == f"_{field.name}"


def protobuf_json_schema(message: Descriptor) -> dict[str, Any]:
    """A standalone JSON Schema of ``message``'s proto3 JSON form; named types in ``$defs``."""
    known = WELL_KNOWN.get(message.full_name)
    if known is not None:  # e.g. a Timestamp is a string in JSON
        return {"$schema": DIALECT, **known}
    components: dict[str, dict[str, Any]] = {}
    add_message(message, components)
    return {"$schema": DIALECT, "$ref": DEFS + message.full_name, "$defs": components}


def event_json_schema(event: Event[Any]) -> dict[str, Any]:
    """The JSON Schema of ``event``'s payload in JSON: what the ledger records.

    A schema msgspec cannot describe (a custom serializer's) is described by its name only.
    """
    schema = event.schema
    if isinstance(schema, type) and issubclass(schema, Message):
        descriptor: Any = schema.DESCRIPTOR  # pure-Python and upb descriptors differ in stubs
        return protobuf_json_schema(descriptor)
    try:
        described = schema_json(schema)
    except (TypeError, ValueError):
        described = {"description": f"{event.schema_name}, encoded as {event.content_type}"}
    return {"$schema": DIALECT, **described}
