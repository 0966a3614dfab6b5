"""JSON Schemas of the events' payloads, example payloads and field tables, for the catalog.

Protobuf messages are described by their proto3 JSON mapping (walking the descriptor), pydantic
models by ``model_json_schema``, and everything else by ``msgspec.json.schema_components``.
Named schemas are shared as ``#/components/schemas/NAME``, as AsyncAPI wants them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import msgspec
import msgspec.inspect as mi
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ..events._event import Event
from ..events._serializers import BytesSerializer
from ._common import CliError
from ._json import is_protobuf, is_pydantic

__all__ = [
    "REF",
    "Schemas",
    "enum_of",
    "event_schemas",
    "example",
    "is_map",
    "message_of",
    "resolve",
    "synthetic_oneof",
]

REF = "#/components/schemas/"
_INT64 = {"type": ["string", "integer"], "format": "int64", "examples": ["0"]}
_UINT64 = {"type": ["string", "integer"], "format": "uint64", "minimum": 0, "examples": ["0"]}
_F = FieldDescriptor
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
_SCALAR_NAMES = {
    getattr(_F, name): name.removeprefix("TYPE_").lower()
    for name in dir(_F)
    if name.startswith("TYPE_") and name not in {"TYPE_MESSAGE", "TYPE_ENUM", "TYPE_GROUP"}
}
_WELL_KNOWN: dict[str, dict[str, Any]] = {
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


@dataclasses.dataclass(frozen=True, slots=True)
class Schemas:
    """Each event's payload schema (often a ``$ref``) and the named schemas they refer to."""

    payloads: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]


def event_schemas(events: Iterable[Event[Any]]) -> Schemas:
    """JSON Schemas of the payloads of ``events``, sharing one set of named components."""
    payloads: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    plain: list[Event[Any]] = []
    for event in events:
        if isinstance(event.serializer, BytesSerializer):
            payloads[event.name] = {"type": "string", "format": "binary"}
        elif is_protobuf(event.schema):
            full_name = event.schema.DESCRIPTOR.full_name
            if full_name in _WELL_KNOWN:  # e.g. a Timestamp is a string in JSON
                payloads[event.name] = dict(_WELL_KNOWN[full_name])
            else:
                _protobuf(event.schema.DESCRIPTOR, components)
                payloads[event.name] = {"$ref": REF + full_name}
        elif is_pydantic(event.schema):
            schema = event.schema.model_json_schema(
                ref_template=REF + "{model}", mode="serialization"
            )
            _merge(components, schema.pop("$defs", {}), event)
            _merge(components, {event.schema_name: schema}, event)
            payloads[event.name] = {"$ref": REF + event.schema_name}
        else:
            plain.append(event)
    try:  # one call, so msgspec gives clashing class names distinct component names
        roots, found = msgspec.json.schema_components(
            [e.schema for e in plain], ref_template=REF + "{name}"
        )
    except TypeError:
        roots, found = tuple(_one_msgspec(e, components) for e in plain), {}
    _merge(components, found, None)
    payloads.update({e.name: root for e, root in zip(plain, roots, strict=True)})
    for event in plain:
        _add_datetime_format(event.schema, payloads[event.name], components, set())
    return Schemas(payloads, components)


def _add_datetime_format(
    schema_type: Any, schema: dict[str, Any], components: dict[str, Any], seen: set[str]
) -> None:
    """Mark datetime fields ``format: date-time``, which msgspec leaves out (naive ones exist)."""
    try:
        info = schema_type if isinstance(schema_type, mi.Type) else mi.type_info(schema_type)
    except TypeError:
        return
    if isinstance(info, mi.DateTimeType) and schema.get("type") == "string":
        schema["format"] = "date-time"
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            for sub in schema.get("anyOf", ()):
                _add_datetime_format(option, sub, components, seen)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        if isinstance(schema.get("items"), dict):
            _add_datetime_format(info.item_type, schema["items"], components, seen)
    elif isinstance(info, mi.DictType | mi.FrozenDictType):
        if isinstance(schema.get("additionalProperties"), dict):
            _add_datetime_format(info.value_type, schema["additionalProperties"], components, seen)
    elif isinstance(info, mi.DataclassType | mi.StructType | mi.TypedDictType):
        name = str(schema.get("$ref", "")).removeprefix(REF)
        if name in seen or name not in components:
            return
        seen.add(name)
        props = components[name].get("properties", {})
        for field in info.fields:
            if field.encode_name in props:
                _add_datetime_format(field.type, props[field.encode_name], components, seen)


def _one_msgspec(event: Event[Any], components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    try:
        (root,), found = msgspec.json.schema_components([event.schema], ref_template=REF + "{name}")
    except TypeError:
        return {"description": f"{event.schema_name}, encoded by {event.content_type}"}
    _merge(components, found, event)
    return root


def _merge(into: dict[str, Any], new: dict[str, Any], event: Event[Any] | None) -> None:
    for name, schema in new.items():
        if name in into and into[name] != schema:
            whose = f" (event {event.name!r})" if event is not None else ""
            raise CliError(
                f"two different schemas are both named {name!r}{whose}; rename one of the "
                "classes so the AsyncAPI document can tell them apart"
            )
        into[name] = schema


def _protobuf(message: Descriptor, components: dict[str, dict[str, Any]]) -> None:
    """Add ``message`` and every message and enum it uses to ``components``."""
    if message.full_name in components:
        return
    schema: dict[str, Any] = {"title": message.name, "type": "object", "properties": {}}
    components[message.full_name] = schema  # before the fields: messages may be recursive
    for field in message.fields:
        prop = _field_schema(field, components)
        if field.containing_oneof is not None and not synthetic_oneof(field):
            prop = {**prop, "description": f"one of {field.containing_oneof.name}"}
        schema["properties"][field.json_name] = prop


def _field_schema(field: FieldDescriptor, components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if is_map(field):
        value = message_of(field).fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, components)}
    single = _single(field, components)
    return {"type": "array", "items": single} if field.is_repeated else single


def _single(field: FieldDescriptor, components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if field.type == _F.TYPE_ENUM:
        _enum(enum_of(field), components)
        return {"$ref": REF + enum_of(field).full_name}
    if field.type in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        message = message_of(field)
        known = _WELL_KNOWN.get(message.full_name)
        if known is not None:
            return dict(known)
        _protobuf(message, components)
        return {"$ref": REF + message.full_name}
    return dict(_SCALARS[field.type])


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


def resolve(schema: dict[str, Any], components: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``schema``, or the component its ``$ref`` names."""
    seen = set()
    while "$ref" in schema and schema["$ref"].startswith(REF):
        name = schema["$ref"][len(REF) :]
        if name in seen or name not in components:
            break
        seen.add(name)
        schema = components[name]
    return schema


def example(schema: dict[str, Any], components: dict[str, dict[str, Any]]) -> Any:
    """A plausible value that fits ``schema``: what a payload of it looks like."""
    return _example(schema, components, frozenset())


def _example(schema: dict[str, Any], components: dict[str, Any], seen: frozenset[str]) -> Any:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(REF):
        name = ref[len(REF) :]
        if name in seen or name not in components:
            return None
        return _example(components[name], components, seen | {name})
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):  # a protobuf enum's zero value is usually *_UNSPECIFIED: skip it
        values = schema["enum"]
        return next((v for v in values if not str(v).endswith("_UNSPECIFIED")), values[0])
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, ()) if o.get("type") != "null"]
        if options:
            return _example(options[0], components, seen)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object":
        props = schema.get("properties", {})
        if not props and isinstance(schema.get("additionalProperties"), dict):
            value = _example(schema["additionalProperties"], components, seen)
            return {} if value is None else {"key": value}
        return {k: _example(v, components, seen) for k, v in props.items()}
    if kind == "array":  # an item that would recurse (None) makes an empty list
        items = schema.get("items")
        item = _example(items, components, seen) if isinstance(items, dict) else None
        return [] if item is None else [item]
    if kind == "string":
        return _string_example(schema)
    return {"integer": 0, "number": 0.0, "boolean": False}.get(str(kind))


def _string_example(schema: dict[str, Any]) -> str:
    formats = {
        "date-time": "2024-01-01T12:00:00Z",
        "date": "2024-01-01",
        "time": "12:00:00",
        "uuid": "00000000-0000-0000-0000-000000000000",
        "email": "someone@example.com",
        "uri": "https://example.com/",
    }
    if schema.get("contentEncoding") == "base64":
        return "AAEC"
    return formats.get(schema.get("format", ""), "string")
