"""The breaking-change rules as pure functions: ``compare`` on ``EventDecl`` values, no buf.

Also reading images built in memory (no buf either): option values found whether the
extension is known or sits in unknown fields, under the number the image declares.
"""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf import descriptor_pb2

from protonats.checks._declarations import extension_bytes
from protonats.checks._decls import (
    DeclaredLimits as L,
)
from protonats.checks._decls import (
    EnumShape,
    EventDecl,
    FieldShape,
    ImageDecls,
    Location,
    Schema,
)
from protonats.checks._image_events import read_image
from protonats.checks._rules import Finding, compare, compare_images
from protonats.checks._schema_compat import enum_problems, oneof_problems
from protonats.v1 import options_pb2

F = descriptor_pb2.FieldDescriptorProto
SEC = 1_000_000_000
HERE = Location("proto/shop/v1/user.proto", 7, 3)


def field(path: tuple[int, ...], type_: int = F.TYPE_STRING, **kw: object) -> FieldShape:
    label = kw.pop("label", F.LABEL_OPTIONAL)
    name = str(kw.pop("name", f"f{'_'.join(map(str, path))}"))
    type_name, oneof = str(kw.pop("type_name", "")), str(kw.pop("oneof", ""))
    return FieldShape(path, name, type_, int(label), type_name, oneof=oneof)  # type: ignore[call-overload]


def event(
    name: str = "user-registered", message: str = "shop.v1.UserRegistered", **kw: object
) -> EventDecl:
    schema = kw.pop("schema", Schema(message, (field((1,)),)))
    return EventDecl(name, message, HERE, schema=schema, **kw)  # type: ignore[arg-type]


def rules(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# --- identity --------------------------------------------------------------------------------


def test_same_events_pass() -> None:
    assert compare([event(), event("b", "shop.v1.B")], [event("b", "shop.v1.B"), event()]) == []


def test_removed_vs_option_removed() -> None:
    assert rules(compare([event()], [])) == ["EVENT_REMOVED"]
    plain = {"shop.v1.UserRegistered": Location("u.proto", 6, 1)}
    [finding] = compare([event()], [], plain_after=plain)
    assert finding.rule == "EVENT_OPTION_REMOVED"
    assert finding.location == Location("u.proto", 6, 1)


def test_renamed_and_moved_together() -> None:
    """a on A, b on B  ->  b on A, B gone: A renamed a to b, and b moved from B to A."""
    before = [event("a", "shop.v1.A"), event("b", "shop.v1.B")]
    after = [event("b", "shop.v1.A")]
    assert sorted(rules(compare(before, after))) == ["EVENT_NAME_MOVED", "EVENT_RENAMED"]


def test_new_event_passes() -> None:
    assert compare([event()], [event(), event("new-one", "shop.v1.New")]) == []


def test_findings_are_sorted_and_deterministic() -> None:
    late = dataclasses.replace(event("z", "shop.v1.Z"), location=Location("a.proto", 1, 1))
    before = [event(), late]
    after = [event(storage=options_pb2.STORAGE_MEMORY), dataclasses.replace(late, storage=2)]
    found = compare(before, after)
    assert [f.location.file for f in found] == ["a.proto", HERE.file]
    assert found == compare(list(reversed(before)), list(reversed(after)))


# --- stream settings and limits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "field_name", "old", "new"),
    [
        ("EVENT_MAX_AGE_LOWERED", "max_age", 7 * 86400 * SEC, 3600 * SEC),
        ("EVENT_MAX_AGE_LOWERED", "max_age", None, 3600 * SEC),
        ("EVENT_MAX_BYTES_LOWERED", "max_bytes", 10_000, 9_999),
        ("EVENT_MAX_BYTES_LOWERED", "max_bytes", None, 10_000),
        ("EVENT_MAX_MESSAGES_LOWERED", "max_messages", 5, 4),
        ("EVENT_MAX_MESSAGES_LOWERED", "max_messages", None, 5),
        ("EVENT_MAX_MESSAGE_SIZE_LOWERED", "max_message_size", 4096, 1024),
        ("EVENT_MAX_MESSAGE_SIZE_LOWERED", "max_message_size", None, 1024),
        ("EVENT_REPLICAS_LOWERED", "replicas", 3, 1),
        ("EVENT_REPLICAS_LOWERED", "replicas", 3, None),
        ("EVENT_DUPLICATE_WINDOW_CHANGED", "duplicate_window", 60 * SEC, 30 * SEC),
        ("EVENT_DUPLICATE_WINDOW_CHANGED", "duplicate_window", 60 * SEC, None),
        ("EVENT_DUPLICATE_WINDOW_CHANGED", "duplicate_window", None, 600 * SEC),
    ],
)
def test_limit_rules(rule: str, field_name: str, old: int | None, new: int | None) -> None:
    before = event(limits=L(**{field_name: old}))
    after = event(limits=L(**{field_name: new}))
    assert rules(compare([before], [after])) == [rule]
    # The other way round is raising a limit (safe), except that any window change counts.
    reverse = [rule] if rule == "EVENT_DUPLICATE_WINDOW_CHANGED" else []
    assert rules(compare([after], [before])) == reverse


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (L(), L(replicas=1)),  # unset replicas is the server default, 1
        (L(replicas=1), L()),
        (L(max_bytes=5), L()),  # unset is unlimited: raising
        (L(duplicate_window=120 * SEC), L()),  # the server default window is 2 min...
        (L(max_age=60 * SEC), L(max_age=60 * SEC, duplicate_window=60 * SEC)),  # ...or max_age
        (L(max_consumers=10), L(max_consumers=1)),  # not a rule: stored data is not lost
    ],
)
def test_equivalent_or_safe_limits_pass(old: L, new: L) -> None:
    assert compare([event(limits=old)], [event(limits=new)]) == []


def test_limit_message_shows_values() -> None:
    before = event(limits=L(max_age=7 * 86400 * SEC))
    [finding] = compare([before], [event(limits=L(max_age=90 * 60 * SEC))])
    assert "max_age lowered from 7 d to 1 h 30 min" in finding.message
    [finding] = compare([event()], [event(limits=L(max_bytes=1024))])
    assert "max_bytes lowered from unlimited to 1 KiB" in finding.message


def test_storage_and_retention() -> None:
    changed = event(storage=options_pb2.STORAGE_MEMORY, retention=options_pb2.RETENTION_WORK_QUEUE)
    found = compare([event()], [changed])
    assert sorted(rules(found)) == ["EVENT_RETENTION_CHANGED", "EVENT_STORAGE_CHANGED"]
    assert any("from file to memory" in f.message for f in found)
    assert any("from limits to work_queue" in f.message for f in found)
    assert compare([event()], [event(discard=options_pb2.DISCARD_NEW)]) == []


# --- schemas ---------------------------------------------------------------------------------


def schema(
    *fields: FieldShape, reserved: tuple[tuple[tuple[int, ...], int, int], ...] = ()
) -> Schema:
    return Schema("shop.v1.UserRegistered", fields, reserved)


def schema_problems(old: Schema, new: Schema) -> list[str]:
    found = compare([event(schema=old)], [event(schema=new)])
    assert set(rules(found)) <= {"EVENT_SCHEMA_INCOMPATIBLE"}
    return [f.message.split(": ", 1)[1] for f in found]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (F.TYPE_INT64, F.TYPE_INT32),
        (F.TYPE_INT32, F.TYPE_ENUM),
        (F.TYPE_BOOL, F.TYPE_UINT64),
        (F.TYPE_SINT32, F.TYPE_SINT64),
        (F.TYPE_FIXED32, F.TYPE_SFIXED32),
        (F.TYPE_FIXED64, F.TYPE_SFIXED64),
        (F.TYPE_STRING, F.TYPE_BYTES),
    ],
)
def test_wire_compatible_type_changes_pass(old: int, new: int) -> None:
    assert schema_problems(schema(field((1,), old)), schema(field((1,), new))) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (F.TYPE_BYTES, F.TYPE_STRING),  # stored bytes need not be UTF-8
        (F.TYPE_INT32, F.TYPE_SINT32),  # zigzag
        (F.TYPE_INT64, F.TYPE_FIXED64),
        (F.TYPE_FLOAT, F.TYPE_DOUBLE),
        (F.TYPE_STRING, F.TYPE_MESSAGE),
    ],
)
def test_wire_incompatible_type_changes_fail(old: int, new: int) -> None:
    [problem] = schema_problems(schema(field((1,), old)), schema(field((1,), new)))
    assert "changed type from" in problem


def test_field_removal_needs_a_reserved_number() -> None:
    old = schema(field((1,)), field((2,), F.TYPE_INT64, name="age"))
    [problem] = schema_problems(old, schema(field((1,))))
    assert problem.startswith('field 2 "age" was removed without reserving its number')
    assert schema_problems(old, schema(field((1,)), reserved=(((), 2, 3),))) == []


def test_nested_fields_are_compared_and_reported_once() -> None:
    address = field((3,), F.TYPE_MESSAGE, name="address", type_name="shop.v1.Address")
    city = field((3, 1), name="address.city")
    zip_ = field((3, 2), name="address.zip")
    old = schema(field((1,)), address, city, zip_)
    # A nested type change is found...
    [problem] = schema_problems(
        old, schema(field((1,)), address, field((3, 1), F.TYPE_DOUBLE), zip_)
    )
    assert problem.startswith('field 3.1 "address.city" changed type from string to double')
    # ...a removed parent is one problem, not one per nested field...
    assert len(schema_problems(old, schema(field((1,))))) == 1
    # ...a parent that stopped being a message too...
    assert len(schema_problems(old, schema(field((1,)), field((3,), F.TYPE_STRING)))) == 1
    # ...and a renamed message type with the same shape is fine (names are not on the wire).
    renamed = dataclasses.replace(address, type_name="shop.v1.Location")
    assert schema_problems(old, schema(field((1,)), renamed, city, zip_)) == []
    # A removed parent whose number is reserved is fine, nested fields included.
    assert schema_problems(old, schema(field((1,)), reserved=(((), 3, 4),))) == []


def test_labels() -> None:
    single = schema(field((1,)))
    repeated = schema(field((1,), label=F.LABEL_REPEATED))
    required = schema(field((1,), label=F.LABEL_REQUIRED))
    assert "from singular to repeated" in schema_problems(single, repeated)[0]
    assert "from repeated to singular" in schema_problems(repeated, single)[0]
    assert "became required" in schema_problems(single, required)[0]
    assert schema_problems(required, single) == []
    added = schema(field((1,)), field((2,), label=F.LABEL_REQUIRED, name="must"))
    assert schema_problems(single, added) == [
        'required field 2 "must" was added; stored messages lack it and fail to decode'
    ]
    assert schema_problems(single, schema(field((1,)), field((2,), name="new"))) == []


def test_moved_event_checks_the_new_schema_too() -> None:
    other = event(
        message="shop.v1.Other", schema=Schema("shop.v1.Other", (field((1,), F.TYPE_DOUBLE),))
    )
    assert sorted(rules(compare([event()], [other]))) == [
        "EVENT_NAME_MOVED",
        "EVENT_SCHEMA_INCOMPATIBLE",
    ]


# --- extension number ------------------------------------------------------------------------


def decls(number: int | None, *events: EventDecl) -> ImageDecls:
    return ImageDecls(events, {}, number, Location("proto/protonats/v1/options.proto", 95, 3))


def test_extension_number_changed() -> None:
    [finding] = compare_images(decls(50701, event()), decls(50702, event()))
    assert finding.rule == "EVENT_EXTENSION_NUMBER_CHANGED"
    assert "from 50701 to 50702" in finding.message
    assert finding.location.line == 95
    assert compare_images(decls(None, event()), decls(50701, event())) == []
    assert compare_images(decls(50701, event()), decls(50701, event())) == []


# --- oneofs and enums ------------------------------------------------------------------------


def test_oneof_membership() -> None:
    old = Schema("m", (field((1,)), field((2,), oneof="contact"), field((3,))))
    joined = Schema("m", (field((1,), oneof="contact"), field((2,), oneof="contact"), field((3,))))
    left = Schema("m", (field((1,)), field((2,)), field((3,))))
    added = Schema("m", (*old.fields, field((4,), oneof="contact")))
    renamed = Schema("m", (field((1,)), field((2,), oneof="reach"), field((3,))))
    assert [p[1][:20] for p in oneof_problems(old, joined, HERE)] == ['field 1 "f1" moved f']
    assert 'from oneof "contact" to no oneof' in oneof_problems(old, left, HERE)[0][1]
    assert len(oneof_problems(old, renamed, HERE)) == 1
    assert oneof_problems(old, added, HERE) == []


def test_enum_values() -> None:
    def status(*values: tuple[str, int], reserved: tuple[tuple[int, int], ...] = ()) -> Schema:
        return Schema("m", (field((1,), F.TYPE_ENUM),), enums=(EnumShape("m.S", values, reserved),))

    old = status(("S_UNSPECIFIED", 0), ("ACTIVE", 1), ("GONE", 2))
    assert enum_problems(old, old, HERE) == []
    removed = enum_problems(old, status(("S_UNSPECIFIED", 0), ("ACTIVE", 1)), HERE)
    assert ["removed without reserving 2" in p[1] for p in removed] == [True]
    reserved = status(("S_UNSPECIFIED", 0), ("ACTIVE", 1), reserved=((2, 2),))
    assert enum_problems(old, reserved, HERE) == []
    renamed = status(("S_UNSPECIFIED", 0), ("ACTIVE", 1), ("DELETED", 2))
    assert enum_problems(old, renamed, HERE) == []
    renumbered = status(("S_UNSPECIFIED", 0), ("ACTIVE", 1), ("GONE", 3))
    assert ["renumbered from 2 to 3" in p[1] for p in enum_problems(old, renumbered, HERE)] == [
        True
    ]
    new = event(schema=renumbered)
    assert rules(compare([event(schema=old)], [new])) == ["EVENT_SCHEMA_ENUM_CHANGED"]


# --- reading images without buf --------------------------------------------------------------


def _tag(number: int, wire_type: int) -> bytes:
    return _varint((number << 3) | wire_type)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _len_field(number: int, payload: bytes) -> bytes:
    return _tag(number, 2) + _varint(len(payload)) + payload


def image(number: int, options: bytes, *, declare: bool = True) -> bytes:
    """An image: options.proto declaring the extension as ``number`` (when ``declare``) and
    shop/v1/user.proto with a recursive message whose options are the bytes ``options``."""
    opts_file = descriptor_pb2.FileDescriptorProto(
        name="protonats/v1/options.proto", package="protonats.v1"
    )
    if declare:
        opts_file.extension.add(
            name="event",
            number=number,
            extendee=".google.protobuf.MessageOptions",
            type=F.TYPE_MESSAGE,
            type_name=".protonats.v1.EventOptions",
            label=F.LABEL_OPTIONAL,
        )
    user = descriptor_pb2.FileDescriptorProto(name="shop/v1/user.proto", package="shop.v1")
    node = user.message_type.add(name="Node")
    node.field.add(name="id", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    node.field.add(
        name="child",
        number=2,
        type=F.TYPE_MESSAGE,
        type_name=".shop.v1.Node",
        label=F.LABEL_OPTIONAL,
    )
    node.reserved_range.add(start=5, end=6)
    node.nested_type.add(name="Inner").field.add(name="x", number=1, type=F.TYPE_INT32)
    node.options.MergeFromString(options)  # fields not known here stay unknown fields
    return descriptor_pb2.FileDescriptorSet(file=[opts_file, user]).SerializeToString()


def event_options(**kw: object) -> bytes:
    return options_pb2.EventOptions(**kw).SerializeToString()  # type: ignore[arg-type]


def test_read_image() -> None:
    payload = event_options(name="node-seen", storage=options_pb2.STORAGE_MEMORY)
    options = _tag(3, 0) + b"\x01" + _len_field(50701, payload)  # deprecated=true, then ours
    decls = read_image(image(50701, options), {"shop/v1/user.proto": "proto/shop/v1/user.proto"})
    [found] = decls.events
    assert (found.name, found.message, found.storage) == ("node-seen", "shop.v1.Node", 2)
    assert found.retention == options_pb2.RETENTION_LIMITS  # unspecified reads as the default
    assert found.location.file == "proto/shop/v1/user.proto"
    assert decls.extension_number == 50701
    assert "shop.v1.Node.Inner" in decls.plain_messages
    assert found.schema is not None
    # The recursive field is not followed again: Node's fields are already compared.
    assert [f.path for f in found.schema.fields] == [(1,), (2,)]
    assert found.schema.is_reserved((5,))
    assert not found.schema.is_reserved((2, 5))


def test_read_image_under_the_declared_number() -> None:
    payload = event_options(name="node-seen")
    moved = read_image(image(50702, _len_field(50702, payload)))
    assert [e.name for e in moved.events] == ["node-seen"]
    assert moved.extension_number == 50702
    # Without options.proto in the image, the fixed number 50701 is assumed.
    undeclared = read_image(image(50702, _len_field(50701, payload), declare=False))
    assert [e.name for e in undeclared.events] == ["node-seen"]
    assert undeclared.extension_number is None


def test_split_option_occurrences_merge() -> None:
    first = event_options(name="a", limits=options_pb2.Limits(max_bytes=5))
    second = event_options(name="b", retention=options_pb2.RETENTION_INTEREST)
    raw = _len_field(50701, first) + _tag(9, 5) + b"\0\0\0\0" + _len_field(50701, second)
    merged = options_pb2.EventOptions.FromString(extension_bytes(raw, 50701) or b"")
    assert (merged.name, merged.limits.max_bytes, merged.retention) == ("b", 5, 2)
    assert extension_bytes(_tag(3, 0) + b"\x01", 50701) is None
