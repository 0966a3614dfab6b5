"""Find the messages declared as events in a CodeGeneratorRequest, and validate them.

The ``(protonats.v1.event)`` option is read through a descriptor pool built from the request's
own files. Which field is which (limits, policies and their enum values) comes from the
runtime's table of limits (``protonats.events._fields``) and its copy of the option's
descriptors. The rules on names and limits are the runtime's: each declaration is built as a
real ``protonats.Event`` and its error's fields (``field``, ``reason``) placed at the culprit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.compiler import plugin_pb2

from protonats import Event, Limits
from protonats._errors import (
    EventDeclarationError,
    InvalidDescriptionError,
    InvalidEventNameError,
    InvalidLimitsError,
)
from protonats.events._event import validate_event_name
from protonats.events._fields import (
    BY_KEYWORD,
    EXTENSION_NAME,
    EXTENSION_NUMBER,
    LIMITS,
    NS,
    POLICIES,
    Unit,
)
from protonats.v1 import options_pb2

from ._source import MESSAGE_OPTIONS, MESSAGE_TYPE, NESTED_TYPE, CodegenError, SourceInfo

__all__ = ["EXTENSION", "EventSpec", "collect_events", "python_module"]

EXTENSION = EXTENSION_NAME
# Field numbers of EventOptions, for error positions.
_NAME, _DESCRIPTION, _LIMITS = (
    options_pb2.EventOptions.DESCRIPTOR.fields_by_name[name].number
    for name in ("name", "description", "limits")
)


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
    except InvalidEventNameError as exc:
        raise CodegenError(f"{source.where((*option_path, _NAME))}: {exc}") from None
    doc = source.leading_comment(path)
    description = option.description or doc
    limits = _limits(source, option_path, option)
    policy: dict[str, str] = {}
    policy_kwargs: dict[str, Any] = {}
    for row in POLICIES:
        value = getattr(option, row.keyword)
        member = row.from_proto(value)
        if member is None:
            raise CodegenError(
                f"{source.where((*option_path, row.number))}: unknown {row.keyword} value {value}"
            )
        if member is not row.default:
            policy[row.keyword] = member.name
            policy_kwargs[row.keyword] = member
    try:
        Event(
            option.name,
            bytes,
            description=description,
            limits=_make_limits(limits),
            **policy_kwargs,
        )
    except InvalidDescriptionError as exc:
        at = source.where((*option_path, _DESCRIPTION)) if option.description else where
        raise CodegenError(f"{at}: event {option.name!r}: description {exc.reason}") from None
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
    for row in LIMITS:
        if not proto.HasField(row.proto):
            continue
        if row.unit is Unit.SECONDS:
            field_where = source.where((*option_path, _LIMITS, row.number))
            limits[row.keyword] = _seconds(field_where, row.proto, getattr(proto, row.proto))
        else:
            limits[row.keyword] = int(getattr(proto, row.proto))
    try:
        _make_limits(limits)
    except InvalidLimitsError as exc:
        # Point at the offending field and call it by its proto name.
        row = BY_KEYWORD[exc.field]
        at = source.where((*option_path, _LIMITS, row.number))
        raise CodegenError(
            f"{at}: event {option.name!r}: limits.{row.proto} {exc.reason}"
        ) from None
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
    return seconds if nanos == 0 else seconds + nanos / NS
