"""Can the schema being registered read what the ledger's current schema wrote?

Protobuf schemas are compared with the rules of ``protonats breaking``'s
EVENT_SCHEMA_INCOMPATIBLE (``checks._schema_compat``: fields matched by number, removed
without reserving, wire-incompatible type, repeated/singular, new required), on the shapes read
from both descriptor sets. JSON schemas are compared by their top-level properties: a new
required field, a field made required, or a field whose type no longer admits the old values.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from .._errors import SchemaIncompatibleError
from ._ledger import LedgerEntry, LedgerSchema

__all__ = ["RULE", "incompatibility"]

RULE = "EVENT_SCHEMA_INCOMPATIBLE"
_FIELD_NAME = re.compile(r'field [0-9.]+ "([^"]+)"')


def incompatibility(old: LedgerEntry, new: LedgerSchema) -> SchemaIncompatibleError | None:
    """The error ``register`` raises if ``new`` cannot read ``old``'s messages, else None."""
    was = old.schema
    problems: list[tuple[str | None, str]]
    if was.content_type != new.content_type:
        problems = [
            (
                None,
                f"content type changed from {was.content_type} to {new.content_type}; stored "
                "messages would not decode",
            )
        ]
    elif was.descriptor_set is not None and new.descriptor_set is not None:
        if was.descriptor_set == new.descriptor_set and was.name == new.name:
            return None
        problems = _protobuf_problems(old.event, was, new)
    else:
        problems = _json_problems(was.json_schema, new.json_schema)
    if not problems:
        return None
    field, first = problems[0]
    texts = [text for _, text in problems]
    more = f" (and {len(texts) - 1} more: {'; '.join(texts[1:])})" if len(texts) > 1 else ""
    return SchemaIncompatibleError(
        f"event {old.event!r}: {RULE}: {first}{more}. The ledger has {was.name} from version "
        f"{old.version or 'unversioned'} ({old.fingerprint}). Make the change compatible, or "
        "register with allow_incompatible=True (--allow-incompatible) if no stored message "
        "needs the old schema",
        event=old.event,
        field=field,
        rule=RULE,
        problems=texts,
    )


def _protobuf_problems(
    event: str, was: LedgerSchema, new: LedgerSchema
) -> list[tuple[str | None, str]]:
    # The breaking gate's rules, on descriptor shapes; imported here so that a service that
    # never registers does not load them.
    from ..checks._decls import Location
    from ..checks._image_events import message_schema
    from ..checks._schema_compat import schema_problems

    def shape(schema: LedgerSchema) -> Any:
        return message_schema(base64.b64decode(schema.descriptor_set or ""), schema.name)

    where = Location(f"ledger:{event}")
    result: list[tuple[str | None, str]] = []
    for _location, what, fix in schema_problems(shape(was), shape(new), where):
        found = _FIELD_NAME.search(what)
        result.append((found.group(1) if found else None, f"{what} ({fix})"))
    return result


def _json_problems(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str | None, str]]:
    old_props, old_required = _object(old)
    new_props, new_required = _object(new)
    result: list[tuple[str | None, str]] = []
    for name in sorted(new_required - old_required):
        if name in old_props:
            result.append((name, f'field "{name}" became required; stored messages lack it'))
        else:
            result.append(
                (
                    name,
                    f'required field "{name}" was added; stored messages lack it (give it a '
                    "default)",
                )
            )
    for name in sorted(old_props.keys() & new_props.keys()):
        admitted = _kinds(new_props[name], new)
        if not admitted:
            continue  # the new schema takes anything
        lost = _kinds(old_props[name], old) - admitted
        if "integer" in lost and "number" in admitted:
            lost.discard("integer")
        if lost:
            result.append(
                (
                    name,
                    f'field "{name}" no longer accepts {", ".join(sorted(lost))}; stored '
                    "messages would not decode (add a new field instead)",
                )
            )
    return result


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    seen: set[str] = set()
    while isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
        seen.add(ref)
        schema = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        ref = schema.get("$ref")
    return schema


def _object(schema: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    resolved = _resolve(schema, schema)
    return dict(resolved.get("properties", {})), set(resolved.get("required", ()))


def _kinds(schema: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a property admits (a named schema counts as its type)."""
    if "$ref" in schema:
        resolved = _resolve(schema, root)
        return _kinds(resolved, root) if resolved else {str(schema["$ref"])}
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return set().union(*(_kinds(o, root) for o in options))
    kind = schema.get("type")
    if kind is None:
        return set()  # anything
    return set(kind) if isinstance(kind, list) else {str(kind)}
