"""Field tables of an event's payload, for its catalog page: the payload's own fields, then
one table per message, class or enum it uses.

Protobuf fields are shown with their proto types (read from the descriptor, with the same
``required`` as their JSON Schema); other schemas are read from their JSON Schema
(``Event.json_schema()``, through ``_schema.event_schemas``).
"""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ..events._event import Event
from ..events._json_schema import enum_of, is_map, message_of, scalar_name, synthetic_oneof
from ..events._serializers import ProtobufSerializer
from ._catalog_schemas import REF, Schemas, resolve

__all__ = ["Section", "field_sections", "type_text"]

Row = tuple[str, str, str]
_FIELD_COLUMNS = ("Field", "Type", "Notes")
_ENUM_COLUMNS = ("Value", "Number", "Notes")


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    """One table of the page: ``title`` is None for the payload's own fields."""

    title: str | None
    rows: list[Row]
    columns: tuple[str, str, str] = _FIELD_COLUMNS


_F = FieldDescriptor


def field_sections(
    event: Event[Any], schemas: Schemas, docs: Mapping[str, str] | None = None
) -> list[Section]:
    """The payload's fields, then those of each nested type, in the order they are reached.

    A protobuf field's Notes start with its ``.proto`` comment from ``docs`` (``Events.docs``).
    """
    if isinstance(event.serializer, ProtobufSerializer):
        return _proto_sections(event.schema.DESCRIPTOR, docs or {})
    return _json_sections(schemas.payloads[event.name], schemas.components)


def _proto_sections(root: Descriptor, docs: Mapping[str, str]) -> list[Section]:
    sections: list[Section] = []
    queue: deque[Descriptor | EnumDescriptor] = deque([root])
    seen = {root.full_name}
    while queue:
        item = queue.popleft()
        if isinstance(item, EnumDescriptor):
            rows = [
                (v.name, str(v.number), docs.get(f"{item.full_name}.{v.name}", ""))
                for v in item.values
            ]
            sections.append(Section(f"enum {item.full_name}", rows, _ENUM_COLUMNS))
            continue
        rows = []
        for field in item.fields:
            rows.append(_proto_row(field, docs.get(f"{item.full_name}.{field.name}")))
            for used in _proto_uses(field):
                if used.full_name not in seen and not used.full_name.startswith("google.protobuf."):
                    seen.add(used.full_name)
                    queue.append(used)
        sections.append(Section(None if item is root else item.full_name, rows))
    return sections


def _proto_uses(field: FieldDescriptor) -> list[Descriptor | EnumDescriptor]:
    if is_map(field):
        return _proto_uses(message_of(field).fields_by_name["value"])
    if field.type == _F.TYPE_ENUM:
        return [enum_of(field)]
    if field.type in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        return [message_of(field)]
    return []


def _proto_row(field: FieldDescriptor, doc: str | None = None) -> Row:
    notes = []
    if field.json_name != field.name:
        notes.append(f"JSON name {field.json_name}")
    if field.is_required:  # proto2 `required`, editions LEGACY_REQUIRED: as in the JSON Schema
        notes.append("required")
    elif field.containing_oneof is not None and not synthetic_oneof(field):
        notes.append(f"one of {field.containing_oneof.name}")
    elif field.has_presence and field.type not in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        notes.append("optional")
    text = "; ".join(notes)
    if doc:  # the .proto comment first, the mechanics after it
        text = " ".join(doc.split()) + (f" ({text})" if text else "")
    return field.name, _proto_type(field), text


def _proto_type(field: FieldDescriptor) -> str:
    if is_map(field):
        entry = message_of(field)
        key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
        return f"map<{_proto_type(key)}, {_proto_type(value)}>"
    if field.type == _F.TYPE_ENUM:
        name = enum_of(field).full_name
    elif field.type in (_F.TYPE_MESSAGE, _F.TYPE_GROUP):
        name = message_of(field).full_name
    else:
        name = scalar_name(field.type)
    return f"repeated {name}" if field.is_repeated else name


def _json_sections(payload: dict[str, Any], components: dict[str, Any]) -> list[Section]:
    root = resolve(payload, components)
    if root.get("type") != "object" or "properties" not in root:
        whole = ("(whole payload)", type_text(payload, components), "")
        sections = [Section(None, [whole])]
    else:
        sections = [Section(None, _object_rows(root, components))]
    root_name = str(payload.get("$ref", "")).removeprefix(REF)
    names = [n for n in _refs(root, components, {root_name}) if n != root_name]
    for name in names:
        schema = components[name]
        if "enum" in schema:
            rows = [(json.dumps(v), "", "") for v in schema["enum"]]
            sections.append(Section(f"enum {name}", rows, _ENUM_COLUMNS))
        elif schema.get("type") == "object" and "properties" in schema:
            sections.append(Section(name, _object_rows(schema, components)))
    return sections


def _refs(schema: Any, components: dict[str, Any], seen: set[str]) -> list[str]:
    """Names of the components ``schema`` uses, directly or not, in first-use order."""
    found: list[str] = []
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF):
            name = ref[len(REF) :]
            if name not in seen and name in components:
                seen.add(name)
                found.append(name)
                found += _refs(components[name], components, seen)
        for key, value in schema.items():
            if key != "$ref":
                found += _refs(value, components, seen)
    elif isinstance(schema, list):
        for value in schema:
            found += _refs(value, components, seen)
    return found


def _object_rows(schema: dict[str, Any], components: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in schema["properties"].items():
        notes = [str(prop.get("description", "")).strip()]
        if name in required:
            notes.append("(required)")
        elif "default" in prop:
            notes.append(f"(default {json.dumps(prop['default'])})")
        rows.append((name, type_text(prop, components), " ".join(n for n in notes if n)))
    return rows


def type_text(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A short human name of a JSON Schema's type: ``array of string``, ``Address``."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rpartition("/")[2]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_text(option, components) for option in schema[key])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(type_text({**schema, "type": k}, components) for k in kind)
    if kind == "array":
        return "array of " + type_text(schema.get("items", {}), components)
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "map of " + type_text(schema["additionalProperties"], components)
    if kind == "string":
        if schema.get("contentEncoding") == "base64":
            return "bytes (base64)"
        if "format" in schema:
            return f"string ({schema['format']})"
    return str(kind) if kind else "any"
