"""The events' payload schemas as one set of AsyncAPI components, example payloads.

Each event's JSON Schema comes from its serializer (``Event.json_schema()``, the schema the
ledger records); here its ``$defs`` become the document's shared components, referred to as
``#/components/schemas/NAME``, and ``.proto`` comments their descriptions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor

from ..events._event import Event
from ..events._json_schema import DEFS
from ..events._serializers import ProtobufSerializer

__all__ = ["REF", "Schemas", "event_schemas", "example", "resolve"]

REF = "#/components/schemas/"


@dataclasses.dataclass(frozen=True, slots=True)
class Schemas:
    """Each event's payload schema (often a ``$ref``) and the named schemas they refer to."""

    payloads: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]


def event_schemas(events: Iterable[Event[Any]], docs: Mapping[str, str] | None = None) -> Schemas:
    """JSON Schemas of the payloads of ``events``, sharing one set of named components.

    Two different types of one name (two events' ``Item`` classes) are kept apart by the event's
    name: ``<event>.Item``. ``docs`` (``Events.docs``: ``.proto`` comments by full name) become
    the ``description`` of protobuf messages, fields and enums."""
    events = list(events)
    payloads: dict[str, dict[str, Any]] = {}
    components: dict[str, dict[str, Any]] = {}
    for event in events:
        schema = event.json_schema()
        defs: dict[str, Any] = schema.pop("$defs", {})
        schema.pop("$schema", None)
        clash = any(components.get(name, d) != d for name, d in defs.items())
        prefix = f"{event.name}." if clash else ""
        payloads[event.name] = _components_refs(schema, prefix)
        for name, definition in defs.items():
            components[prefix + name] = _components_refs(definition, prefix)
    seen: set[str] = set()
    for event in events if docs else ():  # once merged: descriptions make equal types differ
        if isinstance(event.serializer, ProtobufSerializer):
            _describe(event.schema.DESCRIPTOR, components, docs or {}, seen)
    return Schemas(payloads, components)


def _components_refs(value: Any, prefix: str) -> Any:
    """A copy of a JSON Schema whose ``#/$defs/NAME`` references point at the components, as
    ``PREFIX + NAME``."""
    if isinstance(value, dict):
        return {
            k: (REF + prefix + v.removeprefix(DEFS))
            if k == "$ref" and isinstance(v, str) and v.startswith(DEFS)
            else _components_refs(v, prefix)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_components_refs(v, prefix) for v in value]
    return value


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
