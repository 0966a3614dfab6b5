"""THE JSON Schema (2020-12) generator: what an event's payload looks like in its JSON form.

The serializers (``_serializers.py``) own the schema kind and call in here: a protobuf message
is described by its proto3 JSON mapping (walking its descriptor; proto2 ``required`` and
editions ``LEGACY_REQUIRED`` fields are ``required``), a dataclass, msgspec ``Struct`` or
primitive by msgspec (with ``format: date-time`` on datetimes, which msgspec leaves out). Every
schema is standalone: named types under ``$defs``, referred to as ``#/$defs/NAME``. The ledger
records it, the fingerprint hashes it, and the catalog and AsyncAPI document publish it (their
components are these ``$defs``).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import msgspec
import msgspec.inspect as mi
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.descriptor_pb2 import FieldDescriptorProto

__all__ = [
    "DEFS",
    "DIALECT",
    "WELL_KNOWN",
    "enum_of",
    "is_map",
    "message_of",
    "msgspec_json_schema",
    "protobuf_json_schema",
    "scalar_name",
    "standalone",
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


def _add_message(message: Descriptor, components: dict[str, dict[str, Any]]) -> None:
    """Add ``message`` and every message and enum it uses to ``components``, named by full
    name and referred to as ``#/$defs/<full name>``."""
    if message.full_name in components:
        return
    schema: dict[str, Any] = {"title": message.name, "type": "object", "properties": {}}
    components[message.full_name] = schema  # before the fields: messages may be recursive
    required = []
    for field in message.fields:
        prop = _field_schema(field, components)
        if field.containing_oneof is not None and not synthetic_oneof(field):
            prop = {**prop, "description": f"one of {field.containing_oneof.name}"}
        schema["properties"][field.json_name] = prop
        if field.is_required:  # proto2 `required`, editions LEGACY_REQUIRED
            required.append(field.json_name)
    if required:
        schema["required"] = required


def _field_schema(field: FieldDescriptor, components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if is_map(field):
        value = message_of(field).fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, components)}
    single = _single(field, components)
    return {"type": "array", "items": single} if field.is_repeated else single


def _single(field: FieldDescriptor, components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if field.type == _F.TYPE_ENUM:
        _enum(enum_of(field), components)
        return {"$ref": DEFS + enum_of(field).full_name}
    if field.type in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        message = message_of(field)
        known = WELL_KNOWN.get(message.full_name)
        if known is not None:
            return dict(known)
        _add_message(message, components)
        return {"$ref": DEFS + message.full_name}
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


def standalone(described: dict[str, Any]) -> dict[str, Any]:
    """``described`` as a standalone document: with its ``$schema`` dialect first."""
    return {"$schema": DIALECT, **{k: v for k, v in described.items() if k != "$schema"}}


def protobuf_json_schema(message: Descriptor) -> dict[str, Any]:
    """A standalone JSON Schema of ``message``'s proto3 JSON form; named types in ``$defs``."""
    return json.loads(_protobuf_schema(message))  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=4096)
def _protobuf_schema(message: Descriptor) -> str:
    known = WELL_KNOWN.get(message.full_name)
    if known is not None:  # e.g. a Timestamp is a string in JSON
        return json.dumps(standalone(known))
    components: dict[str, dict[str, Any]] = {}
    _add_message(message, components)
    return json.dumps({"$schema": DIALECT, "$ref": DEFS + message.full_name, "$defs": components})


def msgspec_json_schema(schema: Any) -> dict[str, Any]:
    """A standalone JSON Schema of a dataclass, msgspec ``Struct``, ``TypedDict`` or primitive
    as msgspec encodes it; ``TypeError`` if msgspec cannot describe it."""
    try:
        text = _msgspec_schema(schema)
    except TypeError:  # unhashable (a generic alias of an unhashable type): not cached
        text = _msgspec_schema.__wrapped__(schema)
    return json.loads(text)  # type: ignore[no-any-return]  # a fresh copy: callers change it


@functools.lru_cache(maxsize=4096)
def _msgspec_schema(schema: Any) -> str:
    described = msgspec.json.schema(schema)
    _add_datetime_format(mi.type_info(schema), described, described.get("$defs", {}), set())
    return json.dumps(standalone(described))


def _add_datetime_format(
    info: mi.Type, schema: dict[str, Any], defs: dict[str, Any], seen: set[str]
) -> None:
    """Mark datetime fields ``format: date-time``, which msgspec leaves out (naive ones exist;
    protonats describes what an aware datetime, the only kind worth sending, looks like)."""
    if isinstance(info, mi.DateTimeType) and schema.get("type") == "string":
        schema["format"] = "date-time"
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            for sub in schema.get("anyOf", ()):
                _add_datetime_format(option, sub, defs, seen)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        if isinstance(schema.get("items"), dict):
            _add_datetime_format(info.item_type, schema["items"], defs, seen)
    elif isinstance(info, mi.DictType | mi.FrozenDictType):
        if isinstance(schema.get("additionalProperties"), dict):
            _add_datetime_format(info.value_type, schema["additionalProperties"], defs, seen)
    elif isinstance(info, mi.DataclassType | mi.StructType | mi.TypedDictType):
        name = str(schema.get("$ref", "")).removeprefix(DEFS)
        if name in seen or name not in defs:
            return
        seen.add(name)
        props = defs[name].get("properties", {})
        for field in info.fields:
            if field.encode_name in props:
                _add_datetime_format(field.type, props[field.encode_name], defs, seen)
