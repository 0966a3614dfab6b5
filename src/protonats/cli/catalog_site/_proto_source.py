"""The ``.proto`` source of an event's message, written back from its descriptor (with the
comments the registry carries): what a developer in another language reads first."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ...events._json_schema import is_map, message_of, scalar_name, synthetic_oneof
from ...v1 import options_pb2

__all__ = ["proto_source"]

_F = FieldDescriptor
_INDENT = "  "


def proto_source(message: Descriptor, docs: Mapping[str, str] | None = None) -> str:
    """``message`` as ``.proto`` text: its option, nested types and fields, in declaration
    order, each with its comment from ``docs`` (``Events.docs``)."""
    package = message.file.package
    lines = [f"// {message.file.name}", f"package {package};" if package else "", ""]
    lines += _message(message, docs or {}, package, 0)
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def _comment(docs: Mapping[str, str], name: str, depth: int) -> list[str]:
    text = docs.get(name, "").strip()
    pad = _INDENT * depth
    return [f"{pad}// {line}".rstrip() for line in text.splitlines()] if text else []


def _message(message: Descriptor, docs: Mapping[str, str], package: str, depth: int) -> list[str]:
    pad, inner = _INDENT * depth, _INDENT * (depth + 1)
    lines = _comment(docs, message.full_name, depth)
    lines.append(f"{pad}message {message.name} {{")
    option = _event_option(message)
    if option:
        body = textwrap.indent(option, inner + _INDENT).rstrip()
        lines += [f"{inner}option (protonats.v1.event) = {{", body, f"{inner}}};", ""]
    for nested in message.nested_types:
        if not nested.GetOptions().map_entry:
            lines += [*_message(nested, docs, package, depth + 1), ""]
    for enum in message.enum_types:
        lines += [*_enum(enum, docs, depth + 1), ""]
    oneof_open: str | None = None
    for field in message.fields:
        oneof = field.containing_oneof
        name = oneof.name if oneof is not None and not synthetic_oneof(field) else None
        if name != oneof_open:
            if oneof_open is not None:
                lines.append(f"{inner}}}")
            if name is not None:
                lines.append(f"{inner}oneof {name} {{")
            oneof_open = name
        depth_of = depth + (2 if name else 1)
        lines += _comment(docs, f"{message.full_name}.{field.name}", depth_of)
        label = _label(field, in_oneof=name is not None)
        kind = _type(field, package)
        lines.append(f"{_INDENT * depth_of}{label}{kind} {field.name} = {field.number};")
    if oneof_open is not None:
        lines.append(f"{inner}}}")
    while lines and not lines[-1].strip():
        lines.pop()
    lines.append(f"{pad}}}")
    return lines


def _enum(enum: EnumDescriptor, docs: Mapping[str, str], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines = [*_comment(docs, enum.full_name, depth), f"{pad}enum {enum.name} {{"]
    for value in enum.values:
        lines += _comment(docs, f"{enum.full_name}.{value.name}", depth + 1)
        lines.append(f"{pad}{_INDENT}{value.name} = {value.number};")
    return [*lines, f"{pad}}}"]


def _event_option(message: Descriptor) -> str:
    """The ``(protonats.v1.event)`` option as text; ``""`` when absent or unreadable (a
    message class built from a ledger's descriptor set keeps it as unknown bytes)."""
    try:
        options = message.GetOptions()
        if not options.HasExtension(options_pb2.event):
            return ""
        return str(text_format.MessageToString(options.Extensions[options_pb2.event]))
    except (KeyError, TypeError, ValueError):
        return ""


def _label(field: FieldDescriptor, *, in_oneof: bool) -> str:
    if is_map(field) or in_oneof:
        return ""
    if field.is_repeated:
        return "repeated "
    if field.is_required:
        return "required "
    if synthetic_oneof(field) or (field.has_presence and field.message_type is None):
        return "optional "
    return ""


def _type(field: FieldDescriptor, package: str) -> str:
    if is_map(field):
        entry = message_of(field)
        key, value = entry.fields_by_name["key"], entry.fields_by_name["value"]
        return f"map<{_type(key, package)}, {_type(value, package)}>"
    if field.enum_type is not None:
        return _relative(field.enum_type.full_name, package)
    if field.message_type is not None:
        return _relative(field.message_type.full_name, package)
    return scalar_name(field.type)


def _relative(full_name: str, package: str) -> str:
    return full_name.removeprefix(package + ".") if package else full_name
