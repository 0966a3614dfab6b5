"""Find the messages declared as events in a CodeGeneratorRequest, and validate them.

The ``(protonats.v1.event)`` option is read through a descriptor pool built from the request's
own files, so the plugin needs no generated code. The rules on names and limits are the
runtime's: each declaration is built as a real ``protonats.Event`` and its error reported.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.compiler import plugin_pb2

from protonats import Discard, Event, Limits, Retention, Storage
from protonats._errors import EventDeclarationError
from protonats.events._event import validate_event_name

from ._source import MESSAGE_OPTIONS, MESSAGE_TYPE, NESTED_TYPE, CodegenError, SourceInfo

__all__ = ["EXTENSION", "EventSpec", "collect_events", "python_module"]

EXTENSION = "protonats.v1.event"
EXTENSION_NUMBER = 50701
# Field numbers of EventOptions, for error positions.
_NAME, _LIMITS = 1, 3
# protonats.v1.Limits field -> (protonats.Limits keyword, field number).
_LIMIT_FIELDS = {
    "max_age": ("age", 1),
    "duplicate_window": ("duplicate_window", 2),
    "max_bytes": ("bytes", 3),
    "max_messages": ("messages", 4),
    "max_message_size": ("message_size", 5),
    "max_consumers": ("consumers", 6),
    "replicas": ("replicas", 7),
}
_DURATIONS = ("max_age", "duplicate_window")
_PROTO_NAME = {keyword: field for field, (keyword, _) in _LIMIT_FIELDS.items()}
_RUNTIME_NAME = re.compile(r"(?:Limits\.)?\b(" + "|".join(_PROTO_NAME) + r")\b")
# EventOptions policy field -> (field number, runtime enum, proto enum number -> member name).
_POLICIES: dict[str, tuple[int, type[Storage | Retention | Discard], dict[int, str]]] = {
    "storage": (4, Storage, {1: "FILE", 2: "MEMORY"}),
    "retention": (5, Retention, {1: "LIMITS", 2: "INTEREST", 3: "WORK_QUEUE"}),
    "discard": (6, Discard, {1: "OLD", 2: "NEW"}),
}
_EVENT_DEFAULTS = {field.name: field.default for field in dataclasses.fields(Event)}


@dataclasses.dataclass(frozen=True, slots=True)
class EventSpec:
    """One event to generate: where its message lives and what its option declares."""

    name: str
    proto_file: str
    proto_package: str
    module: str
    """Python module of the message: ``shop.v1.users_pb2``."""
    class_path: str
    """Class of the message inside ``module``: ``UserRegistered`` or ``Outer.Inner``."""
    doc: str | None
    description: str | None
    limits: dict[str, int | float]
    """``protonats.Limits`` keywords that are set, in the order of the proto's fields."""
    policy: dict[str, str]
    """Non-default ``storage``/``retention``/``discard``: keyword -> enum member name."""


def python_module(proto_file: str) -> str:
    """The module protoc's Python generator writes for ``proto_file``."""
    return proto_file.removesuffix(".proto").replace("-", "_").replace("/", ".") + "_pb2"


def collect_events(request: plugin_pb2.CodeGeneratorRequest) -> list[EventSpec]:
    """Every event declared in the files to generate; one ``CodegenError`` lists all problems.

    Names must be unique across every file of the request, dependencies included.
    """
    pool = descriptor_pool.DescriptorPool()
    for file in request.proto_file:
        pool.Add(file)
    try:
        extension: Any = pool.FindExtensionByName(EXTENSION)
    except KeyError:
        return []  # No file imports the option, so nothing is an event.
    options_class = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("google.protobuf.MessageOptions")
    )
    to_generate = set(request.file_to_generate)
    events: list[EventSpec] = []
    errors: list[CodegenError] = []
    first_seen: dict[str, str] = {}
    for file in request.proto_file:
        source = SourceInfo(file)
        for path, message, class_path in _messages(file):
            if not message.options.ByteSize():
                continue
            options = options_class.FromString(message.options.SerializeToString())
            if not options.HasExtension(extension):
                continue
            option: Any = options.Extensions[extension]
            option_path = (*path, MESSAGE_OPTIONS, EXTENSION_NUMBER)
            if option.name in first_seen:
                errors.append(
                    CodegenError(
                        f"{source.where((*option_path, _NAME))}: event name {option.name!r} is "
                        f"already used by {first_seen[option.name]}; event names must be unique"
                    )
                )
                continue
            full_name = f"{file.package}.{class_path}".lstrip(".")
            first_seen[option.name] = f"{full_name} at {source.where(option_path)}"
            if file.name in to_generate:
                try:
                    events.append(_spec(file, source, path, message, class_path, option))
                except CodegenError as error:
                    errors.append(error)
    if errors:
        raise CodegenError("\n".join(str(error) for error in errors))
    return events


def _messages(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[tuple[int, ...], descriptor_pb2.DescriptorProto, str]]:
    """Every message of ``file`` in declaration order, nested ones too, with its source path
    and its dotted class path."""
    stack: list[tuple[tuple[int, ...], descriptor_pb2.DescriptorProto, str]] = [
        ((MESSAGE_TYPE, i), message, message.name) for i, message in enumerate(file.message_type)
    ]
    stack.reverse()
    while stack:
        path, message, class_path = stack.pop()
        yield path, message, class_path
        nested = [
            ((*path, NESTED_TYPE, i), child, f"{class_path}.{child.name}")
            for i, child in enumerate(message.nested_type)
        ]
        stack.extend(reversed(nested))


def _spec(
    file: descriptor_pb2.FileDescriptorProto,
    source: SourceInfo,
    path: tuple[int, ...],
    message: descriptor_pb2.DescriptorProto,
    class_path: str,
    option: Any,
) -> EventSpec:
    """Validate one event declaration and describe it; ``CodegenError`` at the culprit."""
    option_path = (*path, MESSAGE_OPTIONS, EXTENSION_NUMBER)
    where = source.where(option_path)
    if message.options.map_entry:
        raise CodegenError(f"{where}: {class_path} is a map entry and cannot be an event")
    if not file.package:
        raise CodegenError(
            f"{where}: an event's message needs a proto package (events are generated per package)"
        )
    try:
        validate_event_name(option.name)
    except EventDeclarationError as exc:
        raise CodegenError(f"{source.where((*option_path, _NAME))}: {exc}") from None
    doc = source.leading_comment(path)
    description = option.description or doc
    limits = _limits(source, option_path, option)
    policy: dict[str, str] = {}
    for keyword, (number, enum_type, members) in _POLICIES.items():
        value = getattr(option, keyword)
        if value == 0:
            continue  # UNSPECIFIED: the runtime default.
        if value not in members:
            raise CodegenError(
                f"{source.where((*option_path, number))}: unknown {keyword} value {value}"
            )
        if enum_type[members[value]] != _EVENT_DEFAULTS[keyword]:
            policy[keyword] = members[value]
    policy_kwargs: dict[str, Any] = {
        key: _POLICIES[key][1][member] for key, member in policy.items()
    }
    try:
        Event(
            option.name,
            bytes,
            description=description,
            limits=_make_limits(limits),
            **policy_kwargs,
        )
    except EventDeclarationError as exc:
        raise CodegenError(f"{where}: event {option.name!r}: {exc}") from None
    return EventSpec(
        name=option.name,
        proto_file=file.name,
        proto_package=file.package,
        module=python_module(file.name),
        class_path=class_path,
        doc=doc or description,
        description=description,
        limits=limits,
        policy=policy,
    )


def _limits(source: SourceInfo, option_path: Sequence[int], option: Any) -> dict[str, int | float]:
    """The limits that are set, as ``protonats.Limits`` keywords, validated by ``Limits``."""
    limits: dict[str, int | float] = {}
    proto = option.limits
    for field, (keyword, number) in _LIMIT_FIELDS.items():
        if not proto.HasField(field):
            continue
        if field in _DURATIONS:
            field_where = source.where((*option_path, _LIMITS, number))
            limits[keyword] = _seconds(field_where, field, getattr(proto, field))
        else:
            limits[keyword] = int(getattr(proto, field))
    try:
        _make_limits(limits)
    except EventDeclarationError as exc:
        # Point at the offending field and call it by its proto name.
        field_path: tuple[int, ...] = (*option_path, _LIMITS)
        culprit = _RUNTIME_NAME.search(str(exc))
        if culprit:
            field_path += (_LIMIT_FIELDS[_PROTO_NAME[culprit.group(1)]][1],)
        text = _RUNTIME_NAME.sub(lambda m: f"limits.{_PROTO_NAME[m.group(1)]}", str(exc))
        text = text.replace("; use None for no limit", "; leave it unset for no limit")
        raise CodegenError(f"{source.where(field_path)}: event {option.name!r}: {text}") from None
    return limits


def _make_limits(keywords: Mapping[str, Any]) -> Limits:
    """``Limits(**keywords)``, which validates them."""
    return Limits(**keywords)


def _seconds(where: str, field: str, duration: Any) -> int | float:
    """A ``google.protobuf.Duration`` in seconds; an int when whole, for readable output."""
    seconds, nanos = int(duration.seconds), int(duration.nanos)
    mixed_signs = seconds != 0 and nanos != 0 and (seconds < 0) != (nanos < 0)
    if abs(nanos) > 999_999_999 or mixed_signs:
        raise CodegenError(
            f"{where}: limits.{field} is not a valid google.protobuf.Duration "
            f"(seconds={seconds}, nanos={nanos})"
        )
    return seconds if nanos == 0 else seconds + nanos / 1e9
