"""Registries for the CLI tests: ``--registry tests.cli_registry:events_<suffix>``.

Every attribute ``events_<suffix>`` is a registry of the same events with ``-<suffix>`` on
their names, so each test gets streams of its own on the shared session server;
``changed_<suffix>`` declares them again with one update and one refused change.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

import pydantic

from protonats import Event, Events, Limits, Storage
from protonats.v1.options_pb2 import EventOptions

__all__ = ["Item", "OrderPlaced", "UserSignedUp", "make_events"]


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    """One line of an order."""

    sku: str
    quantity: int


@dataclasses.dataclass(frozen=True, slots=True)
class OrderPlaced:
    """A dataclass schema with nested, list, datetime and optional fields."""

    order_id: str
    amount_cents: int
    items: list[Item]
    placed_at: datetime.datetime
    note: str | None = None


class UserSignedUp(pydantic.BaseModel):
    """A pydantic schema with a field description."""

    email: str = pydantic.Field(description="Where we write to the user.")
    age: int = 0


@functools.cache
def make_events(suffix: str, *, changed: bool = False) -> Events:
    """The test registry with ``-suffix`` appended to every event name.

    ``changed`` is a later declaration of the same events: order-placed keeps messages for
    one day instead of seven (an update), user-signed-up moves to file storage (refused).
    """
    return Events(
        Event(
            f"order-placed-{suffix}",
            OrderPlaced,
            description="A customer placed an order.\n\nEmitted once payment is authorised.",
            limits=Limits(age=(1 if changed else 7) * 86_400, bytes=1 << 30, message_size=64 << 10),
        ),
        Event(
            f"user-signed-up-{suffix}",
            UserSignedUp,
            description="A user created an account.",
            storage=Storage.FILE if changed else Storage.MEMORY,
        ),
        Event(
            f"options-changed-{suffix}",
            EventOptions,
            description="A protobuf schema: enums, a nested message and durations.",
            limits=Limits(messages=1000, duplicate_window=60),
        ),
        version="1.1.0" if changed else "1.0.0",
    )


def __getattr__(name: str) -> Events:
    for prefix, changed in (("events_", False), ("changed_", True)):
        if name.startswith(prefix) and len(name) > len(prefix):
            return make_events(name[len(prefix) :].replace("_", "-"), changed=changed)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
