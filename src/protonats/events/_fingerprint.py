"""What an event's declaration is, as data: its schema's description and its fingerprint.

The fingerprint is stamped on the stream (``protonats.fingerprint``) and recorded in the schema
ledger. Equal declarations give equal fingerprints in every process and on every machine: it
hashes canonical JSON of the name, the description, the schema (its serializer's part: a
protobuf message's ``FileDescriptorSet``, or the JSON Schema of any other schema), the limits
and the policies.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

from google.protobuf import descriptor_pb2
from google.protobuf.message import Message

from ._fields import FLAGS

if TYPE_CHECKING:
    from ._event import Event

__all__ = ["descriptor_set", "descriptor_set_b64", "fingerprint"]


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


_FIRST = frozenset(
    ("age", "consumers", "messages", "bytes", "message_size", "replicas", "duplicate_window")
)
"""The limits of the first release, fingerprinted even when unset."""


def fingerprint(event: Event[Any]) -> str:
    """``sha256:<hex>`` of the event's declaration: equal declarations, equal fingerprints."""
    document: dict[str, Any] = {
        "event": event.name,
        "description": event.description or "",
        "schema_name": event.schema_name,
        "content_type": event.content_type,
        "schema": event._codec.fingerprint_part(),
        "limits": {
            k: v
            for k, v in dataclasses.asdict(event.limits).items()
            if v is not None or k in _FIRST
        },
        "storage": str(event.storage),
        "retention": str(event.retention),
        "discard": str(event.discard),
    }
    # Features in only when on, like limits added after the first release in only when set:
    # a declaration that uses none of them keeps the fingerprint it always had.
    document.update({flag.keyword: True for flag in FLAGS if getattr(event, flag.keyword)})
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def descriptor_set_b64(schema: type[Message]) -> str:
    """``descriptor_set`` as base64, as the ledger stores it."""
    return base64.b64encode(descriptor_set(schema)).decode()
