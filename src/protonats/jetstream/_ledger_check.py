"""What is wrong with a ledger document read from the server, if anything (pure).

Anyone who may write the bucket can put anything under an event's key: a document whose
``event`` is not its key, a JSON Schema whose ``$defs`` is a list or whose ``$ref``s loop, a
descriptor set that is not one. Every read checks the document against what protonats writes
and relies on, within bounds (nodes, depth), so a bad entry is a ``LedgerError`` naming the
event, the revision and what is wrong, never a ``RecursionError`` or ``AttributeError`` deep
in a compatibility check.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ._ledger import PROTOBUF, LedgerEntry, LedgerSchema, message_class

__all__ = ["entry_problem"]

_MAX_NODES = 100_000
_MAX_DEPTH = 200
_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMAS = ("items", "additionalProperties", "not", "contains", "if", "then", "else")
_ALIASES = ("anyOf", "oneOf", "allOf")  # a $ref through these alone adds no structure
_DEFS = "#/$defs/"


def entry_problem(key: str, entry: LedgerEntry) -> str | None:
    """What is wrong with the document stored under ``key`` (None: nothing)."""
    if entry.event != key:
        return (
            f"the document names event {entry.event!r}, not its key {key!r} (a forged or "
            "misplaced entry)"
        )
    schema = entry.schema
    problem = _json_schema_problem(schema.json_schema)
    if problem is not None:
        return f"its JSON Schema {problem}"
    if schema.content_type == PROTOBUF:
        return _descriptor_problem(schema.name, schema.descriptor_set)
    return None


def _descriptor_problem(name: str, descriptor_set: str | None) -> str | None:
    if descriptor_set is None:
        return "a protobuf schema without its descriptor_set"
    try:
        base64.b64decode(descriptor_set, validate=True)
    except (binascii.Error, ValueError) as exc:
        return f"its descriptor_set is not base64 ({exc})"
    try:
        message_class(
            LedgerSchema(
                name=name, content_type=PROTOBUF, json_schema={}, descriptor_set=descriptor_set
            )
        )
    except Exception as exc:  # protobuf's DecodeError, TypeError, KeyError...: all the same here
        return (
            f"its descriptor_set is not a FileDescriptorSet holding message {name!r} "
            f"({type(exc).__name__}: {exc})"
        )
    return None


def _json_schema_problem(root: object) -> str | None:
    """Structure of the keywords protonats reads, every ``$ref`` resolvable, no ``$ref`` loop
    without a schema in between; bounded in nodes and depth."""
    if not isinstance(root, dict):
        return "is not an object"
    defs = root.get("$defs", {})
    stack: list[tuple[object, str, int]] = [(root, "#", 0)]
    nodes = 0
    while stack:
        node, where, depth = stack.pop()
        nodes += 1
        if nodes > _MAX_NODES or depth > _MAX_DEPTH:
            return f"is too large or too deep (over {_MAX_NODES} nodes or {_MAX_DEPTH} levels)"
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            return f"has {type(node).__name__} at {where}, where a schema belongs"
        problem = _keywords_problem(node, where, defs)
        if problem is not None:
            return problem
        for key in _SCHEMA_MAPS:
            for name, child in node.get(key, {}).items():
                stack.append((child, f"{where}/{key}/{name}", depth + 1))
        for key in _SCHEMA_LISTS:
            for index, child in enumerate(node.get(key, [])):
                stack.append((child, f"{where}/{key}/{index}", depth + 1))
        stack.extend((node[key], f"{where}/{key}", depth + 1) for key in _SCHEMAS if key in node)
    return _ref_loop(root, defs)


def _keywords_problem(node: dict[str, Any], where: str, defs: object) -> str | None:
    for key in _SCHEMA_MAPS:
        if key in node and not isinstance(node[key], dict):
            return f"has {key} as {type(node[key]).__name__} at {where}, not an object"
    for key in _SCHEMA_LISTS:
        if key in node and not isinstance(node[key], list):
            return f"has {key} as {type(node[key]).__name__} at {where}, not a list"
    required = node.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return f"has required as {required!r} at {where}, not a list of names"
    kind = node.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    if not all(isinstance(k, str) for k in kinds):
        return f"has type {kind!r} at {where}, not a name or a list of names"
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str):
            return f"has $ref {ref!r} at {where}, not a string"
        if ref != "#" and not (
            ref.startswith(_DEFS) and isinstance(defs, dict) and ref[len(_DEFS) :] in defs
        ):
            return f"has $ref {ref!r} at {where}, which resolves to nothing in its $defs"
    return None


def _ref_loop(root: dict[str, Any], defs: dict[str, Any]) -> str | None:
    """A ``$ref`` cycle that goes only through ``$ref``/``anyOf``/``oneOf``/``allOf``: resolving
    it never reaches a schema (a recursive schema goes through properties or items)."""
    edges: dict[str, list[str]] = {"#": _aliases(root)}
    for name, schema in defs.items():
        edges[_DEFS + name] = _aliases(schema)
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for start in edges:
        if state.get(start):
            continue
        path: list[tuple[str, int]] = [(start, 0)]
        state[start] = 1
        while path:
            ref, index = path[-1]
            targets = edges.get(ref, [])
            if index == len(targets):
                state[ref] = 2
                path.pop()
                continue
            path[-1] = (ref, index + 1)
            target = targets[index]
            if state.get(target) == 1:
                return f"has $refs that loop without a schema in between ({ref} -> {target})"
            if not state.get(target):
                state[target] = 1
                path.append((target, 0))
    return None


def _aliases(schema: object) -> list[str]:
    """The refs ``schema`` stands for directly: its own ``$ref`` and those of its unions."""
    found: list[str] = []
    todo = [schema]
    while todo:
        node = todo.pop()
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.append(ref)
        for key in _ALIASES:
            todo.extend(node.get(key, []))
    return found
