"""Declaring events: names, limits, registries and every serializer, without a server."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from protonats import (
    DecodeError,
    Event,
    EventDeclarationError,
    Events,
    InvalidDescriptionError,
    InvalidEventNameError,
    InvalidLimitsError,
    Limits,
    MessageTypeError,
    Retention,
    Storage,
    UnknownEventError,
    UnsupportedSchemaError,
)
from protonats.v1 import options_pb2

from .models import Address, Order, Parcel, Point, Status, User, sample_order


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "must not be empty"),
        ("a" * 65, "the limit is 64"),
        ("user.registered", "kebab-case"),
        ("user-*", "kebab-case"),
        ("user->", "kebab-case"),
        ("user registered", "kebab-case"),
        ("User-Registered", "kebab-case"),
        ("user_registered", "kebab-case"),
        ("-user", "kebab-case"),
        ("user--registered", "kebab-case"),
        ("user-", "kebab-case"),
    ],
)
def test_invalid_names_are_refused_with_the_rule(name: str, why: str) -> None:
    with pytest.raises(InvalidEventNameError, match=why) as caught:
        Event(name, User)
    assert caught.value.name == name
    assert why in caught.value.reason


def test_invalid_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="kebab"):
        Event("a.b", User)


def test_name_maps_one_to_one_to_subject_and_stream() -> None:
    event = Event("user-registered", User)
    assert event.subject_name == "user-registered"
    assert event.stream_name == "user-registered"
    assert Event("a" * 64, User).name == "a" * 64


def test_description_longer_than_4096_is_refused() -> None:
    Event("ok", User, description="x" * 4096)
    with pytest.raises(InvalidDescriptionError, match="4096") as caught:
        Event("ok", User, description="x" * 4097)
    assert not isinstance(caught.value, InvalidEventNameError)
    assert isinstance(caught.value, EventDeclarationError)
    assert (caught.value.event, caught.value.length) == ("ok", 4097)


def test_declaration_errors_survive_pickling() -> None:
    with pytest.raises(InvalidLimitsError) as caught:
        Limits(messages=0)
    copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 (our own bytes)
    assert (copy.field, copy.value, str(copy)) == ("messages", 0, str(caught.value))


@pytest.mark.parametrize(
    ("kwargs", "field", "why"),
    [
        ({"messages": -1}, "messages", "at least 1"),
        ({"bytes": 0}, "bytes", "at least 1"),
        ({"consumers": -5}, "consumers", "at least 1"),
        ({"message_size": -1}, "message_size", "at least 1"),
        ({"messages": 1.5}, "messages", "must be an int"),
        ({"age": -1}, "age", "positive"),
        ({"age": 60_000_000_000}, "age", "looks like nanoseconds"),
        ({"age": float("inf")}, "age", "positive"),
        ({"duplicate_window": 0.05}, "duplicate_window", "100 ms"),
        ({"age": 60, "duplicate_window": 120}, "duplicate_window", "longer than the max age"),
        ({"replicas": 0}, "replicas", "1 to 5"),
        ({"replicas": 6}, "replicas", "1 to 5"),
    ],
)
def test_invalid_limits_name_the_field(kwargs: dict[str, Any], field: str, why: str) -> None:
    with pytest.raises(InvalidLimitsError, match=f"Limits.{field} .*{why}") as caught:
        Limits(**kwargs)
    assert caught.value.field == field
    assert caught.value.value == kwargs[field]
    assert str(caught.value) == f"Limits.{field} {caught.value.reason}"


def test_limits_evolve_validates_and_keeps_the_rest() -> None:
    limits = Limits(age=60, messages=10)
    assert limits.evolve(messages=20) == Limits(age=60, messages=20)
    with pytest.raises(InvalidLimitsError, match="duplicate_window"):
        limits.evolve(duplicate_window=61)


def test_walnats_snippet_works_with_only_the_import_changed() -> None:
    user_registered = Event("user-registered", User, limits=Limits(messages=10_000))
    assert user_registered.limits.messages == 10_000
    assert user_registered.decode(user_registered.encode(User("1", "Ann"))) == User("1", "Ann")


def test_events_registry_lookup_iteration_and_duplicates() -> None:
    a, b = Event("a", User), Event("b", Order)
    events = Events(a, b, version="1.0.0")
    assert len(events) == 2
    assert list(events) == [a, b]
    assert events.get("b") is b
    assert a in events
    assert "a" in events
    with pytest.raises(UnknownEventError, match="known: a, b"):
        events.get("c")
    with pytest.raises(EventDeclarationError, match="unique"):
        Events(a, Event("a", Order))


def test_default_stream_policy_keeps_events_before_the_first_consumer() -> None:
    event = Event("x", User)
    assert event.retention is Retention.LIMITS
    assert event.storage is Storage.FILE
    assert Event("x", User, storage="memory").storage is Storage.MEMORY  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("schema", "message", "content_type"),
    [
        (Order, sample_order(), "application/json"),
        (Parcel, Parcel(id="p1", status=Status.PENDING, weight_kg=2.5), "application/json"),
        (Point, Point(1, 2), "application/json"),
        (
            options_pb2.EventOptions,
            options_pb2.EventOptions(name="n", limits=options_pb2.Limits(max_messages=3)),
            "application/protobuf",
        ),
        (bytes, b"\x00\xffraw", "application/octet-stream"),
        (str, "hello", "application/json"),
        (int, 42, "application/json"),
        (list[int], [1, 2], "application/json"),
        (dict[str, int], {"a": 1}, "application/json"),
    ],
)
def test_every_serializer_round_trips(schema: Any, message: Any, content_type: str) -> None:
    event: Event[Any] = Event("round-trip", schema)
    data = event.encode(message)
    assert isinstance(data, bytes)
    assert event.decode(data) == message
    assert event.content_type == content_type


def test_dataclass_ignores_unknown_fields_and_fills_defaults() -> None:
    event = Event("order-created", Order)
    newer_producer = (
        b'{"id":1,"created":"2026-01-02T03:04:05Z","status":"pending",'
        b'"address":{"city":"Oslo","country":"NO"},"coupon":"X"}'
    )
    order = event.decode(newer_producer)
    assert order.address == Address("Oslo", None)
    assert order.items == []
    assert order.priority == 0
    assert order.created.tzinfo is not None


def test_decode_error_carries_the_raw_payload() -> None:
    event = Event("order-created", Order)
    with pytest.raises(DecodeError, match="order-created") as info:
        event.decode(b'{"id":"not-int"}')
    assert info.value.raw == b'{"id":"not-int"}'
    assert info.value.event == "order-created"


def test_encode_refuses_a_message_of_another_type() -> None:
    event = Event("user-registered", User)
    with pytest.raises(MessageTypeError, match=r"expects User, got .*Order"):
        event.encode(sample_order())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        event.encode({"id": "1", "name": "x"})  # type: ignore[arg-type]


def test_schema_without_serializer_is_refused_at_declaration() -> None:
    class Plain:
        pass

    with pytest.raises(UnsupportedSchemaError, match="serializer="):
        Event("plain", Plain)
    with pytest.raises(UnsupportedSchemaError):
        Event("obj", object)


def test_explicit_serializer_overrides_the_default() -> None:
    @dataclasses.dataclass(frozen=True)
    class Upper:
        content_type: str = "text/plain"

        def encode(self, message: str) -> bytes:
            return message.upper().encode()

        def decode(self, data: bytes) -> str:
            return data.decode()

    event = Event("shout", str, serializer=Upper())  # type: ignore[arg-type]  # encodes only
    assert event.encode("hi") == b"HI"
    assert event.content_type == "text/plain"


def test_schema_name_is_the_protobuf_full_name() -> None:
    assert Event("p", options_pb2.EventOptions).schema_name == "protonats.v1.EventOptions"
    assert Event("u", User).schema_name == "User"
