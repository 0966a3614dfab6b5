"""The plain, frozen values one side of ``protonats breaking`` declares: events, their limits
and message shapes. Kept apart so the rules compare them without buf or descriptors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..events._fields import BY_PROTO, LIMITS, LimitField
from ..v1 import options_pb2

__all__ = [
    "DeclaredLimits",
    "EnumShape",
    "EventDecl",
    "FieldShape",
    "ImageDecls",
    "Location",
    "Schema",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Location:
    """Where something is declared: a path as the user sees it, 1-based line and column, and
    the ``SourceCodeInfo`` path of the declaration in its file (what buf resolves to a line and
    column, and where it reads ``// buf:lint:ignore`` comments)."""

    file: str
    line: int = 1
    column: int = 1
    path: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclasses.dataclass(frozen=True, slots=True, init=False)
class DeclaredLimits:
    """The stream limits of an event, by ``protonats.v1.Limits`` field name (the ``proto`` of a
    row of ``events._fields.LIMITS``): ``DeclaredLimits(max_age=3600 * NS, max_bytes=1024)``.

    Values are in integer form, durations in nanoseconds, so that comparisons are exact. Unset,
    zero or negative values mean "no limit" (or the server default) and are read as ``None``.
    """

    values: tuple[tuple[str, int], ...]

    def __init__(self, **values: int | None) -> None:
        unknown = sorted(set(values) - set(BY_PROTO))
        if unknown:
            raise TypeError(f"unknown limit field(s) {', '.join(unknown)}")
        kept = ((row.proto, values.get(row.proto)) for row in LIMITS)
        object.__setattr__(
            self, "values", tuple((k, int(v)) for k, v in kept if v is not None and v > 0)
        )

    def get(self, row: LimitField) -> int | None:
        """The declared value of the limit ``row``, ``None`` when unset."""
        return dict(self.values).get(row.proto)


@dataclasses.dataclass(frozen=True, slots=True)
class FieldShape:
    """One field reachable from an event's message, keyed by its field-number path.

    ``path`` is the numbers from the event message down (``(3, 1)`` is field 1 of the message
    in field 3); ``name`` the matching dotted field names. ``reserved_here`` is not a field: it
    lists the numbers reserved by the message *at* ``path`` (see ``Schema.reserved``).
    """

    path: tuple[int, ...]
    name: str
    type: int
    """``FieldDescriptorProto.Type``."""
    label: int
    """``FieldDescriptorProto.Label``."""
    type_name: str = ""
    """Message or enum full name, without the leading dot; empty for scalars."""
    location: Location | None = dataclasses.field(default=None, compare=False)
    oneof: str = ""
    """The oneof the field belongs to; empty if none (a proto3 ``optional`` is in none)."""


@dataclasses.dataclass(frozen=True, slots=True)
class EnumShape:
    """An enum an event's message uses (directly or in a nested message): its values."""

    name: str
    """Full name, without the leading dot."""
    values: tuple[tuple[str, int], ...]
    """``(value name, number)`` in declaration order."""
    reserved: tuple[tuple[int, int], ...] = ()
    """Reserved number ranges, ``start <= n <= end`` (enum ranges are inclusive)."""
    location: Location | None = dataclasses.field(default=None, compare=False)
    value_locations: tuple[Location, ...] = dataclasses.field(default=(), compare=False)
    """Where each of ``values`` is declared, in the same order."""

    def is_reserved(self, number: int) -> bool:
        return any(start <= number <= end for start, end in self.reserved)


@dataclasses.dataclass(frozen=True, slots=True)
class Schema:
    """The wire shape of an event's message: its fields, recursively, and reserved numbers."""

    message: str
    fields: tuple[FieldShape, ...] = ()
    reserved: tuple[tuple[tuple[int, ...], int, int], ...] = ()
    """``(message path, start, end)``: numbers ``start <= n < end`` are reserved in the
    message reached by ``message path`` (``()`` is the event message itself)."""
    enums: tuple[EnumShape, ...] = ()
    """The enums its fields use, recursively."""

    def is_reserved(self, path: tuple[int, ...]) -> bool:
        """Whether the number of the field at ``path`` is reserved in its parent message."""
        parent, number = path[:-1], path[-1]
        return any(p == parent and start <= number < end for p, start, end in self.reserved)


@dataclasses.dataclass(frozen=True, slots=True)
class EventDecl:
    """One ``(protonats.v1.event)`` declaration, with everything the rules compare."""

    name: str
    message: str
    """Full name of the message carrying the option, e.g. ``shop.v1.UserRegistered``."""
    location: Location
    """Where the option is declared (the message, when the image has no source info)."""
    description: str = ""
    storage: int = options_pb2.STORAGE_FILE
    """``protonats.v1.Storage``, with unspecified read as its default (file)."""
    retention: int = options_pb2.RETENTION_LIMITS
    """``protonats.v1.Retention``, with unspecified read as its default (limits)."""
    discard: int = options_pb2.DISCARD_OLD
    limits: DeclaredLimits = DeclaredLimits()
    flags: tuple[str, ...] = ()
    """The features it turns on, by ``events._fields.FLAGS`` keyword (``allow_ttl``)."""
    schema: Schema | None = None
    message_location: Location | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class ImageDecls:
    """What one side of the comparison declares."""

    events: tuple[EventDecl, ...]
    plain_messages: Mapping[str, Location]
    """Messages without the option (full name to location): tells "option removed" apart
    from "message removed"."""
    extension_number: int | None
    """The number ``protonats.v1.event`` is declared with; ``None`` if the image lacks it."""
    extension_location: Location | None = None
