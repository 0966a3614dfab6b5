"""JSON Schemas of the events' payloads, example payloads and field tables, for the catalog.

Protobuf messages are described by their proto3 JSON mapping (walking the descriptor), pydantic
models by ``model_json_schema``, and everything else by ``msgspec.json.schema_components``.
Named schemas are shared as ``#/components/schemas/NAME``, as AsyncAPI wants them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
import msgspec.inspect as mi
from google.protobuf.descriptor import Descriptor

from ..events._event import Event
from ..events._json_schema import (
    WELL_KNOWN,
    add_message,
    enum_of,
    is_map,
    message_of,
    synthetic_oneof,
)
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


@dataclasses.dataclass(frozen=True, slots=True)
class Schemas:
    """Each event's payload schema (often a ``$ref``) and the named schemas they refer to."""

    payloads: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]


def event_schemas(events: Iterable[Event[Any]], docs: Mapping[str, str] | None = None) -> Schemas:
    """JSON Schemas of the payloads of ``events``, sharing one set of named components.

    ``docs`` (``Events.docs``: ``.proto`` comments by full name) become the ``description`` of
    protobuf messages, fields and enums."""
    payloads: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    plain: list[Event[Any]] = []
    for event in events:
        if isinstance(event.serializer, BytesSerializer):
            payloads[event.name] = {"type": "string", "format": "binary"}
        elif is_protobuf(event.schema):
            full_name = event.schema.DESCRIPTOR.full_name
            if full_name in WELL_KNOWN:  # e.g. a Timestamp is a string in JSON
                payloads[event.name] = dict(WELL_KNOWN[full_name])
            else:
                add_message(event.schema.DESCRIPTOR, components, REF)
                _describe(event.schema.DESCRIPTOR, components, docs or {}, set())
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


def _describe(
    message: Descriptor, components: dict[str, Any], docs: Mapping[str, str], seen: set[str]
) -> None:
    """Put the ``.proto`` comments of ``message``, its fields and the messages and enums it
    uses into their components' ``description``."""
    if message.full_name in seen or message.full_name not in components:
        return
    seen.add(message.full_name)
    schema = components[message.full_name]
    if message.full_name in docs:
        schema["description"] = docs[message.full_name]
    for field in message.fields:
        text = docs.get(f"{message.full_name}.{field.name}")
        prop = schema.get("properties", {}).get(field.json_name)
        if text and isinstance(prop, dict):  # a new dict: a property may be a shared one
            extra = f" ({prop['description']})" if "description" in prop else ""
            schema["properties"][field.json_name] = {**prop, "description": text + extra}
        if field.message_type is not None:
            _describe(field.message_type, components, docs, seen)
        elif field.enum_type is not None and field.enum_type.full_name in components:
            enum = components[field.enum_type.full_name]
            if field.enum_type.full_name in docs:
                enum["description"] = docs[field.enum_type.full_name]


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
