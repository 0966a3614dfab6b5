"""What an event's declaration is, as data: its schema's description and its fingerprint.

The fingerprint is stamped on the stream (``protonats.fingerprint``) and recorded in the schema
ledger. Equal declarations give equal fingerprints in every process and on every machine: it
hashes canonical JSON of the name, the description, the schema (a protobuf message's
``FileDescriptorSet``, or the JSON Schema of any other schema), the limits and the policies.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

import msgspec
from google.protobuf import descriptor_pb2
from google.protobuf.message import Message

if TYPE_CHECKING:
    from ._event import Event

__all__ = ["descriptor_set", "descriptor_set_b64", "fingerprint", "schema_json"]


def descriptor_set(schema: type[Message]) -> bytes:
    """A serialized ``FileDescriptorSet``: the message's file and every file it imports.

    Files come dependencies first, each once, so a reader in any language can build the pool
    in order. The serialization is deterministic. Computed once per message class.
    """
    message: Any = schema  # the stubs see a Message class as unhashable
    return _descriptor_set(message)


@functools.lru_cache(maxsize=4096)
def _descriptor_set(schema: Any) -> bytes:
    files: list[Any] = []  # FileDescriptor (pure-Python and upb types differ in the stubs)
    seen: set[str] = set()

    def visit(file: Any) -> None:
        if file.name in seen:
            return
        seen.add(file.name)
        for dependency in file.dependencies:
            visit(dependency)
        files.append(file)

    visit(schema.DESCRIPTOR.file)
    result = descriptor_pb2.FileDescriptorSet()
    for file in files:
        file.CopyToProto(result.file.add())
    return result.SerializeToString(deterministic=True)


def schema_json(schema: Any) -> dict[str, Any]:
    """The JSON Schema of a non-protobuf schema's JSON form (dataclass, msgspec, pydantic)."""
    model_json_schema = getattr(schema, "model_json_schema", None)
    if callable(model_json_schema):  # pydantic v2
        result: dict[str, Any] = model_json_schema()
        return result
    if schema is bytes:
        return {"type": "string", "contentEncoding": "base64"}
    try:
        cached = _msgspec_schema(schema)
    except TypeError:  # unhashable (or not describable: msgspec raises again below)
        return msgspec.json.schema(schema)
    result = json.loads(cached)  # a fresh copy: callers may change it
    return result


@functools.lru_cache(maxsize=4096)
def _msgspec_schema(schema: Any) -> str:
    """msgspec's JSON Schema of ``schema`` as JSON text, computed once per schema (fingerprint
    and the ledger both need it, for every event of a registry)."""
    return msgspec.json.encode(msgspec.json.schema(schema)).decode()


def _schema_part(event: Event[Any]) -> dict[str, Any]:
    schema = event.schema
    if isinstance(schema, type) and issubclass(schema, Message):
        digest = hashlib.sha256(descriptor_set(schema)).hexdigest()
        return {"descriptor_set_sha256": digest}
    try:
        return {"json_schema": schema_json(schema)}
    except (TypeError, ValueError):  # a custom serializer's schema msgspec cannot describe
        return {"repr": repr(schema)}


def fingerprint(event: Event[Any]) -> str:
    """``sha256:<hex>`` of the event's declaration: equal declarations, equal fingerprints."""
    document = {
        "event": event.name,
        "description": event.description or "",
        "schema_name": event.schema_name,
        "content_type": event.content_type,
        "schema": _schema_part(event),
        "limits": dataclasses.asdict(event.limits),
        "storage": str(event.storage),
        "retention": str(event.retention),
        "discard": str(event.discard),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def descriptor_set_b64(schema: type[Message]) -> str:
    """``descriptor_set`` as base64, as the ledger stores it."""
    return base64.b64encode(descriptor_set(schema)).decode()
