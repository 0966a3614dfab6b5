"""Schemas used across the runtime tests: every serializer family."""

from __future__ import annotations

import dataclasses
import datetime
import enum

import msgspec
import pydantic


class Status(enum.Enum):
    PENDING = "pending"
    SHIPPED = "shipped"


@dataclasses.dataclass
class User:
    id: str
    name: str


@dataclasses.dataclass
class Address:
    city: str
    zip: str | None = None


@dataclasses.dataclass
class Order:
    id: int
    created: datetime.datetime
    status: Status
    address: Address
    items: list[str] = dataclasses.field(default_factory=list)
    totals: dict[str, float] = dataclasses.field(default_factory=dict)
    note: str | None = None
    priority: int = 0


class Parcel(pydantic.BaseModel):
    id: str
    status: Status
    weight_kg: float = 1.0


class Point(msgspec.Struct):
    x: int
    y: int


def sample_order() -> Order:
    """An order using every field type the JSON serializer must round-trip."""
    return Order(
        id=7,
        created=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        status=Status.SHIPPED,
        address=Address("Oslo", "0150"),
        items=["a", "b"],
        totals={"eur": 9.5},
    )
