"""One description of a schema: the JSON Schema the ledger records for an event is the one the
catalog and the AsyncAPI document publish, for every kind of schema (the event's serializer
owns it); proto2 ``required`` and editions ``LEGACY_REQUIRED`` fields are required in both."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import msgspec
import pydantic
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

from protonats import DecodeError, Event, Events
from protonats.cli._catalog_docs import asyncapi_document, event_page
from protonats.cli._catalog_schemas import event_schemas
from protonats.cli._ledger_events import ledger_catalog
from protonats.jetstream._ledger import entry_for

F = descriptor_pb2.FieldDescriptorProto
ASYNCAPI_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass(frozen=True)
class Address:
    street: str
    city: str


@dataclasses.dataclass(frozen=True)
class Order:
    order_id: str
    placed_at: datetime.datetime
    colour: Colour
    address: Address
    blob: bytes
    note: str | None = None
    history: list[datetime.datetime] = dataclasses.field(default_factory=list)


class Invoice(pydantic.BaseModel):
    net_cents: int
    tax_cents: int = 0

    @pydantic.computed_field  # type: ignore[prop-decorator]
    @property
    def total_cents(self) -> int:
        return self.net_cents + self.tax_cents


class Paint(msgspec.Struct, frozen=True):
    colour: Colour
    litres: float


def _message(syntax: str) -> type[Message]:
    """``one.v1.Parcel{syntax}``: ``parcel_id`` required (proto2 ``required``, or editions'
    ``LEGACY_REQUIRED``), ``weight`` optional."""
    name = f"Parcel{syntax.capitalize()}"
    proto = descriptor_pb2.FileDescriptorProto(
        name=f"one/v1/{name}.proto", package="one.v1", syntax=syntax
    )
    if syntax == "editions":
        proto.edition = descriptor_pb2.EDITION_2023
    message = proto.message_type.add(name=name)
    label = F.LABEL_REQUIRED if syntax == "proto2" else F.LABEL_OPTIONAL
    required = message.field.add(
        name="parcel_id", number=1, type=F.TYPE_STRING, label=label, json_name="parcelId"
    )
    if syntax == "editions":
        required.options.features.field_presence = descriptor_pb2.FeatureSet.LEGACY_REQUIRED
    message.field.add(
        name="weight", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL, json_name="weight"
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"one.v1.{name}"))


def kinds(suffix: str = "") -> Events:
    return Events(
        Event(f"order-placed{suffix}", Order),
        Event(f"invoice-sent{suffix}", Invoice),
        Event(f"paint-mixed{suffix}", Paint),
        Event(f"raw-seen{suffix}", bytes),
        Event(f"parcel-sent{suffix}", _message("proto2")),
        Event(f"parcel-held{suffix}", _message("editions")),
    )


def _standalone(payload: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """A published payload schema back as a standalone one: its components as ``$defs``."""
    ref, defs = "#/components/schemas/", "#/$defs/"

    def back(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: defs + v[len(ref) :] if k == "$ref" else back(v) for k, v in value.items()}
        return [back(v) for v in value] if isinstance(value, list) else value

    used: dict[str, Any] = {}
    todo = [payload]
    while todo:
        text = str(todo.pop())
        for name in components:
            if f"'{ref}{name}'" in text and name not in used:
                used[name] = back(components[name])
                todo.append(components[name])
    schema = back(payload)
    return {**schema, "$defs": used} if used else schema


def test_the_ledger_records_what_the_catalog_and_asyncapi_publish() -> None:
    events = kinds()
    document = asyncapi_document(events)
    asyncapi = json.loads(ASYNCAPI_SCHEMA.read_text())
    assert [e.message for e in jsonschema.Draft7Validator(asyncapi).iter_errors(document)] == []
    components = document["components"]["schemas"]
    for event in events:
        recorded = entry_for(event, "1.0.0").schema.json_schema
        assert recorded == event.json_schema()
        assert recorded.pop("$schema") == "https://json-schema.org/draft/2020-12/schema"
        published = document["components"]["messages"][event.name]["payload"]
        assert _standalone(published, components) == recorded, event.name

    order = components["Order"]["properties"]
    assert order["placed_at"] == {"type": "string", "format": "date-time"}
    assert order["history"]["items"] == {"type": "string", "format": "date-time"}
    assert order["blob"] == {"type": "string", "contentEncoding": "base64"}
    assert order["colour"] == {"$ref": "#/components/schemas/Colour"}
    assert order["note"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert components["Order"]["required"] == ["order_id", "placed_at", "colour", "address", "blob"]
    invoice = document["components"]["messages"]["invoice-sent"]["payload"]
    assert "total_cents" in invoice["properties"]  # what model_dump_json sends
    assert "total_cents" in invoice["required"]
    for name in ("one.v1.ParcelProto2", "one.v1.ParcelEditions"):
        assert components[name]["required"] == ["parcelId"]
        assert "weight" in components[name]["properties"]


def test_required_protobuf_fields_are_required_on_the_catalog_page() -> None:
    events = kinds()
    schemas = event_schemas(events)
    for name in ("parcel-sent", "parcel-held"):
        page = event_page(events.get(name), schemas)
        assert "| `parcel_id` | string | JSON name parcelId; required |" in page
        assert "| `weight` | int32 | optional |" in page


def test_json_in_and_out_is_the_serializers() -> None:
    events = kinds()
    order = events.get("order-placed")
    value: dict[str, Any] = {
        "order_id": "o-1",
        "placed_at": "2024-01-02T03:04:05Z",
        "colour": "red",
        "address": {"street": "Main", "city": "X"},
        "blob": "AAEC",
        "note": None,
        "history": [],
    }
    message = order.from_json(value)
    assert message.blob == b"\x00\x01\x02"
    assert order.to_json(message) == value
    assert events.get("invoice-sent").to_json(Invoice(net_cents=5, tax_cents=1)) == {
        "net_cents": 5,
        "tax_cents": 1,
        "total_cents": 6,
    }
    with pytest.raises(DecodeError, match="event 'paint-mixed': field litres: expected float"):
        events.get("paint-mixed").from_json({"colour": "red", "litres": "x"})
    with pytest.raises(DecodeError, match="field net_cents"):
        events.get("invoice-sent").from_json({"net_cents": "many"})
    parcel = events.get("parcel-sent")
    assert parcel.to_json(parcel.from_json({"parcelId": "p"})) == {"parcelId": "p"}


def test_a_serializer_that_only_encodes_is_described_by_its_schema_kind() -> None:
    @dataclasses.dataclass(frozen=True)
    class Upper:
        content_type: str = "text/plain"

        def encode(self, message: str) -> bytes:
            return message.upper().encode()

        def decode(self, data: bytes) -> str:
            return data.decode()

    event = Event("shout", str, serializer=Upper())  # type: ignore[arg-type]
    assert event.json_schema()["type"] == "string"
    assert event.from_json("hi") == "hi"
    opaque = Event("opaque", object, serializer=Upper())  # type: ignore[arg-type]
    assert opaque.json_schema()["description"] == "object, encoded as text/plain"


def test_the_ledger_on_a_server_publishes_the_same_schemas(nats_url: str, unique: str) -> None:
    events = kinds(f"-{unique}")

    async def go() -> list[Any]:
        async with events.connect(nats_url) as conn:
            await conn.register()
            return [e for e in await conn.ledger_entries() if e.event in events]

    found = asyncio.run(go())
    assert len(found) == len(events)
    _, from_ledger = ledger_catalog(found)
    from_registry = event_schemas(events)
    assert from_ledger.payloads == from_registry.payloads
    assert from_ledger.components == from_registry.components
