"""Protobuf message classes built at run time, so one test can hold two versions of a message
with the same full name (each in its own descriptor pool), as two deployments would."""

from __future__ import annotations

import dataclasses

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.message import Message

from protonats import Event, Events

F = descriptor_pb2.FieldDescriptorProto

FieldSpec = tuple[str, int, int] | tuple[str, int, int, int] | tuple[str, int, int, int, str]
"""(name, number, type[, label[, type_name]])."""


def proto_message(
    full_name: str,
    *fields: FieldSpec,
    reserved: tuple[int, ...] = (),
    file: str | None = None,
) -> type[Message]:
    """A message class ``full_name`` with ``fields``, in a fresh pool; may use Timestamp."""
    package, _, name = full_name.rpartition(".")
    proto = descriptor_pb2.FileDescriptorProto(
        name=file or f"{full_name.replace('.', '/')}.proto", package=package, syntax="proto3"
    )
    proto.dependency.append("google/protobuf/timestamp.proto")
    message = proto.message_type.add(name=name)
    for spec in fields:
        field_name, number, kind = spec[0], spec[1], spec[2]
        label = spec[3] if len(spec) > 3 else F.LABEL_OPTIONAL
        field = message.field.add(name=field_name, number=number, type=kind, label=label)
        if len(spec) > 4:
            field.type_name = spec[4]
        field.json_name = _camel(field_name)
    for number in reserved:
        message.reserved_range.add(start=number, end=number + 1)
    pool = descriptor_pool.DescriptorPool()
    timestamp = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
    pool.Add(timestamp)
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))


def build(schema: type[Message], **values: object) -> Message:
    """An instance of a class built at run time, its scalar fields set from ``values``.

    The class takes keyword fields at run time, but its type is the plain ``Message`` (it has
    no generated stub), whose constructor takes none: set them as the class's attributes."""
    message = schema()
    for name, value in values.items():
        setattr(message, name, value)
    return message


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def user_v1() -> type[Message]:
    """``ledger.v1.UserRegistered``: user_id (1), email (2), registered_at (3, Timestamp)."""
    return proto_message(
        "ledger.v1.UserRegistered",
        ("user_id", 1, F.TYPE_STRING),
        ("email", 2, F.TYPE_STRING),
        ("registered_at", 3, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".google.protobuf.Timestamp"),
    )


@dataclasses.dataclass
class Signup:
    id: str
    name: str


@dataclasses.dataclass
class SignupWithEmail:
    id: str
    name: str
    email: str  # required: messages stored before it lack it


def __getattr__(name: str) -> Events:
    """``--registry tests.ledger_models:v1_<suffix>`` (or ``v2_``): event ``signup-<suffix>``,
    whose v2 adds a required field."""
    version, _, suffix = name.partition("_")
    if version not in ("v1", "v2") or not suffix:
        raise AttributeError(name)
    schema = Signup if version == "v1" else SignupWithEmail
    return Events(Event(f"signup-{suffix}", schema), version=version[1:] + ".0.0")
