"""Decode a ``buf.plugin.check.v1.CheckRequest`` and run ``protonats.checks`` on it. Imported
only for ``check``: the one call that needs protobuf and the rule code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from protonats._pbwire import fields

from ._protocol import Annotation, ProtocolError

__all__ = ["check"]

_FDP = descriptor_pb2.FileDescriptorProto


def check(request: dict[str, Any], fmt: str) -> list[Annotation]:
    """The annotations for one CheckRequest (decoded by ``_protocol.read_request``)."""
    if fmt == "json":
        read = [_json_file(f) for f in _list(request, "file_descriptors")]
        against = [_json_file(f)[0] for f in _list(request, "against_file_descriptors")]
        rule_ids = [str(r) for r in _list(request, "rule_ids")]
    else:
        read = [_binary_file(f) for f in request.get("1", [])]
        against = [_binary_file(f)[0] for f in request.get("2", [])]
        rule_ids = [_text(r) for r in request.get("4", [])]
    if not read:
        raise ProtocolError("CheckRequest has no file_descriptors")
    files = [proto for proto, _ in read]
    imports = {proto.name for proto, is_import in read if is_import}
    return _rule_code()(files, against, rule_ids, imports)


def _rule_code() -> Callable[..., list[Annotation]]:
    """``protonats.checks._buf.check``: importing ``protonats`` imports no runtime (its names
    load on first use), so this loads the rule code alone (``events``, ``_errors``, ``v1``:
    ``tests/test_layout.py`` keeps it so), not nats-py or the actors."""
    from protonats.checks._buf import check

    return check


def _list(request: dict[str, Any], key: str) -> list[Any]:
    value = request.get(key, [])
    if not isinstance(value, list):
        raise ProtocolError(f"{key} must be a list")
    return value


def _json_file(item: Any) -> tuple[descriptor_pb2.FileDescriptorProto, bool]:
    """A ``buf.plugin.descriptor.v1.FileDescriptor``: the file and whether it is an import."""
    if not isinstance(item, dict):
        raise ProtocolError("a FileDescriptor must be a JSON object")
    proto = item.get("file_descriptor_proto", item.get("fileDescriptorProto"))
    if not isinstance(proto, dict):
        raise ProtocolError("a FileDescriptor needs its file_descriptor_proto")
    _rule_code()  # registers the option's extension, so that JSON options parse
    from google.protobuf import json_format

    try:
        parsed = json_format.ParseDict(proto, _FDP(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise ProtocolError(f"file_descriptor_proto: {exc}") from None
    return parsed, bool(item.get("is_import", item.get("isImport", False)))


def _binary_file(item: int | bytes) -> tuple[descriptor_pb2.FileDescriptorProto, bool]:
    """A ``buf.plugin.descriptor.v1.FileDescriptor``: the file and whether it is an import."""
    if not isinstance(item, bytes):
        raise ProtocolError("a FileDescriptor must be length-delimited")
    try:
        descriptor = fields(item)
        found = descriptor.get(1, [])
        data = found[-1] if found else b""
        if not isinstance(data, bytes):
            raise ProtocolError("file_descriptor_proto must be length-delimited")
        proto = _FDP.FromString(data)
    except (ValueError, DecodeError) as exc:
        raise ProtocolError(f"a FileDescriptor cannot be read: {exc}") from None
    if not proto.name:
        raise ProtocolError("a FileDescriptor's file_descriptor_proto has no name")
    return proto, bool(descriptor.get(2, [0])[-1])


def _text(item: int | bytes) -> str:
    if not isinstance(item, bytes):
        raise ProtocolError("rule_ids must be strings")
    try:
        return item.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("rule_ids must be UTF-8") from None
