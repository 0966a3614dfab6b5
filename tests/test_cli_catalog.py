"""``protonats catalog``: Markdown pages and an AsyncAPI 3.0 document that the official
AsyncAPI JSON Schema accepts; plus the JSON mapping and human units the commands print."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import msgspec
import pytest
from google.protobuf import descriptor_pb2, struct_pb2, timestamp_pb2
from typer.testing import CliRunner

from protonats import Event, Events, Limits, _wire
from protonats._errors._cli import CliError
from protonats.cli._app import app
from protonats.cli._catalog_docs import asyncapi_document
from protonats.cli._human import duration, size
from protonats.cli._json import message_from_json, message_to_json
from tests import cli_registry

ASYNCAPI_SCHEMA = Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def asyncapi_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(ASYNCAPI_SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Paint(msgspec.Struct, frozen=True):
    colour: Colour
    litres: float
    by_room: dict[str, int] = {}


@dataclasses.dataclass(frozen=True, slots=True)
class Node:
    """A recursive dataclass."""

    name: str
    children: list[Node] = dataclasses.field(default_factory=list)


def many_kinds() -> Events:
    """One event of each kind of schema the catalog must describe."""
    return Events(
        Event("descriptor-seen", descriptor_pb2.DescriptorProto, description="proto2, recursive"),
        Event("struct-seen", struct_pb2.Struct),
        Event("clock-ticked", timestamp_pb2.Timestamp),
        Event("paint-mixed", Paint, limits=Limits(age=90, message_size=1500)),
        Event("tree-grown", Node),
        Event("raw-received", bytes),
        Event("count-changed", int),
    )


def test_catalog_command_writes_pages_and_a_valid_asyncapi_document(
    tmp_path: Path, asyncapi_validator: jsonschema.Draft7Validator
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "catalog",
            "--out",
            str(tmp_path),
            "-r",
            "tests.cli_registry:events_cat",
            "-s",
            "nats://h:4333",
            "--no-live",  # only named in the AsyncAPI document: nothing listens there
        ],
    )
    assert result.exit_code == 0, result.stderr
    names = ["order-placed-cat", "user-signed-up-cat", "options-changed-cat"]
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == sorted(
        f"{n}.{kind}" for n in names for kind in ("md", "html")
    )

    index = (tmp_path / "index.md").read_text()
    assert "[order-placed-cat](events/order-placed-cat.md)" in index
    assert "Registry version `1.0.0`" in index

    order = (tmp_path / "events" / "order-placed-cat.md").read_text()
    assert "Emitted once payment is authorised." in order
    assert "| `placed_at` | string (date-time) | (required) |" in order
    assert "| `note` | string \\| null | (default null) |" in order
    assert "### Item" in order  # the nested dataclass has a table of its own
    assert "- max age: 7 d" in order
    assert "- max message size: 64 KiB" in order
    assert "Publish to subject `order-placed-cat`" in order

    user = (tmp_path / "events" / "user-signed-up-cat.md").read_text()
    assert "| `email` | string | Where we write to the user. (required) |" in user

    options = (tmp_path / "events" / "options-changed-cat.md").read_text()
    assert "| `limits` | protonats.v1.Limits |  |" in options
    assert "| `max_bytes` | int64 | JSON name maxBytes; optional |" in options
    assert "### enum protonats.v1.Storage" in options
    assert "proto3 JSON mapping" in options

    document = json.loads((tmp_path / "asyncapi.json").read_text())
    errors = [e.message for e in asyncapi_validator.iter_errors(document)]
    assert errors == []
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["nats"] == {
        "host": "h:4333",
        "protocol": "nats",
        "description": "NATS with JetStream",
    }
    assert sorted(document["channels"]) == sorted(names)
    assert document["operations"]["emit-order-placed-cat"]["action"] == "send"
    message = document["components"]["messages"]["options-changed-cat"]
    assert message["contentType"] == "application/protobuf"
    assert message["payload"] == {"$ref": "#/components/schemas/protonats.v1.EventOptions"}


def test_examples_are_valid_messages(asyncapi_validator: jsonschema.Draft7Validator) -> None:
    """Each example payload in the document builds a message of its event."""
    events = cli_registry.make_events("examples")
    document = asyncapi_document(events)
    assert list(asyncapi_validator.iter_errors(document)) == []
    for event in events:
        example = document["components"]["messages"][event.name]["examples"][0]["payload"]
        message = message_from_json(event, json.dumps(example))
        assert isinstance(message, event.schema)
        assert message_to_json(event, message) is not None


def test_the_document_names_every_header_protonats_sets() -> None:
    events = cli_registry.make_events("headers")
    features = Event("with-features", bytes, allow_ttl=True, allow_atomic=True)
    document = asyncapi_document(Events(*events, features))
    per_feature = {_wire.TTL, _wire.BATCH_ID, _wire.BATCH_SEQUENCE, _wire.BATCH_COMMIT}
    for event in (*events, features):
        headers = document["components"]["messages"][event.name]["headers"]["properties"]
        wanted = set(_wire.RESERVED) - (set() if event is features else per_feature)
        assert wanted <= set(headers)  # and the optional ones, test_catalog_docs
        assert headers[_wire.EXPECTED_STREAM]["const"] == event.stream_name


def test_every_kind_of_schema_gives_a_valid_document(
    asyncapi_validator: jsonschema.Draft7Validator,
) -> None:
    events = many_kinds()
    document = asyncapi_document(events, title="kinds")
    assert [e.message for e in asyncapi_validator.iter_errors(document)] == []
    schemas = document["components"]["schemas"]
    descriptor = schemas["google.protobuf.DescriptorProto"]
    assert descriptor["properties"]["nestedType"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/google.protobuf.DescriptorProto"},
    }
    assert schemas["Paint"]["properties"]["by_room"]["type"] == "object"
    assert sorted(schemas["Colour"]["enum"]) == ["blue", "red"]
    payloads = {name: m["payload"] for name, m in document["components"]["messages"].items()}
    assert payloads["raw-received"] == {"type": "string", "contentEncoding": "base64"}
    assert payloads["struct-seen"] == {"type": "object"}  # well-known types: their JSON form
    assert payloads["clock-ticked"] == {"type": "string", "format": "date-time"}
    assert payloads["count-changed"] == {"type": "integer"}
    for event in events:
        if event.schema is bytes:
            continue
        example = document["components"]["messages"][event.name]["examples"][0]["payload"]
        message_from_json(event, json.dumps(example))


def test_catalog_pages_of_every_kind(tmp_path: Path) -> None:
    from protonats.cli._catalog_docs import write_catalog

    written = write_catalog(many_kinds(), tmp_path)
    assert len(written) == 9
    paint = (tmp_path / "events" / "paint-mixed.md").read_text()
    assert "| `colour` | Colour | (required) |" in paint
    assert '| `"red"` |  |  |' in paint
    assert "- max age: 1 min 30 s" in paint
    tree = (tmp_path / "events" / "tree-grown.md").read_text()
    assert "| `children` | array of Node |" in tree
    raw = (tmp_path / "events" / "raw-received.md").read_text()
    assert "(whole payload)" in raw


def test_shop_registry_catalog_when_generated(
    tmp_path: Path, asyncapi_validator: jsonschema.Draft7Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = Path(__file__).resolve().parent.parent / "gen" / "python"
    if not (generated / "shop_events" / "__init__.py").exists():
        pytest.skip("the example shop registry is not generated (make generate)")
    monkeypatch.syspath_prepend(str(generated))
    events = importlib.import_module("shop_events").EVENTS

    document = asyncapi_document(events)
    assert [e.message for e in asyncapi_validator.iter_errors(document)] == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(604_800, "7 d"), (5_400, "1 h 30 min"), (0.25, "250 ms"), (90.5, "1 min 30 s 500 ms")],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(100, "100 B"), (1 << 20, "1 MiB"), (1_500_000, "1.43 MiB"), (10 << 30, "10 GiB")],
)
def test_size(value: int, text: str) -> None:
    assert size(value) == text


def test_json_round_trip_of_each_kind() -> None:
    events = cli_registry.make_events("json")
    order = events.get("order-placed-json")
    body = {
        "order_id": "o",
        "amount_cents": 5,
        "items": [{"sku": "a", "quantity": 1}],
        "placed_at": "2024-01-02T03:04:05Z",
        "note": None,
    }
    assert message_to_json(order, message_from_json(order, json.dumps(body))) == body
    options = events.get("options-changed-json")
    proto: dict[str, Any] = {"name": "n", "limits": {"maxAge": "1.5s"}, "discard": "DISCARD_NEW"}
    out = message_to_json(options, message_from_json(options, json.dumps(proto)))
    assert out["limits"] == {"maxAge": "1.500s"}
    assert out["discard"] == "DISCARD_NEW"
    raw = Event("raw-json", bytes)
    assert message_from_json(raw, '"AAEC"') == b"\x00\x01\x02"
    assert message_to_json(raw, b"\x00\x01\x02") == "AAEC"
    with pytest.raises(CliError, match="field litres: expected float, got str"):
        message_from_json(Event("paint-json", Paint), '{"colour": "red", "litres": "x"}')
