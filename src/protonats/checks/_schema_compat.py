"""Can a new version of an event's message read what the old one stored? The wire-level checks
behind EVENT_SCHEMA_INCOMPATIBLE (``schema_problems``), EVENT_SCHEMA_ONEOF_CHANGED
(``oneof_problems``) and EVENT_SCHEMA_ENUM_CHANGED (``enum_problems``), on ``Schema`` values
(field shapes matched by number)."""

from __future__ import annotations

from google.protobuf import descriptor_pb2

from ..events._json_schema import scalar_name
from ._decls import FieldShape, Location, Schema

__all__ = ["Problem", "enum_problems", "oneof_problems", "schema_problems"]

_FIELD = descriptor_pb2.FieldDescriptorProto

Problem = tuple[Location, str, str]
"""Where, what is wrong, and what to do instead."""

_WIRE_GROUPS: tuple[frozenset[int], ...] = (
    frozenset(
        {_FIELD.TYPE_INT32, _FIELD.TYPE_INT64, _FIELD.TYPE_UINT32, _FIELD.TYPE_UINT64}
        | {_FIELD.TYPE_BOOL, _FIELD.TYPE_ENUM}
    ),
    frozenset({_FIELD.TYPE_SINT32, _FIELD.TYPE_SINT64}),
    frozenset({_FIELD.TYPE_FIXED32, _FIELD.TYPE_SFIXED32}),
    frozenset({_FIELD.TYPE_FIXED64, _FIELD.TYPE_SFIXED64}),
    frozenset({_FIELD.TYPE_MESSAGE}),  # another message type: its fields are compared too
)
_ONE_WAY = {(_FIELD.TYPE_STRING, _FIELD.TYPE_BYTES)}  # bytes -> string fails on non-UTF-8 data


def _type_name(field: FieldShape) -> str:
    if field.type_name:
        return field.type_name
    return scalar_name(field.type)


def _wire_compatible(old: int, new: int) -> bool:
    return old == new or (old, new) in _ONE_WAY or any(old in g and new in g for g in _WIRE_GROUPS)


def schema_problems(old: Schema, new: Schema, fallback: Location) -> list[Problem]:
    """Every way ``new`` cannot read what ``old`` stored; ``fallback`` is where to report a
    problem with no location of its own (the event's declaration).

    Fields are matched by number, recursively into message-typed fields (cycles cut), and a
    problem is any of: a field removed without its number reserved; a type changed outside the
    wire-compatible groups (int32/int64/uint32/uint64/bool/enum; sint32/sint64;
    fixed32/sfixed32; fixed64/sfixed64; string -> bytes; any message -> message); repeated
    changed to or from singular; a required field added or an optional one made required.
    Names, comments, enum values and proto3 ``optional`` do not matter to stored bytes.
    """
    new_fields = {f.path: f for f in new.fields}
    old_paths = {f.path for f in old.fields}
    problems: list[Problem] = []
    broken: list[tuple[int, ...]] = []  # reported paths: their children are not reported again

    def under_broken(path: tuple[int, ...]) -> bool:
        return any(path[: len(b)] == b for b in broken)

    for field in old.fields:
        if under_broken(field.path):
            continue
        label = f'field {".".join(map(str, field.path))} "{field.name}"'
        got = new_fields.get(field.path)
        if got is None:
            if field.path[:-1] and field.path[:-1] not in new_fields:
                continue  # the parent is no longer a message; reported at the parent
            if not new.is_reserved(field.path):
                broken.append(field.path)
                problems.append(
                    (
                        fallback,
                        f"{label} was removed without reserving its number, so a new field "
                        "could reuse it and misread stored messages",
                        f"add `reserved {field.path[-1]};` where it was (and reserve the name)",
                    )
                )
            continue
        where = got.location or fallback
        if not _wire_compatible(field.type, got.type):
            broken.append(field.path)
            problems.append(
                (
                    where,
                    f"{label} changed type from {_type_name(field)} to {_type_name(got)}; "
                    "stored messages would not decode",
                    "add a new field with a new number and reserve the old one",
                )
            )
            continue
        repeated = (field.label == _FIELD.LABEL_REPEATED, got.label == _FIELD.LABEL_REPEATED)
        if repeated[0] != repeated[1]:
            broken.append(field.path)
            kinds = ["singular", "repeated"]
            problems.append(
                (
                    where,
                    f"{label} changed from {kinds[repeated[0]]} to {kinds[repeated[1]]}; "
                    "stored messages would decode wrong",
                    "add a new field with a new number and reserve the old one",
                )
            )
            continue
        if field.label != _FIELD.LABEL_REQUIRED and got.label == _FIELD.LABEL_REQUIRED:
            problems.append(
                (
                    where,
                    f"{label} became required; stored messages without it fail to decode",
                    "keep it optional",
                )
            )
    for field in new.fields:
        if field.path in old_paths or field.label != _FIELD.LABEL_REQUIRED:
            continue
        if field.path[:-1] and field.path[:-1] not in old_paths:
            continue  # inside a message-typed field that is itself new
        problems.append(
            (
                field.location or fallback,
                f'required field {".".join(map(str, field.path))} "{field.name}" was added; '
                "stored messages lack it and fail to decode",
                "make it optional",
            )
        )
    return problems


def oneof_problems(old: Schema, new: Schema, fallback: Location) -> list[Problem]:
    """Every field of ``old`` that is still there (same number, same path) but moved into a
    oneof, out of one, or to another. A oneof keeps only the last member set, so a stored
    message with several of its members set decodes with some of them dropped; and a field
    leaving a oneof changes what readers see as "which one is set". A new field added to a
    oneof is fine: no stored message has it. Synthetic oneofs (proto3 ``optional``) count as
    none."""
    new_fields = {f.path: f for f in new.fields}
    problems: list[Problem] = []
    for field in old.fields:
        got = new_fields.get(field.path)
        if got is None or got.oneof == field.oneof:
            continue
        label = f'field {".".join(map(str, field.path))} "{field.name}"'
        was = f'oneof "{field.oneof}"' if field.oneof else "no oneof"
        now = f'oneof "{got.oneof}"' if got.oneof else "no oneof"
        problems.append(
            (
                got.location or fallback,
                f"{label} moved from {was} to {now}; stored messages that set it together with "
                "other fields decode differently",
                "keep the field where it was; add a new field (new number) to the oneof instead",
            )
        )
    return problems


def enum_problems(old: Schema, new: Schema, fallback: Location) -> list[Problem]:
    """Every enum value an event's message used that is gone without its number reserved, or
    that now has another number (stored messages carry numbers: a renumbered value reads as
    another one, a removed number reads as unknown and may be reused)."""
    new_enums = {e.name: e for e in new.enums}
    problems: list[Problem] = []
    for enum in old.enums:
        now = new_enums.get(enum.name)
        if now is None:
            continue  # the field changed type: EVENT_SCHEMA_INCOMPATIBLE says so
        numbers = {number for _, number in now.values}
        by_name = {name: (number, i) for i, (name, number) in enumerate(now.values)}
        for name, number in enum.values:
            moved = by_name.get(name)
            if moved is not None and moved[0] != number:
                where = _at(now.value_locations, moved[1]) or now.location or fallback
                problems.append(
                    (
                        where,
                        f"enum {enum.name} value {name} was renumbered from {number} to "
                        f"{moved[0]}; stored messages with {number} read as another value",
                        f"give {name} back the number {number}",
                    )
                )
            elif moved is None and number not in numbers and not now.is_reserved(number):
                problems.append(
                    (
                        now.location or fallback,
                        f"enum {enum.name} value {name} ({number}) was removed without "
                        f"reserving {number}; stored messages still carry it and a new value "
                        "could reuse it",
                        f"add `reserved {number};` to {enum.name}, or keep the value",
                    )
                )
    return problems


def _at(locations: tuple[Location, ...], index: int) -> Location | None:
    return locations[index] if index < len(locations) else None
