"""A server that has what the catalog site shows: the example shop registry registered at
two versions (``user-registered`` gains a field and a longer max age), actors with a
backlog, and dead letters. Shared by the site's tests with and without a browser."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

import protonats
from protonats import Event, Events, Limits

GENERATED = Path(__file__).resolve().parent.parent / "gen" / "python"
V2 = "1.5.0"
"""The version that registers the changed ``user-registered``."""
BACKLOG = {"bill-customer": 3, "notify-warehouse": 3, "send-welcome": 0}
"""Actors with the messages each has pending: three order-created wait for two actors."""
DEAD = 2
"""Dead letters of parcel-delivered (its actor fails every message once)."""
PAUSED = "send-welcome"
"""The actor paused for an hour."""


def shop_events() -> Events:
    """The generated example registry (``make generate``); skips the test without it."""
    if not (GENERATED / "shop_events" / "__init__.py").exists():
        pytest.skip("the example shop registry is not generated (make generate)")
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
    events: Events = importlib.import_module("shop_events").EVENTS
    return events


def with_field(schema: type[Message], name: str, number: int) -> type[Message]:
    """``schema`` with one more string field, in a pool of its own (a later deployment)."""
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(file: Any) -> None:  # pure-Python and upb descriptors differ in stubs
        if file.name in added:
            return
        for dependency in file.dependencies:
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        if file.name == schema.DESCRIPTOR.file.name:
            message = next(m for m in proto.message_type if m.name == schema.DESCRIPTOR.name)
            F = descriptor_pb2.FieldDescriptorProto
            message.field.add(name=name, number=number, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
        pool.Add(proto)
        added.add(file.name)

    add(schema.DESCRIPTOR.file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(schema.DESCRIPTOR.full_name))


def user_registered_v2(events: Events) -> Event[Any]:
    old = events.get("user-registered")
    number = max(f.number for f in old.schema.DESCRIPTOR.fields) + 1
    return Event(
        old.name,
        with_field(old.schema, "referrer", number),
        description=old.description,
        limits=Limits(**{**_limits(old), "age": 2 * (old.limits.age or 86_400)}),
    )


def _limits(event: Event[Any]) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(event.limits, f.name) for f in dataclasses.fields(event.limits)}


async def _fail(message: Any) -> None:
    raise RuntimeError("the courier's API is down")


async def _ok(message: Any) -> None:
    """A handler that is never run: its actor is registered, not listening."""


async def populate(url: str, events: Events) -> None:
    """Register, emit and fail on the server at ``url`` as described above."""
    order, delivered = events.get("order-created"), events.get("parcel-delivered")
    async with events.connect(url) as conn:
        await conn.register()
    async with Events(user_registered_v2(events), version=V2).connect(url) as conn:
        await conn.register()
    idle = protonats.Actors(
        protonats.Actor("bill-customer", order, _ok),
        protonats.Actor("notify-warehouse", order, _ok),
        protonats.Actor("send-welcome", events.get("user-registered"), _ok),
    )
    async with idle.connect(url) as actors:
        await actors.register()
        await actors.pause(PAUSED, 3600)
    async with events.connect(url) as conn:
        for _ in range(BACKLOG["bill-customer"]):
            await conn.emit(order, order.schema())
        for _ in range(DEAD):
            await conn.emit(delivered, delivered.schema())
    failing = protonats.Actors(
        protonats.Actor("charge-courier", delivered, _fail, max_attempts=1, retry_delay=(0,))
    )
    async with failing.connect(url) as actors:
        await actors.register()
        await actors.listen(burst=True, handle_signals=False)


def populated(url: str) -> Events:
    events = shop_events()
    asyncio.run(populate(url, events))
    return events
