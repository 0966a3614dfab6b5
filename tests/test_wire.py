"""The wire contract: header sizes in UTF-8 bytes, CloudEvents values as the HTTP binding says."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from nats.js import JetStreamContext

from protonats import (
    Actor,
    Actors,
    CloudEvent,
    Event,
    Events,
    Limits,
    MessageTooLargeError,
    Middleware,
    _wire,
)
from protonats.types import Context
from tests.models import User


def test_header_size_counts_utf8_bytes() -> None:
    assert _wire.header_size({}) == 12
    assert _wire.header_size({"a": "b"}) == 12 + 4 + 2
    assert _wire.header_size({"a": "ü"}) == 12 + 4 + 1 + 2  # ü is two bytes
    assert _wire.header_size({"T": "€" * 10}) == 12 + 4 + 1 + 30


@pytest.mark.parametrize(
    ("value", "header"),
    [
        ("/shop/users", "/shop/users"),
        ("https://shop.example/stores/Zürich", "https://shop.example/stores/Z%C3%BCrich"),
        ("a b", "a%20b"),
        ('say "hi"', "say%20%22hi%22"),
        ("100%", "100%25"),
        ("tab\there", "tab%09here"),
        ("~!#$&'()*+,/:;=?@[]", "~!#$&'()*+,/:;=?@[]"),  # printable ASCII stays
    ],
)
def test_cloudevents_values_are_percent_encoded_per_the_http_binding(
    value: str, header: str
) -> None:
    assert _wire.percent_encode(value) == header
    assert _wire.percent_decode(header) == value


def test_an_already_encoded_value_is_encoded_again_not_taken_as_is() -> None:
    # A source that contains "%C3%BC" literally must come back literally, not as "ü".
    literal = "https://shop.example/stores/Z%C3%BCrich"
    assert _wire.percent_decode(_wire.percent_encode(literal)) == literal


def test_cloudevents_time_is_rfc3339_utc() -> None:
    headers = _wire.cloudevents("user-registered", "/src", "u-1")
    stamp = headers["ce-time"]
    assert stamp.endswith("Z")
    parsed = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert parsed.utcoffset() == datetime.timedelta(0)
    local = datetime.datetime(
        2024, 5, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert _wire.rfc3339(local) == "2024-05-01T10:00:00.000000Z"


async def test_cloudevents_round_trip_through_the_server(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"ce-wire-{unique}", User)
    source = 'https://shop.example/stores/Zürich "main" 100%'
    async with Events(event).connect(nats_url, cloudevents_source=source) as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"), uid="order 1/ü")
        raw = await js.get_msg(event.stream_name, 1)
        assert raw.headers is not None
        assert raw.headers["ce-source"] == (
            "https://shop.example/stores/Z%C3%BCrich%20%22main%22%20100%25"
        )
        assert raw.headers["ce-id"] == "order%201/%C3%BC"
        async for delivery in conn.tail(event, from_start=True):
            assert delivery.headers["ce-source"] == source  # decoded when read back
            assert delivery.headers["ce-id"] == "order 1/ü"
            break


async def test_non_ascii_headers_count_in_bytes_against_the_size_limit(
    nats_url: str, unique: str
) -> None:
    event = Event(f"ce-size-{unique}", User, limits=Limits(message_size=300))
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        # 100 characters, 300 bytes: fits when counted in characters, not in bytes.
        with pytest.raises(MessageTooLargeError):
            await conn.emit(event, User("1", "a"), headers={"Note": "€" * 100})
        assert await conn.emit(event, User("1", "a"), headers={"Note": "e" * 100})


async def test_a_cloudevent_given_as_meta_is_encoded_too(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"ce-meta-{unique}", User)
    meta = CloudEvent(id="id 1", source="/stores/Zürich", type="order placed")
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"), meta=meta)
        raw = await js.get_msg(event.stream_name, 1)
        assert raw.headers is not None
        assert raw.headers["ce-source"] == "/stores/Z%C3%BCrich"
        assert raw.headers["ce-type"] == "order%20placed"
        async for delivery in conn.tail(event, from_start=True):
            assert delivery.headers["ce-source"] == "/stores/Zürich"
            assert delivery.headers["ce-id"] == "id 1"
            break


async def test_an_actor_context_reads_a_message_as_a_delivery_does(
    nats_url: str, unique: str
) -> None:
    """``Delivery`` and the actor ``Context`` share their names (``seq`` and walnats'
    ``seq_number``, ``num_delivered``, ``timestamp``, ``trace_id``) and decode the CloudEvents
    headers alike."""
    event = Event(f"ce-ctx-{unique}", User)
    source = "https://shop.example/Zürich 100%"
    seen: list[Context[Any]] = []

    class Keep(Middleware):
        def on_start(self, ctx: Context[Any]) -> None:
            seen.append(ctx)

    async def handle(user: User) -> None:
        pass

    actor = Actor(f"ce-ctx-{unique}", event, handle, middlewares=[Keep()])
    async with Events(event).connect(nats_url, cloudevents_source=source) as conn:
        await conn.register()
        await conn.emit(event, User("1", "a"), uid="order 1/ü", trace_id="t-1")
        async for delivery in conn.tail(event, from_start=True):  # noqa: B007  # the first
            break
        async with Actors(actor).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
    (ctx,) = seen
    for name in ("headers", "seq", "seq_number", "num_delivered", "timestamp", "trace_id"):
        assert getattr(ctx, name) == getattr(delivery, name), name
    assert ctx.headers["ce-source"] == source
    assert ctx.headers["ce-id"] == "order 1/ü"
    assert (ctx.seq, ctx.trace_id, ctx.num_delivered) == (1, "t-1", ctx.attempt)
